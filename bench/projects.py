"""Benchmark of the decision and project pages at district scale (DESIGN.md, Performance budget):
each page p95 ≤ 150 ms and ≤ 15 queries, whatever the size of the data.

Builds a throwaway database by running the migrations and fills one street's fund the way a
district looks after a few years: the call of bench/ranking.py (500 scored applications) decided
at a funding line of about 300, then its notice published; four earlier calls with 2,000 projects
between them, their tranches, reports and ~100 activity records each; and one project carried
out through the services with 2,000 activity records, its two reports and 30 expenditures. Then
it times the pages with Flask's test client as the street admin, as that project's organisation
member and logged out. Run by hand, see bench/README.md:

    .venv/bin/python bench/projects.py [--projects 2000 --activities 2000 --runs 30]
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import event, make_url, text  # noqa: E402

from bench import ranking  # noqa: E402
from bench.projects_seed import (  # noqa: E402
    BY_SERVICES,
    PASSWORD,
    RECORDS_BY_SERVICES,
    decide_call,
    publish,
    seed_projects,
)
from microventure import create_app  # noqa: E402
from microventure.accounts import passwords  # noqa: E402
from microventure.extensions import db  # noqa: E402

BUDGET_MS, BUDGET_QUERIES = 150, 15


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=500, help="scored, in the call decided")
    parser.add_argument("--reviews", type=int, default=3, help="submitted reviews per application")
    parser.add_argument("--reviewers", type=int, default=30, help="size of the reviewer pool")
    parser.add_argument("--recommended", type=int, default=300, help="above the funding line")
    parser.add_argument("--projects", type=int, default=2000, help="in the fund's earlier calls")
    parser.add_argument("--activities", type=int, default=2000, help="of the measured project")
    parser.add_argument(
        "--other-activities", type=int, default=100, help="activity records of every other project"
    )
    parser.add_argument("--expenditures", type=int, default=30, help="of the measured project")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verbose", action="store_true", help="every time and every query")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also the CPU time this process spends per request (time.thread_time: the app's "
        "Python and rendering, not the database server's work), which a loaded machine's "
        "waiting for a CPU does not inflate as it does the wall-clock times",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="",
        metavar="PAGE",
        help="cProfile 10 more requests (top 30) of each page whose name contains PAGE, right "
        "after timing it; without PAGE, of each page over budget",
    )
    args = parser.parse_args()
    if not 1 <= args.reviews <= args.reviewers:
        parser.error("--reviews must be between 1 and --reviewers")
    if args.applications < ranking.BY_SERVICES:
        parser.error(f"--applications must be at least {ranking.BY_SERVICES}")
    if not 1 <= args.recommended < args.applications:
        parser.error("--recommended must be between 1 and --applications - 1")
    if args.projects < BY_SERVICES:
        parser.error(f"--projects must be at least {BY_SERVICES}")
    if args.activities < RECORDS_BY_SERVICES or args.expenditures < 3:
        parser.error(f"--activities ≥ {RECORDS_BY_SERVICES} and --expenditures ≥ 3")
    return args


@dataclass
class Result:
    name: str
    who: str
    url: str
    times: list[float]
    statements: list[str]
    size: int
    cpu: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]

    @property
    def queries(self) -> int:
        return len(self.statements)

    @property
    def within(self) -> bool:
        return self.p95 <= BUDGET_MS and self.queries <= BUDGET_QUERIES


class Timer:
    def __init__(self, app, args: argparse.Namespace) -> None:
        self.app, self.args = app, args
        self.clients: dict[str, object] = {}
        self.results: list[Result] = []
        with app.app_context():
            self.engine = db.engine

    def client(self, who: str, email: str | None):
        if who not in self.clients:
            client = self.app.test_client()
            if email:
                response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
                assert response.status_code == 302, f"login of {email} failed"
            self.clients[who] = client
        return self.clients[who]

    def time(self, name: str, who: str, email: str | None, url: str) -> Result:
        client = self.client(who, email)

        def get() -> bytes:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response.data

        for _ in range(self.args.warmup):
            get()
        statements: list[str] = []

        def count(conn, cursor, statement, *rest) -> None:
            statements.append(statement)

        event.listen(self.engine, "after_cursor_execute", count)
        body = get()  # the counted request; its page's size is reported
        event.remove(self.engine, "after_cursor_execute", count)
        times, cpu = [], []
        for _ in range(self.args.runs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            get()
            cpu.append((time.thread_time() - started_cpu) * 1000)
            times.append((time.perf_counter() - started) * 1000)
        result = Result(name, who, url, times, statements, len(body), cpu)
        self.results.append(result)
        print(
            f"  {name:<28} {who:<7} p50 {result.p50:6.1f} ms  p95 {result.p95:6.1f} ms  "
            f"{result.queries:2d} queries"
            + (f"  CPU p50 {statistics.median(cpu):6.1f} ms" if self.args.cpu else ""),
            flush=True,
        )
        if self.args.verbose:
            print(f"    {url}\n    times (ms):", " ".join(f"{t:.0f}" for t in times))
            print(*(" ".join(s.split())[:160] for s in statements), sep="\n      ")
        wanted = self.args.profile
        if wanted is not None and (wanted in name if wanted else not result.within):
            self.profile(result)  # now, before the next step of the seeding changes the page
        return result

    def profile(self, result: Result) -> None:
        client = self.clients[result.who]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(result.url)
        profiler.disable()
        print(f"\n=== cProfile: {result.name} ({result.who}) GET {result.url}, 10 requests")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def table(results: list[Result], dialect: str, runs: int, cpu: bool = False) -> None:
    print(
        f"\n{dialect}, {runs} runs per page; budget p95 ≤ {BUDGET_MS} ms and ≤ {BUDGET_QUERIES} "
        "queries\n"
    )
    print(
        "| page | as | p50 | p95 |"
        + (" CPU p50 |" if cpu else "")
        + " queries | KiB | budget met |"
    )
    print("|---|---|---|---|" + ("---|" if cpu else "") + "---|---|---|")
    for r in results:
        over = []
        if r.p95 > BUDGET_MS:
            over.append("time")
        if r.queries > BUDGET_QUERIES:
            over.append("queries")
        verdict = "yes" if r.within else f"**no** ({', '.join(over)})"
        processor = f" {statistics.median(r.cpu):.1f} ms |" if cpu else ""
        print(
            f"| `{r.name}` | {r.who} | {r.p50:.1f} ms | {r.p95:.1f} ms |{processor} {r.queries} | "
            f"{r.size / 1024:.0f} | {verdict} |"
        )


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    # cheap hashing for the seeded accounts; the measured pages never hash
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
        )
        ranking.build_schema(app)
        started = time.perf_counter()
        with app.app_context():
            world = decide_call(args, rng)
            seed_projects(args, world, rng)
            analyze()
        print(
            f"seeded in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{n:,} {t}" for t, n in world.counts.items())
        )
        timer = Timer(app, args)
        admin, member = world.admin, world.member
        call_id, project = world.decided_call_id, world.project_id
        timer.time("decisions (deciding)", "admin", admin, f"/admin/calls/{call_id}/decisions")
        with app.app_context():
            publish(world)
            analyze()
        later = [
            ("decisions (notice)", "admin", admin, f"/admin/calls/{call_id}/decisions"),
            ("notice (admin)", "admin", admin, f"/admin/calls/{call_id}/notice"),
            ("public notice", "public", None, f"/notices/{call_id}"),
            ("projects list", "admin", admin, "/admin/projects"),
            (
                "projects list, filtered",
                "admin",
                admin,
                f"/admin/projects?call={world.projects_call_id}&status=active&due=1",
            ),
            ("projects list, search", "admin", admin, "/admin/projects?q=%E5%85%B3%E7%88%B1"),
            ("projects list, page 40", "admin", admin, "/admin/projects?page=40"),
            ("project", "admin", admin, f"/projects/{project}"),
            ("project", "member", member, f"/projects/{project}"),
            ("activities", "admin", admin, f"/projects/{project}/activities"),
            ("activities", "member", member, f"/projects/{project}/activities"),
            ("activities, page 50", "member", member, f"/projects/{project}/activities?page=50"),
            (
                "activities calendar",
                "admin",
                admin,
                f"/projects/{project}/activities?view=calendar&month={world.month}",
            ),
            (
                "activities calendar",
                "member",
                member,
                f"/projects/{project}/activities?view=calendar&month={world.month}",
            ),
            ("fund ledger", "admin", admin, f"/admin/funds/{world.fund_id}/ledger"),
        ]
        for page in later:
            timer.time(*page)
        with app.app_context():
            dialect = db.engine.dialect.name
        table(timer.results, dialect, args.runs, args.cpu)
        with app.app_context():
            db.engine.dispose()


def analyze() -> None:
    if db.engine.dialect.name == "postgresql":
        # what autovacuum does shortly after a bulk load in production (see bench/ranking.py)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))


if __name__ == "__main__":
    main()
