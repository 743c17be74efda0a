"""Who may do what: ``can(user, action, obj)``, the one place access is decided.

Rules are small predicates combined with ``&``, ``|`` and ``~`` so each policy line reads as
the rule it is. Views call ``authorize`` (404 for objects the user may not see, 403 otherwise);
templates call ``can``.
"""

from collections.abc import Callable
from typing import Any

from flask import abort

from microventure.accounts.models import Role
from microventure.applications.models import APPLICATION, ApplicationStatus
from microventure.calls.models import CALL, CallStatus
from microventure.core.states import StateMachine
from microventure.projects.models import PROJECT, TRANCHE, ProjectStatus, TrancheStatus
from microventure.reviews.models import ASSIGNMENT, AssignmentStatus


class Rule:
    def __init__(self, test: Callable[[Any, Any], bool], name: str) -> None:
        self.test, self.name = test, name

    def __call__(self, user: Any, obj: Any = None) -> bool:
        return bool(self.test(user, obj))

    def __and__(self, other: "Rule") -> "Rule":
        return Rule(lambda u, o: self(u, o) and other(u, o), f"({self.name} & {other.name})")

    def __or__(self, other: "Rule") -> "Rule":
        return Rule(lambda u, o: self(u, o) or other(u, o), f"({self.name} | {other.name})")

    def __invert__(self) -> "Rule":
        return Rule(lambda u, o: not self(u, o), f"~{self.name}")

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def rule(test: Callable[[Any, Any], bool]) -> Rule:
    return Rule(test, test.__name__)


def may_move(machine: StateMachine, to: Any, *, from_: Any = None) -> Rule:
    """The object's state machine allows the move now (from ``from_`` only, when given), so a
    page offers exactly what the service would do."""

    def test(user, obj) -> bool:
        return (
            obj is not None
            and machine.may(obj, to)
            and (from_ is None or machine.state(obj) is from_)
        )

    return Rule(test, f"may_move_{machine.model.__tablename__}_to_{to.value}")


def of_project(rule_: Rule) -> Rule:
    """``rule_`` applied to the project a tranche (or report, record) belongs to."""
    return Rule(lambda u, o: o is not None and rule_(u, o.project), f"project_{rule_.name}")


@rule
def is_signed_in(user, obj) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _has(role: Role) -> Rule:
    return is_signed_in & Rule(lambda u, o: u.has_role(role), f"has_{role.value}")


is_district_admin = _has(Role.DISTRICT_ADMIN)
is_street_admin = _has(Role.STREET_ADMIN)
is_reviewer = _has(Role.REVIEWER)


@rule
def is_applicant(user, obj) -> bool:
    return is_signed_in(user) and bool(user.memberships)


@rule
def org_in_own_street(user, org) -> bool:
    return org is not None and org.street_id in user.street_ids()


@rule
def is_org_member(user, org) -> bool:
    return is_signed_in(user) and org is not None and org.id in user.organization_ids()


@rule
def is_org_owner(user, org) -> bool:
    return is_signed_in(user) and org is not None and org.id in user.organization_ids(owner=True)


is_admin = is_district_admin | is_street_admin


@rule
def in_own_street(user, obj) -> bool:
    """A fund, call or application whose street (or its call's street) the street admin serves.
    District-wide funds and calls (no street) belong to the district admins."""
    street_id = getattr(obj, "street_id", None)
    if street_id is None and hasattr(obj, "call"):
        street_id = obj.call.street_id
    return street_id is not None and street_id in user.street_ids()


@rule
def is_applying_org_member(user, application) -> bool:
    return is_signed_in(user) and application.organization_id in user.organization_ids()


@rule
def is_published(user, call) -> bool:
    return call is not None and call.status is not CallStatus.DRAFT


@rule
def takes_applications(user, call) -> bool:
    """Published and not closed yet (it may still be closed early)."""
    from microventure.core.timeutil import utcnow

    return call.status is CallStatus.PUBLISHED and call.closes_at > utcnow()


@rule
def records_activities(user, project) -> bool:
    from microventure.projects.activities.rules import recording_open

    return recording_open(project)


@rule
def was_submitted(user, application) -> bool:
    """Drafts are the applicant's own; admins see an application once it has been submitted."""
    return application.reference is not None


@rule
def is_editable(user, application) -> bool:
    from microventure.applications.services import EDITABLE

    return application.status in EDITABLE


manages = is_district_admin | (is_street_admin & in_own_street)


def scope(user: Any, stmt: Any, street_column: Any) -> Any:
    """``manages`` as SQL: the rows a user administers. District admins see every street's;
    street admins those whose ``street_column`` is one of their streets (never district-wide
    rows, whose street is NULL)."""
    streets = street_scope(user)
    return stmt if streets is None else stmt.where(street_column.in_(streets or {0}))


@rule
def is_own_project(user, project) -> bool:
    """A member of the organisation carrying out the project."""
    return is_signed_in(user) and project.organization_id in user.organization_ids()


@rule
def is_assigned_reviewer(user, assignment) -> bool:
    return is_signed_in(user) and assignment is not None and assignment.reviewer_id == user.id


