"""When an application may be decided: the one rule the decisions service enforces and the
decisions page offers (its "Decide" links); what an objection to the notice must give."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, CallStatus
from microventure.core.errors import DomainError
from microventure.decisions.models import Decision, Notice, Outcome
from microventure.extensions import db

S = ApplicationStatus
DECIDABLE = {S.ELIGIBLE, S.IN_REVIEW, S.RECOMMENDED, S.NOT_RECOMMENDED}
UNDECIDED = {S.SUBMITTED, S.ELIGIBLE, S.IN_REVIEW}


class Phase(StrEnum):
    """Where the call stands for decisions."""

    DRAFT = "draft"  # not published
    OPEN = "open"  # still taking applications
    DECIDING = "deciding"  # closed, notice not yet published: decisions may change
    NOTICE = "notice"  # notice published: only substitutes for withdrawn recommendations
    FINAL = "final"  # finalized or archived


def phase(call: Call, now: datetime) -> Phase:
    if call.status is CallStatus.DRAFT:
        return Phase.DRAFT
    if call.status is CallStatus.NOTICE:
        return Phase.NOTICE
    if call.status in (CallStatus.FINALIZED, CallStatus.ARCHIVED):
        return Phase.FINAL
    return Phase.OPEN if now < call.closes_at else Phase.DECIDING


def has_revoked(call: Call) -> bool:
    """A recommendation of the call was withdrawn after an upheld objection."""
    return (
        db.session.scalar(
            select(Decision.id)
            .join(Application, Application.id == Decision.application_id)
            .where(
                Decision.call_id == call.id,
                Decision.outcome == Outcome.RECOMMENDED,
                Application.status == S.REJECTED,
            )
            .limit(1)
        )
        is not None
    )


def substitutes_open(call: Call, now: datetime) -> bool:
    """While the notice runs, a not-recommended application may take the place of one withdrawn
    after an upheld objection (the public must see the substitute before it is final)."""
    if call.status is not CallStatus.NOTICE or not has_revoked(call):
        return False
    notice = db.session.scalar(select(Notice).where(Notice.call_id == call.id))
    return notice is not None and notice.is_open(now)


def may_decide(status: ApplicationStatus, stage: Phase, *, substitutes: bool) -> bool:
    """Recommended or turned down now: any decidable application once the call has closed and
    before its notice; during the notice, only a not-recommended one as a substitute."""
    if stage is Phase.DECIDING:
        return status in DECIDABLE
    return stage is Phase.NOTICE and substitutes and status is S.NOT_RECOMMENDED


# ---------------------------------------------------------------------------------- objections

OBJECTION_LIMITS = {"name": 60, "contact": 120, "text": 5000}


def objection_fields(*, name: str | None, contact: str | None, text: str | None) -> dict[str, str]:
    """An objection's name, contact and text, stripped; each is required and has a limit."""
    values = {"name": name, "contact": contact, "text": text}
    values = {k: (v or "").strip() for k, v in values.items()}
    required = {
        "name": _l("Give your name."),
        "contact": _l("Give a telephone number or e-mail address where we can reach you."),
        "text": _l("Describe your objection."),
    }
    for key, message in required.items():
        if not values[key]:
            raise DomainError(message, field=key)
        if len(values[key]) > OBJECTION_LIMITS[key]:
            raise DomainError(
                _l("Use at most %(count)s characters.", count=OBJECTION_LIMITS[key]), field=key
            )
    return values


def objected_application(notice: Notice, application_id: int | None) -> Application | None:
    """The project an objection is about, if any: one this notice lists as recommended."""
    if application_id is None:
        return None
    application = db.session.get(Application, application_id)
    if (
        application is None
        or application.call_id != notice.call_id
        or application.status is not S.RECOMMENDED
    ):
        raise DomainError(_l("Choose a project listed in this notice."), field="application_id")
    return application
