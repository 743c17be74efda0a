"""The one way services record what changed: ``audit.record(...)`` adds an append-only event."""

from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from microventure.core.models import AppendOnly, AuditEvent
from microventure.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | str):
        return value.value  # enums
    return value


_VIA_TOKEN = "audit_api_token_id"


def via_token(token_id: int) -> None:
    """The rest of this request acts through the personal access token ``token_id``."""
    setattr(g, _VIA_TOKEN, token_id)


def record(
    *,
    action: str,
    obj: Any,
    actor: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
    keep_address: bool = True,
) -> AuditEvent:
    """Add an audit event for ``obj`` (flushed so it has an id). ``actor`` defaults to the
    logged-in user; the client address comes from the request when there is one (unless
    ``keep_address`` is False: a resident's check-in keeps no trace of their phone). A request
    made with a personal access token (the API) names the token on every event it records:
    ``via_token`` puts its id on ``g``, so no service needs to know how it was called."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj.id is None:
        db.session.flush()
    event_ = AuditEvent(
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        actor_id=getattr(actor, "id", None),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        note=note,
        ip_address=request.remote_addr if keep_address and has_request_context() else None,
        api_token_id=g.get(_VIA_TOKEN) if has_request_context() else None,
    )
    db.session.add(event_)
    db.session.flush()
    return event_


def timeline(obj: Any, limit: int = 200) -> list[AuditEvent]:
    """The object's audit events, newest first, with their actors loaded in the same query."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_append_only_rows(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AppendOnly) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(f"{obj.__tablename__} rows are append-only")
