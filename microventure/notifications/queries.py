"""Read side for the inbox and the admin's list of e-mails that did not go out."""

from typing import NamedTuple

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.core.dbtime import db_now
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


class Undelivered(NamedTuple):
    failed: list[Notification]
    retrying: list[Notification]
    unfinished: list[Notification]


def undelivered(*, limit: int = 200) -> Undelivered:
    """E-mails that failed for good, those still being retried (pending after an attempt), and
    those whose delivery started longer ago than the stale-claim timeout and never finished
    (a worker died and no sweep has run since), newest first, each with its recipient loaded."""
    base = select(Notification).options(joinedload(Notification.recipient))
    stale = db_now(-current_app.config["MAIL_STALE_CLAIM_SECONDS"])
    conditions = (
        (Notification.email == Delivery.FAILED,),
        (Notification.email == Delivery.PENDING, Notification.attempts > 0),
        (Notification.email == Delivery.SENDING, Notification.claimed_at < stale),
    )
    return Undelivered(
        *(
            list(
                db.session.scalars(
                    base.where(*condition).order_by(Notification.id.desc()).limit(limit)
                )
            )
            for condition in conditions
        )
    )
