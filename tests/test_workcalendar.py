"""The working-day calendar the district maintains: entering a year on the page or from a file,
its rules, who may, the audit, and the notice window reading it. The 2027 schedule below is test
data, not the State Council's (which this project must never ship before it is published)."""

import json
from datetime import UTC, date, datetime, time

import chinese_calendar
import pytest
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.calls.models import CallStatus
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_datetime
from microventure.core.workdays import (
    PACKAGE_YEARS,
    CalendarNotCovered,
    count_workdays,
    is_workday,
)
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.decisions.models import Notice
from microventure.extensions import db
from microventure.workcalendar import services
from microventure.workcalendar.models import CalendarDay, CalendarYear
from microventure.workcalendar.services import Holiday, YearSchedule
from tests.conftest import login
from tests.html_forms import form_data
from tests.test_decisions_world import YUAN, decision_world

K = 1_000 * YUAN
SOURCE = "测试用通知（测试〔2026〕1号）"
# Test data: New Year's Day off Friday 1 to Sunday 3 January, Saturday 9 January worked.
FORM_2027 = {
    "year": "2027",
    "source_title": SOURCE,
    "source_published_on": "2026-11-20",
    "holidays-0-name": "元旦",
    "holidays-0-first": "2027-01-01",
    "holidays-0-last": "2027-01-03",
    "makeup_days-0-day": "2027-01-09",
}
JSON_2027 = {
    "year": 2027,
    "source": SOURCE,
    "published_on": "2026-11-20",
    "holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"}],
    "makeup_days": ["2027-01-09"],
}
# Monday 28 December 2026, 10:00 in Shanghai: a 5-working-day window reaches into 2027.
PUBLISHED = local_datetime(date(2026, 12, 28), time(10, 0))

# The refusals below are the real ones: no provisional years (tests/conftest.py).
pytestmark = pytest.mark.official_calendar


@pytest.fixture
def district(make):
    return make.user(role=Role.DISTRICT_ADMIN, locale="en")


@pytest.fixture
def december_world(make, monkeypatch):
    """A call with one recommended application, whose notice is published on 28 December."""
    world = decision_world(make, requests=[20 * K], scores=[90])
    decisions.recommend(application=world["applications"][0], amount=20 * K, actor=world["admin"])
    monkeypatch.setattr(notice_services, "utcnow", lambda: PUBLISHED)
    return world


def enter_on_the_page(client, overrides: dict, year: int | None = None):
    """Fill the calendar page's form as a browser would (its blank rows included) and save."""
    page = "/admin/calendar" + (f"?year={year}" if year else "")
    html = client.get(page).get_data(as_text=True)
    return client.post(
        "/admin/calendar", data=form_data(html, "/admin/calendar", page=page, overrides=overrides)
    )


def publish_from_the_page(client, world) -> str:
    login(client, world["admin"])
    response = client.post(f"/admin/calls/{world['call'].id}/notice/publish")
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def notice_of(world):
    return db.session.scalar(select(Notice).where(Notice.call_id == world["call"].id))


# ------------------------------------------------------------------------------ the package


def test_the_package_covers_whole_years_up_to_2026_and_refuses_2027():
    # chinesecalendar 1.11: its last entries are October 2026, but it answers for every day of
    # its last year (weekends and weekdays) and raises NotImplementedError from 1 January 2027.
    assert PACKAGE_YEARS[-1] == 2026
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    with pytest.raises(NotImplementedError, match="2027"):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_a_year_nobody_covers_is_refused_with_what_to_do(app):
    with app.test_request_context(), pytest.raises(CalendarNotCovered) as raised:
        notice_services.notice_window(PUBLISHED, 5)
    assert "2027" in str(raised.value)
    assert "在工作日历页面录入" in str(raised.value)  # zh_CN, the default: what to do


# ------------------------------------------------------ the notice of 28 December, end to end


