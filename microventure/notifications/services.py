"""Writing notifications into the outbox. ``notify`` adds rows to the caller's session (same
transaction as the event); after commit their ids wait in ``session.info["outbox_ids"]`` to be
handed to Celery (``tasks.dispatch_committed``); ``delivery`` sends them."""

import contextlib

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microventure.accounts.models import Role, RoleGrant, User
from microventure.core import audit
from microventure.core.dbtime import db_now
from microventure.core.errors import DomainError
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.kinds import KINDS
from microventure.notifications.models import Delivery, EmailPreference, Notification


def notify(*, recipients, kind: str, link: str, key: str, **params) -> list[Notification]:
    """Queue ``kind`` for each recipient, once per (kind, key, recipient) ever."""
    unique = {u.id: u for u in recipients}.values()
    return queue(kind, [(user, link, key, params) for user in unique])


def queue(kind: str, entries: list[tuple[User, str, str, dict]]) -> list[Notification]:
    """Queue one notification per (recipient, link, key, params) entry, in a fixed number of
    queries whatever their number; an entry whose (kind, key, recipient) exists is skipped."""
    if not entries:
        return []
    spec = KINDS[kind]
    keyed = {f"{kind}:{key}:{user.id}": (user, link, params) for user, link, key, params in entries}
    existing = set(
        db.session.scalars(select(Notification.dedup_key).where(Notification.dedup_key.in_(keyed)))
    )
    wants_email = current_app.config.get("MAIL_SERVER") is not None
    opted_out = _opted_out({user.id for user, _link, _params in keyed.values()}, kind)
    rows = [
        _render(
            spec,
            kind,
            dedup_key,
            user,
            link,
            params,
            emailed=wants_email and user.id not in opted_out,
        )
        for dedup_key, (user, link, params) in keyed.items()
        if dedup_key not in existing
    ]
    if not rows:
        return []
    db.session.flush()
    try:
        with db.session.begin_nested():  # one INSERT for the batch
            db.session.execute(insert(Notification), rows)
    except IntegrityError:  # a twin was written at the same moment: one by one, skip twins
        for row in rows:
            with contextlib.suppress(IntegrityError), db.session.begin_nested():
                db.session.execute(insert(Notification), [row])
    created = list(
        db.session.scalars(
            select(Notification).where(
                Notification.dedup_key.in_([row["dedup_key"] for row in rows])
            )
        )
    )
    db.session.info.setdefault("outbox", []).extend(n.id for n in created)
    return created


def _render(
    spec, kind: str, dedup_key: str, user: User, link: str, params: dict, *, emailed: bool
) -> dict:
    with force_locale(user.locale):
        subject = str(spec.subject) % params
        body = str(spec.body) % params
        context = {"user": user, "subject": subject, "body": body, "link": _absolute(link)}
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    return {
        "recipient_id": user.id,
        "kind": kind,
        "dedup_key": dedup_key,
        "locale": user.locale,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "link": link,
        "email": Delivery.PENDING if emailed else Delivery.SKIPPED,
    }


def _opted_out(user_ids: set[int], kind: str) -> set[int]:
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(EmailPreference.user_id).where(
                EmailPreference.user_id.in_(user_ids), EmailPreference.kind == kind
            )
        )
    )


def _absolute(link: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + link


def members_of(organization) -> list[User]:
    return [m.user for m in organization.members if m.user.is_active]


def admins_of(street_id: int | None) -> list[User]:
    """Who manages things in a street: its street admins, or the district admins for
    district-wide matters."""
    role, scope = (
        (Role.STREET_ADMIN, RoleGrant.street_id == street_id)
        if street_id
        else (Role.DISTRICT_ADMIN, RoleGrant.street_id.is_(None))
    )
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == role, scope, User.is_active.is_(True))
        )
    )


# ------------------------------------------------------------------------------ after commit


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids = session.info.pop("outbox", [])
    if ids:
        session.info.setdefault("outbox_ids", []).extend(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("outbox", None)


def resend(*, notification: Notification, actor: User) -> None:
    """An admin sends again an e-mail that failed, or whose delivery never finished, from
    scratch. One conditional UPDATE claims it, so two resends at once queue it once."""
    if not current_app.config.get("MAIL_SERVER"):
        raise DomainError(_l("No mail server is configured, so nothing can be e-mailed."))
    unfinished = and_(
        Notification.email == Delivery.SENDING,
        Notification.claimed_at < db_now(-current_app.config["MAIL_STALE_CLAIM_SECONDS"]),
    )
    resent = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification.id,
            or_(Notification.email == Delivery.FAILED, unfinished),
        )
        .values(email=Delivery.PENDING, attempts=0, next_attempt_at=db_now())
        .returning(Notification.id)
        .execution_options(synchronize_session="fetch")
    ).first()
    if resent is None:
        raise DomainError(
            _l("This e-mail is not waiting to be sent again: it was sent, or is already queued.")
        )
    audit.record(action="notification.resent", obj=notification, actor=actor)
    db.session.info.setdefault("outbox", []).append(notification.id)


def mark_read(*, user: User, notification_id: int | None = None) -> None:
    stmt = update(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=utcnow()))


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    )


def set_email_preferences(*, user: User, emailed_kinds: set[str]) -> None:
    """Which kinds ``user`` wants by e-mail; the rest only reach the inbox."""
    unknown = emailed_kinds - set(KINDS)
    if unknown:
        raise ValueError(unknown)
    db.session.execute(EmailPreference.__table__.delete().where(EmailPreference.user_id == user.id))
    db.session.add_all(
        EmailPreference(user_id=user.id, kind=kind) for kind in sorted(set(KINDS) - emailed_kinds)
    )
    db.session.flush()
