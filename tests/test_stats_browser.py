"""The results charts in a real browser at 375 px: drawn by ECharts from the JSON block, no
console errors, the page no wider than the phone."""

import pytest

from tests.test_browser import fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def watch_errors(page) -> list[str]:
    """Console errors, script errors and failed requests (but the browser's own favicon.ico
    request: the app has no favicon, a matter for another page than this one)."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return errors


def real(errors: list[str]) -> list[str]:
    return [e for e in errors if not e.endswith("/favicon.ico")]


def charts_drawn(page, keys) -> None:
    for key in keys:
        chart = page.locator(f'[data-chart="{key}"]')
        chart.locator("svg, canvas").first.wait_for(state="attached", timeout=10_000)
        box = chart.bounding_box()
        assert box and 300 <= box["width"] <= 375 and box["height"] >= 200
        assert page.locator(f'[data-chart-table="{key}"] tbody tr').count() >= 1


def test_the_dashboards_charts_render_on_a_phone(phone, live_server):
    _app, base = live_server
    errors = watch_errors(phone)
    log_in(phone, base, "district@demo.local")
    phone.goto(f"{base}/admin/stats")
    charts_drawn(phone, ["month", "domain", "street", "money"])
    assert fits_the_screen(phone)
    assert real(errors) == []


def test_the_public_results_charts_render_on_a_phone(phone, live_server):
    _app, base = live_server
    errors = watch_errors(phone)
    phone.goto(f"{base}/results")
    charts_drawn(phone, ["domain", "street", "money"])
    assert fits_the_screen(phone)
    assert real(errors) == []
