"""Read side for account pages: scoped, paginated lists and the choices forms offer."""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from microventure.accounts.models import (
    Community,
    Membership,
    Organization,
    OrganizationKind,
    RoleGrant,
    Street,
    User,
    VerificationStatus,
)
from microventure.core.i18n import current_language
from microventure.core.policy import scope
from microventure.extensions import db


def street_choices(blank: str | None = None) -> list[tuple]:
    locale = current_language()
    streets = db.session.scalars(select(Street).order_by(Street.position, Street.id))
    choices = [(s.id, s.display_name(locale)) for s in streets]
    return ([("", blank)] if blank is not None else []) + choices


def community_choices(blank: str) -> dict[str, list[tuple]]:
    """Communities grouped by street (rendered as <optgroup>s)."""
    locale = current_language()
    rows = db.session.execute(
        select(Street, Community)
        .join(Community, Community.street_id == Street.id)
        .order_by(Street.position, Street.id, Community.position, Community.id)
    )
    grouped: dict[str, list[tuple]] = {"": [("", blank)]}
    for street, community in rows:
        grouped.setdefault(street.display_name(locale), []).append((community.id, community.name))
    return grouped


def custodian_choices(blank: str) -> list[tuple]:
    """Verified registered organisations, which may hold funds for a filed group."""
    rows = db.session.execute(
        select(Organization.id, Organization.name)
        .where(
            Organization.verification_status == VerificationStatus.VERIFIED,
            Organization.kind != OrganizationKind.FILED_GROUP,
        )
        .order_by(Organization.name)
    )
    return [("", blank)] + [(r.id, r.name) for r in rows]


@dataclass(frozen=True)
class OrganizationFilters:
    """What the admin asked the list for; anything unknown is ignored by the query."""

    status: str | None = None
    street_id: int | None = None
    kind: str | None = None
    search: str | None = None

    @classmethod
    def parse(cls, args) -> "OrganizationFilters":
        return cls(
            status=args.get("status") or None,
            street_id=args.get("street_id", type=int),
            kind=args.get("kind") or None,
            search=args.get("q") or None,
        )

    def args(self) -> dict:
        """The query-string arguments that reproduce these filters (for links and redirects)."""
        values = {"status": self.status, "street_id": self.street_id, "kind": self.kind}
        return {k: v for k, v in (values | {"q": self.search}).items() if v not in (None, "")}


def _organizations(user: User, filters: OrganizationFilters, *columns) -> Select:
    """The organisations an admin may see that match ``filters``: all for district admins,
    their street's for street admins."""
    stmt = scope(user, select(*columns or (Organization,)), Organization.street_id)
    if filters.status in VerificationStatus._value2member_map_:
        stmt = stmt.where(Organization.verification_status == filters.status)
    if filters.kind in OrganizationKind._value2member_map_:
        stmt = stmt.where(Organization.kind == filters.kind)
    if filters.street_id:
        stmt = stmt.where(Organization.street_id == filters.street_id)
    if filters.search:
        pattern = f"%{filters.search.strip()}%"
        stmt = stmt.where(
            or_(Organization.name.ilike(pattern), Organization.credit_code.ilike(pattern))
        )
    return stmt.order_by(Organization.created_at.desc(), Organization.id.desc())


def organizations_for_admin(
    user: User, filters: OrganizationFilters, *, page: int = 1, per_page: int = 20
) -> Pagination:
    """One page of the list, with each organisation's street and community."""
    stmt = _organizations(user, filters).options(
        joinedload(Organization.street), joinedload(Organization.community)
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def matching_organization_ids(user: User, filters: OrganizationFilters) -> list[int]:
    """Every organisation of the list (all pages): those "all that match" acts on."""
    return list(db.session.scalars(_organizations(user, filters, Organization.id)))


def organizations_by_id(user: User, ids: list[int]) -> list[Organization]:
    """The chosen organisations the admin may see, in the list's order; others are left out."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            _organizations(user, OrganizationFilters()).where(Organization.id.in_(ids))
        )
    )


def status_counts(user: User) -> dict[str, int]:
    stmt = select(Organization.verification_status, func.count()).group_by(
        Organization.verification_status
    )
    stmt = scope(user, stmt, Organization.street_id)
    return {status.value: n for status, n in db.session.execute(stmt)}


def organization_page(organization_id: int) -> Organization | None:
    return db.session.scalar(
        select(Organization)
        .options(
            joinedload(Organization.street),
            joinedload(Organization.community),
            joinedload(Organization.custodian),
            selectinload(Organization.members).joinedload(Membership.user),
            selectinload(Organization.exclusions),
        )
        .where(Organization.id == organization_id)
    )


def users_page(*, search: str | None = None, page: int = 1, per_page: int = 20) -> Pagination:
    stmt = select(User).options(
        selectinload(User.roles).joinedload(RoleGrant.street),
        selectinload(User.memberships).joinedload(Membership.organization),
    )
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(or_(User.email.ilike(pattern), User.name.ilike(pattern)))
    return db.paginate(stmt.order_by(User.id), page=page, per_page=per_page, error_out=False)
