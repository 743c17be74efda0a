"""History in words: one registry with a sentence for every audited action, told in the reader's
language — money in yuan (amounts are recorded in fen), states by their labels, times local.

Every timeline (applications, calls, funds, organisations, projects, users) reads its events
through ``describe``; ``timeline`` leaves out the events marked internal (reviewers' work,
decisions before the notice) for readers outside the administration. ``tests/test_history.py``
fails when an action written in the code or in a state machine's table has no sentence here.
The raw event stays in the audit table; an event whose sentence cannot be made is shown raw to
the administration and not at all to applicants."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from microventure.accounts.models import ExclusionKind, OrganizationKind, Role, TokenScope
from microventure.calls.models import AttachmentKind, Domain
from microventure.core import audit
from microventure.core.models import AuditEvent, LabelledEnum
from microventure.core.money import format_fen
from microventure.core.states import MACHINES, StateMachine
from microventure.core.timeutil import format_local
from microventure.funds.models import FundKind
from microventure.projects.models import ReportKind
from microventure.reviews.models import Recommendation


class Facts:
    """What an event recorded, read for its sentence: a key from ``after``, else ``before``."""

    def __init__(self, event: AuditEvent) -> None:
        self.action = event.action
        self.before: dict[str, Any] = event.before or {}
        self.after: dict[str, Any] = event.after or {}

    def get(self, key: str, default: Any = None) -> Any:
        value = self.after.get(key, self.before.get(key))
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        return self.get(key, "")

    def money(self, key: str) -> str:
        return format_fen(int(self.get(key)))

    def label(self, enum_cls: type[LabelledEnum], key: str) -> str:
        return enum_cls(self.get(key)).title

    def labels(self, enum_cls: type[LabelledEnum], key: str) -> str:
        return _("、").join(enum_cls(v).title for v in self.get(key, []))

    def day(self, key: str) -> str:
        value = str(self.get(key))
        if "T" in value:
            return format_local(datetime.fromisoformat(value), "%Y-%m-%d")
        return date.fromisoformat(value).isoformat()

    def moment(self, key: str) -> str:
        return format_local(datetime.fromisoformat(str(self.get(key))))

    def state(self, side: str = "after") -> str:
        """The state the event's object was in before or after, by its label."""
        machine = machine_of(self.action)
        recorded = (self.before if side == "before" else self.after)[machine.column]
        return machine.states(recorded).title

    def moved(self) -> dict[str, str]:
        return {"before": self.state("before"), "after": self.state("after")}

    def tranche(self) -> dict[str, Any]:
        return {"n": int(self.get("tranche", 0)) + 1, "amount": format_fen(self.get("amount"))}

    def report(self) -> str:
        return self.label(ReportKind, "report")


@dataclass(frozen=True)
class Sentence:
    say: Callable[[Facts], str]
    internal: bool = False  # only the administration reads it


def machine_of(action: str) -> StateMachine:
    """The state machine whose table writes ``action``."""
    return next(m for m in MACHINES if action in m.moves.values())


def _status_changed(f: Facts) -> str:
    return _("Status changed from “%(before)s” to “%(after)s”.", **f.moved())


def _submitted(f: Facts) -> str:
    values = {"reference": f["reference"], "version": f["version"]}
    values["requested"] = f.money("requested")
    if f.before.get("status") == "returned":
        return _(
            "Revised and submitted again as version %(version)s of %(reference)s, requesting "
            "%(requested)s.",
            **values,
        )
    return _("Submitted as %(reference)s, requesting %(requested)s.", **values)


def _rejected(f: Facts) -> str:
    if f.get("objection_id") is not None:
        return _("Rejected: an objection to the public notice was upheld.")
    return _("Not funded: the call was finalized after its public notice.")


def _decided(f: Facts) -> str:
    if f.after.get("outcome") == "recommended":
        amount, conditions = f.money("amount"), f.after.get("conditions")
        if conditions:
            return _(
                "Decision: a grant of %(amount)s recommended, on conditions: %(conditions)s",
                amount=amount,
                conditions=conditions,
            )
        return _("Decision: a grant of %(amount)s recommended.", amount=amount)
    return _("Decision: not recommended. Reason: %(reason)s", reason=f.after.get("reason") or "—")


