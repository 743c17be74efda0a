"""Reviewer pool, assignment (by hand and automatic), declarations, scoring, reopening.
Services flush; the caller commits."""

from collections import Counter, defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.applications.models import APPLICATION, Application, ApplicationStatus
from microventure.calls.models import Call
from microventure.core import audit, links
from microventure.core.errors import DomainError
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.notifications.services import admins_of, notify
from microventure.reviews import rules
from microventure.reviews.models import (
    ASSIGNMENT,
    Assignment,
    AssignmentStatus,
    Recommendation,
    Review,
    Score,
)
from microventure.reviews.pool import services as reviewer_pool

A = AssignmentStatus
S = ApplicationStatus
REVIEWABLE = {S.ELIGIBLE, S.IN_REVIEW}

# ----------------------------------------------------------------------------- assignment


def _check_assignable(
    application: Application, reviewer: User, members: list[reviewer_pool.PoolMember] | None
) -> None:
    if application.status not in REVIEWABLE:
        raise DomainError(_l("Only an application that passed screening can be reviewed."))
    member = next((m for m in members or reviewer_pool.members() if m.user_id == reviewer.id), None)
    if member is None:
        raise DomainError(_l("%(name)s is not an active reviewer.", name=reviewer.name))
    if reviewer_pool.is_conflicted(member, application):
        raise DomainError(
            _l("%(name)s has a conflict of interest with this applicant.", name=reviewer.name)
        )
    if db.session.scalar(
        select(Assignment.id).where(
            Assignment.application_id == application.id, Assignment.reviewer_id == reviewer.id
        )
    ):
        raise DomainError(_l("%(name)s already has this application.", name=reviewer.name))


def assign(
    *,
    application: Application,
    reviewer: User,
    due_on: date,
    actor: User,
    members: list[reviewer_pool.PoolMember] | None = None,
) -> Assignment:
    """Give an application to a reviewer. ``members`` (from ``pool()``) saves reloading the pool
    when many are assigned at once."""
    _check_assignable(application, reviewer, members)
    if due_on < local_today():
        raise DomainError(_l("The due date has passed."), field="due_on")
    assignment = Assignment(
        call_id=application.call_id,
        application=application,
        reviewer=reviewer,
        due_on=due_on,
        assigned_by_id=actor.id,
    )
    db.session.add(assignment)
    if application.status is S.ELIGIBLE:
        APPLICATION.move(application, S.IN_REVIEW, actor=actor)
    db.session.flush()
    notify(
        recipients=[reviewer],
        kind="review.assigned",
        link=links.path("reviewing.assignment", assignment_id=assignment.id),
        key=str(assignment.id),
        reference=application.reference,
        call=application.call.title,
        due=due_on.isoformat(),
    )
    audit.record(
        action="review.assigned",
        obj=application,
        actor=actor,
        after={"reviewer_id": reviewer.id, "due_on": due_on},
    )
    return assignment


def plan(call: Call, *, extra_for: dict[int, int] | None = None) -> dict[int, list[int]]:
    """Who reviews what: each reviewable application gets the call's k reviewers (minus those it
    has; ``extra_for`` asks for a number of extra ones instead), never a conflicted one and never
    one who declined it: the least-loaded first, then those with the application's domain as
    expertise, then by id — so the same input always gives the same plan."""
    applications = db.session.scalars(
        select(Application)
        .options(joinedload(Application.organization))
        .where(Application.call_id == call.id, Application.status.in_(REVIEWABLE))
        .order_by(Application.reference)
    ).all()
    taken: defaultdict[int, set[int]] = defaultdict(set)
    active: Counter[int] = Counter()
    load: Counter[int] = Counter()
    for application_id, reviewer_id, status in db.session.execute(
        select(Assignment.application_id, Assignment.reviewer_id, Assignment.status).where(
            Assignment.call_id == call.id
        )
    ):
        taken[application_id].add(reviewer_id)
        if status is not A.DECLINED:
            active[application_id] += 1
            load[reviewer_id] += 1
    members = reviewer_pool.members()
    result: dict[int, list[int]] = {}
    for application in applications:
        if extra_for is None:
            wanted = call.reviewers_per_application - active[application.id]
        else:
            wanted = extra_for.get(application.id, 0)
        if wanted <= 0:
            continue
        domain = application.domain.value if application.domain else None
        candidates = sorted(
            (
                m
                for m in members
                if m.user_id not in taken[application.id]
                and not reviewer_pool.is_conflicted(m, application)
            ),
            key=lambda m: (load[m.user_id], domain not in m.expertise, m.user_id),
        )
        chosen = [m.user_id for m in candidates[:wanted]]
        load.update(chosen)
        if chosen:
            result[application.id] = chosen
    return result


def apply_plan(*, call: Call, planned: dict[int, list[int]], due_on: date, actor: User) -> int:
    members = reviewer_pool.members()
    count = 0
    for application_id, reviewer_ids in planned.items():
        application = db.session.get(Application, application_id)
        for reviewer_id in reviewer_ids:
            assign(
                application=application,
                reviewer=db.session.get(User, reviewer_id),
                due_on=due_on,
                actor=actor,
                members=members,
            )
            count += 1
    return count


