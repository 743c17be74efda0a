"""The notice (公示) window in working days by the official calendar, and publishing it from
the admin's notice page."""

from datetime import UTC, date, datetime, time

from chinese_calendar import is_workday
from sqlalchemy import select

from microventure.applications.models import ApplicationStatus
from microventure.calls.models import CallStatus
from microventure.core.timeutil import local_datetime
from microventure.decisions import notice as notice_services
from microventure.decisions import services
from microventure.extensions import db
from microventure.notifications.models import Notification
from tests.test_decisions_funding_line import hand_example
from tests.test_decisions_world import YUAN, Rows, decision_world

K = 1_000 * YUAN


def test_window_across_national_day_2026():
    # The 2026 official calendar (checked with chinese_calendar.is_workday): Wed 30 Sept is a
    # working day; 1–7 Oct are the National Day holiday; Thu 8 and Fri 9 Oct are working days;
    # Sat 10 Oct is a make-up working day (调休); Sun 11 Oct is a rest day; Mon 12 Oct works.
    assert is_workday(date(2026, 9, 30))
    assert not any(is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert is_workday(date(2026, 10, 10)) and not is_workday(date(2026, 10, 11))
    # Five working days from 30 Sept: 30 Sept, 8 Oct, 9 Oct, 10 Oct (Saturday), 12 Oct.
    published = local_datetime(date(2026, 9, 30), time(10, 0))  # 02:00 UTC
    first, last, ends_at = notice_services.notice_window(published, 5)
    assert (first, last) == (date(2026, 9, 30), date(2026, 10, 12))
    # open to the end of 12 Oct in Shanghai: midnight 13 Oct there is 16:00 UTC on the 12th
    assert ends_at == datetime(2026, 10, 12, 16, 0, tzinfo=UTC)


def test_window_published_on_a_saturday_starts_on_the_next_working_day():
    # Sat 17 Oct 2026 is an ordinary weekend day (no make-up work): the window starts on Monday
    # 19 Oct and five working days end on Friday 23 Oct.
    assert not is_workday(date(2026, 10, 17)) and not is_workday(date(2026, 10, 18))
    published = local_datetime(date(2026, 10, 17), time(11, 0))
    first, last, _ends_at = notice_services.notice_window(published, 5)
    assert (first, last) == (date(2026, 10, 19), date(2026, 10, 23))


def test_late_evening_in_shanghai_counts_as_that_day():
    # 23:30 on Wed 30 Sept in Shanghai is 15:30 UTC, still the 30th there
    published = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)
    assert notice_services.notice_window(published, 1)[:2] == (date(2026, 9, 30), date(2026, 9, 30))
    # 00:30 on 1 Oct in Shanghai (16:30 UTC on the 30th): the holiday, so it starts on 8 Oct
    published = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
    assert notice_services.notice_window(published, 1)[:2] == (date(2026, 10, 8), date(2026, 10, 8))


# ------------------------------------------------------------------------- the admin's page


def notice_page(client, call):
    response = client.get(f"/admin/calls/{call.id}/notice")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_publishing_is_refused_while_applications_are_undecided(client, make, login_as):
    world = hand_example(make)
    a30, a40, _a10, _a35 = world["applications"]
    services.recommend(application=a40, amount=40 * K, actor=world["admin"])
    login_as(world["admin"])
    html = notice_page(client, world["call"])
    assert "3 applications still wait for screening or a decision." in html
    assert a40.reference in Rows(html, "projects").order  # what will be published
    response = client.post(f"/admin/calls/{world['call'].id}/notice/publish")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 applications still wait for screening or a decision." in html
    assert world["call"].status is not CallStatus.NOTICE
    assert a30.status is ApplicationStatus.IN_REVIEW


def test_publishing_from_the_page_opens_the_window_and_tells_applicants(client, make, login_as):
    world = decision_world(
        make, requests=[20 * K, 30 * K], scores=[90, 80], reviewer_names_in_notice=True
    )
    chosen, other = world["applications"]
    services.recommend(application=chosen, amount=18 * K, actor=world["admin"])
    services.not_recommend(application=other, reason="得分较低", actor=world["admin"])
    login_as(world["admin"])
    response = client.post(f"/admin/calls/{world['call'].id}/notice/publish")
    assert response.status_code == 302
    assert world["call"].status is CallStatus.NOTICE
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The notice is published" in html
    assert 'data-state="open"' in html
    assert f'href="/notices/{world["call"].id}"' in html
    assert "No objection has been lodged." in html
    kinds = {
        (n.recipient_id, n.kind)
        for n in db.session.scalars(
            select(Notification).where(
                Notification.recipient_id.in_([chosen.owner.id, other.owner.id])
            )
        )
    }
    assert (chosen.owner.id, "decision.recommended") in kinds
    assert (other.owner.id, "decision.not_recommended") in kinds
    # publishing twice is refused, not a 500
    response = client.post(f"/admin/calls/{world['call'].id}/notice/publish")
    assert response.status_code == 302
    assert "cannot publish a notice" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
