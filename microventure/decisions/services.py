"""Recommending (拟资助) or not: the decisions of a call, before its notice is published.

Money rule, in one place: the recommended and approved amounts of a call never exceed its budget.
``_commit_room`` locks the call's row (``SELECT … FOR UPDATE OF calls`` on PostgreSQL; SQLite lets one
writer in at a time) before it sums them, so parallel requests queue and none can over-commit.
Services flush; callers commit."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.models import User
from microventure.applications.models import APPLICATION, Application, ApplicationStatus
from microventure.calls.models import CALL, Call, CallStatus
from microventure.core import audit, links
from microventure.core.errors import DomainError
from microventure.core.locks import lock
from microventure.core.money import format_fen
from microventure.core.timeutil import utcnow
from microventure.decisions.funding_line import Basis
from microventure.decisions.models import HOLDING, Decision, Notice, Outcome
from microventure.decisions.queries import applications_of, decisions_page
from microventure.decisions.rules import Phase, has_revoked, may_decide, phase, substitutes_open
from microventure.extensions import db
from microventure.notifications.services import members_of, notify

S = ApplicationStatus
AUDITED_AS = {  # each outcome's audit action (written out, so tests/test_history.py finds it)
    Outcome.RECOMMENDED: "decision.recommended",
    Outcome.NOT_RECOMMENDED: "decision.not_recommended",
}


# ------------------------------------------------------------------------------ recommending


def _check_decidable(application: Application, now: datetime, *, substitute: bool = False) -> Call:
    """The call has closed and its notice is not published yet, or (``substitute``) the notice
    runs and a recommendation was withdrawn after an upheld objection: then a not-recommended
    application may be recommended into the money it freed (rules.may_decide)."""
    call = application.call
    stage = phase(call, now)
    substitutes = substitute and substitutes_open(call, now)
    if may_decide(application.status, stage, substitutes=substitutes):
        return call
    if substitute and stage is Phase.NOTICE:
        if application.status is not S.NOT_RECOMMENDED or not has_revoked(call):
            raise DomainError(
                _l(
                    "The notice is published: an application can only be recommended in place "
                    "of one withdrawn after an upheld objection."
                )
            )
        # the public must be able to see (and object to) a substitute before it is final
        raise DomainError(
            _l("The notice has ended: no application can take a withdrawn one's place now.")
        )
    if call.status not in (CallStatus.PUBLISHED, CallStatus.REVIEWING):
        raise DomainError(
            _l("Decisions can no longer change: the call is %(status)s.", status=call.status.title)
        )
    if stage is not Phase.DECIDING:
        raise DomainError(_l("Decisions can be recorded once the call has closed."))
    raise DomainError(
        _l(
            "An application that is %(status)s cannot be recommended or turned down.",
            status=application.status.title,
        )
    )


def lock_call(call: Call) -> None:
    """Lock the call's row and reload it: requests deciding on the same call queue here, and
    each sees the call as the one before it left it (its status may have moved on)."""
    lock(call)


def _commit_room(call: Call, *, excluding: int) -> int:
    """Lock the call and return how much of its budget is not held by other applications."""
    lock_call(call)
    budget = call.budget
    held = db.session.scalar(
        select(func.coalesce(func.sum(Decision.amount), 0))
        .join(Application, Application.id == Decision.application_id)
        .where(
            Decision.call_id == call.id,
            Application.status.in_(HOLDING),
            Decision.application_id != excluding,
        )
    )
    return budget - int(held)


def _start_reviewing(call: Call, actor: User) -> None:
    if call.status is CallStatus.PUBLISHED:
        CALL.move(call, CallStatus.REVIEWING, actor=actor)


def _decision(application: Application) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.application_id == application.id))


def recommend(
    *,
    application: Application,
    amount: int | None,
    conditions: str = "",
    actor: User,
    now: datetime | None = None,
) -> Decision:
    """Recommend (拟资助) at ``amount`` (fen, at most the amount requested), or change the amount
    of a standing recommendation."""
    now = now or utcnow()
    call = _check_decidable(application, now, substitute=True)
    requested = application.requested_amount
    if amount is None or amount <= 0:
        raise DomainError(_l("Enter an amount greater than zero."), field="amount")
    if amount > requested:
        raise DomainError(
            _l(
                "The amount cannot exceed the %(requested)s requested.",
                requested=format_fen(requested),
            ),
            field="amount",
        )
    room = _commit_room(call, excluding=application.id)
    substitute = call.status is CallStatus.NOTICE
    _check_decidable(application, now, substitute=substitute)  # again, now that it is locked
    if amount > room:
        raise DomainError(
            _l(
                "Recommending %(amount)s would exceed the call's budget: %(left)s is left.",
                amount=format_fen(amount),
                left=format_fen(max(room, 0)),
            ),
            field="amount",
        )
    decision = _record(
        application,
        Outcome.RECOMMENDED,
        actor=actor,
        now=now,
        amount=amount,
        conditions=conditions.strip(),
    )
    if substitute:
        _tell_substitute(application, decision)
    _start_reviewing(call, actor)
    return decision


def _tell_substitute(application: Application, decision: Decision) -> None:
    """Recommended during the notice, in place of one withdrawn: the applicant learns of it now
    (the others heard when the notice was published)."""
    notice = db.session.scalar(select(Notice).where(Notice.call_id == application.call_id))
    notify(
        recipients=members_of(application.organization),
        kind="decision.recommended",
        link=links.path("applications.detail", application_id=application.id),
        key=str(application.id),
        reference=application.reference,
        title=application.title,
        amount=format_fen(decision.amount),
        ends_on=notice.ends_on.isoformat() if notice else "",
    )


def not_recommend(
    *, application: Application, reason: str, actor: User, now: datetime | None = None
) -> Decision:
    """Record that the application is not recommended; the reason is required (and shown to the
    applicant). Any amount it held returns to the call's budget."""
    now = now or utcnow()
    call = _check_decidable(application, now)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason it is not recommended."), field="reason")
    lock_call(call)
    _check_decidable(application, now)  # again: the notice may have been published meanwhile
    decision = _record(application, Outcome.NOT_RECOMMENDED, actor=actor, now=now, reason=reason)
    _start_reviewing(call, actor)
    return decision