def _excluded(f: Facts) -> str:
    values = {"list": f.label(ExclusionKind, "kind"), "starts": f.day("starts_on")}
    if f.get("ends_on"):
        return _(
            "Put on the %(list)s from %(starts)s to %(ends)s.", ends=f.day("ends_on"), **values
        )
    return _("Put on the %(list)s from %(starts)s, with no end date.", **values)


def _registered(f: Facts) -> str:
    values = {"name": f["name"], "kind": f.label(OrganizationKind, "kind")}
    if f.get("credit_code") and f.get("credit_code_valid") is False:
        return _(
            "Registered as “%(name)s” (%(kind)s); its credit code %(code)s fails the check.",
            code=f["credit_code"],
            **values,
        )
    return _("Registered as “%(name)s” (%(kind)s).", **values)


def _verification(f: Facts) -> str:
    return _("Verification changed from “%(before)s” to “%(after)s”.", **f.moved())


def _project_active(f: Facts) -> str:
    if f.before.get("status") == "suspended":
        return _("The project was resumed.")
    return _("The agreement was signed: the project is active.")


def _activity_updated(f: Facts) -> str:
    if f.before.get("status") == "returned":
        return _("A returned activity record was revised and sent for review again.")
    return _("An activity record was revised.")


def _reviewer_updated(f: Facts) -> str:
    expertise = f.labels(Domain, "expertise")
    if f.after.get("active") is False:
        return _(
            "Reviewer profile updated (%(expertise)s); not in the pool now.", expertise=expertise
        )
    return _("Reviewer profile updated (%(expertise)s).", expertise=expertise)


def _calendar(f: Facts) -> dict[str, int]:
    return {"holidays": len(f.get("holidays", [])), "makeup": len(f.get("makeup_days", []))}


def _call_created(f: Facts) -> str:
    values = {"code": f["code"], "budget": f.money("budget")}
    if f.get("copied_from_id") is not None:
        return _("Call %(code)s created as a copy, with a budget of %(budget)s.", **values)
    return _("Call %(code)s created with a budget of %(budget)s.", **values)


def _review_submitted(f: Facts) -> str:
    return _(
        "A reviewer submitted a review: %(total)s points, “%(recommendation)s”.",
        total=f"{float(f['total']):g}",
        recommendation=f.label(Recommendation, "recommendation"),
    )


APPLICATIONS: dict[str, Sentence] = {
    "application.question_file_added": Sentence(
        lambda f: _("A file was uploaded to answer a question: %(name)s.", name=f["name"])
    ),
    "application.started": Sentence(lambda f: _("Application started as a draft.")),
    "application.attachment_added": Sentence(
        lambda f: _(
            "Attachment “%(name)s” (%(kind)s) added.",
            name=f["name"],
            kind=f.label(AttachmentKind, "kind"),
        )
    ),
    "application.attachment_removed": Sentence(
        lambda f: _("Attachment “%(name)s” removed.", name=f["name"])
    ),
    "application.submitted": Sentence(_submitted),
    "application.eligible": Sentence(lambda f: _("Screening: the application is eligible.")),
    "application.returned": Sentence(
        lambda f: _("Screening: the application was returned for revision.")
    ),
    "application.ineligible": Sentence(lambda f: _("Screening: the application is not eligible.")),
    "application.in_review": Sentence(lambda f: _("The application went to the reviewers.")),
    "application.recommended": Sentence(_status_changed, internal=True),
    "application.not_recommended": Sentence(_status_changed, internal=True),
    "application.approved": Sentence(
        lambda f: _(
            "Approved after the public notice: a grant of %(amount)s.", amount=f.money("amount")
        )
    ),
    "application.rejected": Sentence(_rejected),
    "application.withdrawn": Sentence(lambda f: _("The application was withdrawn.")),
    "decision.recommended": Sentence(_decided, internal=True),
    "decision.not_recommended": Sentence(_decided, internal=True),
    "review.assigned": Sentence(
        lambda f: _("A reviewer was assigned, due on %(day)s.", day=f.day("due_on")),
        internal=True,
    ),
    "review.declaration_signed": Sentence(
        lambda f: _("A reviewer signed the declaration of no conflict of interest."),
        internal=True,
    ),
    "review.conflict_declared": Sentence(
        lambda f: _("A reviewer declared a conflict of interest and was released."),
        internal=True,
    ),
    "review.submitted": Sentence(_review_submitted, internal=True),
    "review.reopened": Sentence(
        lambda f: _("A submitted review was reopened for changes."), internal=True
    ),
}

