"""Verifying organisations in bulk from the district admin's list: each by the one-organisation
service (a failing credit code and a state that does not allow it are named, never verified),
each audited, all that match the filter across pages, district admins only, a fixed number of
queries for the list."""

import re

from sqlalchemy import func, select

from microventure.accounts.models import Organization, Role, VerificationStatus
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.conftest import invalid_credit_code
from tests.test_screening import flashes

V = VerificationStatus


def listed(client, **args) -> list[int]:
    response = client.get("/admin/organizations", query_string=args)
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'<tr data-organization="(\d+)"', response.text)]


def status_of(org_id: int) -> VerificationStatus:
    db.session.expire_all()
    return db.session.get(Organization, org_id).verification_status


def verified_events(org_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == "organization.verified",
            AuditEvent.object_type == "organizations",
            AuditEvent.object_id == org_id,
        )
    )


def test_ticked_ones_are_verified_and_the_refused_named(client, login_as, make):
    street = make.street()
    pending = [make.organization(street=street, status=V.PENDING) for _ in range(3)]
    failing = make.organization(street=street, status=V.PENDING, credit_code=invalid_credit_code())
    rejected = make.organization(street=street, status=V.REJECTED)
    verified = make.organization(street=street)
    ids = [o.id for o in (*pending, failing, rejected, verified)]
    names = {o.id: o.name for o in (failing, verified)}
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    assert set(ids) <= set(listed(client))

    response = client.post("/admin/organizations/verification", data={"ids": ids})
    assert response.status_code == 302
    (kind, done), *refusals = flashes(client)
    assert kind == "warning" and "4" in done  # three pending and the rejected one
    said = " ".join(message for _, message in refusals)
    assert names[failing.id] in said and "GB 32100" in said  # its certificate is checked alone
    assert names[verified.id] in said
    assert [status_of(i) for i in ids] == [V.VERIFIED] * 3 + [V.PENDING, V.VERIFIED, V.VERIFIED]
    assert [verified_events(i) for i in ids] == [1, 1, 1, 0, 1, 0]


def test_all_that_match_the_filter_across_pages(client, login_as, make):
    street = make.street()
    pending = [make.organization(street=street, status=V.PENDING).id for _ in range(23)]
    other = make.organization(street=make.street(), status=V.PENDING).id
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    filters = {"status": "pending", "street_id": street.id}
    page = client.get("/admin/organizations", query_string=filters).text
    assert 'name="matching" value="23"' in page and len(listed(client, **filters)) == 20
    response = client.post(
        "/admin/organizations/verification",
        query_string=filters,
        data={"scope": "matching", "matching": "23"},
    )
    assert response.status_code == 302 and "street_id" in response.location
    [(kind, done)] = flashes(client)
    assert kind == "success" and "23" in done
    assert {status_of(i) for i in pending} == {V.VERIFIED}
    assert status_of(other) is V.PENDING  # another street: outside the filter


def test_a_second_submission_verifies_nothing_twice(client, login_as, make):
    street = make.street()
    org = make.organization(street=street, status=V.PENDING)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    for _ in range(2):
        assert (
            client.post("/admin/organizations/verification", data={"ids": [org.id]}).status_code
            == 302
        )
    assert status_of(org.id) is V.VERIFIED
    assert verified_events(org.id) == 1


def test_street_admins_neither_see_the_boxes_nor_verify(client, login_as, make):
    street = make.street()
    org = make.organization(street=street, status=V.PENDING)
    login_as(make.user(role=Role.STREET_ADMIN, street=street))
    page = client.get("/admin/organizations").text
    assert f'data-organization="{org.id}"' in page and 'name="ids"' not in page
    response = client.post("/admin/organizations/verification", data={"ids": [org.id]})
    assert response.status_code == 403
    assert status_of(org.id) is V.PENDING


def test_nothing_ticked_or_a_changed_list_does_nothing(client, login_as, make):
    street = make.street()
    org = make.organization(street=street, status=V.PENDING)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    client.post("/admin/organizations/verification", data={"scope": "ticked"})
    [(kind, _)] = flashes(client)
    assert kind == "danger"
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    client.post(
        "/admin/organizations/verification",
        query_string={"street_id": street.id},
        data={"scope": "matching", "matching": "5"},
    )
    [(kind, message)] = flashes(client)
    assert kind == "danger" and "1" in message
    assert client.post("/admin/organizations/verification", data={"ids": "x"}).status_code == 302
    assert status_of(org.id) is V.PENDING


def test_the_list_makes_the_same_number_of_queries_for_3_and_15(
    client, login_as, make, count_queries
):
    street = make.street()
    for _ in range(3):
        make.organization(street=street, status=V.PENDING)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    listed(client)

    def measured() -> tuple[int, int]:
        with count_queries() as counter:
            shown = listed(client, street_id=street.id)
        return counter.count, len(shown)

    few, shown = measured()
    assert shown == 3
    for _ in range(12):
        make.organization(street=street, status=V.PENDING)
    many, shown = measured()
    assert shown == 15
    assert few == many <= 8