def decide_in_bulk(
    *,
    recommended: list[tuple[Application, int, str]],
    not_recommended: list[Application],
    reason: str,
    actor: User,
) -> None:
    """Several decisions at once, all or nothing (the caller commits or rolls back): the
    ``not_recommended`` first, with one common reason, as that frees money the
    ``recommended`` (application, amount, conditions) may need. A refusal names the
    application it concerns."""
    if not_recommended and not (reason or "").strip():
        raise DomainError(_l("Give the reason for those not recommended."), field="reason")
    for application in sorted(not_recommended, key=lambda a: a.reference or ""):
        _named(
            application,
            lambda a=application: not_recommend(application=a, reason=reason, actor=actor),
        )
    for application, amount, conditions in recommended:
        _named(
            application,
            lambda a=application, amount=amount, kept=conditions: recommend(
                application=a, amount=amount, conditions=kept, actor=actor
            ),
        )


def apply_funding_line(*, call: Call, basis: Basis, reason: str, actor: User) -> tuple[int, int]:
    """Recommend every application the funding line funds, at the line's amount (keeping the
    conditions of a standing recommendation), and turn down the others not turned down already;
    all or nothing. Returns (recommended, not recommended)."""
    page = decisions_page(call, basis)
    funded, others = [], []
    for row in [*page.rows, *page.unscored]:
        d = row.decision
        if row.entry.funded:
            same = d and d.outcome is Outcome.RECOMMENDED and d.amount == row.entry.amount
            if not (same and row.status is S.RECOMMENDED):
                funded.append(row)
        elif row.status is not S.NOT_RECOMMENDED:
            others.append(row)
    chosen = applications_of(call, [r.application_id for r in funded + others])
    applications = {a.id: a for a in chosen}
    decide_in_bulk(
        recommended=[
            (
                applications[row.application_id],
                row.entry.amount,
                row.decision.conditions
                if row.decision and row.decision.outcome is Outcome.RECOMMENDED
                else "",
            )
            for row in funded
        ],
        not_recommended=[applications[row.application_id] for row in others],
        reason=reason,
        actor=actor,
    )
    return len(funded), len(others)


def _named(application: Application, decide) -> None:
    try:
        decide()
    except DomainError as exc:
        raise DomainError(
            _l(
                "%(reference)s “%(title)s”: %(problem)s",
                reference=application.reference,
                title=application.title,
                problem=str(exc),
            )
        ) from exc


def _record(
    application: Application,
    outcome: Outcome,
    *,
    actor: User,
    now: datetime,
    amount: int | None = None,
    conditions: str = "",
    reason: str = "",
) -> Decision:
    """Write the application's one decision (new or changed), move the application to the
    matching state if it is not there yet, and audit the change with before and after."""
    decision = _decision(application)
    before = _state(decision)
    if decision is None:
        decision = Decision(
            application=application, call_id=application.call_id, decided_by_id=actor.id
        )
        db.session.add(decision)
    decision.outcome, decision.amount = outcome, amount
    decision.conditions, decision.reason = conditions, reason
    decision.decided_by_id, decision.decided_at = actor.id, now
    status = S(outcome.value)  # the outcomes are named after the application states
    if application.status is not status:
        APPLICATION.move(application, status, actor=actor, amount=amount, reason=reason or None)
    db.session.flush()
    audit.record(
        action=AUDITED_AS[outcome],
        obj=application,
        actor=actor,
        before=before,
        after=_state(decision),
    )
    return decision


def _state(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome,
        "amount": decision.amount,
        "conditions": decision.conditions,
        "reason": decision.reason,
    }
