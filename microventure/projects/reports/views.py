"""Mid-term and final reports: written by the organisation, accepted, returned or failed; the
budget execution page.

The organisation's report page is one form: its buttons save, submit, add an expenditure or
remove one (``formaction``), and each of them keeps the text typed so far, so nothing typed is
lost whichever button is pressed."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from microventure.calls.models import BudgetCategory
from microventure.core.forms import perform
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.models import (
    Expenditure,
    Project,
    ProjectStatus,
    Report,
    ReportKind,
    ReportStatus,
)
from microventure.projects.reports import budget as expenditures
from microventure.projects.reports import queries, services
from microventure.projects.reports.forms import (
    ReportForm,
    ReviewForm,
    expenditure_form,
    report_form,
)

bp = Blueprint("reports", __name__)

KINDS = {kind.value: kind for kind in ReportKind}
DECISIONS = {
    "accept": (
        lambda report, reason: services.accept_report(
            report=report, comment=reason, actor=current_user
        ),
        _l("The report is accepted."),
    ),
    "return": (
        lambda report, reason: services.return_report(
            report=report, reason=reason, actor=current_user
        ),
        _l("The report is returned to the organisation for revision."),
    ),
    "fail": (
        lambda report, reason: services.fail_report(
            report=report, reason=reason, actor=current_user
        ),
        _l("The evaluation failed; the tranche that depended on it is withheld."),
    ),
}


def project_url(project_id: int) -> str:
    # The project page belongs to another blueprint; its address is fixed.
    return f"{request.script_root}/projects/{project_id}"


@bp.context_processor
def _helpers() -> dict:
    return {
        "project_url": project_url,
        "today": local_today(),
        "category_title": lambda value: BudgetCategory(value).title,
    }


def _load(project_id: int, kind: str) -> tuple[Project, Report]:
    project = queries.project_for_page(project_id) or abort(404)
    authorize(current_user, "project.view", project, hide=True)
    report_kind = KINDS.get(kind) or abort(404)
    report = queries.report_of(project, report_kind) or abort(404)
    return project, report


def _editable(project: Project, report: Report) -> bool:
    return (
        can(current_user, "project.report", project)
        and report.status.is_open
        and project.status is ProjectStatus.ACTIVE
    )


def _here(report: Report, anchor: str | None = None) -> str:
    return url_for(".edit", project_id=report.project_id, kind=report.kind.value, _anchor=anchor)


def _render(project, report, *, form=None, spend=None, review=None):
    page = queries.report_page(project, report)
    editable = _editable(project, report)
    if editable:
        form = form or report_form(page.indicators, report)
        spend = spend or expenditure_form(page.grant_lines, formdata=None)
    reviewable = can(current_user, "project.review", project) and (
        report.status is ReportStatus.SUBMITTED
    )
    return render_template(
        "projects/reports/report.html",
        project=project,
        report=report,
        page=page,
        content=page.content,
        editable=editable,
        reviewable=reviewable,
        form=form,
        spend=spend,
        review_form=review or (ReviewForm(formdata=None) if reviewable else None),
    )


def _save(form: ReportForm, report: Report, page) -> None:
    services.save_report(
        report=report,
        narrative=form.narrative.data or "",
        self_assessment=form.self_assessment.data or "",
        actuals=form.actuals(row.indicator.id for row in page.indicators),
        actor=current_user,
    )


@bp.route("/projects/<int:project_id>/reports/<kind>", methods=["GET", "POST"])
@login_required
def edit(project_id: int, kind: str):
    """The report: the organisation edits it while it is a draft or returned; everyone else
    (and the organisation afterwards) reads it; admins review it here."""
    project, report = _load(project_id, kind)
    if request.method == "GET":
        return _render(project, report)
    authorize(current_user, "project.report", project)
    page = queries.report_page(project, report)
    form = report_form(page.indicators)
    spend = expenditure_form(page.grant_lines)  # what was typed there stays on the page
    if form.validate_on_submit() and perform(lambda: _save(form, report, page), form):
        if request.form.get("action") != "submit":
            flash(_("The report is saved."), "success")
            return redirect(_here(report))
        if perform(lambda: services.submit_report(report=report, actor=current_user), form):
            flash(_("The report is submitted for review."), "success")
            return redirect(_here(report))
        flash(_("Your changes are saved, but the report cannot be submitted yet."), "warning")
    return _render(project, report, form=form, spend=spend)


@bp.post("/projects/<int:project_id>/reports/<kind>/expenditures")
@login_required
def add_expenditure(project_id: int, kind: str):
    project, report = _load(project_id, kind)
    authorize(current_user, "project.report", project)
    page = queries.report_page(project, report)
    form = report_form(page.indicators)
    spend = expenditure_form(page.grant_lines)
    valid = form.validate_on_submit() & spend.validate()  # both: every problem at once

    def add() -> None:
        _save(form, report, page)
        expenditures.add_expenditure(
            report=report,
            budget_line_id=spend.budget_line_id.data,
            amount=spend.amount.data,
            spent_on=spend.spent_on.data,
            payee=spend.payee.data or "",
            receipt=spend.receipt.data or None,
            actor=current_user,
        )

    if valid and perform(add, form, spend):
        flash(_("The expenditure is added."), "success")
        return redirect(_here(report, "expenditures"))
    return _render(project, report, form=form, spend=spend)


@bp.post("/projects/<int:project_id>/reports/<kind>/expenditures/<int:expenditure_id>/remove")
@login_required
def remove_expenditure(project_id: int, kind: str, expenditure_id: int):
    project, report = _load(project_id, kind)
    authorize(current_user, "project.report", project)
    expenditure = db.session.get(Expenditure, expenditure_id)
    if expenditure is None or expenditure.report_id != report.id:
        abort(404)
    page = queries.report_page(project, report)
    form = report_form(page.indicators)
    spend = expenditure_form(page.grant_lines)

    def remove() -> None:
        _save(form, report, page)
        expenditures.remove_expenditure(expenditure=expenditure, actor=current_user)

    if form.validate_on_submit() and perform(remove, form, spend):
        flash(_("The expenditure is removed."), "success")
        return redirect(_here(report, "expenditures"))
    return _render(project, report, form=form, spend=spend)


@bp.post("/projects/<int:project_id>/reports/<kind>/review")
@login_required
def review(project_id: int, kind: str):
    """Accept, return or fail a submitted report."""
    project, report = _load(project_id, kind)
    authorize(current_user, "project.review", project)
    decision = DECISIONS.get(request.form.get("decision", ""))
    if decision is None:
        abort(400)
    operation, done = decision
    form = ReviewForm()
    valid = form.validate_on_submit()
    if request.form.get("decision") == "fail" and not form.confirm_withhold.data:
        form.confirm_withhold.errors = [
            _("Tick this to confirm that the dependent tranche is withheld.")
        ]
        valid = False
    if valid and perform(lambda: operation(report, form.reason.data or ""), form):
        flash(str(done), "success")
        if project.status is ProjectStatus.COMPLETED:
            flash(_("The project is completed."), "success")
        return redirect(_here(report))
    return _render(project, report, review=form)


@bp.get("/projects/<int:project_id>/reports/<kind>/versions/<int:number>")
@login_required
def version(project_id: int, kind: str, number: int):
    """One submission of the report as it was."""
    project, report = _load(project_id, kind)
    shown = queries.version(report, number) or abort(404)
    return render_template(
        "projects/reports/version.html",
        project=project,
        report=report,
        version=shown,
        content=shown.snapshot,
        numbers=queries.version_numbers(report),
    )


@bp.get("/projects/<int:project_id>/budget")
@login_required
def budget(project_id: int):
    """Budget execution: approved against spent per category, overspending highlighted."""
    project = queries.project_for_page(project_id) or abort(404)
    authorize(current_user, "project.view", project, hide=True)
    *lines, total = expenditures.execution(project)
    return render_template(
        "projects/reports/budget.html", project=project, lines=lines, total=total
    )