@rule
def has_declared(user, assignment) -> bool:
    """The no-conflict declaration is signed (and not withdrawn by a declared conflict)."""
    return assignment.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED)


@rule
def others_shown_after_submitting(user, assignment) -> bool:
    """Reviewers never see each other's reviews before submitting, and after only if the call
    says so."""
    return (
        assignment.status is AssignmentStatus.SUBMITTED
        and assignment.application.call.reviewers_see_others_after_submit
    )


@rule
def is_token_owner(user, token) -> bool:
    """A personal access token is its user's alone: nobody else sees or revokes it (an admin
    stops a user's tokens by deactivating the account)."""
    return is_signed_in(user) and token is not None and token.user_id == user.id


POLICY: dict[str, Rule] = {
    "organization.view": is_district_admin | (is_street_admin & org_in_own_street) | is_org_member,
    "organization.list": is_admin,
    "organization.verify": is_district_admin,
    "organization.override_credit_code": is_district_admin,
    "organization.exclude": is_district_admin,
    "organization.audit": is_district_admin | (is_street_admin & org_in_own_street),
    "organization.manage_members": is_org_owner | is_district_admin,
    "user.manage": is_district_admin,
    "api_token.create": is_signed_in,
    "api_token.revoke": is_token_owner,
    "fund.list": is_admin,
    "fund.manage": manages,
    "call.create": is_admin,
    "call.manage": manages,
    "call.view": is_published | manages,
    "call.edit": manages & may_move(CALL, CallStatus.PUBLISHED),
    "call.publish": manages & may_move(CALL, CallStatus.PUBLISHED),
    "call.close_early": manages & takes_applications,
    "call.run": manages & is_published,  # screening, reviewers, ranking, decisions
    "call.questions": manages,  # what may change is the service's rule (calls/questions.py)
    "question_library.manage": is_district_admin,
    "application.start": is_applicant,
    "application.view": is_applying_org_member | (manages & was_submitted),
    "application.edit": is_applying_org_member & is_editable,
    "application.withdraw": is_applying_org_member,
    "application.screen": manages & was_submitted,
    "screening.decide": manages & was_submitted & may_move(APPLICATION, ApplicationStatus.ELIGIBLE),
    "reviewer.pool": is_district_admin,
    "review.manage": manages,
    "review.work": is_reviewer & is_assigned_reviewer,
    "review.declare": is_reviewer
    & is_assigned_reviewer
    & may_move(ASSIGNMENT, AssignmentStatus.ACCEPTED, from_=AssignmentStatus.ASSIGNED),
    "review.declare_conflict": is_reviewer
    & is_assigned_reviewer
    & may_move(ASSIGNMENT, AssignmentStatus.DECLINED),
    "review.read": is_reviewer & is_assigned_reviewer & has_declared,
    "review.score": is_reviewer
    & is_assigned_reviewer
    & may_move(ASSIGNMENT, AssignmentStatus.SUBMITTED),
    "review.read_others": is_reviewer & is_assigned_reviewer & others_shown_after_submitting,
    "notification.admin": is_district_admin,
    "calendar.manage": is_district_admin,
    "decision.manage": manages,
    "history.internal": manages,  # reviewers' work and decisions before the notice
    "project.view": is_own_project | manages,
    "project.list": is_admin,
    "project.manage": manages,
    "project.sign": manages & may_move(PROJECT, ProjectStatus.ACTIVE, from_=ProjectStatus.SIGNING),
    "project.suspend": manages & may_move(PROJECT, ProjectStatus.SUSPENDED),
    "project.resume": manages
    & may_move(PROJECT, ProjectStatus.ACTIVE, from_=ProjectStatus.SUSPENDED),
    "project.terminate": manages & may_move(PROJECT, ProjectStatus.TERMINATED),
    "tranche.pay": of_project(manages) & may_move(TRANCHE, TrancheStatus.PAID),
    "tranche.withhold": of_project(manages) & may_move(TRANCHE, TrancheStatus.WITHHELD),
    "project.report": is_own_project,
    "activity.record": is_own_project & records_activities,
    # check-in sessions (attendance/): the organisation runs them, its admins see them
    "attendance.view": is_own_project | manages,
    "attendance.manage": is_own_project & records_activities,
    "project.review": manages,
    "stats.view": is_admin,
    "stats.all_streets": is_district_admin,
}


def street_scope(user: Any) -> set[int] | None:
    """The streets whose results a user may see: ``None`` for every street (district admins),
    else the streets the user administers (the one scope rule of the dashboards and exports)."""
    return None if is_district_admin(user) else user.street_ids()


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True when ``user`` may take ``action`` on ``obj``. An unknown action is a programming
    error, not a silent refusal."""
    return POLICY[action](user, obj)


def authorize(user: Any, action: str, obj: Any = None, *, hide: bool = False) -> None:
    """Abort unless allowed: 404 when ``hide`` (the object's existence is not to be revealed)."""
    if not can(user, action, obj):
        abort(404 if hide else 403)
