"""Fund pages for admins: list with balances, create, contributions."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.accounts.models import Street
from microventure.calls import queries as call_queries
from microventure.core import audit
from microventure.core.forms import perform
from microventure.core.pagination import ListPage
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.funds import ledger, queries, services
from microventure.funds.forms import ContributionForm, FundForm, street_choices_for
from microventure.funds.models import Fund, FundKind

bp = Blueprint("funds", __name__, url_prefix="/admin/funds")


@bp.get("")
@login_required
def index():
    authorize(current_user, "fund.list")
    return render_template("funds/index.html", balances=queries.visible_funds(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    authorize(current_user, "fund.list")
    form = FundForm()
    form.street_id.choices = street_choices_for(current_user)
    if form.validate_on_submit():
        street = db.session.get(Street, form.street_id.data) if form.street_id.data else None
        if form.street_id.data and street is None:
            form.street_id.errors.append(_("Choose a street."))
        elif created := perform(
            lambda: services.create_fund(
                name=form.name.data,
                kind=FundKind(form.kind.data),
                street=street,
                description=form.description.data or "",
                actor=current_user,
            ),
            form,
        ):
            flash(_("The fund is created. Record the money raised into it."), "success")
            return redirect(url_for(".detail", fund_id=created.value.id))
    return render_template("funds/new.html", form=form)


def _fund_or_404(fund_id: int) -> Fund:
    fund = db.session.get(Fund, fund_id)
    if fund is None:
        abort(404)
    authorize(current_user, "fund.manage", fund, hide=True)
    return fund


@bp.get("/<int:fund_id>")
@login_required
def detail(fund_id: int, contribution_form: ContributionForm | None = None):
    """The fund's balance, contributions and calls; a refused contribution is shown again."""
    fund = _fund_or_404(fund_id)
    contributions = queries.contributions(fund.id)
    return render_template(
        "funds/detail.html",
        fund=fund,
        balance=queries.balance(fund.id),
        contributions=contributions,
        calls=call_queries.calls_of_fund(fund.id),
        form=contribution_form or ContributionForm(formdata=None, received_on=local_today()),
        events=audit.timeline(fund),
    )


@bp.post("/<int:fund_id>/contributions")
@login_required
def add_contribution(fund_id: int):
    fund = _fund_or_404(fund_id)
    form = ContributionForm()
    if form.validate_on_submit() and perform(
        lambda: services.record_contribution(
            fund=fund,
            donor=form.donor.data,
            amount=form.amount.data,
            received_on=form.received_on.data,
            note=form.note.data or "",
            actor=current_user,
        ),
        form,
    ):
        flash(_("The contribution is recorded."), "success")
        return redirect(url_for(".detail", fund_id=fund.id) + "#contributions")
    return detail(fund_id, contribution_form=form)


@bp.get("/<int:fund_id>/ledger", endpoint="ledger")
@login_required
def ledger_page(fund_id: int):
    """The fund ledger: the reconciliation, each call's share and every movement of money."""
    fund = _fund_or_404(fund_id)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = max(request.args.get("page", 1, type=int), 1)
    balance = queries.balance(fund.id)
    book = ledger.FundLedger(fund, granted={c.call_id: c.granted for c in balance.calls})
    shown = book.movements(limit=per_page, offset=(page - 1) * per_page)
    count, sums = book.summary()
    return render_template(
        "funds/ledger.html",
        fund=fund,
        balance=balance,
        movements=shown,
        pagination=ListPage(shown, total=count, page=page, per_page=per_page),
        totals=ledger.totals(sums),
        places=ledger.PLACES,
    )