def test_notice_of_28_december_is_refused_until_2027_is_entered_on_the_page(
    client, december_world, district
):
    html = publish_from_the_page(client, december_world)
    assert "The working-day calendar for 2027 has not been entered yet" in html
    assert december_world["call"].status is not CallStatus.NOTICE

    login(client, district)
    response = enter_on_the_page(client, FORM_2027)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "is saved" in client.get(response.headers["Location"]).get_data(as_text=True)

    html = publish_from_the_page(client, december_world)
    assert "The notice is published" in html
    notice = notice_of(december_world)
    # 28, 29, 30, 31 December, then Monday 4 January (1–3 January off)
    assert (notice.starts_on, notice.ends_on) == (date(2026, 12, 28), date(2027, 1, 4))
    assert notice.ends_at == datetime(2027, 1, 4, 16, 0, tzinfo=UTC)


def test_notice_of_28_december_works_once_2027_is_imported_from_a_file(
    app, client, december_world, district, tmp_path
):
    assert "has not been entered yet" in publish_from_the_page(client, december_world)
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(JSON_2027, ensure_ascii=False), encoding="utf-8")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["calendar", "import", str(path), "--by", district.email, "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "2027 is imported: 3 holiday day(s), 1 make-up working day(s)" in result.output
    assert "The notice is published" in publish_from_the_page(client, december_world)
    assert notice_of(december_world).ends_on == date(2027, 1, 4)


def test_csv_import(app, district, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "kind,name,first,last\n"
        "# a comment\n"
        "year,2027\n"
        f"source,{SOURCE},2026-11-20\n"
        "holiday,元旦,2027-01-01,2027-01-03\n"
        "holiday,测试日,2027-01-06\n"  # one day: the last day may be left out
        "makeup,2027-01-09\n",
        encoding="utf-8",
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["calendar", "import", str(path), "--by", district.email]
    )
    assert result.exit_code == 0, result.output
    assert "2027 年工作日历已导入" in result.output
    assert not is_workday(date(2027, 1, 6))  # a Wednesday off
    assert is_workday(date(2027, 1, 9))  # a Saturday worked
    assert is_workday(date(2027, 1, 7)) and not is_workday(date(2027, 1, 10))


# ------------------------------------------------------------------------- precedence, speed


def schedule_2026(**changes) -> YearSchedule:
    values = {
        "year": 2026,
        "source_title": SOURCE,
        "source_published_on": date(2025, 11, 4),
        "holidays": [Holiday("国庆节", date(2026, 10, 1), date(2026, 10, 8))],
        "makeup_days": [],
    }
    return YearSchedule(**(values | changes))


def test_a_year_entered_by_hand_overrides_the_package(district):
    # the package: Thu 8 Oct works, Sat 10 Oct is a make-up working day
    assert is_workday(date(2026, 10, 8)) and is_workday(date(2026, 10, 10))
    services.set_year(schedule=schedule_2026(), actor=district)
    assert not is_workday(date(2026, 10, 8))  # a holiday by hand
    assert not is_workday(date(2026, 10, 10))  # not made up by hand: a Saturday rests
    assert is_workday(date(2026, 9, 30)) and not is_workday(date(2026, 9, 20))
    first, last, _ = notice_services.notice_window(local_datetime(date(2026, 9, 30)), 3)
    assert (first, last) == (date(2026, 9, 30), date(2026, 10, 12))


def test_counting_a_whole_year_reads_the_calendar_once(district, count_queries):
    services.set_year(schedule=schedule_2026(), actor=district)
    with count_queries() as q:
        total = count_workdays(date(2026, 1, 1), date(2026, 12, 31))
        count_workdays(date(2026, 1, 1), date(2026, 12, 31))
    assert q.count == 1
    assert total == 261 - 6  # 261 weekdays in 2026; 1–8 Oct holds six of them


# ------------------------------------------------------------------------------- validation


def test_the_page_refuses_a_schedule_that_breaks_the_rules(client, district):
    login(client, district)
    data = FORM_2027 | {
        "holidays-1-name": "春节",
        "holidays-1-first": "2026-02-15",  # not in 2027
        "holidays-1-last": "2026-02-23",
        "makeup_days-1-day": "2027-01-06",  # a Wednesday
        "makeup_days-2-day": "2027-01-02",  # inside New Year's Day
        "source_title": "",
    }
    response = enter_on_the_page(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "2026-02-15 is not in 2027.",
        "2027-01-06 is a weekday: a make-up working day falls on a Saturday or Sunday.",
        "2027-01-02 cannot be both a holiday and a make-up working day.",
        "Give the State Council notice&#39;s name and number.",
    ):
        assert message in html
    assert db.session.scalar(select(CalendarYear).where(CalendarYear.year == 2027)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"holidays": [Holiday("国庆节", date(2026, 10, 8), date(2026, 10, 1))]},
            "before its first",
        ),
        (
            {"holidays": [Holiday("甲", date(2026, 10, 1), date(2026, 10, 3))] * 2},
            "2026-10-01 is in two holidays.",
        ),
        ({"holidays": [Holiday("", date(2026, 10, 1), date(2026, 10, 3))]}, "holiday's name"),
        ({"holidays": []}, "at least one public holiday"),
        ({"holidays": [Holiday("甲", date(2026, 1, 1), date(2026, 3, 1))]}, "not plausible"),
        ({"makeup_days": [date(2026, 9, 20)] * 2}, "2026-09-20 is listed twice."),
        ({"year": 1999}, "between 2000 and 2100"),
        ({"source_published_on": None}, "date the notice was published"),
    ],
)
def test_rules_of_a_year(app, district, changes, message):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"), pytest.raises(services.RuleViolations) as raised:
            services.set_year(schedule=schedule_2026(**changes), actor=district)
        assert message in str(raised.value)


