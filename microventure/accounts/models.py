"""Account tables: users, role grants, streets/communities, organisations, members, exclusions."""

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.credit_code import is_valid_credit_code
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine


class Role(LabelledEnum):
    STREET_ADMIN = "street_admin"
    REVIEWER = "reviewer"
    DISTRICT_ADMIN = "district_admin"


labels(
    Role,
    {
        Role.STREET_ADMIN: _l("Street admin"),
        Role.REVIEWER: _l("Reviewer"),
        Role.DISTRICT_ADMIN: _l("District admin"),
    },
)


class StreetKind(LabelledEnum):
    STREET = "street"
    TOWN = "town"


labels(StreetKind, {StreetKind.STREET: _l("Street"), StreetKind.TOWN: _l("Town")})


class CommunityKind(LabelledEnum):
    COMMUNITY = "community"
    VILLAGE = "village"


labels(
    CommunityKind, {CommunityKind.COMMUNITY: _l("Community"), CommunityKind.VILLAGE: _l("Village")}
)


class OrganizationKind(LabelledEnum):
    SOCIAL_GROUP = "social_group"
    SOCIAL_SERVICE = "social_service"
    FOUNDATION = "foundation"
    SOCIAL_WORK_AGENCY = "social_work_agency"
    RESIDENTS_COMMITTEE = "residents_committee"
    FILED_GROUP = "filed_group"

    @property
    def needs_custodian(self) -> bool:
        """A filed community group (备案) has no credit code; a custodian receives money for it."""
        return self is OrganizationKind.FILED_GROUP


labels(
    OrganizationKind,
    {
        OrganizationKind.SOCIAL_GROUP: _l("Social group (registered)"),
        OrganizationKind.SOCIAL_SERVICE: _l("Social service institution (registered)"),
        OrganizationKind.FOUNDATION: _l("Foundation (registered)"),
        OrganizationKind.SOCIAL_WORK_AGENCY: _l("Social-work agency"),
        OrganizationKind.RESIDENTS_COMMITTEE: _l("Residents' / villagers' committee"),
        OrganizationKind.FILED_GROUP: _l("Filed community group"),
    },
)


class VerificationStatus(LabelledEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


labels(
    VerificationStatus,
    {
        VerificationStatus.PENDING: _l("Awaiting verification"),
        VerificationStatus.VERIFIED: _l("Verified"),
        VerificationStatus.REJECTED: _l("Rejected"),
        VerificationStatus.SUSPENDED: _l("Suspended"),
    },
)


class ExclusionKind(LabelledEnum):
    ABNORMAL = "abnormal"
    DISHONEST = "dishonest"


labels(
    ExclusionKind,
    {
        ExclusionKind.ABNORMAL: _l("Abnormal activity list"),
        ExclusionKind.DISHONEST: _l("Serious dishonesty list"),
    },
)

LOCALES = ("zh_CN", "en")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh_CN")
    # 长辈模式: larger text, higher contrast, larger targets (accounts/elder_mode.py)
    elder_mode: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login identifies sessions by this token: changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    email_confirmed_at: Mapped[datetime | None]

    roles: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id", cascade="all, delete-orphan"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("locale IN ('zh_CN', 'en')", name="locale_known"),
    )

    def get_id(self) -> str:
        return self.session_token

    def has_role(self, role: Role) -> bool:
        return any(grant.role is role for grant in self.roles)

    def street_ids(self) -> set[int]:
        return {g.street_id for g in self.roles if g.role is Role.STREET_ADMIN and g.street_id}

    def organization_ids(self, *, owner: bool = False) -> set[int]:
        return {m.organization_id for m in self.memberships if m.is_owner or not owner}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Street(Base):
    """A street (街道) or town (镇) of the district; street admins work in one."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[StreetKind] = mapped_column(enum_column(StreetKind, "street_kind"))
    position: Mapped[int] = mapped_column(default=0)

    communities: Mapped[list["Community"]] = relationship(
        back_populates="street", order_by="Community.position"
    )

    def display_name(self, locale: str) -> str:
        return self.name if locale.startswith("zh") else self.name_en


class Community(Base):
    """A residents' community (社区) or village (村) within a street."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[CommunityKind] = mapped_column(enum_column(CommunityKind, "community_kind"))
    position: Mapped[int] = mapped_column(default=0)

    street: Mapped[Street] = relationship(back_populates="communities")

    __table_args__ = (sa.UniqueConstraint("street_id", "name"),)


