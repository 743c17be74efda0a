"""State changes on organisations: registration, verification, exclusion lists, members.
Services validate, mutate, audit and flush; the caller commits."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.accounts.models import (
    NEEDS_REASON,
    VERIFICATION,
    Community,
    Exclusion,
    ExclusionKind,
    Membership,
    Organization,
    OrganizationKind,
    Street,
    User,
    VerificationStatus,
)
from microventure.accounts.services import (
    check_credit_code,
    check_mobile,
    check_organization_name_free,
    create_user,
)
from microventure.core import audit, links
from microventure.core.errors import DomainError
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import members_of, notify

# -------------------------------------------------------------------------------- organisations


@dataclass(kw_only=True)
class OrganizationDetails:
    """What an applicant tells us about their organisation at sign-up."""

    name: str
    kind: OrganizationKind
    credit_code: str | None
    custodian_id: int | None
    street_id: int
    community_id: int | None
    address: str = ""
    legal_representative: str = ""
    contact_name: str
    contact_mobile: str
    contact_email: str | None = None
    founded_on: date | None = None
    rating: int | None = None
    rating_awarded_on: date | None = None
    rating_expires_on: date | None = None
    description: str = ""


def _check_details(details: OrganizationDetails) -> dict:
    values = vars(details).copy()
    values["name"] = check_organization_name_free(details.name)
    values["contact_mobile"] = check_mobile(details.contact_mobile, field="contact_mobile")
    if db.session.get(Street, details.street_id) is None:
        raise DomainError(_l("Choose a street."), field="street_id")
    if details.community_id is not None:
        community = db.session.get(Community, details.community_id)
        if community is None or community.street_id != details.street_id:
            raise DomainError(
                _l("The community must belong to the chosen street."), field="community_id"
            )
    if details.kind.needs_custodian:
        values["credit_code"] = None
        custodian = db.session.get(Organization, details.custodian_id or 0)
        if (
            custodian is None
            or custodian.kind.needs_custodian
            or custodian.verification_status is not VerificationStatus.VERIFIED
        ):
            raise DomainError(
                _l(
                    "A filed community group needs a verified registered organisation as custodian."
                ),
                field="custodian_id",
            )
    else:
        values["custodian_id"] = None
        if not details.credit_code:
            raise DomainError(
                _l("A registered organisation needs its unified social credit code."),
                field="credit_code",
            )
        values["credit_code"] = check_credit_code(details.credit_code)
    if details.rating is not None and not details.rating_expires_on:
        raise DomainError(_l("Give the date the rating expires."), field="rating_expires_on")
    if (
        details.rating_awarded_on
        and details.rating_expires_on
        and details.rating_expires_on <= details.rating_awarded_on
    ):
        raise DomainError(
            _l("The rating must expire after it was awarded."), field="rating_expires_on"
        )
    return values


def create_organization(*, details: OrganizationDetails, owner: User) -> Organization:
    """A new organisation, pending verification, with ``owner`` as its first member."""
    organization = Organization(
        **_check_details(details), verification_status=VerificationStatus.PENDING
    )
    db.session.add(organization)
    db.session.add(Membership(organization=organization, user=owner, is_owner=True))
    db.session.flush()
    audit.record(
        action="organization.registered",
        obj=organization,
        actor=owner,
        after={
            "name": organization.name,
            "kind": organization.kind,
            "credit_code": organization.credit_code,
            "credit_code_valid": organization.credit_code_valid,
        },
    )
    return organization


def register_organization(
    *,
    details: OrganizationDetails,
    owner_email: str,
    owner_name: str,
    owner_password: str,
    owner_mobile: str | None = None,
    locale: str = "zh_CN",
) -> tuple[User, Organization]:
    """Sign-up: the applicant's account and the organisation together; it waits for verification."""
    _check_details(details)  # refuse a bad organisation before creating the account
    user = create_user(
        email=owner_email,
        name=owner_name,
        password=owner_password,
        mobile=owner_mobile,
        locale=locale,
    )
    return user, create_organization(details=details, owner=user)