CALLS: dict[str, Sentence] = {
    "call.created": Sentence(_call_created),
    "call.updated": Sentence(
        lambda f: _(
            "Settings saved: budget %(budget)s, open from %(opens)s to %(closes)s.",
            budget=f.money("budget"),
            opens=f.moment("opens_at"),
            closes=f.moment("closes_at"),
        )
    ),
    "call.closed_early": Sentence(
        lambda f: _("Closed to applications early, at %(closes)s.", closes=f.moment("closes_at"))
    ),
    "call.published": Sentence(lambda f: _("The call was published.")),
    "call.question_added": Sentence(lambda f: _("Question added: “%(label)s”.", label=f["label"])),
    "call.question_changed": Sentence(
        lambda f: _("Question changed: “%(label)s”.", label=f.after.get("label", ""))
    ),
    "call.question_removed": Sentence(
        lambda f: _("Question removed: “%(label)s”.", label=f["label"])
    ),
    "call.question_moved": Sentence(
        lambda f: _(
            "Question “%(label)s” moved to place %(position)s.",
            label=f["label"],
            position=f["position"],
        )
    ),
    "question_template.created": Sentence(
        lambda f: _("Question added to the library: “%(label)s”.", label=f["label"])
    ),
    "question_template.archived": Sentence(
        lambda f: _("Question taken out of the library: “%(label)s”.", label=f["label"])
    ),
    "call.reviewing": Sentence(
        lambda f: _("The first decision was recorded: the call is “%(after)s”.", **f.moved())
    ),
    "call.notice_published": Sentence(
        lambda f: _(
            "The public notice was published, from %(starts)s to %(ends)s.",
            starts=f.day("starts_on"),
            ends=f.day("ends_on"),
        )
    ),
    "call.finalized": Sentence(
        lambda f: _(
            "Finalized after the public notice: %(count)s projects created.", count=f["projects"]
        )
    ),
    "review.reminder_requested": Sentence(
        lambda f: _(
            "A reviewer was reminded: %(outstanding)s reviews outstanding, %(overdue)s overdue.",
            outstanding=f["outstanding"],
            overdue=f["overdue"],
        )
    ),
    "objection.received": Sentence(lambda f: _("An objection to the public notice arrived.")),
    "objection.dismissed": Sentence(lambda f: _("An objection was dismissed.")),
    "objection.upheld": Sentence(lambda f: _("An objection was upheld.")),
}

FUNDS: dict[str, Sentence] = {
    "fund.created": Sentence(
        lambda f: _(
            "Fund “%(name)s” created (%(kind)s).", name=f["name"], kind=f.label(FundKind, "kind")
        )
    ),
    "fund.contribution_recorded": Sentence(
        lambda f: _(
            "A contribution of %(amount)s from %(donor)s was recorded.",
            amount=f.money("amount"),
            donor=f["donor"],
        )
    ),
}

ORGANIZATIONS: dict[str, Sentence] = {
    "organization.registered": Sentence(_registered),
    "organization.credit_code_overridden": Sentence(
        lambda f: _(
            "The credit code %(code)s was accepted although it fails the check.",
            code=f["credit_code"],
        )
    ),
    "organization.verified": Sentence(_verification),
    "organization.rejected": Sentence(_verification),
    "organization.suspended": Sentence(_verification),
    "organization.excluded": Sentence(_excluded),
    "organization.exclusion_lifted": Sentence(
        lambda f: _("Taken off the %(list)s.", list=f.label(ExclusionKind, "kind"))
    ),
    "organization.member_added": Sentence(
        lambda f: _("%(email)s became a member.", email=f["email"])
    ),
    "organization.member_removed": Sentence(
        lambda f: _("%(email)s is no longer a member.", email=f["email"])
    ),
}

