"""The admin's review of activity records across the projects they manage: the records waiting,
and accepting several at once, each by the service that accepts one."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from microventure.core.bulk import BulkForm, chosen_ids, flash_many, perform_each
from microventure.core.policy import authorize, can
from microventure.projects import queries as project_queries
from microventure.projects.activities import review_queries as queries
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord

bp = Blueprint("activity_review", __name__, url_prefix="/admin/activities")


@bp.get("")
@login_required
def waiting():
    """The records awaiting review, the longest waiting first, with the bulk acceptance form."""
    authorize(current_user, "project.list")
    filters = queries.WaitingFilters.parse(request.args)
    pagination = queries.waiting_page(
        current_user,
        filters,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    return render_template(
        "projects/activities/waiting.html",
        filters=filters,
        pagination=pagination,
        calls=project_queries.call_choices(current_user),
        bulk_form=BulkForm(formdata=None),
    )


def _name(record: ActivityRecord) -> str:
    return f"{record.project.agreement_number} {record.held_on.isoformat()} {record.title}"


@bp.post("/accept")
@login_required
def accept_many():
    """Accept the ticked records, or all that match the filter; each is accepted as on its own
    page, and those refused (already reviewed or changed meanwhile) are named."""
    authorize(current_user, "project.list")
    filters = queries.WaitingFilters.parse(request.args)
    back = redirect(url_for(".waiting", **filters.args()))
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("The list could not be read. Tick the records again."), "danger")
        return back
    ids = chosen_ids(form, lambda: queries.matching_ids(current_user, filters))
    if ids is None:
        return back
    if not ids:
        flash(_("Tick the activity records to accept."), "danger")
        return back
    many = perform_each(
        queries.records_by_id(current_user, ids),
        lambda record: activities.accept_activity(activity=record, actor=current_user),
        name=_name,
        allowed=lambda record: can(current_user, "project.review", record.project),
    )
    count = len(many.done)
    flash_many(
        many,
        ngettext("%(num)s activity record accepted.", "%(num)s activity records accepted.", count),
    )
    return back
