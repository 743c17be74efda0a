"""State changes on accounts and organisations. Services validate, mutate, audit and flush;
the caller commits. Rules broken raise DomainError with a translatable message."""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.credit_code import is_well_formed, normalize
from microventure.accounts.models import (
    Community,
    Exclusion,
    ExclusionKind,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    RoleGrant,
    Street,
    User,
    VerificationStatus,
    new_session_token,
)
from microventure.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import members_of, notify

MOBILE = re.compile(r"^1[3-9]\d{9}$")

# ---------------------------------------------------------------- validators (forms use them too)


def check_mobile(mobile: str, *, field: str = "mobile") -> str:
    mobile = mobile.strip()
    if not MOBILE.match(mobile):
        raise DomainError(
            _l("Enter an 11-digit mainland mobile number, e.g. 13800138000."), field=field
        )
    return mobile


def check_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)s characters.", n=MIN_LENGTH), field=field
        )


def check_email_free(email: str, *, field: str = "email") -> str:
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(_l("An account with this e-mail address already exists."), field=field)
    return email


def check_credit_code(code: str, *, organization_id: int | None = None) -> str:
    """Shape and uniqueness are hard rules; a failing check character is only a warning, shown
    to the applicant and to the admin who verifies (and may override it)."""
    code = normalize(code)
    if not is_well_formed(code):
        raise DomainError(
            _l(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            field="credit_code",
        )
    taken = db.session.scalar(
        select(Organization.id).where(
            Organization.credit_code == code, Organization.id != (organization_id or 0)
        )
    )
    if taken:
        raise DomainError(
            _l("An organisation with this credit code is already registered."), field="credit_code"
        )
    return code


def check_organization_name_free(name: str) -> str:
    name = name.strip()
    if db.session.scalar(select(Organization.id).where(Organization.name == name)):
        raise DomainError(_l("An organisation with this name is already registered."), field="name")
    return name


# ------------------------------------------------------------------------------ users and login


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    mobile: str | None = None,
    locale: str = "zh_CN",
    actor: User | None = None,
) -> User:
    email = check_email_free(email)
    check_password(password)
    if mobile:
        mobile = check_mobile(mobile)
    user = User(
        email=email,
        name=name.strip(),
        mobile=mobile or None,
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(action="user.created", obj=user, actor=actor, after={"email": email, "name": name})
    return user


def authenticate(*, email: str, password: str) -> User | None:
    """The user if the password matches and the account is active; every attempt on a known
    account is audited, successful or not."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        audit.record(action="user.login_failed", obj=user, actor=user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record(action="user.logged_in", obj=user, actor=user)
    return user


def update_profile(*, user: User, name: str, mobile: str | None, locale: str) -> None:
    before = {"name": user.name, "mobile": user.mobile, "locale": user.locale}
    user.name = name.strip()
    user.mobile = check_mobile(mobile) if mobile else None
    user.locale = locale
    after = {"name": user.name, "mobile": user.mobile, "locale": user.locale}
    if before != after:
        audit.record(action="user.profile_updated", obj=user, before=before, after=after)


def change_password(*, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    check_password(new, field="new_password")
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()  # signs out every other session
    audit.record(action="user.password_changed", obj=user)


def set_user_active(*, user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    user.session_token = new_session_token()
    audit.record(
        action="user.activated" if active else "user.deactivated",
        obj=user,
        actor=actor,
        before={"is_active": not active},
        after={"is_active": active},
    )


def grant_role(*, user: User, role: Role, street: Street | None, actor: User) -> RoleGrant:
    if role is Role.STREET_ADMIN and street is None:
        raise DomainError(_l("Choose the street this admin works for."), field="street_id")
    if any(g.role is role for g in user.roles):
        raise DomainError(_l("The user already has this role."), field="role")
    grant = RoleGrant(
        user=user,
        role=role,
        street_id=street.id if role is Role.STREET_ADMIN and street else None,
        granted_by_id=actor.id,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        action="user.role_granted",
        obj=user,
        actor=actor,
        after={"role": role, "street_id": grant.street_id},
    )
    return grant


def revoke_role(*, grant: RoleGrant, actor: User) -> None:
    if grant.role is Role.DISTRICT_ADMIN:
        others = db.session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.role == Role.DISTRICT_ADMIN, RoleGrant.id != grant.id)
        )
        if not others:
            raise DomainError(_l("The last district admin cannot lose the role."))
    user = grant.user
    audit.record(
        action="user.role_revoked",
        obj=user,
        actor=actor,
        before={"role": grant.role, "street_id": grant.street_id},
    )
    user.roles.remove(grant)
    db.session.flush()


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


# Allowed verification transitions and whether each needs a reason: the one table of this rule.
VERIFICATION_TRANSITIONS: dict[tuple[VerificationStatus, VerificationStatus], bool] = {
    (VerificationStatus.PENDING, VerificationStatus.VERIFIED): False,
    (VerificationStatus.PENDING, VerificationStatus.REJECTED): True,
    (VerificationStatus.REJECTED, VerificationStatus.VERIFIED): False,
    (VerificationStatus.VERIFIED, VerificationStatus.SUSPENDED): True,
    (VerificationStatus.SUSPENDED, VerificationStatus.VERIFIED): False,
}


def next_verification_states(organization: Organization) -> list[VerificationStatus]:
    return [to for (frm, to) in VERIFICATION_TRANSITIONS if frm is organization.verification_status]


def set_verification(
    *,
    organization: Organization,
    status: VerificationStatus,
    actor: User,
    reason: str = "",
    override_credit_code: bool = False,
) -> None:
    current = organization.verification_status
    key = (current, status)
    if key not in VERIFICATION_TRANSITIONS:
        raise DomainError(
            _l(
                "An organisation that is %(current)s cannot become %(new)s.",
                current=current.title,
                new=status.title,
            )
        )
    reason = reason.strip()
    if VERIFICATION_TRANSITIONS[key] and not reason:
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
    organization.verification_status = status
    organization.status_reason = reason or None
    organization.status_changed_at = utcnow()
    if status in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED):
        notify(
            recipients=members_of(organization),
            kind=f"organization.{status.value}",
            link=f"/organizations/{organization.id}",
            key=f"{organization.id}:{organization.status_changed_at.isoformat()}",
            organization=organization.name,
            reason=reason,
        )
    audit.record(
        action=f"organization.{status.value}",
        obj=organization,
        actor=actor,
        before={"verification_status": current},
        after={"verification_status": status},
        note=reason or None,
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
