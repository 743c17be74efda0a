"""The demo tells the seed document's story: its 2020 round on the dashboard, to the figure."""

import re
import time

from tests.test_stats_dashboard import headline, table_rows, total_row


def test_the_demo_dashboard_shows_the_seed_round_for_2020(app, client, login_as):
    runner = app.test_cli_runner()
    started = time.perf_counter()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    print(f"demo load: {time.perf_counter() - started:.2f} s")
    client.post("/auth/login", data={"email": "district@demo.local", "password": "demo-password"})
    html = client.get("/admin/stats?year=2020").get_data(as_text=True)
    assert headline(html, "raised") == "¥1,150,000.00"
    assert headline(html, "received") == "112"
    assert headline(html, "approved") == "71"
    assert headline(html, "activities") == "196"
    streets = table_rows(html, "applications-street")
    assert {name: cells[2] for name, cells in streets.items()} == {
        "南村镇": "25",
        "桥南街道": "24",
        "市桥街道": "22",
    }
    assert total_row(html, "projects")["projects_completed"] == "68"
    months = table_rows(
        client.get("/admin/stats?year=2020&by=month").get_data(as_text=True), "activities-month"
    )
    assert max(months) == "2020-09"  # 196 activities by September, as the seed says
    # and loading again writes nothing twice
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    again = client.get("/admin/stats?year=2020").get_data(as_text=True)
    assert headline(again, "received") == "112"
    assert re.search(r"NC-2020-MCT", again)
