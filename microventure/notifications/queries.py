"""Read side for the inbox and the admin's list of e-mails that did not go out."""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.extensions import db
from microventure.notifications.models import Delivery, EmailPreference, Notification

INBOX_PAGE_SIZE = 20


def inbox_page(user: User, *, page: int = 1, per_page: int = INBOX_PAGE_SIZE) -> Pagination:
    """The user's notifications, newest first: two queries (count and page) whatever their number."""
    stmt = (
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def own_notification(user: User, notification_id: int) -> Notification | None:
    """The notification if ``user`` is its recipient; nobody else learns that it exists."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == user.id
        )
    )


def emailed_kinds(user: User, kinds: list[str]) -> set[str]:
    """The kinds ``user`` receives by e-mail: everything they have not opted out of."""
    opted_out = set(
        db.session.scalars(select(EmailPreference.kind).where(EmailPreference.user_id == user.id))
    )
    return set(kinds) - opted_out


def undelivered(*, limit: int = 200) -> tuple[list[Notification], list[Notification]]:
    """E-mails that failed for good, and those still being retried (pending after an attempt),
    newest first, each with its recipient loaded."""
    base = select(Notification).options(joinedload(Notification.recipient))
    failed = db.session.scalars(
        base.where(Notification.email == Delivery.FAILED)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    retrying = db.session.scalars(
        base.where(Notification.email == Delivery.PENDING, Notification.attempts > 0)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    return list(failed), list(retrying)
