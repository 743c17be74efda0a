"""Delivery channels. Each takes a notification and sends it or raises DeliveryError; adding an
SMS or WeChat Work sender means adding a class here and naming it in NOTIFICATION_CHANNELS."""

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from flask import current_app

from microventure.notifications.models import Notification


class DeliveryError(Exception):
    """The channel could not deliver now; the outbox will retry."""


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
        message["Message-ID"] = make_msgid(idstring=f"notification-{notification.id}")
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
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def email_channel() -> Channel:
    return EmailChannel()
