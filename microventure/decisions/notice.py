"""The public notice (公示): publishing it over a working-day window, objections from the public,
and finalizing the call once the window has ended and every objection is resolved.
Services flush; callers commit."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.models import User
from microventure.applications.models import APPLICATION, Application
from microventure.calls.models import CALL, Call, CallStatus
from microventure.core import audit, links
from microventure.core.errors import DomainError
from microventure.core.money import format_fen
from microventure.core.timeutil import local_datetime, to_local, utcnow
from microventure.core.workdays import add_workdays
from microventure.decisions.models import (
    OBJECTION,
    Decision,
    Notice,
    Objection,
    ObjectionStatus,
    Outcome,
)
from microventure.decisions.rules import (
    DECIDABLE,
    UNDECIDED,
    S,
    objected_application,
    objection_fields,
)
from microventure.decisions.services import lock_call
from microventure.extensions import db
from microventure.notifications.services import admins_of, members_of, notify
from microventure.projects.services import create_project

# ------------------------------------------------------------------------------------ notice


def notice_window(published: datetime, working_days: int) -> tuple:
    """(first day, last day, closing instant): the window opens on the day of publication (or
    the next working day if that is a holiday or weekend) and lasts ``working_days`` working
    days by the official calendar, to the end of the last one in Shanghai."""
    day = to_local(published).date()
    last = add_workdays(day - timedelta(days=1), working_days)
    first = add_workdays(day - timedelta(days=1), 1)
    return first, last, local_datetime(last + timedelta(days=1))


def publish_notice(*, call: Call, actor: User, now: datetime | None = None) -> Notice:
    now = now or utcnow()
    lock_call(call)  # no decision may slip in between the count below and the status change
    if call.status not in (CallStatus.PUBLISHED, CallStatus.REVIEWING):
        raise DomainError(
            _l("A call that is %(status)s cannot publish a notice.", status=call.status.title)
        )
    counts = dict(
        db.session.execute(
            select(Application.status, func.count())
            .where(Application.call_id == call.id)
            .group_by(Application.status)
        ).all()
    )
    undecided = sum(counts.get(s, 0) for s in UNDECIDED)
    if undecided:
        raise DomainError(
            _l("%(count)s applications still wait for screening or a decision.", count=undecided)
        )
    if not counts.get(S.RECOMMENDED):
        raise DomainError(_l("Recommend at least one application before publishing the notice."))
    first, last, ends_at = notice_window(now, call.notice_working_days)
    notice = Notice(
        call=call,
        working_days=call.notice_working_days,
        starts_on=first,
        ends_on=last,
        ends_at=ends_at,
        show_reviewers=call.reviewer_names_in_notice,
        published_by_id=actor.id,
        published_at=now,
    )
    db.session.add(notice)
    CALL.move(call, CallStatus.NOTICE, actor=actor, starts_on=first, ends_on=last)
    _tell_applicants_of_recommendations(call, notice)
    return notice


def _tell_applicants_of_recommendations(call: Call, notice: Notice) -> None:
    decisions = db.session.scalars(
        select(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id == call.id, Application.status.in_(DECIDABLE))
    ).all()
    for d in decisions:
        application = d.application
        params = {"reference": application.reference, "title": application.title}
        if d.outcome is Outcome.RECOMMENDED:
            kind = "decision.recommended"
            params |= {"amount": format_fen(d.amount), "ends_on": notice.ends_on.isoformat()}
        else:
            kind, params["reason"] = "decision.not_recommended", d.reason
        notify(
            recipients=members_of(application.organization),
            kind=kind,
            link=links.path("applications.detail", application_id=application.id),
            key=str(application.id),
            **params,
        )


# -------------------------------------------------------------------------------- objections


def lodge_objection(
    *,
    notice: Notice,
    application_id: int | None,
    name: str,
    contact: str,
    text: str,
    remote_addr: str | None,
    now: datetime | None = None,
) -> Objection:
    """Store a member of the public's objection; the street's admins are told."""
    now = now or utcnow()
    if not notice.is_open(now):
        raise DomainError(
            _l(
                "The notice period ended on %(day)s; objections are no longer accepted.",
                day=notice.ends_on.isoformat(),
            )
        )
    values = objection_fields(name=name, contact=contact, text=text)
    application = objected_application(notice, application_id)
    objection = Objection(
        notice=notice,
        application=application,
        remote_addr=remote_addr,
        received_at=now,
        **values,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        action="objection.received",
        obj=notice.call,
        actor=None,
        after={"objection_id": objection.id, "application_id": application_id},
    )
    notify(
        recipients=admins_of(notice.call.street_id),
        kind="objection.received",
        link=links.path("decisions.notice", call_id=notice.call_id),
        key=str(objection.id),
        call=notice.call.title,
        project=application.title if application else "—",
    )
    return objection


def resolve_objection(
    *,
    objection: Objection,
    upheld: bool,
    resolution: str,
    actor: User,
    now: datetime | None = None,
) -> Objection:
    """Dismiss or uphold an objection. Upholding one that names a recommended project revokes
    that recommendation (the application is rejected) and its money returns to the budget."""
    now = now or utcnow()
    if objection.status is not ObjectionStatus.OPEN:
        raise DomainError(_l("This objection has already been resolved."))
    if objection.notice.call.status is not CallStatus.NOTICE:
        raise DomainError(_l("The call is finalized; its objections can no longer change."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_l("Explain how the objection was resolved."), field="resolution")
    OBJECTION.move(
        objection,
        ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED,
        actor=actor,
        note=resolution,
        values={"resolution": resolution, "resolved_by_id": actor.id, "resolved_at": now},
    )
    application = objection.application
    if upheld and application is not None and application.status is S.RECOMMENDED:
        APPLICATION.move(
            application, S.REJECTED, actor=actor, note=resolution, objection_id=objection.id
        )
        notify(
            recipients=members_of(application.organization),
            kind="decision.revoked",
            link=links.path("applications.detail", application_id=application.id),
            key=str(application.id),
            reference=application.reference,
            title=application.title,
            reason=resolution,
        )
    db.session.flush()
    return objection


# -------------------------------------------------------------------------------- finalizing


def finalize(*, call: Call, actor: User, now: datetime | None = None) -> list:
    """After the notice window, with every objection resolved: recommended → approved (each
    becomes a project with its tranches), not recommended → rejected. Returns the projects."""
    now = now or utcnow()
    lock_call(call)  # a substitute being recommended finishes first, and is finalized with the rest
    notice = db.session.scalar(select(Notice).where(Notice.call_id == call.id))
    if call.status is not CallStatus.NOTICE or notice is None:
        raise DomainError(_l("Only a call whose notice has been published can be finalized."))
    if notice.is_open(now):
        raise DomainError(
            _l("The notice runs until the end of %(day)s.", day=notice.ends_on.isoformat())
        )
    open_objections = sum(1 for o in notice.objections if o.status is ObjectionStatus.OPEN)
    if open_objections:
        raise DomainError(_l("Resolve the %(count)s open objections first.", count=open_objections))
    projects = []
    decisions = db.session.scalars(
        select(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id == call.id)
        .order_by(Application.reference)
    ).all()
    for d in decisions:
        application = d.application
        if application.status is S.RECOMMENDED:
            APPLICATION.move(application, S.APPROVED, actor=actor, amount=d.amount)
            projects.append(create_project(application=application, amount=d.amount, actor=actor))
            kind, params = "decision.approved", {"amount": format_fen(d.amount)}
        elif application.status is S.NOT_RECOMMENDED:
            APPLICATION.move(application, S.REJECTED, actor=actor)
            kind, params = "decision.rejected", {"reason": d.reason}
        else:
            continue
        notify(
            recipients=members_of(application.organization),
            kind=kind,
            link=links.path("applications.detail", application_id=application.id),
            key=str(application.id),
            reference=application.reference,
            title=application.title,
            **params,
        )
    notice.finalized_at = now
    CALL.move(call, CallStatus.FINALIZED, actor=actor, projects=len(projects))
    db.session.flush()
    return projects