def reassign(*, assignment: Assignment, due_on: date, actor: User) -> Assignment:
    """Replace a reviewer who declared a conflict, in one step, by the planner's choice."""
    if assignment.status is not A.DECLINED:
        raise DomainError(_l("Only a released assignment needs a replacement."))
    application = assignment.application
    active = sum(1 for a in application_assignments(application) if a.status is not A.DECLINED)
    if active >= application.call.reviewers_per_application:
        raise DomainError(_l("This application already has all its reviewers."))
    choice = plan(application.call, extra_for={application.id: 1}).get(application.id)
    if not choice:
        raise DomainError(_l("No reviewer without a conflict is free for this application."))
    return assign(
        application=application,
        reviewer=db.session.get(User, choice[0]),
        due_on=due_on,
        actor=actor,
    )


# ---------------------------------------------------------------------------- declarations


def application_assignments(application: Application) -> list[Assignment]:
    return list(
        db.session.scalars(select(Assignment).where(Assignment.application_id == application.id))
    )


def sign_declaration(*, assignment: Assignment, actor: User) -> None:
    """回避声明: the reviewer confirms no conflict of interest before seeing the application."""
    _own(assignment, actor)
    if assignment.status is not A.ASSIGNED:
        raise DomainError(_l("The declaration has already been made."))
    ASSIGNMENT.move(assignment, A.ACCEPTED, actor=actor, values={"declared_at": utcnow()})


def declare_conflict(*, assignment: Assignment, reason: str, actor: User) -> None:
    """A declared conflict releases the assignment and is remembered for future calls."""
    _own(assignment, actor)
    if assignment.status not in (A.ASSIGNED, A.ACCEPTED):
        raise DomainError(_l("A submitted review cannot be withdrawn this way."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Say why there is a conflict of interest."), field="reason")
    if assignment.review is not None:
        db.session.delete(assignment.review)
    ASSIGNMENT.move(
        assignment,
        A.DECLINED,
        actor=actor,
        note=reason,
        values={"conflict_reason": reason, "declared_at": utcnow()},
    )
    reviewer_pool.record_conflict(
        reviewer=actor, organization=assignment.application.organization, reason=reason, actor=actor
    )
    notify(
        recipients=admins_of(assignment.application.call.street_id),
        kind="review.conflict_declared",
        link=links.path("review_admin.assignments", call_id=assignment.call_id),
        key=str(assignment.id),
        reviewer=actor.name,
        reference=assignment.application.reference,
        reason=reason,
    )


def _own(assignment: Assignment, actor: User) -> None:
    if assignment.reviewer_id != actor.id:
        raise DomainError(_l("This assignment is someone else's."))


# ---------------------------------------------------------------------------------- scoring


def save_review(
    *,
    assignment: Assignment,
    points: dict[int, str | None],
    comment: str,
    recommendation: Recommendation | None,
    suggested_amount: int | None,
    submit: bool,
    actor: User,
) -> Review:
    """Save the reviewer's scores (a draft) or submit them, which locks the review."""
    _own(assignment, actor)
    rules.check_scorable(assignment)
    half = rules.scored_points(
        assignment=assignment,
        points=points,
        recommendation=recommendation,
        suggested_amount=suggested_amount,
        submit=submit,
    )
    review = assignment.review or Review(assignment=assignment)
    db.session.add(review)
    review.comment = comment.strip()
    review.recommendation = recommendation
    review.suggested_amount = suggested_amount
    _keep_scores(review, half)
    if submit:
        review.submitted_at = utcnow()
        db.session.flush()
        ASSIGNMENT.move(
            assignment,
            A.SUBMITTED,
            actor=actor,
            total=review.total,
            recommendation=recommendation,
        )
    db.session.flush()
    return review


def _keep_scores(review: Review, half: dict[int, int]) -> None:
    """The review's scores become ``half`` (half points per criterion id)."""
    # Update rows in place: new rows replacing old ones would be inserted before the orphans
    # are deleted and break the one-score-per-criterion constraint on a second save.
    kept = {score.criterion_id: score for score in review.scores}
    for cid, value in half.items():
        if cid not in kept:
            kept[cid] = Score(criterion_id=cid)
        kept[cid].half_points = value
    review.scores = [kept[cid] for cid in half]


def reopen(*, assignment: Assignment, actor: User, reason: str) -> None:
    """An admin unlocks a submitted review so its reviewer can change it."""
    if assignment.status is not A.SUBMITTED:
        raise DomainError(_l("Only a submitted review can be reopened."))
    if not reason.strip():
        raise DomainError(_l("Say why the review is reopened."), field="reason")
    assignment.review.submitted_at = None
    ASSIGNMENT.move(
        assignment,
        A.ACCEPTED,
        actor=actor,
        note=reason.strip(),
        reviewer_id=assignment.reviewer_id,
    )
    notify(
        recipients=[assignment.reviewer],
        kind="review.reopened",
        link=links.path("reviewing.assignment", assignment_id=assignment.id),
        key=f"{assignment.id}:{utcnow().isoformat()}",
        reference=assignment.application.reference,
        reason=reason.strip(),
    )


REMINDER_ACTION = "review.reminder_requested"


def remind(*, call: Call, reviewer: User, outstanding: int, overdue: int, actor: User) -> None:
    """An admin's one-click reminder to a reviewer: audited on the call and sent to them."""
    audit.record(
        action=REMINDER_ACTION,
        obj=call,
        actor=actor,
        after={"reviewer_id": reviewer.id, "outstanding": outstanding, "overdue": overdue},
    )
    notify(
        recipients=[reviewer],
        kind="review.reminder",
        link=links.path("reviewing.index"),
        key=f"{call.id}:{utcnow().isoformat()}",
        call=call.title,
        count=outstanding,
        overdue=overdue,
    )
