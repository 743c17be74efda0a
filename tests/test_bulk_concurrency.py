"""A double-clicked bulk form on PostgreSQL: two requests recording the same batch of payments at
the same moment pay each tranche once, audit it once, and between them report each payment
done exactly once."""

import re
import threading

import pytest
from sqlalchemy import func, select

from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.models import Tranche, TrancheStatus
from tests.conftest import PASSWORD, Factory
from tests.test_projects_support import funded_round, sign


@pytest.mark.no_transaction
def test_a_double_submitted_batch_pays_each_tranche_once(postgres_app, monkeypatch):
    app = postgres_app
    with app.app_context():
        r = funded_round(Factory(), monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
        for project in r["projects"]:
            sign(project, r["admin"])
        ids = [p.tranches[0].id for p in r["projects"]]
        project_ids = [p.id for p in r["projects"]]
        email = r["admin"].email
        db.session.commit()

    data = {"ids": ids, "paid_on": local_today().isoformat(), "reference": "PLDF-2026-07"}
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client) -> None:
        barrier.wait(timeout=30)
        statuses.append(client.post("/admin/payments/record", data=data).status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]

    done = 0
    for client in clients:
        with client.session_transaction() as session:
            done += int(re.search(r"\d+", session["_flashes"][0][1]).group(0))
    assert done == 3  # each payment reported done by one request only
    with app.app_context():
        paid = db.session.scalars(select(Tranche.status).where(Tranche.id.in_(ids))).all()
        assert paid == [TrancheStatus.PAID] * 3
        events = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "tranche.paid", AuditEvent.object_id.in_(project_ids)
            )
        )
        assert events == 3
