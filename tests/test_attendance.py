"""Verified attendance (签到): sessions and their QR code, check-in and out through the public
page, deduplication, expired and rotated codes, the record's flag, the stats' verified figure,
retention and who may do what."""

import io
import re
from datetime import timedelta

import pytest
from flask import g
from flask_babel import force_locale
from sqlalchemy import func, select

from microventure.accounts.models import Role
from microventure.attendance import queries, services, tokens
from microventure.attendance.models import AttendanceSession, CheckIn, CheckInKind
from microventure.core.errors import DomainError
from microventure.core.models import AuditEvent
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivitySummary
from tests.test_activities_support import active_round, record

NOW = utcnow()


@pytest.fixture(autouse=True)
def english(app):
    g.messages_in = "en"
    with force_locale("en"):
        yield


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def login_as(login_as, client):
    """Signed in, the pages in English (a log-in starts a new session, without the language)."""

    def _login(user):
        login_as(user)
        client.get("/?lang=en")

    return _login


@pytest.fixture
def r(make, client):
    client.get("/?lang=en")  # the pages in English (the catalogue's msgids)
    return active_round(make)


def open_session(r, *, activity=None, opens=-1, closes=2, **values) -> AttendanceSession:
    return services.open_session(
        project=r["project"],
        values=services.SessionValues(
            title=values.get("title", "长者智能手机课堂"),
            place="社区活动室",
            opens_at=NOW + timedelta(hours=opens),
            closes_at=NOW + timedelta(hours=closes),
            expected=values.get("expected", 30),
        ),
        activity_id=activity.id if activity else None,
        actor=r["owner"],
    )


def path_of(session) -> str:
    return "/c/" + tokens.make_token(session)


# ------------------------------------------------------------------------------ the QR code


def test_the_qr_code_decodes_to_the_check_in_url(app, client, login_as, r):
    import zxingcpp
    from PIL import Image

    session = open_session(r)
    login_as(r["owner"])
    svg = client.get(f"/projects/{r['project'].id}/check-in/{session.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    # the SVG's modules drawn as a bitmap (no SVG renderer needed): segno's own matrix is what
    # the SVG draws, checked against the SVG's path data
    import segno

    with app.test_request_context():
        from microventure.attendance.views import check_in_url

        url = check_in_url(session)
    code = segno.make(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=6, border=4)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.getvalue())))
    assert [d.text for d in decoded] == [url]
    mine = io.BytesIO()
    code.save(mine, kind="svg", scale=8, border=2, xmldecl=False, svgclass="qr-code")
    assert svg.data == mine.getvalue()
    assert url.startswith("http://localhost/c/")


def test_the_sign_and_the_sheet_show_the_code(client, login_as, r):
    session = open_session(r)
    login_as(r["owner"])
    base = f"/projects/{r['project'].id}/check-in/{session.id}"
    for page in ("", "/sign", "/sheet"):
        response = client.get(base + page)
        assert response.status_code == 200, page
        assert f"{base}/qr.svg" in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count('class="sheet-row"') == 30


# ------------------------------------------------------------------------------ checking in


def check_in(client, session, name="王阿姨", digits="1234", kind="participant"):
    return client.post(path_of(session), data={"kind": kind, "name": name, "digits": digits})


def test_a_participant_checks_in_once(app, client, r):
    session = open_session(r)
    page = client.get(path_of(session))
    assert page.status_code == 200 and "mv_device" in page.headers.get("Set-Cookie", "")
    assert "do not keep your name" in page.get_data(as_text=True)
    done = check_in(client, session)
    assert done.status_code == 302 and done.location.endswith("done=in")
    again = app.test_client()  # another phone, the same person typed differently
    again.get("/?lang=en")
    refused = check_in(again, session, name=" 王 阿姨 ")
    assert refused.status_code == 422
    assert "already checked in" in refused.get_data(as_text=True)
    same_phone = check_in(client, session, name="李伯", digits="5678")
    assert "This phone has already" in same_phone.get_data(as_text=True)
    db.session.refresh(session)
    assert session.participants == 1
    row = db.session.scalar(select(CheckIn))
    assert row.name is None and "1234" not in row.person_hash and len(row.person_hash) == 64
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "attendance.checked_in")
    )
    assert event.after == {"check_in_id": row.id, "kind": "participant"}
    assert event.ip_address is None  # no trace of the phone outlives the retention period


