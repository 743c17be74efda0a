"""Projects and their tranche payments: the agreement, payments, withholding, suspension and
termination. Their state machines are ``PROJECT`` and ``TRANCHE`` (projects/models.py); every
move goes through them. Services flush; callers commit."""

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import User
from microventure.applications.models import Application
from microventure.core import audit, files, links
from microventure.core.errors import DomainError
from microventure.core.locks import lock
from microventure.core.money import format_fen
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.notifications.services import admins_of, members_of, notify
from microventure.projects import rules
from microventure.projects import tranches as triggers
from microventure.projects.models import (
    PROJECT,
    TRANCHE,
    FilePurpose,
    Project,
    ProjectFile,
    ProjectStatus,
    Report,
    ReportKind,
    Tranche,
    TrancheStatus,
)

P, T = ProjectStatus, TrancheStatus

UNPAID = {T.PENDING, T.DUE}
AGREEMENT_KINDS = {files.FileKind.PDF, files.FileKind.IMAGE_JPEG, files.FileKind.IMAGE_PNG}


def split(amount: int, percents: list[int]) -> list[int]:
    """Tranche amounts in fen for a plan of percentages summing to 100: each rounded down, the
    last taking the remainder, so they add up to ``amount`` exactly."""
    if sum(percents) != 100:
        raise ValueError("tranche percentages must sum to 100")
    parts = [amount * p // 100 for p in percents[:-1]]
    return [*parts, amount - sum(parts)]


def _move_project(
    project: Project, to: ProjectStatus, *, actor: User, reason: str = "", **values
) -> None:
    """Move the project; ``values`` (other columns that change with the state) are set with it."""
    PROJECT.move(project, to, actor=actor, note=reason, values={"status_reason": reason, **values})


def _move_tranche(
    tranche: Tranche, to: TrancheStatus, *, actor: User | None, reason: str = "", **values
) -> None:
    """Move the tranche with the columns its new state needs (CHECK constraints tie them)."""
    if to is T.DUE:
        values["due_since"] = utcnow()
    if to in (T.WITHHELD, T.RELEASED):
        values |= {"reason": reason, "closed_at": utcnow()}
    TRANCHE.move(tranche, to, actor=actor, note=reason, values=values, amount=tranche.amount)


# ---------------------------------------------------------------------------------- creating


def create_project(*, application: Application, amount: int, actor: User) -> Project:
    """The approved application becomes a project with the call's period and tranche plan."""
    call = application.call
    plan = call.tranches
    project = Project(
        application=application,
        call_id=call.id,
        organization_id=application.organization_id,
        agreement_number=f"{application.reference}-XY",
        title=application.title,
        amount=amount,
        starts_on=call.project_starts_on,
        ends_on=call.project_ends_on,
    )
    db.session.add(project)
    for item, part in zip(plan, split(amount, [i.percent for i in plan]), strict=True):
        project.tranches.append(
            Tranche(position=item.position, percent=item.percent, trigger=item.trigger, amount=part)
        )
    for kind in ReportKind:
        if due_on := kind.due_in(call):  # a call without a mid-term date has no mid-term report
            db.session.add(Report(project=project, kind=kind, due_on=due_on))
    db.session.flush()
    audit.record(
        action="project.created",
        obj=project,
        actor=actor,
        after={
            "application_id": application.id,
            "agreement_number": project.agreement_number,
            "amount": amount,
            "tranches": [t.amount for t in project.tranches],
        },
    )
    return project


def store_project_file(
    *, project: Project, upload: FileStorage, purpose: FilePurpose, actor: User, field: str
) -> ProjectFile:
    stored = files.store_upload(upload, field=field)
    row = ProjectFile(
        project_id=project.id,
        purpose=purpose,
        storage_key=stored.storage_key,
        original_name=stored.original_name,
        file_type=stored.kind.value,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------- agreement


def sign_agreement(
    *, project: Project, signed_on: date | None, upload: FileStorage | None, actor: User
) -> Project:
    """Record the signed agreement (date and scan): the project starts and the tranches paid on
    signing become due."""
    if project.signed_on is not None:
        raise DomainError(_l("The agreement of this project has already been recorded."))
    if project.status is not P.SIGNING:
        raise DomainError(
            _l("The project is %(status)s: no agreement now.", status=project.status.title)
        )
    if signed_on is None:
        raise DomainError(_l("Enter the date the agreement was signed."), field="signed_on")
    if signed_on > local_today():
        raise DomainError(_l("The signing date cannot be in the future."), field="signed_on")
    if upload is None or not upload.filename:
        raise DomainError(_l("Upload the scanned, signed agreement."), field="agreement")
    if files.detect_kind(upload.stream.read(8), upload.filename) not in AGREEMENT_KINDS:
        raise DomainError(
            _l("Upload the agreement as a PDF or a JPEG/PNG scan."), field="agreement"
        )
    upload.stream.seek(0)
    scan = store_project_file(
        project=project,
        upload=upload,
        purpose=FilePurpose.AGREEMENT,
        actor=actor,
        field="agreement",
    )
    project.signed_on = signed_on
    project.agreement_file_id = scan.id
    _move_project(project, P.ACTIVE, actor=actor)
    make_due(project, triggers.AGREEMENT_SIGNED, actor=actor)
    return project


# ---------------------------------------------------------------------------------- tranches


def make_due(project: Project, event: triggers.Event, *, actor: User | None) -> list[Tranche]:
    """``event`` happened: the tranches waiting on it (``tranches.TRIGGERS``) become due; the
    street's admins and the organisation are told."""
    fired = triggers.fired_by(event)
    due = [t for t in project.tranches if t.trigger in fired and t.status is T.PENDING]
    for tranche in due:
        _move_tranche(tranche, T.DUE, actor=actor)
        params = {
            "project": project.title,
            "agreement": project.agreement_number,
            "position": tranche.position + 1,
            "amount": format_fen(tranche.amount),
        }
        notify(
            recipients=admins_of(project.call.street_id),
            kind="tranche.due",
            link=links.path("projects.detail", project_id=project.id),
            key=str(tranche.id),
            **params,
        )
        notify(
            recipients=members_of(project.organization),
            kind="tranche.due",
            link=links.path("projects.detail", project_id=project.id),
            key=str(tranche.id),
            **params,
        )
    return due


def withhold_for(
    project: Project, event: triggers.Event, *, reason: str, actor: User
) -> list[Tranche]:
    """``event`` will not happen (a failed evaluation): the unpaid tranches waiting on it are
    withheld."""
    fired = triggers.fired_by(event)
    held = [t for t in project.tranches if t.trigger in fired and t.status in UNPAID]
    for tranche in held:
        _move_tranche(tranche, T.WITHHELD, actor=actor, reason=reason)
    return held


def record_payment(
    *, tranche: Tranche, paid_on: date | None, reference: str, actor: User
) -> Tranche:
    """Record that a due tranche was paid. The move claims the row, so two admins recording the
    same payment at once cannot pay it twice."""
    project = tranche.project
    lock(project)  # a suspension at the same moment waits
    reference = (reference or "").strip()
    rules.check_payment(tranche, paid_on, reference)
    paid = {"paid_on": paid_on, "payment_reference": reference, "paid_by_id": actor.id}
    TRANCHE.move(
        tranche,
        T.PAID,
        actor=actor,
        values=paid | {"paid_at": utcnow()},
        amount=tranche.amount,
        paid_on=paid_on,
        reference=reference,
    )
    notify(
        recipients=members_of(project.organization),
        kind="tranche.paid",
        link=links.path("projects.detail", project_id=project.id),
        key=str(tranche.id),
        project=project.title,
        position=tranche.position + 1,
        amount=format_fen(tranche.amount),
        paid_on=paid_on.isoformat(),
    )
    return tranche


def withhold(*, tranche: Tranche, reason: str, actor: User) -> Tranche:
    """Withhold an unpaid tranche (扣发); its money returns to the fund."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason the tranche is withheld."), field="reason")
    _move_tranche(tranche, T.WITHHELD, actor=actor, reason=reason)
    db.session.flush()
    return tranche


# ----------------------------------------------------------------------------- project state


def _reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    return reason


def suspend(*, project: Project, reason: str, actor: User) -> Project:
    _move_project(project, P.SUSPENDED, actor=actor, reason=_reason(reason, _l("Give the reason.")))
    return project


def resume(*, project: Project, reason: str, actor: User) -> Project:
    _move_project(project, P.ACTIVE, actor=actor, reason=_reason(reason, _l("Give the reason.")))
    return project


def terminate(*, project: Project, reason: str, actor: User) -> Project:
    """End the project early (终止); its unpaid tranches are released back to the fund."""
    reason = _reason(reason, _l("Give the reason."))
    _move_project(project, P.TERMINATED, actor=actor, reason=reason)
    for tranche in project.tranches:
        if tranche.status in UNPAID:
            _move_tranche(tranche, T.RELEASED, actor=actor, reason=reason)
    db.session.flush()
    return project


def complete(*, project: Project, actor: User) -> Project:
    """The final report was accepted (结项)."""
    _move_project(project, P.COMPLETED, actor=actor, completed_at=utcnow())
    return project
