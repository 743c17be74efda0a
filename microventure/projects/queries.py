"""Read side of projects: the organisation's list, the admin list and one project's page, each in
a fixed number of queries whatever the number of projects, tranches and reports."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from microventure.accounts.models import Organization, Street, User
from microventure.calls.models import Call
from microventure.core.pagination import seek_rows
from microventure.core.policy import scope
from microventure.extensions import db
from microventure.projects.models import (
    OPEN_REPORT,
    ActivityRecord,
    FilePurpose,
    Project,
    ProjectFile,
    ProjectStatus,
    RecordStatus,
    Report,
    ReportStatus,
    Tranche,
    TrancheStatus,
)

T = TrancheStatus
UNPAID = (T.PENDING, T.DUE)
RETURNED = (T.WITHHELD, T.RELEASED)
PER_PAGE = 20


def _sum(expression):
    # PostgreSQL's sum(bigint) is numeric; fen stay integers.
    return sa.cast(func.coalesce(func.sum(expression), 0), sa.BigInteger)


def _money_by_project(project_ids: Select):
    """Paid and due-now sums per project: one grouped subquery."""
    return (
        select(
            Tranche.project_id,
            _sum(case((Tranche.status == T.PAID, Tranche.amount), else_=0)).label("paid"),
            _sum(case((Tranche.status == T.DUE, Tranche.amount), else_=0)).label("due"),
        )
        .where(Tranche.project_id.in_(project_ids))
        .group_by(Tranche.project_id)
        .subquery("money")
    )


def _first_unpaid(project_ids: Select):
    """The position of each project's first tranche not yet paid (the next to come)."""
    return (
        select(Tranche.project_id, func.min(Tranche.position).label("position"))
        .where(Tranche.project_id.in_(project_ids), Tranche.status.in_(UNPAID))
        .group_by(Tranche.project_id)
        .subquery("first_unpaid")
    )


def _reports_due(project_ids: Select):
    """How many reports each project has still to submit, and the earliest one's due date."""
    return (
        select(
            Report.project_id,
            func.count().label("count"),
            func.min(Report.due_on).label("due_on"),
        )
        .where(Report.project_id.in_(project_ids), Report.status.in_(OPEN_REPORT))
        .group_by(Report.project_id)
        .subquery("reports_due")
    )


def _tranche_sum(status: TrancheStatus):
    """The project's tranches in ``status``, summed (a correlated subquery)."""
    return (
        select(_sum(Tranche.amount))
        .where(Tranche.project_id == Project.id, Tranche.status == status)
        .scalar_subquery()
    )


# --------------------------------------------------------------------------- the organisation's


def my_projects(user: User) -> list:
    """The projects of the user's organisations, newest first, with what was paid, the next
    tranche to come and the reports still to submit: three queries' worth of work in one."""
    mine = select(Project.id).where(Project.organization_id.in_(user.organization_ids() or {0}))
    money = _money_by_project(mine)
    first_unpaid = _first_unpaid(mine)
    nxt = aliased(Tranche, name="next_tranche")
    reports = _reports_due(mine)
    stmt = (
        select(
            Project.id,
            Project.agreement_number,
            Project.title,
            Project.amount,
            Project.status,
            Project.status_reason,
            Project.signed_on,
            Call.code.label("call_code"),
            Call.title.label("call_title"),
            Call.midterm_report_due_on,
            Call.final_report_due_on,
            Organization.name.label("organization"),
            func.coalesce(money.c.paid, 0).label("paid"),
            func.coalesce(money.c.due, 0).label("due"),
            nxt.position.label("next_position"),
            nxt.amount.label("next_amount"),
            nxt.status.label("next_status"),
            nxt.trigger.label("next_trigger"),
            nxt.due_since.label("next_due_since"),
            func.coalesce(reports.c.count, 0).label("reports_due"),
            reports.c.due_on.label("report_due_on"),
        )
        .join(Call, Call.id == Project.call_id)
        .join(Organization, Organization.id == Project.organization_id)
        .outerjoin(money, money.c.project_id == Project.id)
        .outerjoin(first_unpaid, first_unpaid.c.project_id == Project.id)
        .outerjoin(nxt, and_(nxt.project_id == Project.id, nxt.position == first_unpaid.c.position))
        .outerjoin(reports, reports.c.project_id == Project.id)
        .where(Project.id.in_(mine))
        .order_by(Project.created_at.desc(), Project.id.desc())
    )
    return list(db.session.execute(stmt))


