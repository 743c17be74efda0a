"""Screening in bulk by filter: "all N that match" reaches past the page of 20, each application
is screened by the one-application service (refusals named, each audited), a changed list is
refused, and a second submission does nothing twice."""

import re

from sqlalchemy import func, select

from microventure.applications import services
from microventure.applications.models import Application, ApplicationStatus
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.test_screening import World, flashes, listing, references

S = ApplicationStatus


def bulk(client, world, data, **args):
    return client.post(
        f"/admin/calls/{world.call.id}/applications/bulk", query_string=args, data=data
    )


def statuses(world) -> dict[str, ApplicationStatus]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Application.reference, Application.status).where(
            Application.call_id == world.call.id, Application.reference.is_not(None)
        )
    )
    return {reference: status for reference, status in rows}


def audited(action: str, application_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == action,
            AuditEvent.object_type == "applications",
            AuditEvent.object_id == application_id,
        )
    )


def test_all_that_match_the_filter_screens_every_page_and_names_the_refused(client, login_as, make):
    world = World(make)
    submitted = [world.application() for _ in range(22)]
    returned = world.application()
    services.screen(application=returned, decision=S.RETURNED, reason="补充", actor=world.admin)
    login_as(world.admin)
    page = listing(client, world, q=world.call.code)  # every reference holds the call's code
    assert len(references(page)) == 20  # one page of the 23 that match
    assert 'data-testid="act-matching"' in page and 'name="matching" value="23"' in page

    response = bulk(
        client,
        world,
        {"decision": "eligible", "scope": "matching", "matching": "23"},
        q=world.call.code,
    )
    assert response.status_code == 302
    (kind, done), (refusal_kind, refused) = flashes(client)
    assert "22" in done and kind == "warning"
    assert refusal_kind == "warning" and returned.reference in refused
    assert not any(a.reference in refused for a in submitted)
    now = statuses(world)
    assert [now[a.reference] for a in submitted] == [S.ELIGIBLE] * 22  # page 2 too
    assert now[returned.reference] is S.RETURNED
    assert all(audited("application.eligible", a.id) == 1 for a in submitted)


def test_a_list_that_changed_since_it_was_shown_is_not_acted_on(client, login_as, make):
    world = World(make)
    first, second = world.application(), world.application()
    login_as(world.admin)
    assert 'name="matching" value="2"' in listing(client, world, state="submitted")
    late = world.application()  # arrives while the admin looks at the list
    response = bulk(
        client,
        world,
        {"decision": "eligible", "scope": "matching", "matching": "2"},
        state="submitted",
    )
    assert response.status_code == 302
    [(kind, message)] = flashes(client)
    assert kind == "danger" and "3" in message
    assert set(statuses(world).values()) == {S.SUBMITTED}
    assert {first.reference, second.reference, late.reference} <= set(statuses(world))


def test_a_second_submission_screens_nothing_twice(client, login_as, make):
    world = World(make)
    first, second = world.application(), world.application()
    login_as(world.admin)
    data = {"decision": "ineligible", "reason": "不属于本期资助范围", "ids": [first.id, second.id]}
    assert bulk(client, world, data).status_code == 302
    flashes(client)
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    assert bulk(client, world, data).status_code == 302  # the double click
    done, refused = flashes(client)
    assert re.search(r"\b0\b", done[1])
    assert first.reference in refused[1] and second.reference in refused[1]
    assert statuses(world) == {first.reference: S.INELIGIBLE, second.reference: S.INELIGIBLE}
    assert audited("application.ineligible", first.id) == 1
    assert audited("application.ineligible", second.id) == 1


def test_ticking_nothing_or_posting_a_bad_id_screens_nothing(client, login_as, make):
    world = World(make)
    application = world.application()
    login_as(world.admin)
    response = bulk(client, world, {"decision": "eligible", "scope": "ticked"})
    assert response.status_code == 200
    assert 'class="alert alert-danger' in response.get_data(as_text=True)  # tick some
    response = bulk(client, world, {"decision": "eligible", "ids": ["x", str(2**40)]})
    assert response.status_code == 200
    response = bulk(
        client, world, {"decision": "eligible", "scope": "matching", "matching": "many"}
    )
    assert response.status_code == 200
    assert statuses(world) == {application.reference: S.SUBMITTED}
