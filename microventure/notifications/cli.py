"""``flask notifications …``: run the periodic jobs by hand or from cron (the embedded default
has no beat)."""

import click
from flask import current_app
from flask.cli import AppGroup

from microventure.extensions import db
from microventure.notifications import reminders, services
from microventure.notifications.tasks import scan_lock

notifications_cli = AppGroup("notifications", help="Outbox and reminders.")


@notifications_cli.command("sweep")
def sweep() -> None:
    """Deliver every pending notification that is due."""
    sent = sum(services.deliver(notification_id) for notification_id in services.due_ids())
    click.echo(f"{sent} e-mail(s) sent.")


@notifications_cli.command("remind")
def remind() -> None:
    """Run today's reminder scans (idempotent: running twice adds nothing)."""
    with scan_lock(current_app) as acquired:
        if not acquired:
            raise click.ClickException("Another reminder run holds the lock.")
        counts = reminders.run_all()
        db.session.commit()
    for scan, count in counts.items():
        click.echo(f"{scan}: {count}")
