"""Recommendations never commit more than the call's budget, also when many admins recommend
at the same moment (PostgreSQL: each thread its own session and transaction)."""

import threading

import pytest
from sqlalchemy import func, select

from microventure.accounts.models import User
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, CallStatus
from microventure.core.errors import DomainError
from microventure.core.models import AuditEvent
from microventure.decisions import services
from microventure.decisions.models import Decision
from microventure.extensions import db
from tests.conftest import Factory
from tests.test_decisions_world import YUAN, decision_world

THREADS = 12
GRANT = 20_000 * YUAN
BUDGET = 3 * GRANT + 5_000 * YUAN  # room for three, and a bit that fits no fourth


@pytest.mark.no_transaction
def test_parallel_recommendations_never_exceed_the_budget(postgres_app):
    app = postgres_app
    with app.app_context():
        world = decision_world(
            Factory(), requests=[GRANT] * THREADS, scores=[None] * THREADS, budget=BUDGET
        )
        call_id, admin_id = world["call"].id, world["admin"].id
        ids = [a.id for a in world["applications"]]
        db.session.commit()

    barrier = threading.Barrier(THREADS)
    done: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def recommend(application_id: int) -> None:
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                admin = db.session.get(User, admin_id)
                assert application.requested_amount == GRANT  # loaded before the race
                barrier.wait(timeout=30)
                try:
                    services.recommend(application=application, amount=GRANT, actor=admin)
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    with lock:
                        refused.append(str(exc))
                else:
                    with lock:
                        done.append(application_id)
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=recommend, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    assert len(done) == 3
    assert len(refused) == THREADS - 3
    # each refusal says how much is left (in the default language, zh_CN)
    assert len(set(refused)) == 1
    assert "¥20,000.00" in refused[0] and "¥5,000.00" in refused[0]
    with app.app_context():
        committed = db.session.scalar(
            select(func.coalesce(func.sum(Decision.amount), 0)).where(Decision.call_id == call_id)
        )
        assert committed == 3 * GRANT <= BUDGET
        recommended = db.session.scalars(
            select(Application.id).where(Application.status == ApplicationStatus.RECOMMENDED)
        ).all()
        assert sorted(recommended) == sorted(done)
        # the call moved to "reviewing" once, not once per thread that saw it "published"
        assert db.session.get(Call, call_id).status is CallStatus.REVIEWING
        moves = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "call.reviewing",
                AuditEvent.object_type == "calls",
                AuditEvent.object_id == call_id,
            )
        )
        assert moves == 1
