"""Writing notifications into the outbox and delivering them. ``notify`` adds rows to the
caller's session (same transaction as the event); after commit each is handed to Celery, and a
periodic sweep hands over whatever is still pending. Delivery claims the row with one UPDATE,
so a task that runs twice sends once."""

import contextlib
import logging
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microventure.accounts.models import Role, RoleGrant, User
from microventure.core.errors import DomainError
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.channels import DeliveryError, email_channel
from microventure.notifications.kinds import KINDS
from microventure.notifications.models import Delivery, EmailPreference, Notification

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)  # a claim this old belongs to a worker that died


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


# --------------------------------------------------------------------------------- delivery


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids = session.info.pop("outbox", [])
    if ids:
        session.info.setdefault("outbox_ids", []).extend(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("outbox", None)


def dispatch_committed(session: Session) -> None:
    """Give committed notifications to this app's Celery; a broker that is down only delays
    them (publishing does not retry: the sweep is the retry)."""
    from microventure.notifications import tasks

    deliver_task = current_app.extensions["celery"].tasks[tasks.deliver_notification.name]
    for notification_id in session.info.pop("outbox_ids", []):
        try:
            deliver_task.delay(notification_id)
        except Exception:  # the sweep delivers what could not be queued
            log.warning("could not queue notification %s; the sweep will", notification_id)


def deliver(notification_id: int) -> bool:
    """Claim and e-mail one notification in a session of its own. False if someone else has it
    (or had it): the claim is one UPDATE … WHERE status = pending."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return False  # no mail server configured: the inbox is the only channel
    with Session(db.engine) as session:
        now = utcnow()
        claimed = session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.email == Delivery.PENDING,
                Notification.next_attempt_at <= now,
            )
            .values(email=Delivery.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
            .returning(Notification.id)
        ).first()
        session.commit()
        if claimed is None:
            return False
        notification = session.get(Notification, notification_id)
        try:
            email_channel().send(notification)
        except DeliveryError as exc:
            notification.last_error = str(exc)[:2000]
            if notification.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                notification.email = Delivery.FAILED
            else:
                notification.email = Delivery.PENDING
                backoff = config["MAIL_RETRY_SECONDS"] * 2 ** (notification.attempts - 1)
                notification.next_attempt_at = now + timedelta(seconds=backoff)
        else:
            notification.email = Delivery.SENT
            notification.sent_at = utcnow()
            notification.last_error = None
        session.commit()
        return notification.email is Delivery.SENT


def due_ids(limit: int = 500) -> list[int]:
    """Pending notifications whose time has come, and claims abandoned by a dead worker."""
    now = utcnow()
    with Session(db.engine) as session:
        session.execute(
            update(Notification)
            .where(
                Notification.email == Delivery.SENDING, Notification.claimed_at < now - STALE_CLAIM
            )
            .values(email=Delivery.PENDING)
        )
        session.commit()
        return list(
            session.scalars(
                select(Notification.id)
                .where(Notification.email == Delivery.PENDING, Notification.next_attempt_at <= now)
                .order_by(Notification.id)
                .limit(limit)
            )
        )


def resend(*, notification: Notification) -> None:
    """An admin sends a failed e-mail again, from scratch."""
    if not current_app.config.get("MAIL_SERVER"):
        raise DomainError(_l("No mail server is configured, so nothing can be e-mailed."))
    notification.email = Delivery.PENDING
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    db.session.flush()
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