PEOPLE: dict[str, Sentence] = {
    "user.created": Sentence(
        lambda f: _("Account created for %(name)s (%(email)s).", name=f["name"], email=f["email"])
    ),
    "user.login_failed": Sentence(lambda f: _("A log-in attempt failed.")),
    "user.logged_in": Sentence(lambda f: _("Logged in.")),
    "user.login_paused": Sentence(
        lambda f: _(
            "Log-ins paused for %(minutes)s minutes after %(failures)s wrong passwords; the "
            "owner was told.",
            minutes=f.after.get("minutes"),
            failures=f.after.get("failures"),
        )
    ),
    "user.login_refused": Sentence(
        lambda f: _("A log-in attempt was refused: log-ins were paused.")
    ),
    "user.profile_updated": Sentence(lambda f: _("Profile updated.")),
    "user.password_changed": Sentence(lambda f: _("Password changed.")),
    "user.elder_mode_chosen": Sentence(
        lambda f: (
            _("Senior mode turned on.")
            if f.after.get("elder_mode")
            else _("Senior mode turned off.")
        )
    ),
    "user.activated": Sentence(lambda f: _("The account was activated.")),
    "user.deactivated": Sentence(lambda f: _("The account was deactivated.")),
    "user.role_granted": Sentence(
        lambda f: _("Role granted: %(role)s.", role=f.label(Role, "role"))
    ),
    "user.role_revoked": Sentence(
        lambda f: _("Role taken away: %(role)s.", role=f.label(Role, "role"))
    ),
    "user.password_reset_requested": Sentence(
        lambda f: _("A link to reset the password was requested.")
    ),
    "user.password_reset": Sentence(lambda f: _("Password reset through the e-mailed link.")),
    "user.email_confirmed": Sentence(lambda f: _("E-mail address confirmed.")),
    "api_token.created": Sentence(
        lambda f: _(
            "API token “%(name)s” (%(prefix)s…) created: %(scope)s, valid until %(day)s.",
            name=f["name"],
            prefix=f["prefix"],
            scope=f.label(TokenScope, "scope"),
            day=f.day("expires_at"),
        )
    ),
    "api_token.revoked": Sentence(
        lambda f: _(
            "API token “%(name)s” (%(prefix)s…) revoked.", name=f["name"], prefix=f["prefix"]
        )
    ),
    "reviewer.added": Sentence(
        lambda f: _(
            "Added to the reviewer pool (%(expertise)s).", expertise=f.labels(Domain, "expertise")
        )
    ),
    "reviewer.updated": Sentence(_reviewer_updated),
    "reviewer.conflict_recorded": Sentence(
        lambda f: _("A conflict of interest with an organisation was recorded.")
    ),
}

