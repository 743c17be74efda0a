"""Mid-term and final reports (中期 / 结项报告): the organisation writes and submits them (the
expenditures they declare are in ``budget``); admins accept, return or fail them. The report's state machine is ``REPORT``
(projects/models.py): every move is checked and audited on the project, so the project page's
timeline shows it. Services flush; callers commit."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.models import User
from microventure.core import audit, links
from microventure.core.errors import DomainError, RuleViolations, collect
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import admins_of, members_of, notify
from microventure.projects import services as projects
from microventure.projects import tranches as triggers
from microventure.projects.models import (
    REPORT,
    IndicatorActual,
    ProjectStatus,
    Report,
    ReportKind,
    ReportStatus,
    ReportVersion,
)
from microventure.projects.reports.content import content, declared

R = ReportStatus

SUBMITTED_ONCE = (R.SUBMITTED, R.ACCEPTED, R.FAILED)  # the mid-term is in before the final
DECIDED = (R.ACCEPTED, R.FAILED)
REVIEWABLE_PROJECT = (ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED)
TEXT_LIMIT = 20_000
ACTUAL_LIMIT = 1_000_000_000  # the column is a 32-bit integer


def report_link(report: Report) -> str:
    return links.path("reports.edit", project_id=report.project_id, kind=report.kind.value)


def _tell(report: Report, kind: str, recipients: list[User], key: str, **params) -> None:
    project = report.project
    notify(
        recipients=recipients,
        kind=kind,
        link=report_link(report),
        key=key,
        project=project.title,
        report=report.kind.label,
        **params,
    )


# --------------------------------------------------------------------------- the organisation


def check_editable(report: Report) -> None:
    if not report.status.is_open:
        raise DomainError(
            _l(
                "The report is %(status)s and cannot be changed now.",
                status=report.status.title,
            )
        )
    if report.project.status is not ProjectStatus.ACTIVE:
        raise DomainError(
            _l(
                "The project is %(status)s: its reports cannot be changed.",
                status=report.project.status.title,
            )
        )


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise DomainError(_l("Use at most %(count)s characters.", count=TEXT_LIMIT), field=field)
    return value


def save_report(
    *,
    report: Report,
    narrative: str,
    self_assessment: str,
    actuals: dict[int, tuple[int | None, str]],
    actor: User,
) -> Report:
    """Keep what the organisation wrote (a draft may be incomplete). ``actuals`` maps an outcome
    indicator's id to (actual figure or None, note); None removes a figure entered before."""
    check_editable(report)
    indicators = {i.id for i in report.project.application.indicators}
    collect(
        [
            lambda: _text(narrative, "narrative"),
            lambda: _text(self_assessment, "self_assessment"),
            lambda: _check_actuals(actuals, indicators),
        ]
    )
    before = _content(report)
    report.narrative = _text(narrative, "narrative")
    report.self_assessment = _text(self_assessment, "self_assessment")
    existing = {a.indicator_id: a for a in report.actuals}
    for indicator_id, (actual, note) in actuals.items():
        row = existing.get(indicator_id)
        if actual is None:
            if row is not None:
                report.actuals.remove(row)
        elif row is None:
            report.actuals.append(
                IndicatorActual(indicator_id=indicator_id, actual=actual, note=(note or "").strip())
            )
        else:
            row.actual, row.note = actual, (note or "").strip()
    db.session.flush()
    if _content(report) != before:  # adding an expenditure saves the text too, often unchanged
        audit.record(
            action="report.saved",
            obj=report.project,
            actor=actor,
            after={"report": report.kind, "actuals": len(report.actuals)},
        )
    return report


def _content(report: Report) -> tuple:
    return (
        report.narrative,
        report.self_assessment,
        sorted((a.indicator_id, a.actual, a.note) for a in report.actuals),
    )


def _check_actuals(actuals: dict[int, tuple[int | None, str]], indicators: set[int]) -> None:
    problems = []
    for indicator_id, (actual, note) in actuals.items():
        field = f"actual_{indicator_id}"
        if indicator_id not in indicators:
            problems.append((None, _l("That indicator is not one of this project's.")))
        elif actual is not None and actual < 0:
            problems.append((field, _l("The actual figure cannot be negative.")))
        elif actual is not None and actual > ACTUAL_LIMIT:
            problems.append((field, _l("Enter a figure of at most %(max)s.", max=ACTUAL_LIMIT)))
        elif actual is None and (note or "").strip():
            problems.append((field, _l("Enter the actual figure the note explains.")))
        elif len(note or "") > 1000:
            problems.append(
                (f"note_{indicator_id}", _l("Use at most %(count)s characters.", count=1000))
            )
    if problems:
        raise RuleViolations(problems)


