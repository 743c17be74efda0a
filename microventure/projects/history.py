"""The project page's history in words: each audit event recorded on a project, as a sentence in
the reader's language (the raw event stays in the audit table; unknown actions fall back to it)."""

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from microventure.core.models import AuditEvent
from microventure.core.money import format_fen
from microventure.projects.models import ReportKind


def _report(after: dict) -> str:
    try:
        return ReportKind(after.get("report")).title
    except ValueError:
        return _("Report")


def _tranche(after: dict) -> dict:
    return {"n": int(after.get("tranche", 0)) + 1, "amount": format_fen(after.get("amount"))}


SENTENCES: dict[str, Callable[[dict], str]] = {
    "project.created": lambda a: _(
        "Project created from the approved application: a grant of %(amount)s in %(count)s "
        "tranches.",
        amount=format_fen(a.get("amount")),
        count=len(a.get("tranches") or []),
    ),
    "project.active": lambda a: _("The project is active."),
    "project.suspended": lambda a: _("The project was suspended."),
    "project.completed": lambda a: _("The final report was accepted: the project is completed."),
    "project.terminated": lambda a: _("The project was terminated."),
    "tranche.due": lambda a: _("Tranche %(n)s (%(amount)s) is due for payment.", **_tranche(a)),
    "tranche.paid": lambda a: _(
        "Tranche %(n)s (%(amount)s) was paid on %(paid_on)s, reference %(reference)s.",
        paid_on=a.get("paid_on", ""),
        reference=a.get("reference", ""),
        **_tranche(a),
    ),
    "tranche.withheld": lambda a: _("Tranche %(n)s (%(amount)s) was withheld.", **_tranche(a)),
    "tranche.released": lambda a: _(
        "Tranche %(n)s (%(amount)s) was released back to the fund.", **_tranche(a)
    ),
    "activity.recorded": lambda a: _(
        "Activity “%(title)s” on %(day)s recorded: %(participants)s participants.",
        title=a.get("title", ""),
        day=a.get("held_on", ""),
        participants=a.get("participants", 0),
    ),
    "activity.updated": lambda a: _("An activity record was revised."),
    "activity.accepted": lambda a: _("An activity record was accepted."),
    "activity.returned": lambda a: _("An activity record was returned for revision."),
    "report.saved": lambda a: _("%(report)s saved as a draft.", report=_report(a)),
    "report.submitted": lambda a: _("%(report)s submitted.", report=_report(a)),
    "report.accepted": lambda a: _("%(report)s accepted.", report=_report(a)),
    "report.returned": lambda a: _("%(report)s returned for revision.", report=_report(a)),
    "report.failed": lambda a: _("%(report)s failed its evaluation.", report=_report(a)),
    "report.expenditure_added": lambda a: _(
        "Expenditure of %(amount)s to %(payee)s declared in the %(report)s.",
        amount=format_fen(a.get("amount")),
        payee=a.get("payee", ""),
        report=_report(a),
    ),
    "report.expenditure_removed": lambda a: _(
        "An expenditure was removed from the %(report)s.", report=_report(a)
    ),
}


def describe(event: AuditEvent) -> str | None:
    """The event as a sentence, or None when it has none (the page then shows it raw)."""
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        return None
    after: dict[str, Any] = event.after or {}
    try:
        return sentence(after)
    except (KeyError, TypeError, ValueError):
        return None