def test_the_name_is_kept_only_when_the_call_asks(client, r):
    r["project"].call.attendance_keeps_names = True
    session = open_session(r)
    assert session.keeps_names
    check_in(client, session)
    assert db.session.scalar(select(CheckIn.name)) == "王阿姨"


def test_refusals_say_why(client, r):
    session = open_session(r)
    body = check_in(client, session, digits="12").get_data(as_text=True)
    assert "Give the last four digits of your mobile number." in body
    body = check_in(client, session, name="").get_data(as_text=True)
    assert "Give your name or a nickname" in body


def test_outside_the_window_is_refused_with_a_clear_message(client, r):
    later = open_session(r, opens=3, closes=5)
    response = check_in(client, later)
    assert response.status_code == 422
    assert "Check-in opens at" in response.get_data(as_text=True)
    with pytest.raises(DomainError, match="Check-in closed at"):
        services.check_in(
            session=later,
            kind=CheckInKind.PARTICIPANT,
            name="张三",
            digits="0000",
            now=NOW + timedelta(hours=6),
        )


def test_an_expired_code_is_refused(client, r):
    session = open_session(r, opens=-5, closes=-3)  # closed three hours ago: past the grace
    response = client.get(path_of(session))
    assert response.status_code == 410
    assert "This check-in code has expired." in response.get_data(as_text=True)
    assert check_in(client, session).status_code == 410
    assert session.participants == 0


def test_a_rotated_code_is_refused_and_the_new_one_works(client, login_as, r):
    session = open_session(r)
    old = path_of(session)
    login_as(r["owner"])
    rotated = client.post(f"/projects/{r['project'].id}/check-in/{session.id}/rotate")
    assert rotated.status_code == 302
    db.session.refresh(session)
    assert session.token_generation == 2
    response = client.post(old, data={"kind": "participant", "name": "张三", "digits": "1111"})
    assert response.status_code == 410
    assert "has been replaced" in response.get_data(as_text=True)
    assert check_in(client, session, name="张三", digits="1111").status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attendance.code_rotated")
        )
        == 1
    )


def test_a_forged_code_is_refused(client, r):
    session = open_session(r)
    token = tokens.make_token(session)
    assert client.get("/c/" + token[:-2] + "xx").status_code == 410
    assert client.get("/c/nonsense").status_code == 410


def test_a_signed_in_resident_checks_in_with_one_tap(client, login_as, make, r):
    session = open_session(r)
    resident = make.user()
    login_as(resident)
    page = client.get(path_of(session)).get_data(as_text=True)
    assert 'data-testid="one-tap"' in page
    done = client.post(path_of(session), data={"one_tap": "1", "kind": "participant"})
    assert done.status_code == 302
    row = db.session.scalar(select(CheckIn))
    assert row.user_id == resident.id
    again = client.post(path_of(session), data={"one_tap": "1", "kind": "participant"})
    assert again.status_code == 422


def test_volunteers_check_in_and_out_and_hours_are_computed(client, r):
    session = open_session(r, opens=-3)
    row = services.check_in(
        session=session,
        kind=CheckInKind.VOLUNTEER,
        name="志愿者小李",
        digits="8888",
        now=NOW - timedelta(minutes=90),
    )
    assert row.kind is CheckInKind.VOLUNTEER
    services.check_out(session=session, name="志愿者小李", digits="8888", now=NOW)
    db.session.refresh(session)
    assert (session.volunteers, session.volunteer_minutes) == (1, 90)
    assert str(session.volunteer_hours) == "1.5"
    with pytest.raises(DomainError):
        services.check_out(session=session, name="志愿者小李", digits="8888", now=NOW)


def test_a_volunteer_checks_out_from_the_same_phone(client, r):
    session = open_session(r)
    check_in(client, session, name="小王", digits="2222", kind="volunteer")
    page = client.get(path_of(session)).get_data(as_text=True)
    assert 'data-testid="check-out"' in page
    done = client.post(path_of(session) + "/out", data={})
    assert done.status_code == 302 and done.location.endswith("done=out")
    assert db.session.scalar(select(CheckIn.checked_out_at)) is not None


# ------------------------------------------------------------------------------ the record


