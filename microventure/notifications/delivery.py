"""Sending the outbox: a delivery claims its row with one UPDATE, sends, and records the outcome
— every failure is an attempt; a permanent refusal ends it, a transient one backs off. All
times are the database's clock, so hosts with different clocks agree on what is due."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microventure.core import jobs
from microventure.core.dbtime import db_now
from microventure.extensions import db
from microventure.notifications.channels import (
    DeliveryError,
    PermanentDeliveryError,
    email_channel,
)
from microventure.notifications.models import Delivery, Notification

log = logging.getLogger(__name__)
# A sweep only hands rows over (milliseconds); if its process dies the next sweep may start
# this much later. Run in process (the embedded default) a sweep may outlast it: an overlap
# then costs nothing but work, since every delivery claims its row.
SWEEP_LOCK_SECONDS = 120
UNFINISHED = "The delivery did not finish (its worker stopped); the e-mail may have gone out."


@dataclass(frozen=True)
class Attempt:
    """What one delivery did: ``sent``, or when to try again (``retry_in`` seconds)."""

    sent: bool = False
    retry_in: float | None = None

    def __bool__(self) -> bool:
        return self.sent


NOT_CLAIMED = Attempt()


def stale_claim_seconds() -> float:
    return current_app.config["MAIL_STALE_CLAIM_SECONDS"]


def deliver(notification_id: int) -> Attempt:
    """Claim and e-mail one notification in a session of its own. Not claimed when someone else
    has it (or had it), or it is not due: the claim is one UPDATE … WHERE status = pending."""
    if not current_app.config.get("MAIL_SERVER"):
        return NOT_CLAIMED  # no mail server configured: the inbox is the only channel
    with Session(db.engine) as session:
        claimed = session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.email == Delivery.PENDING,
                Notification.next_attempt_at <= db_now(),
            )
            .values(email=Delivery.SENDING, claimed_at=db_now(), attempts=Notification.attempts + 1)
            .returning(Notification.id)
        ).first()
        session.commit()
        if claimed is None:
            return NOT_CLAIMED
        try:
            email_channel().send(session.get(Notification, notification_id))
        except Exception as exc:  # whatever went wrong is an attempt: nothing stays 'sending'
            session.rollback()
            return _failed(session, notification_id, exc)
        _finish(session, notification_id, email=Delivery.SENT, sent_at=db_now(), last_error=None)
        session.commit()
        return Attempt(sent=True)


def _failed(session: Session, notification_id: int, exc: Exception) -> Attempt:
    config = current_app.config
    attempts = session.scalar(
        select(Notification.attempts).where(Notification.id == notification_id)
    )
    error = (str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}")[:2000]
    if not isinstance(exc, DeliveryError):
        log.exception("unexpected error delivering notification %s", notification_id)
    if isinstance(exc, PermanentDeliveryError) or attempts >= config["MAIL_MAX_ATTEMPTS"]:
        log.warning("notification %s failed for good: %s", notification_id, error)
        _finish(session, notification_id, email=Delivery.FAILED, last_error=error)
        session.commit()
        return Attempt()
    backoff = config["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1)
    log.info("notification %s not sent (%s); next attempt in %ss", notification_id, error, backoff)
    _finish(
        session,
        notification_id,
        email=Delivery.PENDING,
        next_attempt_at=db_now(backoff),
        last_error=error,
    )
    session.commit()
    return Attempt(retry_in=backoff)


def _finish(session: Session, notification_id: int, **values) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email == Delivery.SENDING)
        .values(**values)
    )


def reclaim_stale() -> int:
    """Claims older than MAIL_STALE_CLAIM_SECONDS belong to a worker that died. The claim counted
    an attempt: try again now, or end failed after the last attempt."""
    stale = (
        Notification.email == Delivery.SENDING,
        Notification.claimed_at < db_now(-stale_claim_seconds()),
    )
    last = Notification.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    with Session(db.engine) as session:
        failed = session.execute(
            update(Notification)
            .where(*stale, last)
            .values(email=Delivery.FAILED, last_error=UNFINISHED)
        ).rowcount
        retried = session.execute(
            update(Notification)
            .where(*stale, ~last)
            .values(email=Delivery.PENDING, next_attempt_at=db_now(), last_error=UNFINISHED)
        ).rowcount
        session.commit()
    if failed or retried:
        log.warning(
            "reclaimed %s unfinished deliveries (%s failed for good)", failed + retried, failed
        )
    return failed + retried


def due_ids(limit: int = 500) -> list[int]:
    """Pending notifications whose time has come (after reclaiming abandoned claims)."""
    reclaim_stale()
    with Session(db.engine) as session:
        return list(
            session.scalars(
                select(Notification.id)
                .where(
                    Notification.email == Delivery.PENDING, Notification.next_attempt_at <= db_now()
                )
                .order_by(Notification.id)
                .limit(limit)
            )
        )


def sweep(*, hand_over: Callable[[list[int]], int]) -> int | None:
    """Give whatever is due to ``hand_over`` (workers, or this process in the embedded default),
    one sweep at a time across all processes; None when another sweep is running."""
    with jobs.exclusive("outbox-sweep", ttl_seconds=SWEEP_LOCK_SECONDS) as run:
        if run is None:
            return None
        handed = hand_over(due_ids())
        run.succeeded()
        return handed