def next_verification_states(organization: Organization) -> list[VerificationStatus]:
    return VERIFICATION.allowed(organization)


def set_verification(
    *,
    organization: Organization,
    status: VerificationStatus,
    actor: User,
    reason: str = "",
    override_credit_code: bool = False,
) -> None:
    VERIFICATION.check(organization, status)
    reason = reason.strip()
    if status in NEEDS_REASON and not reason:
        raise DomainError(_l("Give a reason; the organisation will see it."), field="reason")
    if status is VerificationStatus.VERIFIED and organization.credit_code_warning:
        if not override_credit_code:
            raise DomainError(
                _l(
                    "The credit code fails the GB 32100 check. Confirm that you have checked "
                    "the registration certificate to verify the organisation anyway."
                ),
                field="override_credit_code",
            )
        organization.credit_code_override_by_id = actor.id
        audit.record(
            action="organization.credit_code_overridden",
            obj=organization,
            actor=actor,
            after={"credit_code": organization.credit_code},
        )
    VERIFICATION.move(
        organization,
        status,
        actor=actor,
        note=reason,
        values={"status_reason": reason or None, "status_changed_at": utcnow()},
    )
    if status in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED):
        notify(
            recipients=members_of(organization),
            kind=f"organization.{status.value}",
            link=links.path("accounts.organization", organization_id=organization.id),
            key=f"{organization.id}:{organization.status_changed_at.isoformat()}",
            organization=organization.name,
            reason=reason,
        )


def add_exclusion(
    *,
    organization: Organization,
    kind: ExclusionKind,
    reason: str,
    starts_on: date,
    ends_on: date | None,
    actor: User,
) -> Exclusion:
    if not reason.strip():
        raise DomainError(_l("Give a reason for the exclusion."), field="reason")
    if ends_on and ends_on < starts_on:
        raise DomainError(_l("The end date cannot be before the start date."), field="ends_on")
    exclusion = Exclusion(
        organization=organization,
        kind=kind,
        reason=reason.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    db.session.add(exclusion)
    db.session.flush()
    audit.record(
        action="organization.excluded",
        obj=organization,
        actor=actor,
        after={"kind": kind, "starts_on": starts_on, "ends_on": ends_on},
        note=reason,
    )
    return exclusion


def lift_exclusion(*, exclusion: Exclusion, actor: User) -> None:
    if exclusion.lifted_at is not None:
        raise DomainError(_l("This exclusion has already been lifted."))
    exclusion.lifted_at = utcnow()
    audit.record(
        action="organization.exclusion_lifted",
        obj=exclusion.organization,
        actor=actor,
        before={"exclusion_id": exclusion.id, "kind": exclusion.kind},
    )


# ------------------------------------------------------------------------------------- members


def add_member(
    *, organization: Organization, email: str, name: str, password: str, actor: User
) -> Membership:
    """Add a person who applies and reports for the organisation: an existing account by e-mail,
    or a new one with the initial password the owner passes on to them."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        if not name.strip():
            raise DomainError(_l("Give the new member's name."), field="name")
        user = create_user(email=email, name=name, password=password, actor=actor)
    elif any(m.organization_id == organization.id for m in user.memberships):
        raise DomainError(_l("This person is already a member."), field="email")
    membership = Membership(organization=organization, user=user, is_owner=False)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        action="organization.member_added",
        obj=organization,
        actor=actor,
        after={"user_id": user.id, "email": user.email},
    )
    return membership


def remove_member(*, membership: Membership, actor: User) -> None:
    if membership.is_owner:
        raise DomainError(_l("The owner cannot be removed."))
    organization = membership.organization
    audit.record(
        action="organization.member_removed",
        obj=organization,
        actor=actor,
        before={"user_id": membership.user_id, "email": membership.user.email},
    )
    organization.members.remove(membership)
    db.session.flush()
