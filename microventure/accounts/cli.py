"""``flask admin …`` commands."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from microventure.accounts import services
from microventure.accounts.models import Role, Street, User
from microventure.core.errors import DomainError
from microventure.extensions import db

admin_cli = AppGroup("admin", help="Administration commands.")


@admin_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), multiple=True)
@click.option("--street", "street_name", help="Street name, for a street admin (e.g. 南村镇).")
def create_user(
    email: str, name: str, password: str, role: tuple[str, ...], street_name: str | None
):
    """Create a user, optionally with staff roles."""
    street = None
    if street_name:
        street = db.session.scalar(select(Street).where(Street.name == street_name))
        if street is None:
            raise click.BadParameter(f"no street named {street_name!r}", param_hint="--street")
    try:
        user = services.create_user(email=email, name=name, password=password)
        granter = db.session.scalar(select(User).order_by(User.id)) or user
        for value in role:
            services.grant_role(user=user, role=Role(value), street=street, actor=granter)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(role) or 'no staff role'}).")