def test_the_import_refuses_a_bad_file_with_every_problem(app, district, tmp_path):
    path = tmp_path / "bad.json"
    bad = JSON_2027 | {"makeup_days": ["2027-01-01", "2027-01-05", "2028-01-08"]}
    path.write_text(json.dumps(bad), encoding="utf-8")
    db.session.commit()
    run = app.test_cli_runner().invoke
    result = run(args=["calendar", "import", str(path), "--by", district.email, "--lang", "en"])
    assert result.exit_code == 1
    assert "2027-01-01 cannot be both a holiday and a make-up working day." in result.output
    assert "2027-01-05 is a weekday" in result.output
    assert "2028-01-08 is not in 2027." in result.output
    path.write_text("year,2027\nholiday,元旦,2027-13-01\nholidays,x\n", encoding="utf-8")
    path = path.rename(tmp_path / "bad.csv")
    result = run(args=["calendar", "import", str(path), "--by", district.email, "--lang", "en"])
    assert result.exit_code == 1
    assert "Line 2: “2027-13-01” is not a date (YYYY-MM-DD)." in result.output
    assert "Line 3: “holidays” is not one of year, source, holiday, makeup." in result.output
    assert db.session.scalar(select(CalendarYear).where(CalendarYear.year == 2027)) is None


# ---------------------------------------------------------------------------- access, audit


def test_only_district_admins_reach_the_calendar(client, make, district):
    assert client.get("/admin/calendar").headers["Location"].startswith("/auth/login")
    assert (
        client.post("/admin/calendar", data=FORM_2027).headers["Location"].startswith("/auth/login")
    )
    login(client, make.user(role=Role.STREET_ADMIN, street=make.street()))
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar", data=FORM_2027).status_code == 403
    assert db.session.scalar(select(CalendarYear)) is None
    login(client, district)
    assert client.get("/admin/calendar").status_code == 200


def test_the_import_refuses_anyone_but_a_district_admin(app, make, tmp_path):
    street_admin = make.user(role=Role.STREET_ADMIN, street=make.street())
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(JSON_2027), encoding="utf-8")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["calendar", "import", str(path), "--by", street_admin.email, "--lang", "en"]
    )
    assert result.exit_code == 1
    assert "Only a district admin may change the working-day calendar." in result.output


