"""Recording payments for several tranches at once: the tranches due in the projects an admin
manages, one date and one bank or voucher reference for the batch (a row's own reference, when
typed, in its place), each payment recorded by the service that records one."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from microventure.core.bulk import BulkForm, Many, chosen_ids, flash_many, perform_each
from microventure.core.forms import show_domain_error, without_control_characters
from microventure.core.money import format_fen
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_today
from microventure.projects import payment_queries as queries
from microventure.projects import queries as project_queries
from microventure.projects import services
from microventure.projects.models import Tranche

bp = Blueprint("payments", __name__, url_prefix="/admin/payments")


class BulkPaymentForm(BulkForm):
    """The batch's date and reference; the services decide what is missing or wrong."""

    paid_on = DateField(_l("Paid on"), validators=[Optional()])
    reference = StringField(
        _l("Bank or voucher reference"),
        description=_l("For the whole batch; a reference typed on a row is used for that row."),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off"},
    )


def row_reference(tranche_id: int) -> str:
    """The reference typed on the tranche's own row, if any (the form's field names it)."""
    return without_control_characters(request.form.get(f"reference-{tranche_id}", ""))[:200]


@bp.get("")
@login_required
def due(form: BulkPaymentForm | None = None):
    """The tranches due for payment, the longest due first, with the batch form."""
    authorize(current_user, "project.list")
    filters = queries.DueFilters.parse(request.args)
    pagination = queries.due_page(
        current_user,
        filters,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    refused = form is not None
    form = form or BulkPaymentForm(formdata=None, paid_on=local_today())
    return render_template(
        "projects/payments.html",
        filters=filters,
        pagination=pagination,
        calls=project_queries.call_choices(current_user),
        form=form,
        checked=set(form.ids.data or []),
        typed={row.id: row_reference(row.id) for row in pagination.items} if refused else {},
    ), (422 if refused else 200)


def _name(tranche: Tranche) -> str:
    return _(
        "%(agreement)s, tranche %(position)s (%(amount)s)",
        agreement=tranche.project.agreement_number,
        position=tranche.position + 1,
        amount=format_fen(tranche.amount),
    )


def _pay_each(tranches: list[Tranche], form: BulkPaymentForm) -> Many:
    return perform_each(
        tranches,
        lambda tranche: services.record_payment(
            tranche=tranche,
            paid_on=form.paid_on.data,
            reference=row_reference(tranche.id).strip() or form.reference.data or "",
            actor=current_user,
        ),
        name=_name,
        allowed=lambda tranche: can(current_user, "project.manage", tranche.project),
    )


@bp.post("/record")
@login_required
def pay_many():
    """Record the payment of the ticked tranches, or of all that match the filter; those
    refused (no longer due, a suspended project, a date before an agreement) are named."""
    authorize(current_user, "project.list")
    filters = queries.DueFilters.parse(request.args)
    back = redirect(url_for(".due", **filters.args()))
    form = BulkPaymentForm()
    if not form.validate_on_submit():
        return due(form)
    ids = chosen_ids(form, lambda: queries.matching_ids(current_user, filters))
    if ids is None:
        return back
    if not ids:
        form.ids.errors = [_("Tick the tranches that were paid.")]
        return due(form)
    many = _pay_each(queries.tranches_by_id(current_user, ids), form)
    if problem := many.problem_with_the_form():
        show_domain_error(form, problem)
        return due(form)
    count = len(many.done)
    flash_many(many, ngettext("%(num)s payment recorded.", "%(num)s payments recorded.", count))
    return back
