"""``flask backup DIR`` and ``flask restore DIR`` (docs/deploy.md: on a schedule, and proving
a restore)."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from microventure.core.errors import DomainError
from microventure.ops import backup as backups

LANGUAGE = click.option(
    "--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True
)


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@LANGUAGE
@with_appcontext
def backup_command(folder: Path, lang: str) -> None:
    """Back up the database and the uploads into FOLDER (new or empty), with a manifest."""
    with force_locale(lang):
        try:
            outcome = backups.backup(folder)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(
            _(
                "Backed up the database (migration %(revision)s) and %(files)s uploaded file(s) "
                "into %(folder)s.",
                revision=outcome.revision,
                files=outcome.files,
                folder=str(folder),
            )
        )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@LANGUAGE
@with_appcontext
def restore_command(folder: Path, lang: str) -> None:
    """Restore a backup from FOLDER into the configured database and uploads folder, both empty."""
    with force_locale(lang):
        try:
            outcome = backups.restore(folder)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(
            _(
                "Restored the database (migration %(revision)s) and %(files)s uploaded file(s).",
                revision=outcome.revision,
                files=outcome.files,
            )
        )
        if outcome.revision != outcome.head:
            click.echo(
                _(
                    "The backup's schema is older than this version's: now run "
                    "flask --app wsgi db upgrade."
                )
            )
