"""Assignment, declarations, scoring rules and the aggregates, on hand-computed examples."""

import pytest

from microventure.applications.models import ApplicationStatus
from microventure.calls.models import Aggregation
from microventure.core.errors import DomainError, RuleViolations
from microventure.extensions import db
from microventure.reviews import services
from microventure.reviews.models import AssignmentStatus, Recommendation
from microventure.reviews.pool import services as reviewer_pool
from microventure.reviews.ranking.queries import aggregate, ranking, z_scores
from tests.helpers_reviews import add_reviewer, due, eligible_round


def test_automatic_assignment_avoids_conflicts_and_balances_load(make):
    world = eligible_round(make, applications_count=7, reviewers=5)
    apps = world["applications"]
    # one reviewer works for the first applicant, another declared a conflict with the second
    insider = add_reviewer(make, world["admin"], organization=apps[0].organization)
    reviewer_pool.record_conflict(
        reviewer=world["pool"][0],
        organization=apps[1].organization,
        reason="亲属任职",
        actor=world["admin"],
    )
    planned = services.plan(world["call"])
    assert planned == services.plan(world["call"])  # deterministic
    assert all(len(reviewers) == 3 for reviewers in planned.values())
    assert insider.id not in planned[apps[0].id]
    assert world["pool"][0].id not in planned[apps[1].id]
    services.apply_plan(call=world["call"], planned=planned, due_on=due(), actor=world["admin"])
    loads = {}
    for reviewers in planned.values():
        for reviewer_id in reviewers:
            loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1
    assert {a.status for a in apps} == {ApplicationStatus.IN_REVIEW}
    assert services.plan(world["call"]) == {}  # everyone has k reviewers now


def test_conflicted_reviewer_cannot_be_assigned_by_hand(make):
    world = eligible_round(make, applications_count=1, reviewers=1)
    app = world["applications"][0]
    member = app.organization.members[0].user
    reviewer_pool.add_reviewer(
        email=member.email,
        name=member.name,
        expertise=[],
        affiliation="",
        organization=None,
        street=None,
        mobile=None,
        password="",
        actor=world["admin"],
    )
    with pytest.raises(DomainError):
        services.assign(application=app, reviewer=member, due_on=due(), actor=world["admin"])


def test_declared_conflict_releases_and_reassign_replaces(make):
    world = eligible_round(make, applications_count=1, reviewers=4, reviewers_per_application=3)
    app = world["applications"][0]
    services.apply_plan(
        call=world["call"], planned=services.plan(world["call"]), due_on=due(), actor=world["admin"]
    )
    assignment = next(a for a in db.session.scalars(db.select(services.Assignment)))
    reviewer = assignment.reviewer
    with pytest.raises(DomainError):
        services.declare_conflict(assignment=assignment, reason=" ", actor=reviewer)
    services.declare_conflict(assignment=assignment, reason="曾为该机构督导", actor=reviewer)
    assert assignment.status is AssignmentStatus.DECLINED
    replacement = services.reassign(assignment=assignment, due_on=due(), actor=world["admin"])
    assert replacement.reviewer_id not in {reviewer.id}
    assert replacement.application_id == app.id
    # the conflict is remembered: the planner never offers that reviewer this applicant again
    assert all(reviewer.id not in r for r in services.plan(world["call"]).values())


