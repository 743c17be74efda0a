"""Fund and call pages: admins create funds, record money, set up and run calls through the
forms; the public sees published calls; scopes, refusals and query counts hold."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from microventure.accounts.models import OrganizationKind, Role
from microventure.calls.models import Call, CallStatus
from microventure.core.timeutil import local_datetime, to_local, utcnow
from microventure.extensions import db
from microventure.funds.models import Fund
from tests.helpers_calls import RUBRIC, make_call, make_fund

MINUTE = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(make):
    home, other = make.street(), make.street()
    return {
        "home": home,
        "other": other,
        "admin": make.user(role=Role.STREET_ADMIN, street=home),
        "other admin": make.user(role=Role.STREET_ADMIN, street=other),
        "district": make.user(role=Role.DISTRICT_ADMIN),
    }


def call_form(fund, **overrides) -> dict:
    """Everything the call form posts, typed as an admin would (yuan, Beijing wall-clock time)."""
    today = to_local(utcnow()).date()
    opens = to_local(utcnow()).replace(second=0, microsecond=0) - timedelta(days=1)
    data = {
        "fund_id": str(fund.id),
        "street_id": str(fund.street_id or ""),
        "code": "NC-2026-MCT",
        "title": "2026年测试镇微创投",
        "year": "2026",
        "description": "面向本镇的社区微创投",
        "budget": "300,000",
        "domains": ["smart_elderly_care", "garbage_sorting"],
        "eligible_kinds": [k.value for k in OrganizationKind],
        "min_rating": "2",
        "max_applications_per_org": "2",
        "grant_min": "10000",
        "grant_max": "50000.50",
        "max_grant_share": "60",
        "cap_personnel": "30",
        "cap_administration": "10",
        "required_attachments": ["project_plan", "budget_sheet"],
        "reviewers_per_application": "3",
        "aggregation": "trimmed_mean",
        "funding_line_rule": "stop",
        "blind_review": "y",
        "disagreement_threshold": "20",
        "notice_working_days": "5",
        "project_starts_on": (today + timedelta(days=60)).isoformat(),
        "project_ends_on": (today + timedelta(days=400)).isoformat(),
        "midterm_report_due_on": (today + timedelta(days=200)).isoformat(),
        "final_report_due_on": (today + timedelta(days=410)).isoformat(),
        "overspend_tolerance": "10",
        "opens_at": opens.strftime(MINUTE),
        "closes_at": (opens + timedelta(days=15)).strftime(MINUTE),
    }
    for i, (name, points) in enumerate(RUBRIC):
        data[f"criteria-{i}-name"] = name
        data[f"criteria-{i}-description"] = f"{name}的说明"
        data[f"criteria-{i}-max_points"] = str(points)
    for i, (percent, trigger) in enumerate(
        [("50", "on_signing"), ("30", "midterm_accepted"), ("20", "final_accepted")]
    ):
        data[f"tranches-{i}-percent"] = percent
        data[f"tranches-{i}-trigger"] = trigger
    return data | overrides


def text(response) -> str:
    return response.get_data(as_text=True)


def the_call(code: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).where(Call.code == code))


# ------------------------------------------------------------------------------------ the story


def test_street_admin_runs_a_fund_and_a_call_through_the_pages(app, client, login_as, world):
    login_as(world["admin"])

    # a fund for their street
    page = text(client.get("/admin/funds/new"))
    assert f'value="{world["home"].id}"' in page and f'value="{world["other"].id}"' not in page
    response = client.post(
        "/admin/funds/new",
        data={
            "name": "测试镇社区基金",
            "kind": "community_fund",
            "street_id": str(world["home"].id),
            "description": "企业与居民捐赠",
        },
    )
    assert response.status_code == 302
    fund = db.session.scalar(select(Fund).where(Fund.name == "测试镇社区基金"))
    assert fund.street_id == world["home"].id
    assert response.headers["Location"].endswith(f"/admin/funds/{fund.id}")

    # money raised into it
    response = client.post(
        f"/admin/funds/{fund.id}/contributions",
        data={
            "donor": "爱心企业",
            "amount": "500,000",
            "received_on": "2026-03-01",
            "note": "年度",
        },
    )
    assert response.status_code == 302
    page = text(client.get(f"/admin/funds/{fund.id}"))
    assert "爱心企业" in page and "2026-03-01" in page
    assert page.count("¥500,000.00") >= 3  # the contribution, raised and unallocated
    assert "测试镇社区基金" in text(client.get("/admin/funds"))

    # a call on it, through the full form
    page = text(client.get(f"/admin/calls/new?fund_id={fund.id}"))
    assert "criteria-6-max_points" in page and "tranches-2-percent" in page  # the defaults
    option = re.search(rf'<option[^>]*value="{fund.id}"[^>]*>', page).group(0)
    assert "selected" in option
    response = client.post("/admin/calls/new", data=call_form(fund))
    assert response.status_code == 302, text(response)[:3000]
    call = the_call("NC-2026-MCT")
    assert response.headers["Location"].endswith(f"/admin/calls/{call.id}")
    assert call.status is CallStatus.DRAFT
    assert call.budget == 300_000_00 and call.grant_max == 50_000_50
    assert call.min_rating == 2 and call.max_applications_per_org == 2
    assert call.category_caps == {"personnel": 30, "administration": 10}
    assert [c.max_points for c in call.criteria] == [p for _n, p in RUBRIC]
    assert [t.percent for t in call.tranches] == [50, 30, 20]
    assert call.blind_review and not call.reviewer_names_in_notice
    opens = to_local(utcnow()).replace(second=0, microsecond=0) - timedelta(days=1)
    assert call.opens_at == local_datetime(opens.date(), opens.time())  # typed in Beijing time

    # the edit form shows what was saved, in Beijing time; saving a change keeps the rest
    page = text(client.get(f"/admin/calls/{call.id}/edit"))
    assert "2026年测试镇微创投" in page and "300000.00" in page
    assert f'value="{opens.strftime(MINUTE)}"' in page
    response = client.post(
        f"/admin/calls/{call.id}/edit", data=call_form(fund, title="2026年测试镇微创投（修订）")
    )
    assert response.status_code == 302
    call = the_call("NC-2026-MCT")
    assert call.title == "2026年测试镇微创投（修订）"
    assert len(call.criteria) == len(RUBRIC)

    # the fund now shows the allocation and the call
    page = text(client.get(f"/admin/funds/{fund.id}"))
    assert "NC-2026-MCT" in page and "¥300,000.00" in page and "¥200,000.00" in page

    # publish; the admin's page then offers closing, not editing
    assert client.post(f"/admin/calls/{call.id}/publish").status_code == 302
    call = the_call("NC-2026-MCT")
    assert call.status is CallStatus.PUBLISHED
    page = text(client.get(f"/admin/calls/{call.id}"))
    assert f"/admin/calls/{call.id}/close" in page and f"/admin/calls/{call.id}/edit" not in page
    assert f"/admin/calls/{call.id}/applications" in page
    assert "call.published" in page  # the audit timeline

    # a published call cannot be edited any more
    response = client.get(f"/admin/calls/{call.id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/calls/{call.id}")

    # anyone can find and read it
    anonymous = app.test_client()
    page = text(anonymous.get("/calls"))
    assert "2026年测试镇微创投（修订）" in page and f"/calls/{call.id}" in page
    page = text(anonymous.get(f"/calls/{call.id}"))
    for expected in ("面向本镇的社区微创投", "¥10,000.00", "¥50,000.50", "60%", "40%", "2A"):
        assert expected in page, expected
    for name, _points in RUBRIC:
        assert name in page and f"{name}的说明" in page
    assert call.closes_at.astimezone(to_local(utcnow()).tzinfo).strftime("%Y-%m-%d %H:%M") in page
    assert "/auth/login?next=" in page and "/apply" not in page


def test_district_admin_creates_a_district_wide_fund(client, login_as, world):
    login_as(world["district"])
    page = text(client.get("/admin/funds/new"))
    assert f'value="{world["home"].id}"' in page and f'value="{world["other"].id}"' in page
    response = client.post(
        "/admin/funds/new", data={"name": "区慈善资金池", "kind": "charity_pool", "street_id": ""}
    )
    assert response.status_code == 302
    fund = db.session.scalar(select(Fund).where(Fund.name == "区慈善资金池"))
    assert fund.street_id is None


def test_a_refused_contribution_is_shown_again_with_its_input(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    login_as(world["admin"])
    response = client.post(
        f"/admin/funds/{fund.id}/contributions",
        data={"donor": "居民众筹", "amount": "12.345", "received_on": "2026-04-02"},
    )
    assert response.status_code == 200
    page = text(response)
    assert 'value="居民众筹"' in page and 'value="12.345"' in page and "is-invalid" in page
    assert len(fund.contributions) == 1


# ------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"criteria-1-max_points": "20"}, "criteria"),  # 95 points
        ({"tranches-0-percent": "40"}, "tranches"),  # 90%
        ({"budget": "600000"}, "budget"),  # the fund holds 500,000
    ],
)
def test_refused_settings_keep_everything_typed(client, login_as, world, change, field):
    fund = make_fund(actor=world["admin"], street=world["home"])
    login_as(world["admin"])
    client.get("/?lang=en")
    data = call_form(fund, title="我们输入的标题", **change) | {"criteria-3-name": "我们输入的标准"}
    response = client.post("/admin/calls/new", data=data)
    assert response.status_code == 200
    page = text(response)
    assert f'data-error-for="{field}"' in page
    assert 'value="我们输入的标题"' in page and 'value="我们输入的标准"' in page
    assert f'value="{change[next(iter(change))]}"' in page
    if field == "criteria":
        assert "add up to 95" in page
    if field == "tranches":
        assert "add up to 90%" in page
    assert db.session.scalar(select(Call.id).where(Call.fund_id == fund.id)) is None


def test_a_row_problem_sits_next_to_the_row(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    login_as(world["admin"])
    response = client.post(
        "/admin/calls/new", data=call_form(fund, **{"criteria-2-max_points": ""})
    )
    assert response.status_code == 200
    assert 'data-error-for="criteria-2-max_points"' in text(response)


def test_rows_removed_on_the_page_leave_gaps_that_are_accepted(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    login_as(world["admin"])
    data = call_form(fund)
    for key in ("criteria-6-name", "criteria-6-description", "criteria-6-max_points"):
        del data[key]  # sustainability (5 points) removed…
    data |= {"criteria-9-name": "社区参与", "criteria-9-max_points": "5"}  # …and one added
    assert client.post("/admin/calls/new", data=data).status_code == 302
    assert the_call("NC-2026-MCT").criteria[-1].name == "社区参与"


# ---------------------------------------------------------------------------------------- scope


def test_street_admin_cannot_reach_another_streets_fund_or_call(client, login_as, world):
    fund = make_fund(actor=world["other admin"], street=world["other"])
    call = make_call(actor=world["other admin"], fund=fund, publish=False)
    login_as(world["admin"])
    for url in (
        f"/admin/funds/{fund.id}",
        f"/admin/calls/{call.id}",
        f"/admin/calls/{call.id}/edit",
        f"/calls/{call.id}",  # a draft
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/admin/funds/{fund.id}/contributions",
        f"/admin/calls/{call.id}/publish",
        f"/admin/calls/{call.id}/close",
        f"/admin/calls/{call.id}/copy",
    ):
        assert client.post(url).status_code == 404, url
    assert str(fund.name) not in text(client.get("/admin/funds"))
    assert call.code not in text(client.get("/admin/calls"))

    # nor can they create a fund for the other street, or a call on the other street's fund
    response = client.post(
        "/admin/funds/new",
        data={"name": "越权基金", "kind": "community_fund", "street_id": str(world["other"].id)},
    )
    assert response.status_code == 200 and 'value="越权基金"' in text(response)
    assert db.session.scalar(select(Fund.id).where(Fund.name == "越权基金")) is None
    response = client.post("/admin/calls/new", data=call_form(fund, code="X-2026"))
    assert response.status_code == 200
    assert the_call("X-2026") is None


def test_a_street_fund_pays_for_its_own_street_only(client, login_as, world):
    fund = make_fund(actor=world["district"], street=world["home"])
    login_as(world["district"])
    response = client.post(
        "/admin/calls/new", data=call_form(fund, street_id=str(world["other"].id))
    )
    assert response.status_code == 200
    assert the_call("NC-2026-MCT") is None


def test_public_pages_hide_drafts_and_offer_members_the_apply_button(
    app, client, login_as, world, make
):
    fund = make_fund(actor=world["admin"], street=world["home"])
    draft = make_call(actor=world["admin"], fund=fund, publish=False, code="D-2026")
    open_call = make_call(actor=world["admin"], fund=fund, code="O-2026", budget=100_000_00)
    anonymous = app.test_client()
    assert anonymous.get(f"/calls/{draft.id}").status_code == 404
    assert "D-2026" not in text(anonymous.get("/calls"))
    assert anonymous.get("/calls/999999").status_code == 404
    login_as(world["district"])  # may see every call, but not one that does not exist
    for url in ("/calls/999999", "/admin/calls/999999", "/admin/funds/999999"):
        assert client.get(url).status_code == 404, url
    client.post("/auth/logout")

    member = make.user()
    make.organization(street=world["home"], owner=member)
    login_as(member)
    page = text(client.get(f"/calls/{open_call.id}"))
    assert f'action="/calls/{open_call.id}/apply"' in page
    assert client.get(f"/calls/{draft.id}").status_code == 404

    # admins who manage a draft may preview its public page
    client.post("/auth/logout")
    login_as(world["admin"])
    assert client.get(f"/calls/{draft.id}").status_code == 200


def test_upcoming_and_closed_calls_are_listed_apart(app, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    now = utcnow()
    upcoming = make_call(
        actor=world["admin"],
        fund=fund,
        code="U-2026",
        budget=100_000_00,
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=20),
    )
    closed = make_call(actor=world["admin"], fund=fund, code="C-2026", budget=100_000_00)
    closed.closes_at = now - timedelta(days=2)
    closed.opens_at = now - timedelta(days=30)
    page = text(app.test_client().get("/calls"))
    current, _sep, recent = page.partition('data-testid="closed-calls"')
    assert "U-2026" in current and "C-2026" in recent
    page = text(app.test_client().get(f"/calls/{upcoming.id}"))
    assert "/apply" not in page and "/auth/login?next=" not in page


# -------------------------------------------------------------------------- close early and copy


def test_close_early_ends_the_call_now(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    call = make_call(actor=world["admin"], fund=fund)
    assert call.is_open(utcnow())
    login_as(world["admin"])
    response = client.post(f"/admin/calls/{call.id}/close")
    assert response.status_code == 302
    call = the_call(call.code)
    assert not call.is_open(utcnow())
    assert call.closes_at <= utcnow()
    page = text(client.get(f"/admin/calls/{call.id}"))
    assert "call.closed_early" in page and f"/admin/calls/{call.id}/close" not in page
    # closing twice is refused with a message, not an error page
    response = client.post(f"/admin/calls/{call.id}/close", follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in text(response)


def test_copy_creates_next_years_draft_and_opens_its_form(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    call = make_call(actor=world["admin"], fund=fund, budget=100_000_00)
    login_as(world["admin"])
    response = client.post(f"/admin/calls/{call.id}/copy")
    assert response.status_code == 302
    copy = the_call("NC-2027-MCT")
    assert copy.status is CallStatus.DRAFT and copy.year == call.year + 1
    assert copy.copied_from_id == call.id
    assert response.headers["Location"].endswith(f"/admin/calls/{copy.id}/edit")
    page = text(client.get(f"/admin/calls/{copy.id}/edit"))
    assert 'value="NC-2027-MCT"' in page and 'value="2027"' in page


def test_copy_refused_when_the_fund_is_spent_says_why(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    call = make_call(actor=world["admin"], fund=fund)  # 300,000 of 500,000
    login_as(world["admin"])
    response = client.post(f"/admin/calls/{call.id}/copy", follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in text(response)
    assert the_call("NC-2027-MCT") is None


def test_publishing_a_call_whose_close_has_passed_is_refused(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    call = make_call(actor=world["admin"], fund=fund, publish=False)
    call.opens_at, call.closes_at = utcnow() - timedelta(days=5), utcnow() - timedelta(days=1)
    login_as(world["admin"])
    client.post(f"/admin/calls/{call.id}/publish")
    assert the_call(call.code).status is CallStatus.DRAFT


# -------------------------------------------------------------------------------- query budget


def _calls(world, fund, n: int, start: int) -> None:
    for i in range(start, start + n):
        make_call(
            actor=world["admin"],
            fund=fund,
            code=f"Q-{i}",
            budget=10_000_00,
            grant_min=1_000_00,
            grant_max=10_000_00,
            publish=i % 3 != 0,  # some drafts among them
        )


@pytest.mark.parametrize("url", ["/calls", "/admin/calls", "/admin/funds"])
def test_lists_cost_the_same_whatever_the_number_of_calls(
    client, login_as, count_queries, world, url
):
    fund = make_fund(actor=world["admin"], street=world["home"])
    member_of = world["admin"]
    login_as(member_of)
    _calls(world, fund, 2, 0)
    client.get(url)  # warm-up: first-request work is not the page's
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _calls(world, fund, 10, 2)
    with count_queries() as many:
        page = text(client.get(url))
    assert many.count == few.count, many.statements
    assert few.count <= 15
    if url != "/admin/funds":
        assert "Q-11" in page


def test_call_pages_cost_a_fixed_number_of_queries(client, login_as, count_queries, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    call = make_call(actor=world["admin"], fund=fund)
    login_as(world["admin"])
    for url in (f"/calls/{call.id}", f"/admin/calls/{call.id}", f"/admin/funds/{fund.id}"):
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        assert q.count <= 15, (url, q.statements)


def test_times_are_typed_and_shown_in_beijing_time(client, login_as, world):
    fund = make_fund(actor=world["admin"], street=world["home"])
    login_as(world["admin"])
    today = to_local(utcnow()).date()
    opens, closes = today + timedelta(days=1), today + timedelta(days=10)
    data = call_form(
        fund,
        opens_at=f"{opens.isoformat()}T09:00",
        closes_at=f"{closes.isoformat()}T17:30",
    )
    assert client.post("/admin/calls/new", data=data).status_code == 302
    call = the_call("NC-2026-MCT")
    assert call.opens_at == local_datetime(opens, time(9, 0))
    assert call.closes_at == local_datetime(closes, time(17, 30))
    assert call.closes_at.hour == 9 and call.closes_at.minute == 30  # 17:30 Beijing is 09:30 UTC
    page = text(client.get(f"/admin/calls/{call.id}"))
    assert f"{closes.isoformat()} 17:30" in page


# ------------------------------------------------------------------------- in a phone's browser


@pytest.mark.browser
@pytest.mark.no_transaction
def test_call_form_on_a_phone_counts_points_and_adds_rows(live_server, phone):
    app, base = live_server
    page = phone
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    page.goto(f"{base}/auth/login")
    page.fill("#email", "street@demo.local")
    page.fill("#password", "demo-password")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/admin/funds")
    assert page.evaluate(fits)
    page.locator("[data-testid=funds] a").first.click()
    page.wait_for_load_state()
    assert page.evaluate(fits)
    page.click("a[href^='/admin/calls/new?fund_id=']")
    page.wait_for_load_state()
    assert page.evaluate(fits)

    # the defaults add up, and the totals follow what is typed, added and removed
    assert page.text_content("#criteria-total") == "100"
    assert page.text_content("#tranches-total") == "100"
    assert page.text_content("[data-matching-share]") == "40"
    page.fill("#criteria-1-max_points", "20")
    assert page.text_content("#criteria-total") == "95"
    assert "text-danger" in page.get_attribute("#criteria-total", "class")
    page.click("#criteria [data-add-row]")
    page.fill("#criteria-7-name", "社区参与")
    page.fill("#criteria-7-max_points", "5")
    assert page.text_content("#criteria-total") == "100"
    page.locator("#tranches [data-remove-row]").last.click()
    assert page.text_content("#tranches-total") == "80"
    page.fill("#tranches-1-percent", "50")
    assert page.text_content("#tranches-total") == "100"
    page.fill("#max_grant_share", "70")
    assert page.text_content("[data-matching-share]") == "30"
    assert page.evaluate(fits)

    today = to_local(utcnow()).date()
    page.fill("#title", "手机上创建的征集")
    page.fill("#code", "PHONE-2026")
    page.fill("#budget", "100000")
    page.fill("#grant_min", "10000")
    page.fill("#grant_max", "50000")
    page.check("input[name=domains][value=mental_health]")
    for field, days in (
        ("project_starts_on", 60),
        ("project_ends_on", 400),
        ("midterm_report_due_on", 200),
        ("final_report_due_on", 410),
    ):
        page.fill(f"#{field}", (today + timedelta(days=days)).isoformat())
    page.fill("#opens_at", f"{(today + timedelta(days=1)).isoformat()}T09:00")
    page.fill("#closes_at", f"{(today + timedelta(days=20)).isoformat()}T17:00")
    page.click("form[data-call-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/calls/\d+$"))
    assert page.evaluate(fits)

    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.code == "PHONE-2026"))
        assert [c.max_points for c in call.criteria][-1] == 5 and len(call.criteria) == 8
        assert [t.percent for t in call.tranches] == [50, 50]
        assert call.max_grant_share == 70
        assert call.closes_at == local_datetime(today + timedelta(days=20), time(17, 0))