# ------------------------------------------------------------------------------- the admin list


@dataclass(frozen=True)
class Filters:
    """What the admin asked for; anything unknown was dropped while parsing."""

    call: int | None = None
    status: str | None = None
    search: str | None = None
    due: bool = False
    review: bool = False  # an activity record or a report waits for the admin

    @classmethod
    def parse(cls, args) -> "Filters":
        status = args.get("status")
        return cls(
            call=args.get("call", type=int),
            status=status if status in ProjectStatus._value2member_map_ else None,
            search=(args.get("q") or "").strip()[:100] or None,
            due=args.get("due") == "1",
            review=args.get("review") == "1",
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (for links)."""
        values = {
            "call": self.call,
            "status": self.status,
            "q": self.search,
            "due": "1" if self.due else None,
            "review": "1" if self.review else None,
        } | changes
        return {k: v for k, v in values.items() if v not in (None, "", False)}


def _in_scope(user: User, stmt: Select) -> Select:
    """Street admins see their streets' projects (by the call's street); district admins all."""
    return scope(user, stmt, Call.street_id)


def _due_exists():
    return (
        select(Tranche.id).where(Tranche.project_id == Project.id, Tranche.status == T.DUE).exists()
    )


def _waiting_records():
    return select(func.count(ActivityRecord.id)).where(
        ActivityRecord.project_id == Project.id, ActivityRecord.status == RecordStatus.SUBMITTED
    )


def _waiting_reports():
    return select(func.count(Report.id)).where(
        Report.project_id == Project.id, Report.status == ReportStatus.SUBMITTED
    )


def _waiting_exists():
    """An activity record or a report of the project waits for the admin's review."""
    return or_(
        select(ActivityRecord.id)
        .where(
            ActivityRecord.project_id == Project.id,
            ActivityRecord.status == RecordStatus.SUBMITTED,
        )
        .exists(),
        select(Report.id)
        .where(Report.project_id == Project.id, Report.status == ReportStatus.SUBMITTED)
        .exists(),
    )


def _filtered(user: User, filters: Filters) -> Select:
    stmt = _in_scope(user, select(Project.id).join(Call, Call.id == Project.call_id))
    if filters.call:
        stmt = stmt.where(Project.call_id == filters.call)
    if filters.status:
        stmt = stmt.where(Project.status == filters.status)
    if filters.due:
        stmt = stmt.where(_due_exists())
    if filters.review:
        stmt = stmt.where(_waiting_exists())
    if filters.search:  # the organisation joined only for the search (every project has one)
        stmt = stmt.join(Organization, Organization.id == Project.organization_id).where(
            or_(
                Project.agreement_number.icontains(filters.search, autoescape=True),
                Project.title.icontains(filters.search, autoescape=True),
                Organization.name.icontains(filters.search, autoescape=True),
            )
        )
    return stmt


# the list's order: newest call first, then by agreement number (unique); an index serves it
LIST_ORDER = [(Project.call_id, True), (Project.agreement_number, False), (Project.id, False)]


