"""Read side of reports and budget execution: the project page's panel, the report page and
its versions. Each function makes a fixed number of queries whatever the data size."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.applications.models import BudgetLine, FundingSource, OutcomeIndicator
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.models import (
    IndicatorActual,
    Project,
    Report,
    ReportKind,
    ReportStatus,
    ReportVersion,
    Tranche,
)
from microventure.projects.reports.budget import CategoryLine, execution
from microventure.projects.reports.content import content, declared
from microventure.projects.tranches import fired_by, report_accepted

KIND_ORDER = {ReportKind.MIDTERM: 0, ReportKind.FINAL: 1}


@dataclass(frozen=True)
class ReportRow:
    id: int
    kind: ReportKind
    status: ReportStatus
    due_on: date
    submitted_at: datetime | None
    versions: int
    overdue: bool


@dataclass(frozen=True)
class Overview:
    """The project page's reports panel: its reports and the budget execution summary."""

    reports: list[ReportRow]
    lines: list[CategoryLine]  # one per category
    total: CategoryLine

    @property
    def any_overspent(self) -> bool:
        return any(line.overspent for line in self.lines)


def overview(project: Project) -> Overview:
    today = local_today()
    rows = db.session.execute(
        select(
            Report.id,
            Report.kind,
            Report.status,
            Report.due_on,
            Report.submitted_at,
            func.count(ReportVersion.id),
        )
        .outerjoin(ReportVersion, ReportVersion.report_id == Report.id)
        .where(Report.project_id == project.id)
        .group_by(Report.id)
    ).all()
    reports = sorted(
        (
            ReportRow(
                id=rid,
                kind=kind,
                status=status,
                due_on=due_on,
                submitted_at=submitted_at,
                versions=versions,
                overdue=status.is_overdue(due_on, today),
            )
            for rid, kind, status, due_on, submitted_at, versions in rows
        ),
        key=lambda row: KIND_ORDER[row.kind],
    )
    *lines, total = execution(project)
    return Overview(reports=reports, lines=lines, total=total)


# ---------------------------------------------------------------------------- the report page


def project_for_page(project_id: int) -> Project | None:
    """The project with what access checks and the page need (call, application, organisation)."""
    return db.session.scalar(
        select(Project)
        .options(
            joinedload(Project.call),
            joinedload(Project.application),
            joinedload(Project.organization),
        )
        .where(Project.id == project_id)
    )


def report_of(project: Project, kind: ReportKind) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.project_id == project.id, Report.kind == kind)
    )


@dataclass(frozen=True)
class IndicatorRow:
    indicator: OutcomeIndicator
    actual: IndicatorActual | None


@dataclass(frozen=True)
class VersionRow:
    number: int
    submitted_at: datetime
    submitted_by: str


@dataclass(frozen=True)
class ReportPage:
    """The live report page: its ``content`` in the shape of a version's snapshot (both pages
    render it with one partial), the indicator rows its form needs, versions and what a review
    decides."""

    report: Report
    content: dict[str, Any]
    indicators: list[IndicatorRow]
    versions: list[VersionRow]
    grant_lines: list[BudgetLine]
    dependent_tranches: list[Tranche]
    midterm_status: ReportStatus | None


def report_page(project: Project, report: Report) -> ReportPage:
    indicators = indicator_rows(project, report)
    return ReportPage(
        report=report,
        indicators=indicators,
        versions=version_rows(report),
        grant_lines=grant_lines(project),
        dependent_tranches=dependent_tranches(project, report),
        midterm_status=midterm_status(project) if report.kind is ReportKind.FINAL else None,
        content=content(report, [(r.indicator, r.actual) for r in indicators], declared(report)),
    )


def indicator_rows(project: Project, report: Report) -> list[IndicatorRow]:
    """Each of the application's outcome indicators with what the report gives for it."""
    return [
        IndicatorRow(indicator, actual)
        for indicator, actual in db.session.execute(
            select(OutcomeIndicator, IndicatorActual)
            .outerjoin(
                IndicatorActual,
                and_(
                    IndicatorActual.indicator_id == OutcomeIndicator.id,
                    IndicatorActual.report_id == report.id,
                ),
            )
            .where(OutcomeIndicator.application_id == project.application_id)
            .order_by(OutcomeIndicator.position)
        )
    ]


def version_rows(report: Report) -> list[VersionRow]:
    """The report's submitted versions, newest first."""
    return [
        VersionRow(number, submitted_at, name)
        for number, submitted_at, name in db.session.execute(
            select(ReportVersion.number, ReportVersion.submitted_at, User.name)
            .join(User, User.id == ReportVersion.submitted_by_id)
            .where(ReportVersion.report_id == report.id)
            .order_by(ReportVersion.number.desc())
        )
    ]


def grant_lines(project: Project) -> list[BudgetLine]:
    """The budget lines an expenditure may be declared against."""
    return list(
        db.session.scalars(
            select(BudgetLine)
            .where(
                BudgetLine.application_id == project.application_id,
                BudgetLine.source == FundingSource.GRANT,
            )
            .order_by(BudgetLine.position)
        )
    )


def dependent_tranches(project: Project, report: Report) -> list[Tranche]:
    """The tranches the report's acceptance makes due (projects/tranches.py)."""
    return list(
        db.session.scalars(
            select(Tranche)
            .where(
                Tranche.project_id == project.id,
                Tranche.trigger.in_(fired_by(report_accepted(report.kind))),
            )
            .order_by(Tranche.position)
        )
    )


def midterm_status(project: Project) -> ReportStatus | None:
    """Where the mid-term report stands (the final report's page says it); None without one."""
    return db.session.scalar(
        select(Report.status).where(
            Report.project_id == project.id, Report.kind == ReportKind.MIDTERM
        )
    )


def version(report: Report, number: int) -> ReportVersion | None:
    return db.session.scalar(
        select(ReportVersion).where(
            ReportVersion.report_id == report.id, ReportVersion.number == number
        )
    )


def version_numbers(report: Report) -> list[int]:
    return list(
        db.session.scalars(
            select(ReportVersion.number)
            .where(ReportVersion.report_id == report.id)
            .order_by(ReportVersion.number)
        )
    )