def test_scores_outside_the_rubric_are_refused(make):
    world = eligible_round(make, applications_count=1, reviewers=3)
    services.apply_plan(
        call=world["call"], planned=services.plan(world["call"]), due_on=due(), actor=world["admin"]
    )
    assignment = db.session.scalars(db.select(services.Assignment)).first()
    reviewer = assignment.reviewer
    criteria = world["call"].criteria
    with pytest.raises(DomainError):  # not declared yet
        services.save_review(
            assignment=assignment,
            points={},
            comment="",
            recommendation=None,
            suggested_amount=None,
            submit=False,
            actor=reviewer,
        )
    services.sign_declaration(assignment=assignment, actor=reviewer)
    bad = {criteria[0].id: "21", criteria[1].id: "3.3", criteria[2].id: "-1"}
    with pytest.raises(RuleViolations) as raised:
        services.save_review(
            assignment=assignment,
            points=bad,
            comment="",
            recommendation=None,
            suggested_amount=10**12,
            submit=True,
            actor=reviewer,
        )
    fields = {f for f, _m in raised.value.problems}
    assert {
        f"criterion_{criteria[0].id}",
        f"criterion_{criteria[1].id}",
        f"criterion_{criteria[2].id}",
        "suggested_amount",
        "recommendation",
    } <= fields
    good = {c.id: str(c.max_points - 0.5) for c in criteria}
    review = services.save_review(
        assignment=assignment,
        points=good,
        comment="好",
        recommendation=Recommendation.FUND,
        suggested_amount=None,
        submit=True,
        actor=reviewer,
    )
    assert review.total == 100 - 0.5 * len(criteria)
    with pytest.raises(DomainError):  # locked
        services.save_review(
            assignment=assignment,
            points=good,
            comment="",
            submit=False,
            recommendation=None,
            suggested_amount=None,
            actor=reviewer,
        )
    services.reopen(assignment=assignment, reason="评分笔误", actor=world["admin"])
    assert assignment.status is AssignmentStatus.ACCEPTED


@pytest.mark.parametrize(
    ("method", "totals", "expected"),
    [
        (Aggregation.MEAN, [70, 80, 90], 80),
        (Aggregation.MEDIAN, [70, 95, 80, 60], 75),
        (Aggregation.TRIMMED_MEAN, [60, 70, 80, 90, 100], 80),  # drops 60 and 100
        (Aggregation.TRIMMED_MEAN, [50, 70, 71, 72, 99], 71),
        (Aggregation.TRIMMED_MEAN, [60, 90, 90, 90], 82.5),  # fewer than 5: plain mean
    ],
)
def test_aggregates_on_hand_computed_examples(method, totals, expected):
    assert aggregate(totals, method) == pytest.approx(expected)


def test_z_score_normalisation_on_a_hand_computed_example():
    # reviewer 1 gives 60, 70, 80, 90, 100 (mean 80, population sd √200 ≈ 14.142)
    # reviewer 2 has only two reviews: not normalised
    reviews = [(1, a, t) for a, t in zip(range(1, 6), [60, 70, 80, 90, 100], strict=True)]
    reviews += [(2, 1, 50), (2, 2, 55)]
    z = z_scores(reviews)
    assert z[(1, 3)] == pytest.approx(0)
    assert z[(1, 5)] == pytest.approx(20 / 200**0.5)
    assert z[(1, 1)] == pytest.approx(-20 / 200**0.5)
    assert (2, 1) not in z


def test_ranking_figures(make):
    world = eligible_round(make, applications_count=2, reviewers=3, reviewers_per_application=3)
    call = world["call"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=world["admin"])
    first = world["applications"][0]
    criteria = call.criteria
    for assignment, scale in zip(
        db.session.scalars(
            db.select(services.Assignment)
            .where(services.Assignment.application_id == first.id)
            .order_by(services.Assignment.reviewer_id)
        ),
        (1.0, 0.8, 0.5),
        strict=True,
    ):
        services.sign_declaration(assignment=assignment, actor=assignment.reviewer)
        points = {c.id: str(c.max_points * scale) for c in criteria}
        services.save_review(
            assignment=assignment,
            points=points,
            comment="",
            submit=True,
            recommendation=Recommendation.FUND,
            suggested_amount=None,
            actor=assignment.reviewer,
        )
    rows = ranking(call)
    top = rows[0]
    assert top.application_id == first.id
    assert sorted(top.totals.values()) == [50, 80, 100]
    assert top.aggregate == pytest.approx(230 / 3)
    assert top.spread == 50 and top.disagreement  # threshold 20
    assert top.criterion_means[criteria[0].id] == pytest.approx(20 * (1 + 0.8 + 0.5) / 3)
    assert top.normalised is None  # nobody has five reviews
    assert (top.assigned, top.submitted) == (3, 3)
    assert rows[1].aggregate is None and rows[1].submitted == 0