def admin_projects(
    user: User,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    after: int | None = None,
    before: int | None = None,
):
    """One page of the projects an admin manages: two queries whatever the page holds and
    whichever page it is (``after``/``before``: the id of the row the page follows or
    precedes, see ``SeekPagination``); paid, due and waiting are computed for the page's
    rows only."""
    ids = _filtered(user, filters)
    rows = (
        select(
            Project.id,
            Project.agreement_number,
            Project.title,
            Project.amount,
            Project.status,
            Organization.name.label("organization"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            Call.code.label("call_code"),
            # per row of the page only, not grouped over every project in scope
            _tranche_sum(T.PAID).label("paid"),
            _tranche_sum(T.DUE).label("due"),
            _waiting_records().scalar_subquery().label("records_waiting"),
            _waiting_reports().scalar_subquery().label("reports_waiting"),
        )
        .join(Call, Call.id == Project.call_id)
        .join(Organization, Organization.id == Project.organization_id)
        .outerjoin(Street, Street.id == Call.street_id)
    )
    return seek_rows(
        rows,
        ids=ids,
        id_column=Project.id,
        keys=LIST_ORDER,
        page=page,
        per_page=per_page,
        after=after,
        before=before,
    )


@dataclass(frozen=True)
class Waiting:
    """What waits on the admin across the projects they manage."""

    due_count: int  # projects with a tranche due for payment
    due_total: int
    review_count: int  # projects with an activity record or a report to review


def waiting(user: User) -> Waiting:
    """One query whatever the number of projects."""
    due = _in_scope(
        user,
        select(func.count(func.distinct(Tranche.project_id)), _sum(Tranche.amount))
        .join(Project, Project.id == Tranche.project_id)
        .join(Call, Call.id == Project.call_id)
        .where(Tranche.status == T.DUE),
    ).subquery()
    review = _in_scope(
        user,
        select(func.count(Project.id))
        .join(Call, Call.id == Project.call_id)
        .where(_waiting_exists()),
    ).scalar_subquery()
    due_count, due_total, review_count = db.session.execute(
        select(*due.c, review).select_from(due)
    ).one()
    return Waiting(int(due_count or 0), int(due_total or 0), int(review_count or 0))


def call_choices(user: User) -> list[tuple[int, str]]:
    """The calls (of the admin's scope) that have projects, for the filter."""
    stmt = _in_scope(
        user,
        select(Call.id, Call.code, Call.title).where(Call.id.in_(select(Project.call_id))),
    ).order_by(Call.id.desc())
    return [(row.id, f"{row.code} · {row.title}") for row in db.session.execute(stmt)]


# ------------------------------------------------------------------------------ one project


def project_page(project_id: int, *, with_rows: bool = True) -> Project | None:
    """One project with its call (for the access rule) and, ``with_rows``, its street,
    organisation, agreement scan and tranches: one query, two with the rows."""
    options = [joinedload(Project.call).joinedload(Call.street)]
    if with_rows:
        options += [
            joinedload(Project.organization),
            joinedload(Project.agreement_file),
            selectinload(Project.tranches),
        ]
    return db.session.scalar(select(Project).options(*options).where(Project.id == project_id))


@dataclass(frozen=True)
class TrancheTotals:
    """The project's money by where it stands; the parts add up to the grant."""

    amount: int
    paid: int
    due: int
    pending: int
    returned: int  # withheld or released back to the fund

    @classmethod
    def of(cls, project: Project) -> "TrancheTotals":
        def total(*statuses: TrancheStatus) -> int:
            return sum(t.amount for t in project.tranches if t.status in statuses)

        return cls(project.amount, total(T.PAID), total(T.DUE), total(T.PENDING), total(*RETURNED))


def project_file(project_id: int, file_id: int) -> ProjectFile | None:
    """A current file of the project (None for a removed file or another project's). A receipt
    stays available after its expenditure is removed: earlier report versions still show it."""
    return db.session.scalar(
        select(ProjectFile).where(
            ProjectFile.id == file_id,
            ProjectFile.project_id == project_id,
            ProjectFile.removed_at.is_(None) | (ProjectFile.purpose == FilePurpose.RECEIPT),
        )
    )


def project_of_tranche(tranche_id: int) -> int | None:
    return db.session.scalar(select(Tranche.project_id).where(Tranche.id == tranche_id))
