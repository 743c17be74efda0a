"""The reviewer pool (评审专家库): members, their expertise and affiliation, and the conflicts of
interest that keep a reviewer away from an applicant. Services flush; the caller commits."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.accounts import services as accounts
from microventure.accounts.models import Organization, Role, Street, User
from microventure.applications.models import Application
from microventure.calls.models import Domain
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.extensions import db
from microventure.reviews.models import (
    DeclaredConflict,
    ReviewerProfile,
)

# ----------------------------------------------------------------------------------- the pool


def add_reviewer(
    *,
    email: str,
    name: str,
    expertise: list[Domain],
    affiliation: str,
    organization: Organization | None,
    street: Street | None,
    mobile: str | None,
    password: str,
    actor: User,
) -> ReviewerProfile:
    """Put a person in the pool: their account (new, or existing by e-mail) and the role."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        user = accounts.create_user(
            email=email, name=name, password=password, mobile=mobile or None, actor=actor
        )
    elif db.session.scalar(select(ReviewerProfile.id).where(ReviewerProfile.user_id == user.id)):
        raise DomainError(_l("This person is already in the reviewer pool."), field="email")
    if not user.has_role(Role.REVIEWER):
        accounts.grant_role(user=user, role=Role.REVIEWER, street=None, actor=actor)
    profile = ReviewerProfile(
        user=user,
        expertise=[d.value for d in expertise],
        affiliation=affiliation.strip(),
        organization=organization,
        street=street,
    )
    db.session.add(profile)
    db.session.flush()
    audit.record(
        action="reviewer.added",
        obj=user,
        actor=actor,
        after={"expertise": profile.expertise, "organization_id": profile.organization_id},
    )
    return profile


def update_reviewer(
    *,
    profile: ReviewerProfile,
    expertise: list[Domain],
    affiliation: str,
    organization: Organization | None,
    street: Street | None,
    active: bool,
    actor: User,
) -> None:
    before = {
        "expertise": profile.expertise,
        "organization_id": profile.organization_id,
        "active": profile.active,
    }
    profile.expertise = [d.value for d in expertise]
    profile.affiliation = affiliation.strip()
    profile.organization = organization
    profile.street = street
    profile.active = active
    audit.record(
        action="reviewer.updated",
        obj=profile.user,
        actor=actor,
        before=before,
        after={
            "expertise": profile.expertise,
            "organization_id": profile.organization_id,
            "active": active,
        },
    )


def record_conflict(
    *, reviewer: User, organization: Organization, reason: str, actor: User
) -> DeclaredConflict:
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Say why there is a conflict of interest."), field="reason")
    existing = db.session.scalar(
        select(DeclaredConflict).where(
            DeclaredConflict.reviewer_id == reviewer.id,
            DeclaredConflict.organization_id == organization.id,
        )
    )
    if existing:
        return existing
    conflict = DeclaredConflict(
        reviewer_id=reviewer.id, organization_id=organization.id, reason=reason
    )
    db.session.add(conflict)
    db.session.flush()
    audit.record(
        action="reviewer.conflict_recorded",
        obj=reviewer,
        actor=actor,
        after={"organization_id": organization.id},
        note=reason,
    )
    return conflict


# ----------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class PoolMember:
    """What assignment needs to know about a reviewer, loaded once per call."""

    user_id: int
    expertise: frozenset[str]
    blocked_orgs: frozenset[int]  # affiliation, memberships and declared conflicts


def members() -> list[PoolMember]:
    """Active reviewers with every organisation they must not review, in three queries."""
    from microventure.accounts.models import Membership

    profiles = db.session.execute(
        select(ReviewerProfile.user_id, ReviewerProfile.expertise, ReviewerProfile.organization_id)
        .join(User, User.id == ReviewerProfile.user_id)
        .where(ReviewerProfile.active.is_(True), User.is_active.is_(True))
        .order_by(ReviewerProfile.user_id)
    ).all()
    blocked: dict[int, set[int]] = {p.user_id: set() for p in profiles}
    for p in profiles:
        if p.organization_id:
            blocked[p.user_id].add(p.organization_id)
    for user_id, org_id in db.session.execute(
        select(Membership.user_id, Membership.organization_id).where(
            Membership.user_id.in_(blocked)
        )
    ):
        blocked[user_id].add(org_id)
    for user_id, org_id in db.session.execute(
        select(DeclaredConflict.reviewer_id, DeclaredConflict.organization_id).where(
            DeclaredConflict.reviewer_id.in_(blocked)
        )
    ):
        blocked[user_id].add(org_id)
    return [
        PoolMember(p.user_id, frozenset(p.expertise), frozenset(blocked[p.user_id]))
        for p in profiles
    ]


def parties(application: Application) -> set[int]:
    """The organisations a reviewer must not be tied to: the applicant and its custodian."""
    return {application.organization_id} | (
        {application.organization.custodian_id} if application.organization.custodian_id else set()
    )


def is_conflicted(member: PoolMember, application: Application) -> bool:
    return bool(member.blocked_orgs & parties(application))
