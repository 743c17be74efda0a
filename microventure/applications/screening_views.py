"""The admin's screening pages: submissions of a call, screening one or many, versions."""

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from microventure.applications import screening_queries as queries
from microventure.applications import services, version_diff
from microventure.applications.answers import answer_table
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, Domain
from microventure.core.bulk import BulkForm, Many, chosen_ids, flash_many, perform_each
from microventure.core.forms import BaseForm, perform, show_domain_error
from microventure.core.policy import authorize, can
from microventure.extensions import db

bp = Blueprint("screening", __name__)

# A refused reason goes back in the address; 600 CJK characters stay under the 8 KB request line
# common proxies (nginx) accept.
KEPT_IN_ADDRESS = 600

DECISIONS = (ApplicationStatus.ELIGIBLE, ApplicationStatus.RETURNED, ApplicationStatus.INELIGIBLE)


class ScreeningForm(BaseForm):
    """One decision with its reason; the service says when a reason is missing."""

    decision = RadioField(
        _l("Decision"), validators=[InputRequired(message=_l("Choose a decision."))]
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Needed to return or refuse an application; the applicant reads it."),
        validators=[Length(max=4000)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = [(s.value, s.title) for s in DECISIONS]


class BulkScreeningForm(ScreeningForm, BulkForm):
    """One decision for the ticked applications, or for all that match the filter."""


# The applicant's page and the admin call page belong to other blueprints; their addresses are
# fixed, so link to them by path rather than guess their endpoints' argument names.
def application_url(application_id: int, _anchor: str | None = None, **args) -> str:
    query = urlencode({k: v for k, v in args.items() if v})
    return (
        f"{request.script_root}/applications/{application_id}"
        + (f"?{query}" if query else "")
        + (f"#{_anchor}" if _anchor else "")
    )


def call_admin_url(call_id: int) -> str:
    return f"{request.script_root}/admin/calls/{call_id}"


@bp.context_processor
def _links() -> dict:
    return {"application_url": application_url, "call_admin_url": call_admin_url}


def screening_form() -> ScreeningForm:
    """The screening card's form, holding what a refused attempt typed (see ``screen``)."""
    return ScreeningForm(
        formdata=None,
        decision=request.args.get("decision"),
        reason=request.args.get("reason", ""),
    )


@bp.app_context_processor
def _screening_card() -> dict:
    # app-wide: the card is included by the application page, which another blueprint renders
    return {"screening_form": screening_form}


def _managed_call(call_id: int) -> Call:
    # with its questions in the same query: the list shows a column for each
    call = db.session.get(
        Call, call_id, options=[joinedload(Call.questions)], populate_existing=True
    ) or abort(404)
    authorize(current_user, "call.manage", call, hide=True)
    return call


def _flash_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


@bp.get("/admin/calls/<int:call_id>/applications")
@login_required
def index(call_id: int, bulk_form: BulkScreeningForm | None = None):
    """The call's submissions with their amounts, filters, counts and the bulk screening form."""
    call = _managed_call(call_id)
    filters = queries.Filters.parse(request.args)
    pagination = queries.submissions(
        call.id, filters, page=_page(), per_page=current_app.config["ITEMS_PER_PAGE"]
    )
    names = queries.community_names(
        i for row in pagination.items for i in (row.community_ids or [])
    )
    bulk_form = bulk_form or BulkScreeningForm(formdata=None)
    return render_template(
        "screening/index.html",
        call=call,
        questions=call.questions,
        answers=answer_table(call, [row.id for row in pagination.items]),
        filters=filters,
        pagination=pagination,
        community_names=names,
        counts=queries.state_counts(call.id, filters),
        states=[s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT],
        domains=[Domain(d) for d in call.domains if d in Domain._value2member_map_],
        communities=queries.community_choices(call.street_id),
        bulk_form=bulk_form,
        checked=set(bulk_form.ids.data or []),
    )


@bp.post("/admin/calls/<int:call_id>/applications/bulk")
@login_required
def bulk(call_id: int):
    """Screen the ticked applications, or every one matching the filter, each as it would be
    screened on its page; those refused are named with the reason."""
    call = _managed_call(call_id)
    form = BulkScreeningForm()
    filters = queries.Filters.parse(request.args)  # the form posts to an address that keeps them
    back = url_for(
        ".index", call_id=call.id, **filters.args(page=request.args.get("page", type=int))
    )
    if not form.validate_on_submit():
        return index(call.id, bulk_form=form)
    ids = chosen_ids(form, lambda: queries.matching_ids(call.id, filters))
    if ids is None:
        return redirect(back)
    if not ids:
        form.ids.errors = [_("Tick the applications to screen.")]
        return index(call.id, bulk_form=form)
    many = _screen_each(queries.for_screening(call.id, ids), form)
    if problem := many.problem_with_the_form():
        show_domain_error(form, problem)
        return index(call.id, bulk_form=form)
    flash_many(many, ngettext("%(num)s screened.", "%(num)s screened.", len(many.done)))
    return redirect(back)


def _screen_each(applications: list[Application], form: BulkScreeningForm) -> Many:
    decision = ApplicationStatus(form.decision.data)
    return perform_each(
        applications,
        lambda application: services.screen(
            application=application,
            decision=decision,
            reason=form.reason.data or "",
            actor=current_user,
        ),
        name=lambda application: application.reference,
        allowed=lambda application: can(current_user, "application.screen", application),
    )


@bp.post("/admin/applications/<int:application_id>/screening")
@login_required
def screen(application_id: int):
    """Screen one application from its page. A refusal goes back to that page (another
    blueprint's) with the message flashed and what was typed in the address, which the
    screening card (``screening/_screen_form.html``) puts back in the form."""
    application = db.session.get(Application, application_id)
    if application is None or application.reference is None:
        abort(404)  # never submitted: the applicant's own
    authorize(current_user, "application.view", application, hide=True)
    authorize(current_user, "application.screen", application)
    form = ScreeningForm()
    if form.validate_on_submit() and perform(
        lambda: services.screen(
            application=application,
            decision=ApplicationStatus(form.decision.data),
            reason=form.reason.data or "",
            actor=current_user,
        ),
        form,
    ):
        flash(_("The application is now: %(status)s.", status=application.status.title), "success")
        return redirect(application_url(application.id, "screening"))
    _flash_errors(form)
    return redirect(
        application_url(
            application.id,
            "screening",
            decision=request.form.get("decision", "")[:20],
            reason=(form.reason.data or "")[:KEPT_IN_ADDRESS],
        )
    )


@bp.get("/applications/<int:application_id>/versions/<int:number>")
@login_required
def version(application_id: int, number: int):
    """One submitted version as it was, and what changed since the one before it."""
    application = db.session.get(Application, application_id) or abort(404)
    authorize(current_user, "application.view", application, hide=True)
    current, previous = queries.version_pair(application.id, number)
    if current is None:
        abort(404)
    snapshots = [current.snapshot] + ([previous.snapshot] if previous else [])
    names = queries.community_names(i for s in snapshots for i in s.get("community_ids") or [])
    return render_template(
        "screening/version.html",
        application=application,
        version=current,
        snapshot=current.snapshot,
        numbers=queries.version_numbers(application.id),
        diff=version_diff.diff_snapshots(previous.snapshot, current.snapshot, names)
        if previous
        else None,
        community_names=names,
        texts=version_diff.TEXTS,
        row_lists=version_diff.ROW_LISTS,
        snapshot_rows=version_diff.snapshot_rows,
        numeric_columns=version_diff.numeric_columns,
        community_list=version_diff.community_list,
        display=version_diff.display,
    )