PROJECTS: dict[str, Sentence] = {
    "project.created": Sentence(
        lambda f: _(
            "Project created from the approved application: a grant of %(amount)s in %(count)s "
            "tranches.",
            amount=f.money("amount"),
            count=len(f.get("tranches", [])),
        )
    ),
    "project.active": Sentence(_project_active),
    "project.suspended": Sentence(lambda f: _("The project was suspended.")),
    "project.completed": Sentence(
        lambda f: _("The final report was accepted: the project is completed.")
    ),
    "project.terminated": Sentence(lambda f: _("The project was terminated.")),
    "tranche.due": Sentence(
        lambda f: _("Tranche %(n)s (%(amount)s) is due for payment.", **f.tranche())
    ),
    "tranche.paid": Sentence(
        lambda f: _(
            "Tranche %(n)s (%(amount)s) was paid on %(paid_on)s, reference %(reference)s.",
            paid_on=f.day("paid_on"),
            reference=f["reference"],
            **f.tranche(),
        )
    ),
    "tranche.withheld": Sentence(
        lambda f: _("Tranche %(n)s (%(amount)s) was withheld.", **f.tranche())
    ),
    "tranche.released": Sentence(
        lambda f: _("Tranche %(n)s (%(amount)s) was released back to the fund.", **f.tranche())
    ),
    "activity.recorded": Sentence(
        lambda f: _(
            "Activity “%(title)s” on %(day)s recorded: %(participants)s participants.",
            title=f["title"],
            day=f.day("held_on"),
            participants=f.get("participants", 0),
        )
    ),
    "activity.updated": Sentence(_activity_updated),
    "activity.accepted": Sentence(lambda f: _("An activity record was accepted.")),
    "activity.returned": Sentence(lambda f: _("An activity record was returned for revision.")),
    "attendance.session_opened": Sentence(
        lambda f: _("Check-in session “%(title)s” opened.", title=f["title"])
    ),
    "attendance.code_rotated": Sentence(lambda f: _("A check-in session's code was replaced.")),
    "attendance.session_linked": Sentence(
        lambda f: _("A check-in session now counts in an activity record.")
    ),
    "report.saved": Sentence(lambda f: _("%(report)s saved as a draft.", report=f.report())),
    "report.submitted": Sentence(lambda f: _("%(report)s submitted.", report=f.report())),
    "report.accepted": Sentence(lambda f: _("%(report)s accepted.", report=f.report())),
    "report.returned": Sentence(
        lambda f: _("%(report)s returned for revision.", report=f.report())
    ),
    "report.failed": Sentence(lambda f: _("%(report)s failed its evaluation.", report=f.report())),
    "report.expenditure_added": Sentence(
        lambda f: _(
            "Expenditure of %(amount)s to %(payee)s declared in the %(report)s.",
            amount=f.money("amount"),
            payee=f["payee"],
            report=f.report(),
        )
    ),
    "report.expenditure_removed": Sentence(
        lambda f: _("An expenditure was removed from the %(report)s.", report=f.report())
    ),
}

SYSTEM: dict[str, Sentence] = {
    "calendar.year_entered": Sentence(
        lambda f: _(
            "The year's working-day calendar was entered: %(holidays)s days off, %(makeup)s "
            "make-up working days.",
            **_calendar(f),
        )
    ),
    "calendar.year_replaced": Sentence(
        lambda f: _(
            "The year's working-day calendar was replaced: %(holidays)s days off, %(makeup)s "
            "make-up working days.",
            **_calendar(f),
        )
    ),
    "notification.resent": Sentence(lambda f: _("The e-mail was queued to be sent again.")),
    "export.started": Sentence(lambda f: _("The export started.")),
    "export.done": Sentence(lambda f: _("The export is ready.")),
    "export.failed": Sentence(lambda f: _("The export failed.")),
    # on the check-in session (no timeline shows these; the audit table keeps them)
    "attendance.checked_in": Sentence(lambda f: _("Someone checked in.")),
    "attendance.checked_out": Sentence(
        lambda f: _("A volunteer checked out after %(minutes)s minutes.", minutes=f["minutes"])
    ),
    "attendance.details_deleted": Sentence(
        lambda f: _("The check-in details were deleted at the end of the retention period.")
    ),
}

SENTENCES: dict[str, Sentence] = {
    **APPLICATIONS,
    **CALLS,
    **FUNDS,
    **ORGANIZATIONS,
    **PEOPLE,
    **PROJECTS,
    **SYSTEM,
}


def describe(event: AuditEvent) -> str | None:
    """The event as a sentence, or None when it has none (the administration then sees it raw)."""
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        return None
    try:
        return sentence.say(Facts(event))
    except (KeyError, TypeError, ValueError, StopIteration):
        return None


def is_internal(event: AuditEvent) -> bool:
    """Only the administration reads it: marked so, or it cannot be told in words."""
    sentence = SENTENCES.get(event.action)
    return sentence is None or sentence.internal or describe(event) is None


def readable(events: Iterable[AuditEvent], *, internal: bool) -> list[AuditEvent]:
    """The events a reader sees: all of them (``internal``), or those meant for applicants."""
    return [e for e in events if internal or not is_internal(e)]


def timeline(obj: Any, *, internal: bool, limit: int = 200) -> list[AuditEvent]:
    """``obj``'s history, newest first, as its reader may see it (``audit.timeline``'s query)."""
    return readable(audit.timeline(obj, limit=limit), internal=internal)
