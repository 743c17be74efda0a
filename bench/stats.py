"""Benchmark of the results pages at district scale (DESIGN.md, Performance budget): the
dashboard, the public results page and the home pages, p95 ≤ 150 ms and ≤ 15 queries.

Builds a throwaway database by running the migrations and writes, with the demo's bulk writer
(microventure/demo/bulk_round.py), a district's few years: 16 streets × 3 years of calls, each
with its fund, ``--applications`` applications, half of them approved into projects with their
tranches, and ``--records`` accepted activity records. Then it times the pages with Flask's test
client as the district admin, a street admin and logged out. Run by hand, see bench/README.md:

    .venv/bin/python bench/stats.py [--applications 400 --records 4000 --runs 30]
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from bench import ranking  # noqa: E402
from bench.projects import Timer, analyze, table  # noqa: E402
from bench.projects_seed import PASSWORD  # noqa: E402
from bench.served import HttpTimer, gunicorn  # noqa: E402
from microventure import create_app  # noqa: E402
from microventure.accounts import passwords, services  # noqa: E402
from microventure.accounts.credit_code import check_character  # noqa: E402
from microventure.accounts.models import Role, Street, StreetKind  # noqa: E402
from microventure.calls import services as calls  # noqa: E402
from microventure.calls.models import CallStatus  # noqa: E402
from microventure.demo.bulk_round import Plan, Totals, write_round  # noqa: E402
from microventure.demo.rounds import _call_settings  # noqa: E402
from microventure.extensions import db  # noqa: E402
from microventure.funds import services as funds  # noqa: E402
from microventure.funds.models import FundKind  # noqa: E402
from microventure.stats import snapshots  # noqa: E402

YEARS = (2024, 2025, 2026)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=16)
    parser.add_argument("--applications", type=int, default=400, help="per call")
    parser.add_argument("--records", type=int, default=4000, help="accepted, per call")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--no-cache", action="store_true", help="compute the figures on every request (a miss)"
    )
    parser.add_argument(
        "--snapshots",
        action="store_true",
        help="no per-process cache; the district's figures computed ahead (stats/snapshots.py), "
        "as a worker does after a change: the first view after a change once it has run",
    )
    parser.add_argument(
        "--gunicorn",
        type=int,
        default=0,
        metavar="WORKERS",
        help="then time the pages again over HTTP, served by gunicorn with WORKERS workers",
    )
    parser.add_argument("--verbose", action="store_true", help="every time and every query")
    parser.add_argument("--profile", nargs="?", const="", metavar="PAGE")
    return parser.parse_args()


def code(serial: int) -> str:
    body = f"52440113MJ{serial:07d}"
    return body + check_character(body)


def seed(args) -> tuple[str, str, int]:
    district = services.create_user(email="district@bench.local", name="区", password=PASSWORD)
    services.grant_role(user=district, role=Role.DISTRICT_ADMIN, street=None, actor=district)
    totals, serial, first_street = Totals(), 0, None
    for s in range(args.streets):
        street = Street(name=f"街道{s + 1}", name_en=f"Street {s + 1}", kind=StreetKind.STREET)
        db.session.add(street)
        db.session.flush()
        first_street = first_street or street
        if s == 0:
            admin = services.create_user(email="street@bench.local", name="街", password=PASSWORD)
            services.grant_role(user=admin, role=Role.STREET_ADMIN, street=street, actor=district)
        fund = funds.create_fund(
            name=f"{street.name}社区基金",
            kind=FundKind.COMMUNITY_FUND,
            street=street,
            description="",
            actor=district,
        )
        funds.record_contribution(
            fund=fund,
            donor="社区企业",
            amount=100_000_000_00,
            received_on=date(2024, 1, 5),
            note="",
            actor=district,
        )
        for year in YEARS:
            settings = _call_settings(
                fund, f"S{s}-{year}", f"{year}年{street.name}微创投", 5_000_000, 1, 20
            )
            call = calls.create_call(settings=settings, actor=district)
            call.year, call.status = year, CallStatus.FINALIZED
            plan = Plan(
                args.applications,
                args.applications // 2,
                args.records,
                15_000_00,
                10_000_00,
                year,
                completed=10,
                terminated=5,
            )
            write_round(
                call=call,
                street=street,
                actor_id=district.id,
                plan=plan,
                code=lambda n, base=serial: code(base + n),
                totals=totals,
            )
            serial += args.applications
    db.session.commit()
    return "district@bench.local", "street@bench.local", first_street.id


def main() -> None:
    args = parse_args()
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        if "bench" not in make_url(url).database.rsplit("/", 1)[-1]:
            sys.exit("BENCH_DATABASE_URL is emptied first: name its database *bench*.")
        app = create_app(
            "development",
            SQLALCHEMY_DATABASE_URI=url,
            WTF_CSRF_ENABLED=False,
            RATELIMIT_ENABLED=False,
            UPLOAD_FOLDER=str(Path(tmp) / "uploads"),
            **cache_settings(args),
        )
        ranking.build_schema(app)
        started = time.perf_counter()
        with app.app_context():
            district, street, street_id = seed(args)
            analyze()
        n = args.streets * len(YEARS)
        print(
            f"seeded in {time.perf_counter() - started:.1f} s: {n} calls, "
            f"{n * args.applications:,} applications, {n * args.applications // 2:,} "
            f"projects, {n * args.records:,} accepted activity records"
        )
        timer = Timer(app, args)
        if args.snapshots:  # logging in is a change too: the worker refreshes after it
            for _name, who, email, _url in pages(district, street, street_id):
                timer.client(who, email)
            refresh_timed(app)
        for page in pages(district, street, street_id):
            timer.time(*page)
        with app.app_context():
            dialect = db.engine.dialect.name
        table(timer.results, dialect, args.runs)
        with app.app_context():
            db.engine.dispose()
        if args.gunicorn:
            served(args, app, url, Path(tmp), timer, pages(district, street, street_id), dialect)


def cache_settings(args) -> dict:
    if args.snapshots:
        return {"STATS_CACHE_SECONDS": 0, "STATS_SNAPSHOT_SECONDS": 600}
    return {"STATS_CACHE_SECONDS": 0 if args.no_cache else 60, "STATS_SNAPSHOT_SECONDS": 0}


def refresh_timed(app) -> None:
    """The worker's part: compute the kept scopes (``refresh_figures``), timed; then once more
    with nothing to do (what the minute's beat costs while the data is unchanged)."""
    with app.app_context():
        for what in ("refresh after a change", "refresh, nothing changed"):
            started = time.perf_counter()
            computed = snapshots.refresh()
            took = (time.perf_counter() - started) * 1000
            print(f"{what}: {computed} snapshot(s) computed in {took:.0f} ms")


def pages(district: str, street: str, street_id: int) -> list[tuple]:
    return [
        ("dashboard", "district", district, "/admin/stats"),
        ("dashboard by month, 2025", "district", district, "/admin/stats?year=2025&by=month"),
        ("dashboard, one street", "district", district, f"/admin/stats?street={street_id}"),
        ("dashboard", "street", street, "/admin/stats"),
        ("home", "district", district, "/"),
        ("results", "public", None, "/results"),
        ("home", "public", None, "/"),
    ]


def served(args, app, url: str, tmp: Path, timer: Timer, wanted: list[tuple], dialect: str) -> None:
    """The same pages over HTTP from gunicorn's workers, on the same database."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": "false",
        "RATELIMIT_ENABLED": "false",
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        **{key: str(value) for key, value in cache_settings(args).items()},
    }
    counted = {(r.who, r.url): r.statements for r in timer.results}
    print(f"\nserved by gunicorn, {args.gunicorn} workers:")
    with gunicorn(ROOT, args.gunicorn, settings) as base:
        http = HttpTimer(base, args, PASSWORD, counted)
        if args.snapshots:
            for _name, who, email, _url in wanted:
                http.opener(who, email)
            refresh_timed(app)
        for page in wanted:
            http.time(*page)
    table(http.results, f"{dialect}, over HTTP from gunicorn ({args.gunicorn} workers)", args.runs)


if __name__ == "__main__":
    main()
