"""The demo tells its story truly: NC-2026-01 happened from March to November 2026 and every
event of it is dated so — its audit events, its ledger — and it was reviewed before it was
decided, so its decisions page ranks what it recommended."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import or_, select

from microventure.accounts.models import Role, User
from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_datetime, to_local, told_at, utcnow
from microventure.decisions.models import Decision
from microventure.extensions import db
from microventure.funds.ledger import MovementKind, movements
from microventure.funds.models import Fund
from microventure.projects.models import Project
from microventure.reviews.models import Assignment, AssignmentStatus
from tests.test_decisions_world import Rows

DEMO = "demo-password"
STORY = (date(2026, 3, 1), date(2026, 11, 2))  # from setting the call up to the last payment


def test_a_story_is_told_on_its_own_day():
    moment = local_datetime(date(2026, 4, 15), datetime.min.time().replace(hour=10))
    with told_at(moment):
        assert utcnow() == moment
    assert utcnow() - datetime.now(UTC) < timedelta(seconds=5)  # the clock is back
    with pytest.raises(ValueError), told_at(datetime.now(UTC) + timedelta(days=1)):
        pass  # no story from the future
    with pytest.raises(ValueError), told_at(datetime(2026, 4, 15, 10)):
        pass  # naive: which timezone?


def _story_events(call: Call) -> list[AuditEvent]:
    applications = select(Application.id).where(Application.call_id == call.id)
    projects = select(Project.id).where(Project.call_id == call.id)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.object_type == "calls") & (AuditEvent.object_id == call.id),
                    (AuditEvent.object_type == "applications")
                    & AuditEvent.object_id.in_(applications),
                    (AuditEvent.object_type == "projects") & AuditEvent.object_id.in_(projects),
                )
            )
            .order_by(AuditEvent.id)
        )
    )


def _day(event: AuditEvent) -> date:
    return to_local(event.occurred_at).date()


def test_the_first_round_is_dated_on_its_story(app):
    app.test_cli_runner().invoke(args=["demo", "load"])
    call = db.session.scalar(select(Call).where(Call.code == "NC-2026-01"))
    events = _story_events(call)
    assert len(events) > 150
    assert all(STORY[0] <= _day(e) <= STORY[1] for e in events), "dated at load time"
    by_object: dict[tuple, list[AuditEvent]] = {}
    for e in events:
        by_object.setdefault((e.object_type, e.object_id), []).append(e)
    for history in by_object.values():  # each timeline reads in the order things happened
        assert [e.occurred_at for e in history] == sorted(e.occurred_at for e in history)
    first = {e.action: _day(e) for e in reversed(events)}
    assert first["call.created"] == date(2026, 3, 1)
    assert first["review.submitted"] < first["decision.recommended"] == date(2026, 4, 15)
    assert first["call.notice_published"] == date(2026, 4, 20)
    assert first["call.finalized"] == date(2026, 4, 27)
    assert first["tranche.paid"] == date(2026, 5, 19)
    paid = [e for e in events if e.action == "tranche.paid"]
    assert all(_day(e) == date.fromisoformat(e.after["paid_on"]) for e in paid)

    ledger = movements(db.session.get(Fund, call.fund_id))
    ours = [m for m in ledger if m.subject.startswith("NC-2026-01")]
    decided = [m.on for m in ours if m.kind is MovementKind.DECISION]
    payments = [m.on for m in ours if m.kind is MovementKind.PAYMENT]
    assert len(decided) == 6 and max(decided) < min(payments)  # approved before paid
    assert [m.on for m in ledger] == sorted((m.on for m in ledger), reverse=True)
    decided_at = db.session.scalars(select(Decision.decided_at).where(Decision.call_id == call.id))
    assert {to_local(d).date() for d in decided_at} == {date(2026, 4, 15)}


def test_the_first_round_was_reviewed_and_ranks_what_it_recommended(app, client, login_as):
    app.test_cli_runner().invoke(args=["demo", "load"])
    call = db.session.scalar(select(Call).where(Call.code == "NC-2026-01"))
    statuses = db.session.scalars(select(Assignment.status).where(Assignment.call_id == call.id))
    assert list(statuses).count(AssignmentStatus.SUBMITTED) == 8 * 3

    login_as(db.session.scalar(select(User).where(User.email == "street@demo.local")), DEMO)
    html = client.get(f"/admin/calls/{call.id}/decisions?lang=en").get_data(as_text=True)
    assert "not ranked" not in html
    table = Rows(html, "decisions")
    ranks = [table.rows[r]["rank"] for r in table.order]
    assert ranks == [str(n) for n in range(1, 9)]
    funded = [table.rows[r]["@"]["data-funded"] for r in table.order]
    assert funded == ["1"] * 6 + ["0"] * 2  # the line falls under the six it recommended
    outcomes = [table.rows[r]["decision"] for r in table.order]
    assert all("¥" in o for o in outcomes[:6])
    assert all("Not recommended" in o for o in outcomes[6:])


def test_reviewer_names_carry_no_role_prefix(app):
    app.test_cli_runner().invoke(args=["demo", "load"])
    reviewers = db.session.scalars(
        select(User).where(User.email.like("reviewer%@demo.local")).order_by(User.email)
    ).all()
    assert [r.name for r in reviewers] == ["王教授", "张社工师", "刘会计师", "黄律师", "周督导"]
    assert all(r.has_role(Role.REVIEWER) for r in reviewers)
