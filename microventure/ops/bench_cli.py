"""``flask bench seed --scale N``: empty a database named *bench*, migrate it and write a
district's data at N times its size (bench_seed.py); bench/run then measures it."""

import json
import random
import time
from pathlib import Path

import click
import flask_migrate
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from microventure.extensions import db
from microventure.ops import bench_projects, bench_rounds
from microventure.ops.bench_seed import (
    DISTRICT,
    MEMBER,
    PASSWORD,
    REVIEWER,
    STREET,
    Sizes,
    World,
    plan_calls,
    write_calls,
    write_funds,
    write_people,
)
from microventure.ops.bulk_load import Loader
from microventure.projects.models import ActivityRecord, RecordStatus, count_accepted

bench_cli = AppGroup("bench", help="Benchmark data (bench/README.md).")


def database_name() -> str:
    """The configured database's name (SQLALCHEMY_DATABASE_URI; a SQLite file's path)."""
    return sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database or ""


def refuse_unless_bench() -> None:
    name = database_name().rsplit("/", 1)[-1]
    if "bench" not in name:
        raise click.ClickException(
            f"refusing to empty the database “{name or '(in memory)'}”: bench seed drops every "
            "table first, so it only runs on a database whose name contains “bench” "
            "(e.g. postgresql://…/microventure_bench or sqlite:///…/bench.sqlite)."
        )


def rebuild_schema() -> None:
    """Drop everything, then run every migration (the schema the app really has)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    else:
        existing = sa.MetaData()
        existing.reflect(db.engine)
        existing.drop_all(db.engine)
    flask_migrate.upgrade()


def seed(scale: float, say=lambda line: None, seed: int = 2026) -> World:
    """Write the data set at ``scale`` into the (empty, migrated) database; commit."""
    sizes = Sizes.of(scale)
    world = World(sizes, random.Random(seed), Loader(db.session))
    started = time.perf_counter()

    def step(what: str) -> None:
        say(f"  {time.perf_counter() - started:6.1f} s  {what}")

    write_people(world)
    plans = plan_calls(world)
    per_street: dict[int, int] = {}
    for plan in plans:
        per_street[plan.street_id] = per_street.get(plan.street_id, 0) + 1
    write_funds(world, per_street)
    write_calls(world, plans)
    step(f"{sizes.streets} streets, {sizes.organizations} organisations, {len(plans)} calls")
    world.manifest["member_org"] = world.orgs[world.street_ids[0]][0]
    projects = []
    for n, plan in enumerate(plans, 1):
        made = bench_rounds.write_applications(world, plan)
        bench_rounds.write_reviews(world, plan, made)
        bench_rounds.write_decisions(world, plan, made)
        if plan.role == "finalized":
            made_projects = bench_projects.write_projects(world, plan, made)
            world.projects_start |= {p: plan.starts for p, _s, _a in made_projects}
            projects += made_projects
        if n % max(5, len(plans) // 10) == 0 or n == len(plans):
            step(f"call {n}/{len(plans)}: applications, reviews, decisions, projects")
    bench_projects.write_activities(world, projects, sizes.activities)
    count_accepted(ActivityRecord.status == RecordStatus.ACCEPTED)
    step(f"{sizes.activities} activity records")
    bench_projects.write_notifications(world, sizes.notifications)
    step(f"{sizes.notifications} notifications")
    world.load.finish()
    db.session.commit()
    world.manifest |= _manifest(world, plans)
    return world


def _manifest(world: World, plans) -> dict:
    ranking = next(p for p in plans if p.role == "ranking")
    notice = next(p for p in plans if p.role == "notice")
    return {
        "password": PASSWORD,
        "logins": {
            "district": DISTRICT,
            "street": STREET,
            "reviewer": REVIEWER,
            "member": MEMBER,
        },
        "ranking_call_id": ranking.id,
        "ranking_call_size": ranking.size,
        "notice_call_id": notice.id,
        "fund_id": world.funds[world.street_ids[0]],
        "street_id": world.street_ids[0],
        "rows": dict(sorted(world.load.written.items())),
    }


def analyze() -> None:
    """What autovacuum does soon after a load; without it the planner thinks tables empty."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))


@bench_cli.command("seed")
@click.option("--scale", type=float, default=1.0, show_default=True, help="1 = a district")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write the logins and ids bench/run measures here (JSON)",
)
def seed_command(scale: float, manifest: Path | None) -> None:
    """Empty the database (its name must contain “bench”), migrate it and write a district's
    data at SCALE times its size in bulk; ANALYZE on PostgreSQL."""
    if scale <= 0:
        raise click.BadParameter("must be above 0", param_hint="--scale")
    refuse_unless_bench()
    started = time.perf_counter()
    click.echo(f"bench seed: scale {scale:g} into {database_name()}")
    rebuild_schema()
    click.echo(f"  {time.perf_counter() - started:6.1f} s  schema migrated")
    world = seed(scale, click.echo)
    analyze()
    took = time.perf_counter() - started
    world.manifest["seconds"] = round(took, 1)
    world.manifest["scale"] = scale
    rows = world.manifest["rows"]
    click.echo(f"seeded in {took:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in rows.items()))
    click.echo(f"logins (password {PASSWORD}): {DISTRICT}, {STREET}, {REVIEWER}, {MEMBER}")
    if manifest:
        manifest.write_text(json.dumps(world.manifest, indent=2, ensure_ascii=False))
