"""Call pages: admin create/edit/publish/close/copy, public list and call page."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from microventure.accounts.models import OrganizationKind
from microventure.calls import queries, services
from microventure.calls.forms import (
    CallForm,
    CriterionForm,
    TrancheForm,
    blank_row,
    form_data_for,
    new_call_data,
    settings_from,
)
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, Domain
from microventure.core import audit
from microventure.core.forms import perform
from microventure.core.money import format_fen
from microventure.core.policy import authorize, can
from microventure.core.timeutil import to_local, utcnow
from microventure.extensions import db
from microventure.funds import queries as fund_queries
from microventure.funds.forms import street_choices_for
from microventure.funds.models import Fund

bp = Blueprint("calls", __name__)


@bp.context_processor
def enums() -> dict:
    """The enums whose stored values the call templates show by their titles."""
    return {
        "AttachmentKind": AttachmentKind,
        "BudgetCategory": BudgetCategory,
        "Domain": Domain,
        "OrganizationKind": OrganizationKind,
    }


# ---------------------------------------------------------------------------------- public pages


@bp.get("/calls")
def index():
    now = utcnow()
    return render_template("calls/index.html", calls=queries.public_calls(now), now=now)


def days_until(moment: datetime, now: datetime) -> int:
    """Calendar days from today to ``moment``'s day, both in Shanghai."""
    return (to_local(moment).date() - to_local(now).date()).days


@bp.get("/calls/<int:call_id>")
def detail(call_id: int):
    call = queries.call_page(call_id)
    if call is None:
        abort(404)
    authorize(current_user, "call.view", call, hide=True)
    now = utcnow()
    memberships = (
        sorted(current_user.memberships, key=lambda m: m.id)
        if current_user.is_authenticated
        else []
    )
    return render_template(
        "calls/detail.html",
        call=call,
        now=now,
        days_to_close=days_until(call.closes_at, now),
        days_to_open=days_until(call.opens_at, now),
        memberships=memberships,
    )


# ----------------------------------------------------------------------------------- admin pages


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


@bp.get("/admin/calls")
@login_required
def admin_index():
    authorize(current_user, "fund.list")
    return render_template(
        "calls/admin_index.html",
        pagination=queries.calls_for_admin(current_user, page=_page()),
        now=utcnow(),
    )


def _call_or_404(call_id: int, *, with_rows: bool = False) -> Call:
    call = queries.call_page(call_id) if with_rows else db.session.get(Call, call_id)
    if call is None:
        abort(404)
    authorize(current_user, "call.manage", call, hide=True)
    return call


def _offer_choices(form: CallForm, call: Call | None = None) -> None:
    """The funds the admin may draw on (with what is left in each) and the streets they serve."""
    funds = []
    for b in fund_queries.visible_funds(current_user):
        left = b.unallocated + (call.budget if call and call.fund_id == b.fund.id else 0)
        label = _("%(fund)s (%(left)s unallocated)", fund=b.fund.name, left=format_fen(left))
        street = "" if b.fund.street_id is None else str(b.fund.street_id)
        funds.append(SelectChoice(str(b.fund.id), label, {"data-street-id": street}))
    form.fund_id.choices = [SelectChoice("", _l("Choose…")), *funds]
    form.street_id.choices = street_choices_for(current_user)


def _render_form(form: CallForm, call: Call | None = None):
    return render_template(
        "calls/form.html",
        form=form,
        call=call,
        criterion_row_form=blank_row(CriterionForm, "criteria"),
        tranche_row_form=blank_row(TrancheForm, "tranches"),
    )


@bp.route("/admin/calls/new", methods=["GET", "POST"])
@login_required
def new():
    authorize(current_user, "call.create")
    initial = None
    if request.method == "GET":
        fund = db.session.get(Fund, request.args.get("fund_id", 0, type=int))
        if fund is not None and not can(current_user, "fund.manage", fund):
            fund = None
        street_id = fund.street_id if fund else next(iter(sorted(current_user.street_ids())), None)
        initial = new_call_data(fund_id=fund.id if fund else None, street_id=street_id)
    form = CallForm(data=initial)
    _offer_choices(form)
    if form.validate_on_submit() and (
        created := perform(
            lambda: services.create_call(settings=settings_from(form), actor=current_user),
            form,
        )
    ):
        flash(_("The call is saved as a draft. Check it, then publish it."), "success")
        return redirect(url_for(".admin_detail", call_id=created.value.id))
    return _render_form(form)


@bp.route("/admin/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int):
    call = _call_or_404(call_id, with_rows=True)
    if not can(current_user, "call.edit", call):
        flash(_("Only a draft call can be edited."), "warning")
        return redirect(url_for(".admin_detail", call_id=call.id))
    form = CallForm(data=form_data_for(call) if request.method == "GET" else None)
    _offer_choices(form, call)
    if form.validate_on_submit() and perform(
        lambda: services.update_call(call=call, settings=settings_from(form), actor=current_user),
        form,
    ):
        flash(_("The call is saved."), "success")
        return redirect(url_for(".admin_detail", call_id=call.id))
    return _render_form(form, call)


@bp.get("/admin/calls/<int:call_id>")
@login_required
def admin_detail(call_id: int):
    call = _call_or_404(call_id, with_rows=True)
    now = utcnow()
    return render_template(
        "calls/admin_detail.html",
        call=call,
        now=now,
        balance=fund_queries.balance(call.fund_id),
        events=audit.timeline(call),
    )


@bp.post("/admin/calls/<int:call_id>/publish")
@login_required
def publish(call_id: int):
    call = _call_or_404(call_id)
    if perform(lambda: services.publish_call(call=call, actor=current_user)):
        flash(_("The call is published."), "success")
    return redirect(url_for(".admin_detail", call_id=call.id))


@bp.post("/admin/calls/<int:call_id>/close")
@login_required
def close(call_id: int):
    call = _call_or_404(call_id)
    if perform(lambda: services.close_call_early(call=call, actor=current_user)):
        flash(_("The call is closed; no more applications can be submitted."), "success")
    return redirect(url_for(".admin_detail", call_id=call.id))


@bp.post("/admin/calls/<int:call_id>/copy")
@login_required
def copy(call_id: int):
    call = _call_or_404(call_id)
    if created := perform(lambda: services.copy_call(call=call, actor=current_user)):
        flash(_("Next year's draft is created. Check its dates and budget."), "success")
        return redirect(url_for(".edit", call_id=created.value.id))
    return redirect(url_for(".admin_detail", call_id=call.id))
