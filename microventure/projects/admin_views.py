"""Admin project pages: the list of projects, the agreement, payments and project state. The
actions post here and, when refused, show the project page again with the message beside the
field and what was typed."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.core.forms import perform
from microventure.core.money import format_fen
from microventure.core.policy import authorize
from microventure.projects import queries, services
from microventure.projects.forms import SignForm, payment_form, state_form, withhold_form
from microventure.projects.models import Project, ProjectStatus, Tranche, TrancheStatus
from microventure.projects.views import render_project, visible_project

bp = Blueprint("projects_admin", __name__, url_prefix="/admin/projects")

REFUSED = 422


@bp.get("")
@login_required
def index():
    """The projects the admin manages, filtered, with what was paid and what is due now."""
    authorize(current_user, "project.list")
    filters = queries.Filters.parse(request.args)
    pagination = queries.admin_projects(
        current_user,
        filters,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        after=request.args.get("after", type=int),
        before=request.args.get("before", type=int),
    )
    return render_template(
        "projects/admin_index.html",
        filters=filters,
        pagination=pagination,
        calls=queries.call_choices(current_user),
        statuses=list(ProjectStatus),
        waiting=queries.waiting(current_user),
    )


# ---------------------------------------------------------------------------------- actions


def _managed(project_id: int) -> Project:
    """404 for those who may not see the project, 403 for those who see but may not manage it."""
    project = visible_project(project_id)
    authorize(current_user, "project.manage", project)
    return project


def _managed_tranche(tranche_id: int) -> Tranche:
    project_id = queries.project_of_tranche(tranche_id)
    if project_id is None:
        abort(404)
    project = _managed(project_id)
    return next(t for t in project.tranches if t.id == tranche_id)


def _to_project(project: Project, anchor: str = "tranches"):
    return redirect(url_for("projects.detail", project_id=project.id, _anchor=anchor))


def _refused(project_id: int, kind: str, key, form):
    return render_project(visible_project(project_id), refused=(kind, key, form), status=REFUSED)


@bp.post("/<int:project_id>/sign")
@login_required
def sign(project_id: int):
    """Record the signed agreement: the project starts and the first tranche falls due."""
    project = _managed(project_id)
    form = SignForm()
    if form.validate_on_submit() and perform(
        lambda: services.sign_agreement(
            project=project,
            signed_on=form.signed_on.data,
            upload=form.agreement.data,
            actor=current_user,
        ),
        form,
    ):
        flash(_("The agreement is recorded; the project is active."), "success")
        return _to_project(project)
    return _refused(project_id, "sign", None, form)


@bp.post("/tranches/<int:tranche_id>/pay")
@login_required
def pay(tranche_id: int):
    """Record the payment of a due tranche (date and bank reference)."""
    tranche = _managed_tranche(tranche_id)
    project_id = tranche.project_id
    form = payment_form(tranche.id)
    if form.validate_on_submit() and perform(
        lambda: services.record_payment(
            tranche=tranche,
            paid_on=form.paid_on.data,
            reference=form.reference.data or "",
            actor=current_user,
        ),
        form,
    ):
        flash(
            _(
                "Tranche %(position)s (%(amount)s) is recorded as paid.",
                position=tranche.position + 1,
                amount=format_fen(tranche.amount),
            ),
            "success",
        )
        return _to_project(tranche.project)
    return _refused(project_id, "pay", tranche_id, form)


@bp.post("/tranches/<int:tranche_id>/withhold")
@login_required
def withhold(tranche_id: int):
    """Withhold an unpaid tranche (扣发) with the reason; its money returns to the fund."""
    tranche = _managed_tranche(tranche_id)
    project_id = tranche.project_id
    form = withhold_form(tranche.id)
    if form.validate_on_submit() and perform(
        lambda: services.withhold(
            tranche=tranche, reason=form.reason.data or "", actor=current_user
        ),
        form,
    ):
        flash(
            _(
                "Tranche %(position)s is withheld; %(amount)s returns to the fund.",
                position=tranche.position + 1,
                amount=format_fen(tranche.amount),
            ),
            "success",
        )
        return _to_project(tranche.project)
    return _refused(project_id, "withhold", tranche_id, form)


STATE_SERVICES = {
    "suspend": services.suspend,
    "resume": services.resume,
    "terminate": services.terminate,
}


@bp.post("/<int:project_id>/<any(suspend, resume, terminate):action>")
@login_required
def change_state(project_id: int, action: str):
    """Suspend, resume or terminate the project, with the reason the organisation reads."""
    project = _managed(project_id)
    form = state_form(action)
    if form.validate_on_submit() and perform(
        lambda: STATE_SERVICES[action](
            project=project, reason=form.reason.data or "", actor=current_user
        ),
        form,
    ):
        if action == "terminate":
            released = sum(t.amount for t in project.tranches if t.status is TrancheStatus.RELEASED)
            flash(
                _(
                    "The project is terminated; %(amount)s of unpaid tranches returns to the fund.",
                    amount=format_fen(released),
                ),
                "success",
            )
        else:
            flash(_("The project is now: %(status)s.", status=project.status.title), "success")
        return _to_project(project, "project")
    return _refused(project_id, "state", action, form)