class RoleGrant(Base):
    """A staff role held by a user; a street admin's grant is scoped to one street."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    street: Mapped[Street | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "role"),
        sa.CheckConstraint(
            "(role = 'street_admin') = (street_id IS NOT NULL)", name="street_scope_only_for_street"
        ),
    )


class Organization(Base):
    """An applicant organisation (社会组织 / 社区社会组织 / 社工机构 / 村居委会)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind")
    )
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    credit_code_override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    custodian_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    legal_representative: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(60))
    contact_mobile: Mapped[str] = mapped_column(sa.String(11))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    founded_on: Mapped[date | None]
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_awarded_on: Mapped[date | None]
    rating_expires_on: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus, "verification_status"),
        default=VerificationStatus.PENDING,
        index=True,
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    street: Mapped[Street] = relationship()
    community: Mapped[Community | None] = relationship()
    custodian: Mapped["Organization | None"] = relationship(remote_side=[id])
    members: Mapped[list["Membership"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="Membership.id"
    )
    exclusions: Mapped[list["Exclusion"]] = relationship(
        back_populates="organization", order_by="Exclusion.starts_on.desc()"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'filed_group' AND credit_code IS NULL AND custodian_id IS NOT NULL)"
            " OR (kind <> 'filed_group' AND credit_code IS NOT NULL AND custodian_id IS NULL)",
            name="filed_group_has_custodian_others_credit_code",
        ),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_1a_to_5a"),
        sa.CheckConstraint(
            "rating_expires_on IS NULL OR rating_awarded_on IS NULL"
            " OR rating_expires_on > rating_awarded_on",
            name="rating_expires_after_award",
        ),
        sa.CheckConstraint("length(contact_mobile) = 11", name="contact_mobile_11_digits"),
        sa.CheckConstraint("custodian_id IS NULL OR custodian_id <> id", name="not_own_custodian"),
    )

    @property
    def credit_code_valid(self) -> bool | None:
        """None for a filed group, which has no credit code."""
        return None if self.credit_code is None else is_valid_credit_code(self.credit_code)

    @property
    def credit_code_warning(self) -> bool:
        """A failing check character that no district admin has overridden yet."""
        return self.credit_code_valid is False and self.credit_code_override_by_id is None

    def rating_label(self) -> str:
        return f"{self.rating}A" if self.rating else ""

    def active_exclusions(self, on: date) -> list["Exclusion"]:
        return [e for e in self.exclusions if e.in_force(on)]


class Membership(Base):
    """A user who applies and reports for an organisation; the owner manages the others."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("organization_id", "user_id"),)


class Exclusion(Base):
    """An entry on an exclusion list (活动异常 / 失信); in force from start to end unless lifted."""

    __tablename__ = "exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    kind: Mapped[ExclusionKind] = mapped_column(enum_column(ExclusionKind, "exclusion_kind"))
    reason: Mapped[str] = mapped_column(sa.Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="exclusions")

    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    def in_force(self, on: date) -> bool:
        return (
            self.lifted_at is None
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )


# Verification (认证) of an organisation: the one table of its moves.
_V = VerificationStatus
VERIFICATION = StateMachine(
    Organization,
    moves={
        (before, to): f"organization.{to.value}"
        for before, to in (
            (_V.PENDING, _V.VERIFIED),
            (_V.PENDING, _V.REJECTED),
            (_V.REJECTED, _V.VERIFIED),
            (_V.VERIFIED, _V.SUSPENDED),
            (_V.SUSPENDED, _V.VERIFIED),
        )
    },
    refusal=N_("An organisation that is %(current)s cannot become %(new)s."),
    column="verification_status",
)
NEEDS_REASON = {_V.REJECTED, _V.SUSPENDED}  # the organisation reads why


class TokenScope(LabelledEnum):
    """What a personal access token may do through the API: write implies read."""

    READ = "read"
    WRITE = "write"

    def allows(self, needed: "TokenScope") -> bool:
        return self is TokenScope.WRITE or needed is TokenScope.READ


labels(
    TokenScope,
    {
        TokenScope.READ: _l("Read"),
        TokenScope.WRITE: _l("Read and write"),
    },
)


class ApiToken(Base):
    """A personal access token (个人访问令牌) for the API, sent as ``Authorization: Bearer``.

    Only the SHA-256 of the secret is kept: the secret is 256 random bits, so no guessing can
    find it from the hash, and one indexed lookup per request costs nothing (a password hash
    such as argon2 exists to slow down guessing of low-entropy secrets, and would cost tens of
    milliseconds and megabytes of memory on every API call). ``prefix``, the secret's first
    characters, is not secret: it names the token in lists and in the audit trail."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "token_scope"))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        sa.CheckConstraint("length(name) > 0", name="name_given"),
        sa.CheckConstraint("length(secret_hash) = 64", name="sha256_hex"),
        # a name tells a user's tokens apart while they may be used (and stops a double submit
        # of the form from making two)
        sa.Index(
            "ix_api_tokens_user_name_unrevoked",
            "user_id",
            "name",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
    )

    def state(self, now: datetime) -> str:
        """``revoked``, ``expired`` or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"