def test_the_record_shows_checked_in_figures_and_the_flag(client, login_as, make, r):
    activity = record(r, participants=30)
    session = open_session(r, activity=activity)
    for n in range(20):
        services.check_in(
            session=session, kind=CheckInKind.PARTICIPANT, name=f"居民{n}", digits=f"{n:04d}"
        )
    db.session.refresh(activity)
    assert activity.verified_participants == 20
    admin = make.user(role=Role.STREET_ADMIN, street=r["street"])
    login_as(admin)
    page = client.get(f"/projects/{r['project'].id}/activities/{activity.id}")
    body = page.get_data(as_text=True)
    assert re.search(r'data-testid="verified-participants">20', body)
    # 30 typed > 20 checked in + 20%: flagged
    assert 'data-testid="attendance-flag"' in body
    r["project"].call.attendance_tolerance = 50  # 30 ≤ 20 × 1.5: not flagged
    db.session.flush()
    body = client.get(f"/projects/{r['project'].id}/activities/{activity.id}").get_data(
        as_text=True
    )
    assert 'data-testid="attendance-flag"' not in body


def test_the_flag_rule():
    assert queries.exceeds(25, 20, 20) is True
    assert queries.exceeds(24, 20, 20) is False
    assert queries.exceeds(1, 0, 100) is True
    assert queries.exceeds(0, 0, 0) is False


def test_a_session_linked_later_counts_and_acceptance_counts_verified(r):
    session = open_session(r)
    for n in range(3):
        services.check_in(
            session=session, kind=CheckInKind.PARTICIPANT, name=f"甲{n}", digits="1000"
        )
    activity = record(r, participants=5)
    services.link_to_record(session=session, activity_id=activity.id, actor=r["owner"])
    db.session.refresh(activity)
    assert activity.verified_participants == 3
    activities.accept_activity(activity=activity, actor=r["admin"])
    summary = db.session.scalar(
        select(func.sum(ActivitySummary.verified_participants)).where(
            ActivitySummary.project_id == r["project"].id
        )
    )
    assert summary == 3
    with pytest.raises(DomainError, match="accepted"):
        services.check_in(session=session, kind=CheckInKind.PARTICIPANT, name="乙", digits="2000")


def test_the_dashboard_counts_verified_participants(client, login_as, r):
    activity = record(r, participants=5)
    session = open_session(r, activity=activity)
    services.check_in(session=session, kind=CheckInKind.PARTICIPANT, name="甲", digits="1000")
    activities.accept_activity(activity=activity, actor=r["admin"])
    from microventure.stats import queries as stats_queries
    from microventure.stats.forms import Filters

    found = stats_queries.figures(stats_queries.Scope.of(Filters(), None))
    assert found.total["verified_participants"] == 1
    assert found.total["participants"] >= 5
    login_as(r["admin"])
    page = client.get("/admin/stats").get_data(as_text=True)
    assert "Verified participants (checked in)" in page


# ------------------------------------------------------------------------------ retention


def test_retention_deletes_details_and_keeps_counts(app, r):
    session = open_session(r)
    services.check_in(session=session, kind=CheckInKind.PARTICIPANT, name="甲", digits="1000")
    ends = r["project"].call.project_ends_on
    days = app.config["ATTENDANCE_RETENTION_DAYS"]
    assert (
        services.delete_expired_details(today=ends + timedelta(days=days), retention_days=days) == 0
    )
    assert (
        services.delete_expired_details(today=ends + timedelta(days=days + 1), retention_days=days)
        == 1
    )
    db.session.refresh(session)
    assert session.details_deleted_at is not None and session.participants == 1
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


# ------------------------------------------------------------------------------ access


