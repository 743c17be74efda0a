"""One declaration for a list of assignments: every one awaiting the declaration is listed (with
what the declaration step may show, the applicant hidden in a blind review), each ticked one is
declared by sign_declaration and audited on its own application, conflicts stay per application,
refusals are named, nothing is declared twice, and the list costs the same for 2 and 8."""

import re

from sqlalchemy import func, select

from microventure.core.models import AuditEvent
from microventure.extensions import db
from microventure.reviews import services
from microventure.reviews.models import Assignment, AssignmentStatus
from tests.helpers_reviews import due, eligible_round
from tests.test_reviewer_pages import assigned_round, assignment_of, client_for, page
from tests.test_screening import flashes

A = AssignmentStatus


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li[^>]*data-assignment="(\d+)"', html)]


def ticked(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)" id="pick-\d+"\s+checked', html)]


def status_of(assignment_id: int) -> AssignmentStatus:
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id).status


def declared_events(reviewer, application) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == "review.declaration_signed",
            AuditEvent.object_type == "applications",
            AuditEvent.object_id == application.id,
            AuditEvent.actor_id == reviewer.id,
        )
    )


def test_the_ticked_ones_are_declared_each_on_its_own(app, make):
    world = assigned_round(make, applications_count=4, reviewers=2)
    reviewer, other = world["pool"]
    apps = world["applications"]
    mine = [assignment_of(reviewer, a) for a in apps]
    client = client_for(app, reviewer)
    assert 'data-testid="declare-all"' in page(client, "/reviews")
    html = page(client, "/reviews/declaration")
    assert listed(html) == ticked(html) == [a.id for a in mine]  # all ticked to begin with
    assert apps[0].organization.name in html  # to recognise a conflict
    assert apps[0].summary not in html  # nothing of the content before the declaration

    response = client.post(
        "/reviews/declaration", data={"ids": [a.id for a in mine[:3]], "no_conflict": "y"}
    )
    assert response.status_code == 302
    [(kind, done)] = flashes(client)
    assert kind == "success" and "3" in done
    assert [status_of(a.id) for a in mine] == [A.ACCEPTED] * 3 + [A.ASSIGNED]
    assert [declared_events(reviewer, a) for a in apps] == [1, 1, 1, 0]
    assert {status_of(assignment_of(other, a).id) for a in apps} == {A.ASSIGNED}
    assert listed(page(client, "/reviews/declaration")) == [mine[3].id]


def test_without_the_statement_nothing_is_declared_and_the_ticks_stay(app, make):
    world = assigned_round(make, applications_count=3, reviewers=1)
    reviewer = world["pool"][0]
    mine = [assignment_of(reviewer, a) for a in world["applications"]]
    client = client_for(app, reviewer)
    response = client.post("/reviews/declaration", data={"ids": [mine[0].id, mine[2].id]})
    assert response.status_code == 422
    assert ticked(response.text) == [mine[0].id, mine[2].id]
    assert "is-invalid" in response.text
    response = client.post("/reviews/declaration", data={"no_conflict": "y"})
    assert response.status_code == 422 and 'class="alert alert-danger' in response.text
    assert {status_of(a.id) for a in mine} == {A.ASSIGNED}


def test_a_conflict_stays_per_application_and_is_named_when_in_the_list(app, make):
    world = assigned_round(make, applications_count=3, reviewers=2)
    reviewer, other = world["pool"]
    apps = world["applications"]
    mine = [assignment_of(reviewer, a) for a in apps]
    client = client_for(app, reviewer)
    html = page(client, "/reviews/declaration")
    assert f"/reviews/{mine[1].id}#conflict" in html  # declared on its own page
    response = client.post(f"/reviews/{mine[1].id}/conflict", data={"reason": "曾为该机构顾问"})
    assert response.status_code == 302
    flashes(client)
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    theirs = assignment_of(other, apps[0])
    ids = [a.id for a in mine] + [theirs.id]  # a stale page, and someone else's id
    client.post("/reviews/declaration", data={"ids": ids, "no_conflict": "y"})
    (kind, done), (_, refused) = flashes(client)
    assert kind == "warning" and "2" in done and apps[1].reference in refused
    assert [status_of(a.id) for a in mine] == [A.ACCEPTED, A.DECLINED, A.ACCEPTED]
    assert status_of(theirs.id) is A.ASSIGNED  # not the reviewer's: not even loaded


def test_a_second_submission_declares_nothing_twice(app, make):
    world = assigned_round(make, applications_count=2, reviewers=1)
    reviewer = world["pool"][0]
    mine = [assignment_of(reviewer, a) for a in world["applications"]]
    client = client_for(app, reviewer)
    data = {"ids": [a.id for a in mine], "no_conflict": "y"}
    client.post("/reviews/declaration", data=data)
    client.post("/reviews/declaration", data=data)
    (_, done), (_, refused) = flashes(client)[-2:]
    assert re.search(r"\b0\b", done) and all(a.application.reference in refused for a in mine)
    assert [declared_events(reviewer, a) for a in world["applications"]] == [1, 1]
    assert 'data-testid="nothing-to-declare"' in page(client, "/reviews/declaration")


def test_a_blind_review_hides_the_applicant_on_the_list(app, make):
    world = assigned_round(make, applications_count=2, reviewers=1, blind_review=True)
    html = page(client_for(app, world["pool"][0]), "/reviews/declaration")
    assert 'data-testid="blind"' in html
    assert all(a.organization.name not in html for a in world["applications"])


def test_only_reviewers_open_the_list(client, login_as, make):
    world = assigned_round(make, applications_count=1, reviewers=1)
    login_as(world["admin"])
    assert client.get("/reviews/declaration").status_code == 403
    assignment = assignment_of(world["pool"][0], world["applications"][0])
    response = client.post(
        "/reviews/declaration", data={"ids": [assignment.id], "no_conflict": "y"}
    )
    assert response.status_code == 403
    assert status_of(assignment.id) is A.ASSIGNED


def test_the_list_makes_the_same_number_of_queries_for_2_and_8(app, make, count_queries):
    world = eligible_round(make, applications_count=8, reviewers=2, reviewers_per_application=1)
    few, many = world["pool"]
    for i, application in enumerate(world["applications"]):
        for reviewer in (few, many) if i < 2 else (many,):
            services.assign(
                application=application, reviewer=reviewer, due_on=due(), actor=world["admin"]
            )
    counts = {}
    for reviewer, expected in ((few, 2), (many, 8)):
        client = client_for(app, reviewer)
        page(client, "/reviews/declaration")  # warm up
        with count_queries() as counter:
            html = page(client, "/reviews/declaration")
        assert len(listed(html)) == expected
        counts[expected] = counter.count
    assert counts[2] == counts[8] <= 8
