"""Read side of screening (资格审查): a call's submissions, filtered, sorted and paginated in SQL."""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, Integer

from microventure.accounts.models import Community, Organization
from microventure.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    BudgetLine,
)
from microventure.calls.models import Domain
from microventure.core.pagination import paginate_rows
from microventure.extensions import db

# Drafts, and drafts withdrawn before they were ever submitted, are the applicant's own.
SUBMITTED_ONCE = (Application.status != ApplicationStatus.DRAFT, Application.reference.is_not(None))
SORTS = ("submitted_at", "reference", "requested", "organization")
PER_PAGE = 20


@dataclass(frozen=True)
class Filters:
    """What the admin asked for; anything unknown was dropped while parsing."""

    state: str | None = None
    domain: str | None = None
    community: int | None = None
    search: str | None = None
    sort: str = "submitted_at"
    descending: bool = False

    @classmethod
    def parse(cls, args) -> "Filters":
        state = args.get("state")
        domain = args.get("domain")
        sort = args.get("sort") or "submitted_at"
        descending = sort.startswith("-")
        sort = sort.removeprefix("-")
        return cls(
            state=state
            if state in ApplicationStatus._value2member_map_ and state != "draft"
            else None,
            domain=domain if domain in Domain._value2member_map_ else None,
            community=args.get("community", type=int),
            search=(args.get("q") or "").strip() or None,
            sort=sort if sort in SORTS else "submitted_at",
            descending=descending and sort in SORTS,
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (for links and redirects)."""
        values = {
            "state": self.state,
            "domain": self.domain,
            "community": self.community,
            "q": self.search,
            "sort": ("-" if self.descending else "") + self.sort,
        } | changes
        if values["sort"] == "submitted_at":
            values["sort"] = None
        return {k: v for k, v in values.items() if v not in (None, "")}


# ------------------------------------------------------------- "this JSON list contains an id"


class JsonListContains(ColumnElement[bool]):
    """``column`` (a JSON array of integers) contains ``value``, compiled per dialect. No JSON
    containment is portable: SQLite unnests the array with ``json_each``; PostgreSQL (the column
    is ``json``) casts it to ``jsonb`` and uses ``@>``, which an expression GIN index can serve.
    LIKE on the JSON text is no answer: it confuses 1 with 11 and depends on the spacing."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("value", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement, value: int) -> None:
        self.column = column
        self.value = bindparam(None, int(value), type_=Integer())


@compiles(JsonListContains, "sqlite")
def _contains_sqlite(element, compiler, **kw) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(JsonListContains, "postgresql")
def _contains_postgresql(element, compiler, **kw) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"(CAST({column} AS jsonb) @> jsonb_build_array(CAST({value} AS integer)))"


@compiles(JsonListContains)
def _contains_elsewhere(element, compiler, **kw) -> str:  # pragma: no cover
    raise NotImplementedError("JsonListContains is written for SQLite and PostgreSQL")


# ------------------------------------------------------------------------------ the submissions


def _filtered(call_id: int, filters: Filters, *, with_state: bool = True) -> Select:
    """The call's submissions matching the filters (the organisation joined in for a search by
    its name only: otherwise every organisation would be read to keep the call's rows)."""
    stmt = select(Application.id).where(Application.call_id == call_id, *SUBMITTED_ONCE)
    if with_state and filters.state:
        stmt = stmt.where(Application.status == filters.state)
    if filters.domain:
        stmt = stmt.where(Application.domain == filters.domain)
    if filters.community:
        stmt = stmt.where(JsonListContains(Application.community_ids, filters.community))
    if filters.search:
        stmt = stmt.join(Organization, Organization.id == Application.organization_id).where(
            or_(
                Application.reference.icontains(filters.search, autoescape=True),
                Application.title.icontains(filters.search, autoescape=True),
                Organization.name.icontains(filters.search, autoescape=True),
            )
        )
    return stmt


def _total_budget():
    """The application's budget in all (every source), for the row it is correlated to."""
    return (
        select(
            cast(
                func.coalesce(func.sum(BudgetLine.unit_price * BudgetLine.quantity), 0), BigInteger
            )
        )
        .where(BudgetLine.application_id == Application.id)
        .correlate(Application)
        .scalar_subquery()
    )


def _version_count():
    return (
        select(func.count())
        .where(ApplicationVersion.application_id == Application.id)
        .correlate(Application)
        .scalar_subquery()
    )


def submissions(call_id: int, filters: Filters, *, page: int = 1, per_page: int = PER_PAGE):
    """One page of the call's submissions as rows: two queries whatever the page holds. The
    requested grant is the application's own column (kept by ``save_draft``, so sorting by it
    reads no budget lines); the total budget and the versions are correlated to the row, so
    PostgreSQL works them out for the page's rows only, after the sort and the limit. Nothing
    reads other calls' applications or lines."""
    ids = _filtered(call_id, filters)
    requested = Application.requested_grant
    rows = (
        select(
            Application.id,
            Application.reference,
            Application.title,
            Application.status,
            Application.domain,
            Application.community_ids,
            Application.submitted_at,
            Application.organization_id,
            Organization.name.label("organization"),
            requested.label("requested"),
            _total_budget().label("total"),
            _version_count().label("versions"),
        )
        .join(Organization, Organization.id == Application.organization_id)
        # the call again: the planner reads the call's applications off its index, not all
        .where(Application.call_id == call_id, Application.id.in_(ids))
    )
    column = {
        "submitted_at": Application.submitted_at,
        "reference": Application.reference,
        "requested": requested,
        "organization": Organization.name,
    }[filters.sort]
    order = column.desc() if filters.descending else column.asc()
    rows = rows.order_by(order, Application.id.desc() if filters.descending else Application.id)
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def state_counts(call_id: int, filters: Filters) -> dict[str, int]:
    """How many submissions are in each state, under every filter except the state itself."""
    ids = _filtered(call_id, filters, with_state=False)
    stmt = (
        select(Application.status, func.count())
        .where(Application.call_id == call_id, Application.id.in_(ids))  # the call's index
        .group_by(Application.status)
    )
    return {status.value: n for status, n in db.session.execute(stmt)}


def community_names(ids) -> dict[int, str]:
    """Names for the community ids on a page, in one query."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    rows = db.session.execute(select(Community.id, Community.name).where(Community.id.in_(wanted)))
    return {community_id: name for community_id, name in rows}


def community_choices(street_id: int | None) -> list[tuple[int, str]]:
    """Communities offered by the filter: the call's street's, or all for a district call."""
    stmt = select(Community.id, Community.name).order_by(Community.position, Community.id)
    if street_id is not None:
        stmt = stmt.where(Community.street_id == street_id)
    return [tuple(row) for row in db.session.execute(stmt)]


def matching_ids(call_id: int, filters: Filters) -> list[int]:
    """Every submission matching the filters (all pages): those "all that match" acts on."""
    return list(db.session.scalars(_filtered(call_id, filters)))


def for_screening(call_id: int, application_ids: list[int]) -> list[Application]:
    """The chosen applications of the call, in reference order; drafts are never screened."""
    if not application_ids:
        return []
    return list(
        db.session.scalars(
            select(Application)
            .where(
                and_(
                    Application.call_id == call_id,
                    Application.id.in_(application_ids),
                    *SUBMITTED_ONCE,
                )
            )
            .order_by(Application.reference, Application.id)
        )
    )


def version_pair(
    application_id: int, number: int
) -> tuple[ApplicationVersion | None, ApplicationVersion | None]:
    """Version ``number`` and the one before it (None for the first), in one query."""
    found = {
        v.number: v
        for v in db.session.scalars(
            select(ApplicationVersion).where(
                ApplicationVersion.application_id == application_id,
                ApplicationVersion.number.in_([number, number - 1]),
            )
        )
    }
    return found.get(number), found.get(number - 1)


def version_numbers(application_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(ApplicationVersion.number)
            .where(ApplicationVersion.application_id == application_id)
            .order_by(ApplicationVersion.number)
        )
    )