def submit_report(*, report: Report, actor: User) -> ReportVersion:
    """Submit for review: every problem is listed at once. Each submission is kept as a version."""
    check_editable(report)
    project = report.project
    given = {a.indicator_id for a in report.actuals}
    checks = []
    if not report.narrative.strip():
        checks.append(("narrative", _l("Describe what the project has done.")))
    if not report.self_assessment.strip():
        checks.append(("self_assessment", _l("Give your self-assessment.")))
    for indicator in project.application.indicators:
        if indicator.id not in given:
            checks.append(
                (
                    f"actual_{indicator.id}",
                    _l("Enter the actual figure for “%(name)s”.", name=indicator.name),
                )
            )
    if report.kind is ReportKind.FINAL:
        midterm = db.session.scalar(
            select(Report.status).where(
                Report.project_id == project.id, Report.kind == ReportKind.MIDTERM
            )
        )
        if midterm is not None and midterm not in SUBMITTED_ONCE:
            checks.append((None, _l("Submit the mid-term report before the final report.")))
    if checks:
        raise RuleViolations(checks)

    number = _last_version(report) + 1
    content = snapshot(report)
    REPORT.move(report, R.SUBMITTED, actor=actor, version=number)
    version = ReportVersion(
        report_id=report.id, number=number, snapshot=content, submitted_by_id=actor.id
    )
    db.session.add(version)
    report.submitted_at = version.submitted_at = utcnow()
    _tell(report, "report.submitted", admins_of(project.call.street_id), f"{report.id}:{number}")
    db.session.flush()
    return version


def _last_version(report: Report) -> int:
    return (
        db.session.scalar(
            select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id)
        )
        or 0
    )


def snapshot(report: Report) -> dict:
    """The report as submitted, self-contained (indicator names and targets, budget lines), in
    the shape the report pages render (``content``)."""
    actuals = {a.indicator_id: a for a in report.actuals}
    given = [(i, actuals[i.id]) for i in report.project.application.indicators if i.id in actuals]
    return content(report, given, declared(report))


# ------------------------------------------------------------------------------------ review


def _check_reviewable(report: Report) -> None:
    if report.project.status not in REVIEWABLE_PROJECT:
        raise DomainError(
            _l(
                "The project is %(status)s: its reports are no longer reviewed.",
                status=report.project.status.title,
            )
        )


def _reviewed(report: Report, comment: str, actor: User) -> None:
    report.review_comment = comment
    report.reviewed_by_id = actor.id
    report.reviewed_at = utcnow()


def _reason(reason: str | None, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    if len(reason) > 4000:
        raise DomainError(_l("Use at most %(count)s characters.", count=4000), field="reason")
    return reason


def accept_report(*, report: Report, comment: str = "", actor: User) -> Report:
    """Accept (通过): the tranche waiting on this report becomes due; accepting the final report
    completes the project (结项)."""
    _check_reviewable(report)
    project = report.project
    if report.kind is ReportKind.FINAL and report.status is R.SUBMITTED:
        midterm = db.session.scalar(
            select(Report.status).where(
                Report.project_id == project.id, Report.kind == ReportKind.MIDTERM
            )
        )
        if midterm is not None and midterm not in DECIDED:
            raise DomainError(_l("Accept or fail the mid-term report first."))
    comment = (comment or "").strip()
    REPORT.move(report, R.ACCEPTED, actor=actor, note=comment)
    _reviewed(report, comment, actor)
    projects.make_due(project, triggers.report_accepted(report.kind), actor=actor)
    if report.kind is ReportKind.FINAL:
        projects.complete(project=project, actor=actor)
    _tell(report, "report.accepted", members_of(project.organization), str(report.id))
    db.session.flush()
    return report


def return_report(*, report: Report, reason: str, actor: User) -> Report:
    """Return for revision (退回修改): the organisation revises and submits again; the versions
    submitted so far are kept."""
    _check_reviewable(report)
    reason = _reason(reason, _l("Say what the organisation should revise."))
    REPORT.move(report, R.RETURNED, actor=actor, note=reason)
    _reviewed(report, reason, actor)
    _tell(
        report,
        "report.returned",
        members_of(report.project.organization),
        f"{report.id}:{_last_version(report)}",
        reason=reason,
    )
    db.session.flush()
    return report


def fail_report(*, report: Report, reason: str, actor: User) -> Report:
    """The evaluation failed (不合格): the tranche that depended on this report is withheld (扣发)
    and its money returns to the fund."""
    _check_reviewable(report)
    reason = _reason(reason, _l("Give the reason the evaluation failed."))
    project = report.project
    REPORT.move(report, R.FAILED, actor=actor, note=reason)
    _reviewed(report, reason, actor)
    projects.withhold_for(
        project, triggers.report_accepted(report.kind), reason=reason, actor=actor
    )
    _tell(report, "report.failed", members_of(project.organization), str(report.id), reason=reason)
    db.session.flush()
    return report
