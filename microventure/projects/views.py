"""Project pages shared by the organisation and admins: my projects, the project page, files."""

from dataclasses import dataclass, field

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from microventure.core import files, history
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_today
from microventure.projects import queries, tranches
from microventure.projects.activities import queries as activity_queries
from microventure.projects.forms import (
    SignForm,
    payment_form,
    state_form,
    withhold_form,
)
from microventure.projects.models import Project
from microventure.projects.reports import queries as report_queries

bp = Blueprint("projects", __name__)

STATE_ACTIONS = ("suspend", "resume", "terminate")  # each a policy action project.<name>


@bp.get("/projects")
@login_required
def mine():
    """The projects of the signed-in user's organisations, with what is due and when."""
    return render_template(
        "projects/index.html", projects=queries.my_projects(current_user), today=local_today()
    )


# --------------------------------------------------------------------------- the project page


@dataclass
class Actions:
    """The admin's forms on the project page; the refused one (if any) holds what was typed."""

    sign: SignForm | None = None
    pay: dict[int, FlaskForm] = field(default_factory=dict)
    withhold: dict[int, FlaskForm] = field(default_factory=dict)
    state: dict[str, FlaskForm] = field(default_factory=dict)
    refused: str | None = None  # the id of the refused action's panel, shown open

    @classmethod
    def of(cls, project: Project, user) -> "Actions":
        """The forms of the moves the policy lets ``user`` make now."""
        today = local_today()
        actions = cls()
        if can(user, "project.sign", project):
            actions.sign = SignForm(formdata=None, signed_on=today)
        for tranche in project.tranches:
            if can(user, "tranche.pay", tranche):
                actions.pay[tranche.id] = payment_form(tranche.id, formdata=None, paid_on=today)
            if can(user, "tranche.withhold", tranche):
                actions.withhold[tranche.id] = withhold_form(tranche.id, formdata=None)
        for action in STATE_ACTIONS:
            if can(user, f"project.{action}", project):
                actions.state[action] = state_form(action, formdata=None)
        return actions

    def keep(self, kind: str, key, form: FlaskForm) -> None:
        """Show ``form`` (the refused one) in place of the empty one, where the page has it."""
        if kind == "sign":
            if self.sign is not None:
                self.sign, self.refused = form, "sign"
            return
        forms = getattr(self, kind)
        if key in forms:
            forms[key] = form
            self.refused = f"{kind}-{key}"


def visible_project(project_id: int, *, with_rows: bool = True) -> Project:
    """The project (with its page's rows by default), or 404 for those who may not see it."""
    project = queries.project_page(project_id, with_rows=with_rows)
    if project is None:
        abort(404)
    authorize(current_user, "project.view", project, hide=True)
    return project


def render_project(project: Project, *, refused: tuple | None = None, status: int = 200):
    """The project page; ``refused`` = (kind, key, form) puts a refused form back with its input."""
    actions = None
    if can(current_user, "project.manage", project):
        actions = Actions.of(project, current_user)
        if refused:
            actions.keep(*refused)
    page = render_template(
        "projects/detail.html",
        project=project,
        tranches=project.tranches,
        totals=queries.TrancheTotals.of(project),
        actions=actions,
        activities=activity_queries.summary(project),
        reports=report_queries.overview(project),
        events=history.timeline(project, internal=can(current_user, "history.internal", project)),
        report_due_on=tranches.report_due_on,
        today=local_today(),
    )
    return page, status


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    return render_project(visible_project(project_id))


# ---------------------------------------------------------------------------------- files


@bp.get("/projects/<int:project_id>/files/<int:file_id>")
@login_required
def file(project_id: int, file_id: int):
    """A file of the project (agreement scan, photo, sign-in sheet, receipt), served only to those
    who may see the project; ``?thumb=1`` serves a photo's thumbnail as JPEG."""
    project = visible_project(project_id, with_rows=False)
    stored = queries.project_file(project.id, file_id)
    if stored is None:
        abort(404)
    key, name, kind = stored.storage_key, stored.original_name, files.FileKind(stored.file_type)
    if request.args.get("thumb") == "1" and stored.thumbnail_key:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        key, name, kind = stored.thumbnail_key, f"{stem}-thumb.jpg", files.FileKind.IMAGE_JPEG
    try:
        return files.send_stored(key, download_name=name, kind=kind)
    except FileNotFoundError:
        abort(404)
