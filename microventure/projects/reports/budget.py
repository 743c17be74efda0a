"""Budget execution (预算执行): the expenditures a report declares against the grant's budget
lines (services: validate, audit, flush), and per budget category the approved grant against
what the reports declare spent, with the call's overspend tolerance (two aggregate queries
whatever the number of budget lines and expenditures)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import case, func, select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import User
from microventure.applications.models import BudgetLine, FundingSource
from microventure.calls.models import BudgetCategory
from microventure.core import audit
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.models import (
    Expenditure,
    FilePurpose,
    Project,
    ProjectFile,
    Report,
    ReportStatus,
)
from microventure.projects.reports import rules
from microventure.projects.reports.services import check_editable


def add_expenditure(
    *,
    report: Report,
    budget_line_id: int | None,
    amount: int | None,
    spent_on: date | None,
    payee: str,
    receipt: FileStorage | None,
    actor: User,
) -> Expenditure:
    """Declare money spent against one of the grant's budget lines, with its receipt."""
    check_editable(report)
    project = report.project
    payee = (payee or "").strip()
    line = db.session.get(BudgetLine, budget_line_id) if budget_line_id else None
    rules.check_expenditure(
        project=project, line=line, amount=amount, spent_on=spent_on, payee=payee, receipt=receipt
    )
    stored = _store_receipt(project, receipt, actor=actor)
    expenditure = Expenditure(
        project_id=project.id,
        report=report,
        budget_line_id=line.id,
        amount=amount,
        spent_on=spent_on,
        payee=payee,
        receipt_file_id=stored.id if stored else None,
        recorded_by_id=actor.id,
    )
    db.session.add(expenditure)
    db.session.flush()
    audit.record(
        action="report.expenditure_added",
        obj=project,
        actor=actor,
        after={
            "report": report.kind,
            "expenditure": expenditure.id,
            "category": line.category,
            "item": line.item,
            "amount": amount,
            "spent_on": spent_on,
            "payee": payee,
        },
    )
    return expenditure


def _store_receipt(
    project: Project, receipt: FileStorage | None, *, actor: User
) -> ProjectFile | None:
    if not rules.receipt_given(receipt):
        return None
    return projects.store_project_file(
        project=project, upload=receipt, purpose=FilePurpose.RECEIPT, actor=actor, field="receipt"
    )


def remove_expenditure(*, expenditure: Expenditure, actor: User) -> None:
    """Take back an expenditure of a report not yet submitted; its receipt is kept on file
    (an earlier version may show it) but no longer current."""
    report = expenditure.report
    check_editable(report)
    if expenditure.receipt is not None:
        expenditure.receipt.removed_at = utcnow()
    audit.record(
        action="report.expenditure_removed",
        obj=report.project,
        actor=actor,
        before={
            "report": report.kind,
            "expenditure": expenditure.id,
            "amount": expenditure.amount,
            "payee": expenditure.payee,
        },
    )
    db.session.delete(expenditure)
    db.session.flush()


# ------------------------------------------------------------------------------- execution

# Spent: declared in a report that has been submitted (a failed report's money was spent too).
DECLARED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.FAILED)


@dataclass(frozen=True)
class CategoryLine:
    """One row of the execution table; ``category`` is None on the totals row."""

    category: BudgetCategory | None
    requested: int  # the application's grant lines of this category
    approved: int  # scaled to the approved amount
    spent: int  # in submitted reports
    draft: int  # in reports not submitted yet (draft or returned)
    tolerance: int  # percent over the approved amount the call allows

    @property
    def is_total(self) -> bool:
        return self.category is None

    @property
    def remaining(self) -> int:
        return self.approved - self.spent

    @property
    def limit(self) -> int:
        """The most that may be spent before the row counts as overspent."""
        return self.approved * (100 + self.tolerance) // 100

    @property
    def overspent(self) -> bool:
        return self.spent * 100 > self.approved * (100 + self.tolerance)

    @property
    def over_within_tolerance(self) -> bool:
        return self.approved < self.spent and not self.overspent

    @property
    def state(self) -> str:
        """ "overspent", "over" (over budget but within tolerance) or "ok"."""
        if self.overspent:
            return "overspent"
        return "over" if self.over_within_tolerance else "ok"

    @property
    def percent_spent(self) -> int | None:
        return self.spent * 100 // self.approved if self.approved else None


def scale(requested: dict[BudgetCategory, int], amount: int) -> dict[BudgetCategory, int]:
    """Each category's grant scaled to the approved ``amount`` in whole fen (rounded down); the
    largest category (the first of equals) takes the rounding, so the parts add up to
    ``amount`` exactly."""
    total = sum(requested.values())
    if total <= 0:
        return {category: 0 for category in requested}
    parts = {category: value * amount // total for category, value in requested.items()}
    largest = max(requested, key=lambda c: (requested[c], -_order(c)))
    parts[largest] += amount - sum(parts.values())
    return parts


def _order(category: BudgetCategory) -> int:
    return list(BudgetCategory).index(category)


def _fen(expression):
    # PostgreSQL's sum(bigint) is numeric; fen stay integers.
    return sa.cast(func.coalesce(func.sum(expression), 0), sa.BigInteger)


def execution(project: Project) -> list[CategoryLine]:
    """The category rows in the call's category order, then the totals row."""
    requested = {
        category: amount
        for category, amount in db.session.execute(
            select(BudgetLine.category, _fen(BudgetLine.unit_price * BudgetLine.quantity))
            .where(
                BudgetLine.application_id == project.application_id,
                BudgetLine.source == FundingSource.GRANT,
            )
            .group_by(BudgetLine.category)
        )
    }
    declared = Report.status.in_(DECLARED)
    spending = {
        category: (spent, draft)
        for category, spent, draft in db.session.execute(
            select(
                BudgetLine.category,
                _fen(case((declared, Expenditure.amount), else_=0)),
                _fen(case((declared, 0), else_=Expenditure.amount)),
            )
            .join(BudgetLine, BudgetLine.id == Expenditure.budget_line_id)
            .join(Report, Report.id == Expenditure.report_id)
            .where(Expenditure.project_id == project.id)
            .group_by(BudgetLine.category)
        )
    }
    approved = scale(requested, project.amount)
    tolerance = project.call.overspend_tolerance
    lines = [
        CategoryLine(
            category=category,
            requested=requested.get(category, 0),
            approved=approved.get(category, 0),
            spent=spending.get(category, (0, 0))[0],
            draft=spending.get(category, (0, 0))[1],
            tolerance=tolerance,
        )
        for category in BudgetCategory
        if category in requested or category in spending
    ]
    return [*lines, totals(lines, tolerance)]


def totals(lines: list[CategoryLine], tolerance: int) -> CategoryLine:
    return CategoryLine(
        category=None,
        requested=sum(line.requested for line in lines),
        approved=sum(line.approved for line in lines),
        spent=sum(line.spent for line in lines),
        draft=sum(line.draft for line in lines),
        tolerance=tolerance,
    )
