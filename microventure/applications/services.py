"""Drafting, submitting, withdrawing and screening applications. Services flush; callers commit."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from microventure.accounts.models import Organization, User
from microventure.applications import answers, queries, rules
from microventure.applications.models import (
    APPLICATION,
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    FundingSource,
    OutcomeIndicator,
    PlannedActivity,
    TeamMember,
)
from microventure.calls.models import (
    AttachmentKind,
    BudgetCategory,
    Call,
    CallQuestion,
    CallStatus,
    Domain,
    QuestionKind,
)
from microventure.core import audit, files, links
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.locks import lock, locked
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import members_of, notify

S = ApplicationStatus

EDITABLE = {S.DRAFT, S.RETURNED}
SCREENING = {S.ELIGIBLE, S.RETURNED, S.INELIGIBLE}


# -------------------------------------------------------------------------------------- drafting


@dataclass(frozen=True, kw_only=True)
class ActivityRow:
    name: str
    month: str
    sessions: int
    participants: int


@dataclass(frozen=True, kw_only=True)
class IndicatorRow:
    name: str
    target: int
    unit: str


@dataclass(frozen=True, kw_only=True)
class TeamRow:
    name: str
    role: str
    qualification: str = ""


@dataclass(frozen=True, kw_only=True)
class BudgetRow:
    category: BudgetCategory
    item: str
    unit_price: int
    quantity: int
    source: FundingSource


@dataclass(frozen=True, kw_only=True)
class ApplicationContent:
    """What the applicant writes; a draft may leave any of it empty."""

    title: str = ""
    domain: Domain | None = None
    community_ids: list[int] = field(default_factory=list)
    beneficiary_groups: str = ""
    direct_beneficiaries: int | None = None
    indirect_beneficiaries: int | None = None
    summary: str = ""
    need_analysis: str = ""
    objectives: str = ""
    risks: str = ""
    sustainability: str = ""
    activities: list[ActivityRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    team: list[TeamRow] = field(default_factory=list)
    budget_lines: list[BudgetRow] = field(default_factory=list)
    # the call's own questions: question id → typed answer (None: leave the answers as they are)
    answers: dict[int, Any] | None = None


TEXT_FIELDS = (
    "title",
    "beneficiary_groups",
    "summary",
    "need_analysis",
    "objectives",
    "risks",
    "sustainability",
)


def start_application(*, call: Call, organization: Organization, actor: User) -> Application:
    if organization.id not in actor.organization_ids():
        raise DomainError(_l("You can apply only for your own organisation."))
    if call.status is not CallStatus.PUBLISHED or call.closes_at < utcnow():
        raise DomainError(_l("This call is not taking applications."))
    application = Application(call=call, organization=organization, created_by_id=actor.id)
    db.session.add(application)
    db.session.flush()
    audit.record(
        action="application.started",
        obj=application,
        actor=actor,
        after={"call_id": call.id, "organization_id": organization.id},
    )
    return application


@dataclass(frozen=True)
class Started:
    application: Application
    is_new: bool  # False: the organisation's draft for the call, which already existed


def start_or_resume(*, call: Call, organization_id: int, actor: User) -> Started:
    """The organisation's draft for the call, or a new one. The organisation's row is locked
    first: of two starts at once (a double click, a retried POST), the second waits for the
    first to commit and finds its draft."""
    if organization_id not in actor.organization_ids():
        raise DomainError(_l("You can apply only for your own organisation."))
    organization = locked(Organization, organization_id)
    draft = queries.existing_draft(call_id=call.id, organization_id=organization.id)
    if draft is not None:
        return Started(draft, is_new=False)
    return Started(start_application(call=call, organization=organization, actor=actor), True)


def save_draft(*, application: Application, content: ApplicationContent, actor: User) -> None:
    """Save whatever has been typed; completeness is checked only on submission."""
    if application.status not in EDITABLE:
        raise DomainError(_l("A submitted application cannot be changed."))
    for name in TEXT_FIELDS:
        setattr(application, name, getattr(content, name).strip())
    application.domain = content.domain
    application.community_ids = sorted(set(content.community_ids))
    application.direct_beneficiaries = content.direct_beneficiaries
    application.indirect_beneficiaries = content.indirect_beneficiaries
    application.activities = [
        PlannedActivity(position=i, **vars(row)) for i, row in enumerate(content.activities)
    ]
    application.indicators = [
        OutcomeIndicator(position=i, **vars(row)) for i, row in enumerate(content.indicators)
    ]
    application.team = [TeamMember(position=i, **vars(row)) for i, row in enumerate(content.team)]
    application.budget_lines = [
        BudgetLine(position=i, **vars(row)) for i, row in enumerate(content.budget_lines)
    ]
    if content.answers is not None:
        answers.save_answers(application, content.answers)
    application.requested_grant = application.requested_amount
    application.updated_at = utcnow()
    db.session.flush()


def keep_requested_grant(application_ids: list[int]) -> None:
    """``requested_grant`` of applications whose budget lines were bulk-inserted (the demo's
    and the benchmarks' writers): their grant lines added up in SQL, as ``save_draft`` keeps
    it from ``requested_amount``."""
    stmt = update(Application).where(Application.id.in_(application_ids))
    db.session.execute(
        stmt.values(requested_grant=queries.requested_amount_column()),
        execution_options={"synchronize_session": False},
    )


# ------------------------------------------------------------------------------------ submission


def _next_reference(call: Call) -> str:
    """Reserve the next number in the call with one atomic UPDATE … RETURNING: PostgreSQL locks
    the call's row, SQLite serialises writers, so two submissions never get the same number."""
    number = db.session.execute(
        update(Call)
        .where(Call.id == call.id)
        .values(reference_counter=Call.reference_counter + 1)
        .returning(Call.reference_counter)
    ).scalar_one()
    db.session.expire(call, ["reference_counter"])
    return f"{call.code}-{number:03d}"


def plain_rows(application: Application) -> dict:
    """The activity, indicator and team rows as plain data (the snapshot's, the API's)."""
    return {
        "activities": [
            {
                "name": a.name,
                "month": a.month,
                "sessions": a.sessions,
                "participants": a.participants,
            }
            for a in application.activities
        ],
        "indicators": [
            {"name": i.name, "target": i.target, "unit": i.unit} for i in application.indicators
        ],
        "team": [
            {"name": t.name, "role": t.role, "qualification": t.qualification}
            for t in application.team
        ],
    }


def snapshot(application: Application) -> dict:
    """Everything submitted, as plain data: the immutable record of one version."""
    return {
        "title": application.title,
        "domain": application.domain.value if application.domain else None,
        "community_ids": application.community_ids,
        "beneficiary_groups": application.beneficiary_groups,
        "direct_beneficiaries": application.direct_beneficiaries,
        "indirect_beneficiaries": application.indirect_beneficiaries,
        **{name: getattr(application, name) for name in TEXT_FIELDS[2:]},
        **plain_rows(application),
        "budget_lines": [
            {
                "category": b.category.value,
                "item": b.item,
                "unit_price": b.unit_price,
                "quantity": b.quantity,
                "source": b.source.value,
                "amount": b.amount,
            }
            for b in application.budget_lines
        ],
        "totals": {
            "requested": application.requested_amount,
            "matching": application.matching_amount,
            "total": application.total_budget,
        },
        "attachments": [
            {"id": a.id, "kind": a.kind.value, "name": a.original_name, "sha256": a.sha256}
            for a in application.current_attachments
        ],
        "answers": answers.snapshot_answers(application),
    }


def submit(*, application: Application, actor: User, at: datetime | None = None) -> None:
    """Check everything against the call and the organisation, then record a new version."""
    at = at or utcnow()
    # The organisation's row is locked before its applications are counted: of two submissions
    # at the same moment, the second counts the first (the per-organisation limit holds); the
    # application's own row too, so a double-clicked submit finds it already submitted.
    lock(application.organization)
    lock(application)
    if application.status not in EDITABLE:
        raise DomainError(_l("This application has already been submitted."))
    problems = rules.submission_problems(application, at=at)
    if problems:
        raise RuleViolations(problems)
    reference = application.reference or _next_reference(application.call)
    number = len(application.versions) + 1
    db.session.add(
        ApplicationVersion(
            application_id=application.id,
            number=number,
            snapshot=snapshot(application),
            submitted_at=at,
            submitted_by_id=actor.id,
        )
    )
    APPLICATION.move(
        application,
        S.SUBMITTED,
        actor=actor,
        values={"reference": reference, "submitted_at": at},  # a CHECK ties them to the state
        reference=reference,
        version=number,
        requested=application.requested_amount,
    )
    notify(
        recipients=[actor],
        kind="application.submitted",
        link=links.path("applications.detail", application_id=application.id),
        key=f"{application.id}:v{number}",
        reference=reference,
        title=application.title,
        call=application.call.title,
    )
    db.session.refresh(application, ["versions"])


def withdraw(*, application: Application, actor: User) -> None:
    APPLICATION.move(application, S.WITHDRAWN, actor=actor)


# ------------------------------------------------------------------------------------ screening


def screen(
    *, application: Application, decision: ApplicationStatus, reason: str, actor: User
) -> None:
    """资格审查: eligible, returned for revision (with reasons) or ineligible (with a reason)."""
    if decision not in SCREENING:
        raise DomainError(
            _l("Choose eligible, return for revision or ineligible."), field="decision"
        )
    reason = reason.strip()
    if decision is not S.ELIGIBLE and not reason:
        raise DomainError(_l("Give the reason; the applicant will read it."), field="reason")
    APPLICATION.move(application, decision, actor=actor, note=reason or None)
    application.screening_reason = reason or None
    notify(
        recipients=members_of(application.organization),
        kind=f"application.{decision.value}",
        link=links.path("applications.detail", application_id=application.id),
        key=f"{application.id}:v{len(application.versions)}",
        reference=application.reference,
        title=application.title,
        reason=reason,
    )


# ----------------------------------------------------------------------------------- attachments


def add_attachment(
    *, application: Application, kind: AttachmentKind, upload, actor: User
) -> Attachment:
    if application.status not in EDITABLE:
        raise DomainError(_l("A submitted application cannot be changed."), field="file")
    stored = files.store_upload(upload, field="file")
    attachment = Attachment(
        application=application,
        kind=kind,
        storage_key=stored.storage_key,
        original_name=stored.original_name,
        file_type=stored.kind.value,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(
        action="application.attachment_added",
        obj=application,
        actor=actor,
        after={"attachment_id": attachment.id, "kind": kind, "name": attachment.original_name},
    )
    return attachment


def answer_with_file(
    *, application: Application, question: CallQuestion, upload, actor: User
) -> Attachment:
    """Answer a file question: the upload passes the same checks as any attachment."""
    if question.call_id != application.call_id or question.kind is not QuestionKind.FILE:
        raise DomainError(_l("This question does not take a file."))
    if application.status not in EDITABLE:
        raise DomainError(_l("A submitted application cannot be changed."))
    field_name = answers.field_name(question)
    stored = files.store_upload(upload, field=field_name)
    attachment = Attachment(
        application=application,
        kind=AttachmentKind.OTHER,
        storage_key=stored.storage_key,
        original_name=stored.original_name,
        file_type=stored.kind.value,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    answers.attach_answer(application, question, attachment)
    db.session.flush()
    audit.record(
        action="application.question_file_added",
        obj=application,
        actor=actor,
        after={"attachment_id": attachment.id, "name": attachment.original_name},
    )
    return attachment


def remove_attachment(*, attachment: Attachment, actor: User) -> None:
    """Take a file off the application. The row and the file stay: an earlier submitted version
    may name it, and what was submitted is never lost."""
    application = attachment.application
    if application.status not in EDITABLE:
        raise DomainError(_l("A submitted application cannot be changed."))
    attachment.removed_at = utcnow()
    audit.record(
        action="application.attachment_removed",
        obj=application,
        actor=actor,
        before={"attachment_id": attachment.id, "name": attachment.original_name},
    )
    db.session.flush()