def test_entering_and_replacing_a_year_is_audited(client, district):
    login(client, district)
    assert enter_on_the_page(client, FORM_2027).status_code == 302
    replaced = {"holidays-0-last": "2027-01-01", "makeup_days-0-day": ""}
    assert enter_on_the_page(client, replaced, year=2027).status_code == 302
    entry = db.session.scalar(select(CalendarYear).where(CalendarYear.year == 2027))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "calendar_years", AuditEvent.object_id == entry.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["calendar.year_entered", "calendar.year_replaced"]
    assert {e.actor_id for e in events} == {district.id}
    assert events[0].before is None
    assert events[0].after["holidays"] == [
        ["2027-01-01", "元旦"],
        ["2027-01-02", "元旦"],
        ["2027-01-03", "元旦"],
    ]
    assert events[1].before["makeup_days"] == ["2027-01-09"]
    assert events[1].after == {
        "source_title": SOURCE,
        "source_published_on": "2026-11-20",
        "holidays": [["2027-01-01", "元旦"]],
        "makeup_days": [],
    }
    days = db.session.scalars(select(CalendarDay.day).where(CalendarDay.year_id == entry.id))
    assert list(days) == [date(2027, 1, 1)]  # replaced, not added to


def test_the_page_lists_the_years_and_where_they_come_from(client, district, count_queries):
    services.set_year(schedule=schedule_2026(), actor=district)
    login(client, district)
    assert enter_on_the_page(client, FORM_2027).status_code == 302
    with count_queries() as q:
        html = client.get("/admin/calendar?lang=en").get_data(as_text=True)
    assert q.count <= 8
    assert 'data-year="2027" data-source="entered"' in html
    assert 'data-year="2026" data-source="entered"' in html
    assert 'data-year="2025" data-source="package"' in html
    assert 'data-year="2004" data-source="package"' in html
    assert "2003" not in html.split('data-testid="calendar-years"')[1].split("</div>\n</div>")[0]
    assert SOURCE in html
    # a year is shown for editing as it was entered
    html = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert 'value="2027-01-03"' in html and 'value="2027-01-09"' in html


# ------------------------------------------------------------------- the November warning


def home_warning(client, monkeypatch, today: date) -> bool:
    from microventure.core import views as core_views

    monkeypatch.setattr(core_views, "local_today", lambda: today)
    html = client.get("/").get_data(as_text=True)
    if 'data-testid="calendar-warning"' not in html:
        return False
    assert "The working-day calendar for 2027 has not been entered yet" in html
    assert 'href="/admin/calendar"' in html.split('data-testid="calendar-warning"')[1]
    return True


def test_home_page_warns_from_1_november_while_next_year_is_missing(
    client, make, district, monkeypatch
):
    login(client, district)
    assert not home_warning(client, monkeypatch, date(2026, 10, 31))
    assert home_warning(client, monkeypatch, date(2026, 11, 1))
    assert home_warning(client, monkeypatch, date(2026, 12, 28))
    login(client, make.user(role=Role.STREET_ADMIN, street=make.street()))
    assert not home_warning(client, monkeypatch, date(2026, 11, 1))  # they cannot enter it
    login(client, district)
    assert enter_on_the_page(client, FORM_2027).status_code == 302
    assert not home_warning(client, monkeypatch, date(2026, 11, 1))


def test_digest_warns_district_admins_from_1_november(district, make):
    from microventure.notifications.models import Notification
    from microventure.reminders import scans as reminders

    inactive = make.user(role=Role.DISTRICT_ADMIN)
    inactive.is_active = False

    def warned(today: date) -> list:
        reminders.run_all(today)
        return db.session.execute(
            select(Notification.recipient_id, Notification.link).where(
                Notification.kind == "digest.calendar_not_covered",
                Notification.dedup_key.contains(f":{today}:"),
            )
        ).all()

    assert warned(date(2026, 10, 31)) == []
    assert warned(date(2026, 11, 1)) == [(district.id, "/admin/calendar")]
    assert reminders.calendar_not_covered(date(2026, 11, 1)) == 0  # once a day
    new_year = Holiday("元旦", date(2027, 1, 1), date(2027, 1, 1))
    services.set_year(schedule=schedule_2026(year=2027, holidays=[new_year]), actor=district)
    assert warned(date(2026, 11, 2)) == []
