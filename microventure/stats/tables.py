"""The dashboard's tables as data: which figures, under which headers, in which format. The page,
the Excel export and the PDF report all lay out the same columns."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from microventure.core.money import format_fen
from microventure.stats.board import Dashboard
from microventure.stats.queries import Measures

COUNT, MONEY, RATE, HOURS = "count", "money", "rate", "hours"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy string
    kind: str = COUNT

    def value(self, row: Measures):
        return row.success_rate if self.kind == RATE else row[self.key]

    def text(self, row: Measures) -> str:
        value = self.value(row)
        if self.kind == MONEY:
            return format_fen(value)
        if self.kind == RATE:
            return "—" if value is None else f"{value:.1%}"
        if self.kind == HOURS:
            return f"{value:,.1f}"
        return f"{value:,}"


@dataclass(frozen=True)
class Group:
    key: str
    title: object
    columns: tuple[Column, ...]
    dims: tuple[str, ...] = ("call", "street", "domain", "month")


GROUPS = (
    Group(
        "applications",
        _l("Applications"),
        (
            Column("received", _l("Applications received")),
            Column("eligible", _l("Eligible")),
            Column("approved", _l("Approved")),
            Column("success_rate", _l("Success rate"), RATE),
            Column("organizations", _l("Organisations taking part")),
            Column("first_time", _l("First-time applicants")),
        ),
    ),
    Group(
        "money",
        _l("Grants"),
        (
            Column("amount_requested", _l("Requested"), MONEY),
            Column("amount_recommended", _l("Recommended"), MONEY),
            Column("amount_approved", _l("Approved"), MONEY),
            Column("amount_disbursed", _l("Disbursed"), MONEY),
            Column("amount_returned", _l("Returned to the fund"), MONEY),
        ),
    ),
    Group(
        "projects",
        _l("Funded projects"),
        (
            Column("projects", _l("Projects")),
            Column("projects_active", _l("In progress")),
            Column("projects_completed", _l("Completed")),
            Column("projects_terminated", _l("Terminated")),
        ),
        dims=("call", "street", "domain"),
    ),
    Group(
        "activities",
        _l("Activities (accepted records)"),
        (
            Column("activities", _l("Activities held")),
            Column("participants", _l("Participants (person-times)")),
            Column("verified_participants", _l("Verified participants (checked in)")),
            Column("volunteers", _l("Volunteers")),
            Column("volunteer_hours", _l("Volunteer hours"), HOURS),
            Column("problems_solved", _l("Community problems solved")),
        ),
    ),
)

FUNDS = Group(
    "funds",
    _l("Funds"),
    (
        Column("raised", _l("Raised"), MONEY),
        Column("reserved", _l("Reserved"), MONEY),
        Column("committed", _l("Committed"), MONEY),
        Column("disbursed", _l("Disbursed"), MONEY),
        Column("available", _l("Available"), MONEY),
    ),
    dims=("street",),
)

_ALL = {c.key: c for g in GROUPS for c in g.columns}

# The public page's one table: what residents and donors ask about, per street.
PUBLIC = Group(
    "public",
    _l("Results by street"),
    tuple(
        _ALL[key]
        for key in (
            "received",
            "approved",
            "amount_approved",
            "amount_disbursed",
            "activities",
            "participants",
            "volunteer_hours",
            "problems_solved",
        )
    ),
    dims=("street",),
)

DIMENSION_TITLES = {
    "street": _l("By street"),
    "call": _l("By call"),
    "domain": _l("By service domain"),
    "month": _l("By month"),
}


def row_label(board: Dashboard, dim: str, key, locale: str) -> str:
    """What a row of a dimension is called in the reader's language."""
    if dim == "street":
        street = board.street(key)
        if street is None:
            return str(_l("District")) if key is None else str(key)
        return street.name if locale.startswith("zh") else street.name_en
    if dim == "call":
        call = board.call(key)
        return f"{call.code} · {call.title}" if call else str(key)
    if dim == "domain":
        return key.title if key is not None else str(_l("No domain"))
    return key or ""


def rows(board: Dashboard, dim: str, group: Group) -> list[tuple[object, Measures]]:
    """A table's rows: the fund figures per street, or the figures of the dimension."""
    if group is FUNDS:
        return sorted(board.funds_by_street.items(), key=lambda i: (i[0] is None, i[0] or 0))
    found = board.figures.rows(dim)
    if dim == "street":  # in the district's order of streets, as the filter lists them
        order = {s.id: n for n, s in enumerate(board.streets)}
        found.sort(key=lambda i: order.get(i[0], len(order)))
    if dim == "call":  # newest first, as the filter lists them
        order = {c.id: n for n, c in enumerate(board.calls)}
        found.sort(key=lambda i: order.get(i[0], len(order)))
    return found


def total(board: Dashboard, group: Group) -> Measures:
    return board.funds if group is FUNDS else board.figures.total
