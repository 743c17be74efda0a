"""Admin decision pages: the funding line and decisions, the notice, objections, finalizing."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.forms import perform
from microventure.core.policy import authorize
from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import queries, services
from microventure.decisions.forms import (
    APPLY_LINE,
    NOT_RECOMMEND,
    RECOMMEND,
    BulkDecisionForm,
    DecisionForm,
    ResolveForm,
)
from microventure.decisions.funding_line import Basis
from microventure.decisions.models import Objection
from microventure.decisions.rules import Phase, phase
from microventure.decisions.table import table_body, yuan_input
from microventure.extensions import db

bp = Blueprint("decisions", __name__)


def _managed_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id) or abort(404)
    authorize(current_user, "decision.manage", call, hide=True)
    return call


def _basis(raw: str | None) -> Basis:
    return Basis(raw) if raw in Basis._value2member_map_ else Basis.REQUESTED


def _index_url(call: Call, basis: Basis, anchor: str | None = None) -> str:
    args = {"basis": basis.value} if basis is not Basis.REQUESTED else {}
    return url_for(".index", call_id=call.id, _anchor=anchor, **args)


@bp.get("/admin/calls/<int:call_id>/decisions")
@login_required
def index(call_id: int):
    """The page; ``?decide=<application id>`` opens the decision form under that row (what the
    row's "Decide" link asks for when JavaScript does not open it on the spot)."""
    call = _managed_call(call_id)
    basis = _basis(request.args.get("basis"))
    return _decisions_page(call, basis, decide=request.args.get("decide", type=int))


@dataclass(frozen=True)
class DecideForm:
    """The page's one decision form: for which row (None: hidden until a row's "Decide" fills
    it), what its fields hold, and the refused form whose errors go beside them. The patterns
    have "{id}" and "%(ref)s" for static/decisions.js to put another row's in."""

    application_id: int | None
    reference: str
    project: str
    amount: str
    conditions: str
    reason: str
    form: DecisionForm | None
    action_pattern: str
    title_pattern: str

    @property
    def action(self) -> str:
        return self.action_pattern.replace("{id}", str(self.application_id))

    @property
    def title(self) -> str:
        return self.title_pattern.replace("%(ref)s", self.reference)


def _decide_form(
    call: Call,
    page: queries.DecisionsPage,
    stage: Phase,
    basis: Basis,
    wanted: int | None,
    failed: tuple[int, DecisionForm] | None,
) -> DecideForm:
    """The form for row ``wanted`` if it may be decided now (the refused form if it is the
    ``failed`` one's), else the hidden form."""
    row = page.row(wanted)
    if row is not None and not page.may_decide(row, stage):
        row = None
    form = failed[1] if failed and row is not None else None
    if form is not None:
        values = form.amount._value(), form.conditions.data or "", form.reason.data or ""
    elif row is not None:
        amount, conditions, reason = row.form_values()
        values = yuan_input(amount), conditions, reason
    else:
        values = "", "", ""
    action = url_for(".decide", call_id=call.id, application_id=0, basis=basis.value)
    return DecideForm(
        row.application_id if row else None,
        row.entry.row.reference if row else "",
        row.entry.row.title if row else "",
        *values,
        form=form,
        action_pattern=action.replace("/decisions/0?", "/decisions/{id}?", 1),
        title_pattern=_("Decision on %(ref)s", ref="%(ref)s"),
    )


def _decisions_page(
    call: Call,
    basis: Basis,
    *,
    failed: tuple[int, DecisionForm] | None = None,
    bulk_form: BulkDecisionForm | None = None,
    decide: int | None = None,
):
    """The page; ``failed`` is the row whose refused form is shown again with what was typed,
    ``decide`` the row whose decision form is open."""
    bulk_form = bulk_form or BulkDecisionForm(formdata=None, basis=basis.value)
    page = queries.decisions_page(call, basis)
    stage = phase(call, utcnow())
    failed_id = failed[0] if failed else None
    decision = _decide_form(call, page, stage, basis, failed_id or decide, failed)
    index_url = _index_url(call, basis)
    return render_template(
        "decisions/index.html",
        call=call,
        page=page,
        stage=stage,
        Phase=Phase,
        bases=list(Basis),
        bulk_form=bulk_form,
        decision=decision,
        index_url=index_url,
        table=table_body(
            page,
            stage,
            chosen=decision.application_id,
            failed_id=failed_id,
            checked=set(bulk_form.application_ids.data or []),
            application_base=f"{request.script_root}/applications/",
            decide_base=index_url + ("&" if "?" in index_url else "?") + "decide=",
        ),
    )


@bp.post("/admin/calls/<int:call_id>/decisions/<int:application_id>")
@login_required
def decide(call_id: int, application_id: int):
    """Recommend one application at an amount, or turn it down with a reason."""
    call = _managed_call(call_id)
    application = db.session.get(Application, application_id)
    if application is None or application.call_id != call.id or application.reference is None:
        abort(404)
    basis = _basis(request.args.get("basis"))
    form = DecisionForm()
    valid = form.validate_on_submit()
    if not valid and form.action.data == NOT_RECOMMEND and set(form.errors) == {"amount"}:
        form.amount.errors = []  # the amount box does not matter when turning down
        valid = True
    if valid:
        if form.action.data == RECOMMEND:

            def operation():
                return services.recommend(
                    application=application,
                    amount=form.amount.data,
                    conditions=form.conditions.data or "",
                    actor=current_user,
                )

            done = _l("%(reference)s is recommended.", reference=application.reference)
        else:

            def operation():
                return services.not_recommend(
                    application=application, reason=form.reason.data or "", actor=current_user
                )

            done = _l("%(reference)s is not recommended.", reference=application.reference)
        if perform(operation, form):
            flash(str(done), "success")
            return redirect(_index_url(call, basis, f"application-{application.id}"))
    elif form.action.errors:
        flash(_("Choose to recommend the application or not."), "danger")
    return _decisions_page(call, basis, failed=(application_id, form))


# ---------------------------------------------------------------------------------- in bulk


def _turn_down(call: Call, ids: list[int], reason: str) -> int:
    found = queries.applications_of(call, ids)
    if len(found) != len(set(ids)):
        abort(404)
    services.decide_in_bulk(
        recommended=[], not_recommended=found, reason=reason, actor=current_user
    )
    return len(found)


@bp.post("/admin/calls/<int:call_id>/decisions/bulk")
@login_required
def bulk(call_id: int):
    """Apply the funding line, or turn down the ticked applications: all or nothing."""
    call = _managed_call(call_id)
    form = BulkDecisionForm()
    basis = form.chosen_basis()
    reason = form.reason.data or ""
    if not form.validate_on_submit():
        flash(_("Choose what to do with the applications."), "danger")
    elif form.mode.data == APPLY_LINE:
        if counts := perform(
            lambda: services.apply_funding_line(
                call=call, basis=basis, reason=reason, actor=current_user
            ),
            form,
        ):
            flash(
                _(
                    "The funding line is applied: %(recommended)s recommended, "
                    "%(turned_down)s not recommended.",
                    recommended=counts.value[0],
                    turned_down=counts.value[1],
                ),
                "success",
            )
            return redirect(_index_url(call, basis))
    elif not form.application_ids.data:
        form.application_ids.errors = [_("Tick the applications to turn down.")]
    elif turned_down := perform(lambda: _turn_down(call, form.application_ids.data, reason), form):
        flash(_("%(count)s applications are not recommended.", count=turned_down.value), "success")
        return redirect(_index_url(call, basis))
    return _decisions_page(call, basis, bulk_form=form)


# -------------------------------------------------------------------------- notice and finalize


@bp.get("/admin/calls/<int:call_id>/notice")
@login_required
def notice(call_id: int):
    return _notice_page(_managed_call(call_id))


def _notice_page(call: Call, *, failed: tuple[int, ResolveForm] | None = None):
    return render_template(
        "decisions/notice.html",
        call=call,
        page=queries.notice_page(call),
        stage=phase(call, utcnow()),
        Phase=Phase,
        now=utcnow(),
        failed_id=failed[0] if failed else None,
        failed_form=failed[1] if failed else None,
    )


@bp.post("/admin/calls/<int:call_id>/notice/publish")
@login_required
def publish(call_id: int):
    call = _managed_call(call_id)
    if published := perform(lambda: notice_services.publish_notice(call=call, actor=current_user)):
        n = published.value
        flash(
            _(
                "The notice is published: open from %(first)s to %(last)s.",
                first=n.starts_on.isoformat(),
                last=n.ends_on.isoformat(),
            ),
            "success",
        )
    return redirect(url_for(".notice", call_id=call.id))


@bp.post("/admin/calls/<int:call_id>/objections/<int:objection_id>/resolve")
@login_required
def resolve(call_id: int, objection_id: int):
    call = _managed_call(call_id)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.notice.call_id != call.id:
        abort(404)
    form = ResolveForm()
    if form.validate_on_submit() and perform(
        lambda: notice_services.resolve_objection(
            objection=objection,
            upheld=form.upheld.data == "1",
            resolution=form.resolution.data or "",
            actor=current_user,
        ),
        form,
    ):
        flash(_("The objection is resolved: %(status)s.", status=objection.status.title), "success")
        return redirect(url_for(".notice", call_id=call.id, _anchor=f"objection-{objection_id}"))
    return _notice_page(call, failed=(objection_id, form))


@bp.post("/admin/calls/<int:call_id>/finalize")
@login_required
def finalize(call_id: int):
    call = _managed_call(call_id)
    if created := perform(lambda: notice_services.finalize(call=call, actor=current_user)):
        flash(
            _(
                "The call is finalized: %(count)s projects were created.",
                count=len(created.value),
            ),
            "success",
        )
    return redirect(url_for(".notice", call_id=call.id))


bp.add_app_template_filter(yuan_input, "yuan_input")
