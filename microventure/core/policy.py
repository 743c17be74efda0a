"""Who may do what: ``can(user, action, obj)``, the one place access is decided.

Rules are small predicates combined with ``&``, ``|`` and ``~`` so each policy line reads as
the rule it is. Views call ``authorize`` (404 for objects the user may not see, 403 otherwise);
templates call ``can``.
"""

from collections.abc import Callable
from typing import Any

from flask import abort

from microventure.accounts.models import Role


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
    from microventure.calls.models import CallStatus

    return call is not None and call.status is not CallStatus.DRAFT


@rule
def was_submitted(user, application) -> bool:
    """Drafts are the applicant's own; admins see an application once it has been submitted."""
    return application.reference is not None


@rule
def is_editable(user, application) -> bool:
    from microventure.applications.services import EDITABLE

    return application.status in EDITABLE


manages = is_district_admin | (is_street_admin & in_own_street)


@rule
def is_own_project(user, project) -> bool:
    """A member of the organisation carrying out the project."""
    return is_signed_in(user) and project.organization_id in user.organization_ids()


@rule
def is_assigned_reviewer(user, assignment) -> bool:
    return is_signed_in(user) and assignment is not None and assignment.reviewer_id == user.id


POLICY: dict[str, Rule] = {
    "organization.view": is_district_admin | (is_street_admin & org_in_own_street) | is_org_member,
    "organization.list": is_admin,
    "organization.verify": is_district_admin,
    "organization.override_credit_code": is_district_admin,
    "organization.exclude": is_district_admin,
    "organization.audit": is_district_admin | (is_street_admin & org_in_own_street),
    "organization.manage_members": is_org_owner | is_district_admin,
    "user.manage": is_district_admin,
    "fund.list": is_admin,
    "fund.manage": manages,
    "call.create": is_admin,
    "call.manage": manages,
    "call.view": is_published | manages,
    "application.start": is_applicant,
    "application.view": is_applying_org_member | (manages & was_submitted),
    "application.edit": is_applying_org_member & is_editable,
    "application.withdraw": is_applying_org_member,
    "application.screen": manages & was_submitted,
    "reviewer.pool": is_district_admin,
    "review.manage": manages,
    "review.work": is_reviewer & is_assigned_reviewer,
    "notification.admin": is_district_admin,
    "decision.manage": manages,
    "project.view": is_own_project | manages,
    "project.manage": manages,
    "project.report": is_own_project,
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
