"""Public notices (公示): no login; the list, a notice's page and its objection form."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from microventure.applications.models import ApplicationStatus
from microventure.core.forms import perform
from microventure.core.i18n import current_language
from microventure.core.timeutil import format_local, utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import queries
from microventure.decisions.forms import ObjectionForm
from microventure.decisions.notice_table import notice_rows
from microventure.extensions import limiter

bp = Blueprint("notices", __name__)

OBJECTION_LIMIT = "5 per hour"  # per address: enough for a resident, too few for a flood


@bp.get("/notices")
def index():
    """Calls whose notice is published, newest first."""
    pagination = queries.published_notices(
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    return render_template("decisions/public_index.html", pagination=pagination, now=utcnow())


def _found(call_id: int):
    return queries.public_notice(call_id) or abort(404)


def publisher_of(call) -> str:
    """Who published the notice and reads the objections: the street office, or the district's
    civil affairs bureau for a district-wide call."""
    if call.street is None:
        return _("the district civil affairs bureau")
    return call.street.display_name(current_language())


@bp.get("/notices/<int:call_id>")
def show(call_id: int, form: ObjectionForm | None = None):
    """The notice: its window, the projects and amounts, and the objection form while open."""
    call, notice = _found(call_id)
    projects = queries.notice_projects(call.id)
    form = form or ObjectionForm(formdata=None)
    form.contact.description = _(
        "Only %(office)s sees it, to reply to you.", office=publisher_of(call)
    )
    form.application_id.choices = [("", _("General objection (not about one project)"))] + [
        (p.application_id, f"{p.reference} {p.title}")
        for p in projects
        if p.status is ApplicationStatus.RECOMMENDED
    ]
    return render_template(
        "decisions/public_show.html",
        call=call,
        notice=notice,
        projects=projects,
        rows=notice_rows(projects, current_language()),
        reviewers=queries.reviewer_names(call.id) if notice.show_reviewers else [],
        is_open=notice.is_open(utcnow()),
        form=form,
        publisher=publisher_of(call),
    )


@bp.post("/notices/<int:call_id>/objections")
@limiter.limit(OBJECTION_LIMIT, methods=["POST"])
def lodge(call_id: int):
    """Record an objection; refused ones come back with what was typed."""
    call, notice = _found(call_id)
    form = ObjectionForm()
    if form.validate_on_submit() and (
        received := perform(
            lambda: notice_services.lodge_objection(
                notice=notice,
                application_id=form.application_id.data,
                name=form.name.data,
                contact=form.contact.data,
                text=form.text.data,
                remote_addr=request.remote_addr,
            ),
            form,
        )
    ):
        flash(
            _(
                "Thank you. Your objection was recorded on %(at)s and %(office)s has been "
                "told; they will reply to you at the contact you gave.",
                at=format_local(received.value.received_at),
                office=publisher_of(call),
            ),
            "success",
        )
        return redirect(url_for(".show", call_id=call.id))
    return show(call.id, form=form)
