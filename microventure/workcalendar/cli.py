"""``flask calendar import FILE``: enter a year's schedule from a file, as the page does."""

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from microventure.accounts.models import User
from microventure.core.errors import DomainError, RuleViolations
from microventure.extensions import db
from microventure.workcalendar import importing, services

calendar_cli = AppGroup("calendar", help="The working-day calendar.")


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "email", required=True, help="E-mail of the district admin entering it.")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
def import_year(path: str, email: str, lang: str) -> None:
    """Enter (or replace) a year's holidays and make-up working days from a JSON or CSV file."""
    with force_locale(lang):
        actor = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if actor is None:
            raise click.ClickException(_("No user has the e-mail address %(email)s.", email=email))
        try:
            schedule = importing.read_schedule(path)
            entry = services.set_year(schedule=schedule, actor=actor)
        except DomainError as exc:
            db.session.rollback()
            problems = exc.problems if isinstance(exc, RuleViolations) else [(None, exc.message)]
            raise click.ClickException("\n".join(str(m) for _f, m in problems)) from exc
        db.session.commit()
        click.echo(
            _(
                "The working-day calendar for %(year)s is imported: %(holidays)s holiday day(s), "
                "%(makeup)s make-up working day(s).",
                year=entry.year,
                holidays=sum(len(h.days()) for h in schedule.holidays),
                makeup=len({d for d in schedule.makeup_days if d}),
            )
        )
