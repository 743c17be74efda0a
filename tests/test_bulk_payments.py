"""Recording payments for several tranches at once: the due tranches of the admin's projects,
one date and reference for the batch (a row's own reference in its place), each payment by
record_payment (those refused named), each audited, a problem shared by every row shown next
to its field, all that match across pages, nothing paid twice, and a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from microventure.accounts.models import Role
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.models import Tranche, TrancheStatus
from tests.test_projects_support import funded_round, owner_of, pay, sign
from tests.test_screening import flashes

T = TrancheStatus
TODAY = local_today()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def r(make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    for project in r["projects"]:
        sign(project, r["admin"])  # the first tranche of each falls due
    r["first"] = [p.tranches[0] for p in r["projects"]]
    return r


def listed(client, **args) -> list[int]:
    response = client.get("/admin/payments", query_string=args)
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-tranche="(\d+)"', response.text)]


def tranche(tranche_id: int) -> Tranche:
    db.session.expire_all()
    return db.session.get(Tranche, tranche_id)


def paid_events(project_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == "tranche.paid",
            AuditEvent.object_type == "projects",
            AuditEvent.object_id == project_id,
        )
    )


def test_ticked_tranches_are_paid_with_the_batch_or_their_own_reference(client, login_as, r):
    first, second, third = r["first"]
    projects.suspend(project=r["projects"][2], reason="暂停检查", actor=r["admin"])
    login_as(r["admin"])
    assert listed(client) == [first.id, second.id, third.id]
    response = client.post(
        "/admin/payments/record",
        data={
            "ids": [first.id, second.id, third.id],
            "paid_on": TODAY.isoformat(),
            "reference": "PLDF-2026-05",
            f"reference-{second.id}": " BK-77 ",
        },
    )
    assert response.status_code == 302
    (kind, done), (_, refused) = flashes(client)
    assert kind == "warning" and "2" in done
    assert r["projects"][2].agreement_number in refused
    assert r["projects"][0].agreement_number not in refused
    assert (tranche(first.id).status, tranche(first.id).payment_reference) == (
        T.PAID,
        "PLDF-2026-05",
    )
    assert (tranche(second.id).status, tranche(second.id).payment_reference) == (T.PAID, "BK-77")
    assert tranche(third.id).status is T.DUE
    assert [paid_events(p.id) for p in r["projects"]] == [1, 1, 0]
    assert listed(client) == [third.id]


def test_a_date_in_the_future_is_shown_by_the_date_and_pays_nothing(client, login_as, r):
    first, second, _ = r["first"]
    login_as(r["admin"])
    response = client.post(
        "/admin/payments/record",
        data={
            "ids": [first.id, second.id],
            "paid_on": (TODAY + timedelta(days=3)).isoformat(),
            "reference": "PLDF-2026-05",
            f"reference-{first.id}": "BK-1",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert re.search(r'name="paid_on"[^>]*is-invalid|is-invalid[^>]*name="paid_on"', page)
    assert re.search(rf'value="{first.id}" id="pick-{first.id}"\s+checked', page)
    assert 'value="BK-1"' in page and 'value="PLDF-2026-05"' in page  # what was typed stays
    assert {tranche(t.id).status for t in r["first"]} == {T.DUE}


def test_no_reference_at_all_is_shown_by_the_reference(client, login_as, r):
    first, *_ = r["first"]
    login_as(r["admin"])
    response = client.post(
        "/admin/payments/record", data={"ids": [first.id], "paid_on": TODAY.isoformat()}
    )
    assert response.status_code == 422
    assert re.search(
        r'name="reference"[^>]*is-invalid|is-invalid[^>]*name="reference"', response.text
    )
    assert tranche(first.id).status is T.DUE


def test_all_that_match_across_pages(app, client, login_as, r, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    login_as(r["admin"])
    assert len(listed(client)) == 2
    response = client.post(
        "/admin/payments/record",
        data={
            "scope": "matching",
            "matching": "3",
            "paid_on": TODAY.isoformat(),
            "reference": "PLDF-2026-06",
        },
    )
    assert response.status_code == 302
    [(kind, done)] = flashes(client)
    assert kind == "success" and "3" in done
    assert {tranche(t.id).status for t in r["first"]} == {T.PAID}


def test_a_second_submission_pays_nothing_twice(client, login_as, r):
    first, *_ = r["first"]
    login_as(r["admin"])
    data = {"ids": [first.id], "paid_on": TODAY.isoformat(), "reference": "PLDF-1"}
    client.post("/admin/payments/record", data=data)
    client.post("/admin/payments/record", data=data | {"reference": "PLDF-2"})
    (_, done), (_, refused) = flashes(client)[-2:]
    assert re.search(r"\b0\b", done) and r["projects"][0].agreement_number in refused
    assert tranche(first.id).payment_reference == "PLDF-1"
    assert paid_events(r["projects"][0].id) == 1


def test_other_streets_admins_and_members_cannot_pay(client, login_as, make, r):
    first, *_ = r["first"]
    data = {"ids": [first.id], "paid_on": TODAY.isoformat(), "reference": "X-1"}
    login_as(make.user(role=Role.STREET_ADMIN, street=make.street()))
    assert listed(client) == []
    client.post("/admin/payments/record", data=data)
    assert tranche(first.id).status is T.DUE
    login_as(owner_of(r["projects"][0]))
    assert client.get("/admin/payments").status_code == 403
    assert client.post("/admin/payments/record", data=data).status_code == 403
    assert tranche(first.id).status is T.DUE


def test_the_list_makes_the_same_number_of_queries_for_2_and_11(
    client, login_as, make, monkeypatch, r, count_queries
):
    pay(r["first"][0], r["admin"])
    district = make.user(role=Role.DISTRICT_ADMIN)
    login_as(district)
    listed(client)

    def measured() -> tuple[int, int]:
        with count_queries() as counter:
            shown = listed(client)
        return counter.count, len(shown)

    few, shown = measured()
    assert shown == 2
    more = funded_round(make, monkeypatch, amounts=(20_000_00,) * 9, code="MORE-2026")
    for project in more["projects"]:
        sign(project, more["admin"])
    many, shown = measured()
    assert shown == 11
    assert few == many <= 8
