"""``flask notifications …``: run the periodic jobs by hand or from cron (the embedded default
has no beat). With a broker they hand e-mails to the workers; without, they send them here."""

import click
from flask.cli import AppGroup

from microventure.notifications import delivery
from microventure.notifications.tasks import hand_over
from microventure.reminders.tasks import run_scans

notifications_cli = AppGroup("notifications", help="Outbox and reminders.")


def _sweep() -> None:
    handed = delivery.sweep(hand_over=hand_over)
    if handed is None:
        raise click.ClickException("Another sweep is running.")
    click.echo(f"{handed} e-mail(s) handed over for delivery.")


@notifications_cli.command("sweep")
def sweep() -> None:
    """Deliver every pending notification that is due."""
    _sweep()


@notifications_cli.command("remind")
def remind() -> None:
    """Run the reminder scans for what became due since the last run, then deliver
    (idempotent: running twice adds nothing)."""
    counts = run_scans()
    if counts is None:
        raise click.ClickException("Another reminder run holds the lock.")
    for scan, count in counts.items():
        click.echo(f"{scan}: {count}")
    _sweep()  # what the scans queued, and anything else that is due
