"""Delivery channels. Each takes a notification and sends it or raises DeliveryError (try again
later) or PermanentDeliveryError (never); adding an SMS or WeChat Work sender means adding a
class here and naming it in NOTIFICATION_CHANNELS."""

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Protocol

from flask import current_app

from microventure.notifications.models import Notification


class DeliveryError(Exception):
    """The channel could not deliver now; the outbox will retry."""


class PermanentDeliveryError(DeliveryError):
    """The receiving side refused this message for good (SMTP 5xx): retrying cannot help."""


class Channel(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...


class EmailChannel:
    """E-mail over SMTP; settings from the environment (FLASK_MAIL_SERVER and friends)."""

    name = "email"

    def send(self, notification: Notification) -> None:
        config = current_app.config
        message = EmailMessage()
        message["Subject"] = notification.subject
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = formataddr((notification.recipient.name, notification.recipient.email))
        message["Message-ID"] = message_id(notification, config["MAIL_DEFAULT_SENDER"])
        message.set_content(notification.body_text)
        message.add_alternative(notification.body_html, subtype="html")
        try:
            with smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            ) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise classify(exc) from exc


def message_id(notification: Notification, sender: str) -> str:
    """The same Message-ID every time this notification is sent, so that when a delivery is
    repeated (a worker died after the server accepted it) mail servers and clients can tell
    the copy. The creation time keeps it unique across installations that reuse ids."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    stamp = notification.created_at.strftime("%Y%m%d%H%M%S")
    return f"<notification-{notification.id}.{stamp}@{domain}>"


def classify(exc: Exception) -> DeliveryError:
    """A refusal of this message (5xx to MAIL FROM, RCPT TO or DATA) is permanent; a 4xx, a
    lost connection or a timeout is worth retrying. Failures to connect, greet or log in stay
    retryable even as 5xx: they concern the server set-up, not this message, and every other
    message would fail with them until an operator fixes it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in answers)
        if answers and all(500 <= code < 600 for code, _reply in answers):
            return PermanentDeliveryError(text)
        return DeliveryError(text)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        return (PermanentDeliveryError if 500 <= exc.smtp_code < 600 else DeliveryError)(text)
    return DeliveryError(f"{type(exc).__name__}: {exc}")


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def email_channel() -> Channel:
    return EmailChannel()
