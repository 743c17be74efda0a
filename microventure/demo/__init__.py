"""``flask demo load``: idempotent demo data — Panyu's 16 streets, organisations, demo accounts,
a funded round and the reviewer pool, and the seed document's 2020 round."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from microventure.accounts.models import User
from microventure.demo.people import (
    DEMO_PASSWORD,
    STAFF,
    load_organizations,
    load_staff,
    load_streets,
)
from microventure.demo.project_round import load_project_round
from microventure.demo.review_round import load_reviewed_round
from microventure.demo.rounds import load_reviewer_pool, load_round
from microventure.demo.seed_story import load_seed_story
from microventure.demo.story import YEAR_BEGAN, story_day
from microventure.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


def load() -> None:
    with story_day(YEAR_BEGAN):  # the district's people were there when the year began
        streets = load_streets()
        district = load_staff(streets)
        load_organizations(streets, district)
        load_reviewer_pool(district)
    load_round(streets, district)
    load_reviewed_round(district)
    load_project_round(_street_admin())
    load_seed_story(streets, district)


def _street_admin() -> User:
    return db.session.scalar(select(User).where(User.email == "street@demo.local"))


@demo_cli.command("load")
def load_command() -> None:
    """Load (or top up) the demo data; running it again changes nothing."""
    load()
    db.session.commit()
    click.echo(f"Demo data loaded. Accounts (password: {DEMO_PASSWORD}):")
    for email, _name, role, street in STAFF:
        click.echo(f"  {email:<24} {role.value}{' · ' + street if street else ''}")
    click.echo(f"  {'applicant@demo.local':<24} applicant · 番禺区南村镇社会工作服务站 (南村镇)")