@pytest.mark.parametrize("who", ["anonymous", "other org", "admin elsewhere"])
def test_others_cannot_open_see_or_rotate_sessions(client, login_as, make, r, who):
    session = open_session(r)
    if who == "other org":
        login_as(r["other"])
    elif who == "admin elsewhere":
        login_as(make.user(role=Role.STREET_ADMIN, street=make.street()))
    base = f"/projects/{r['project'].id}/check-in"
    gets = [
        base,
        f"{base}/{session.id}",
        f"{base}/{session.id}/qr.svg",
        f"{base}/{session.id}/sign",
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code in ((302,) if who == "anonymous" else (404,)), url
    for url in (base, f"{base}/{session.id}/rotate", f"{base}/{session.id}/link"):
        response = client.post(url, data={"title": "x"})
        assert response.status_code in ((302,) if who == "anonymous" else (404,)), url
    db.session.refresh(session)
    assert session.token_generation == 1
    assert db.session.scalar(select(func.count()).select_from(AttendanceSession)) == 1


def test_the_street_admin_sees_but_cannot_rotate(client, login_as, r):
    session = open_session(r)
    login_as(r["admin"])
    base = f"/projects/{r['project'].id}/check-in/{session.id}"
    page = client.get(base)
    assert page.status_code == 200 and 'data-testid="rotate"' not in page.get_data(as_text=True)
    assert client.post(base + "/rotate").status_code == 403


def test_the_owner_opens_a_session_through_the_page(client, login_as, r):
    activity = record(r)
    login_as(r["owner"])
    base = f"/projects/{r['project'].id}/check-in"
    page = client.get(f"{base}?activity={activity.id}")
    assert page.status_code == 200
    start = (NOW + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    end = (NOW + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(
        base,
        data={
            "title": "读书会",
            "place": "图书室",
            "opens_at": start,
            "closes_at": end,
            "expected": "12",
            "activity_id": str(activity.id),
            "planned_activity_id": "",
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    session = db.session.scalar(select(AttendanceSession))
    assert session.activity_id == activity.id and session.expected == 12
    bad = client.post(base, data={"title": "读书会", "opens_at": end, "closes_at": start})
    assert bad.status_code == 422
    assert "must close after it opens" in bad.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attendance.session_opened")
        )
        == 1
    )


def test_the_retention_task_runs_from_beat_and_keeps_counts(app, monkeypatch, r):
    from microventure.attendance import tasks
    from microventure.core.config import BEAT_SCHEDULE
    from microventure.core.timeutil import local_today

    entry = BEAT_SCHEDULE["attendance-retention"]
    assert entry["task"] == tasks.delete_expired_check_ins.name
    session = open_session(r)
    services.check_in(session=session, kind=CheckInKind.PARTICIPANT, name="甲", digits="1000")
    db.session.commit()
    tasks.delete_expired_check_ins.delay()  # eager in tests, as the embedded default runs it
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1  # not yet due
    # the project ended long enough ago: its period end is before today - retention
    ended = (r["project"].call.project_ends_on - local_today()).days
    monkeypatch.setitem(app.config, "ATTENDANCE_RETENTION_DAYS", -ended - 1)
    assert tasks.run_retention() == 1
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    db.session.refresh(session)
    assert session.participants == 1 and session.details_deleted_at is not None
    assert tasks.run_retention() == 0  # and only once


def test_the_reviewing_admin_sees_the_flag_in_the_waiting_list(client, login_as, r):
    flagged = record(r, participants=30, title="人数偏多的活动")
    fine = record(r, participants=5, title="人数相符的活动")
    for activity, people in ((flagged, 5), (fine, 5)):
        session = open_session(r, activity=activity)
        for n in range(people):
            services.check_in(
                session=session, kind=CheckInKind.PARTICIPANT, name=f"丙{n}", digits="3000"
            )
    login_as(r["admin"])
    body = client.get("/admin/activities").get_data(as_text=True)
    rows = dict(re.findall(r'data-activity="(\d+)"(.*?)</li>', body, re.S))
    assert 'data-testid="attendance-flag"' in rows[str(flagged.id)]
    assert "Only 5 checked in" in rows[str(flagged.id)]
    assert 'data-testid="attendance-flag"' not in rows[str(fine.id)]


def test_the_activities_export_has_the_verified_column(client, login_as, r):
    from openpyxl import load_workbook

    activity = record(r, participants=5)
    session = open_session(r, activity=activity)
    services.check_in(session=session, kind=CheckInKind.PARTICIPANT, name="丁", digits="4000")
    activities.accept_activity(activity=activity, actor=r["admin"])
    login_as(r["admin"])
    response = client.get("/admin/stats/activities.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if "Verified participants (checked in)" in row)
    column = header.index("Verified participants (checked in)")
    values = [row[column] for row in rows[rows.index(header) + 1 :] if row[column] is not None]
    assert 1 in values


def test_a_session_is_opened_from_a_planned_activity(client, login_as, r):
    login_as(r["owner"])
    index = client.get(f"/projects/{r['project'].id}/activities").get_data(as_text=True)
    links = re.findall(r'href="([^"]*planned=\d+[^"]*)" data-testid="plan-check-in"', index)
    assert links, "each planned activity offers a check-in session"
    page = client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    planned = r["project"].application.activities[0]
    assert f'value="{planned.name}"' in page and f'value="{planned.id}"' in page
