"""bench/run: the key pages at district scale, served the way users meet them (issue 19).

For each scale (default 0.1 and 1): empty and seed a PostgreSQL database whose name contains
*bench* (``flask bench seed``), serve the app with gunicorn (production configuration, 2 sync
workers), then for each key page time sequential requests (median, p95), measure throughput
under a concurrent load from other processes, and read the SQL statements each request ran
(the ``X-Query-Count`` header the app sends only with ``BENCH_QUERY_COUNT``); time each reminder
scan in this process; and measure a bare Flask route rendering a trivial template under the same
gunicorn settings, the floor each page's throughput is compared with. Writes bench/RESULTS.md (a
new dated section) and bench/results-district.json. See bench/README.md.
"""

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import district_report as report  # noqa: E402
from bench.load import Client, throughput, time_page  # noqa: E402
from bench.served import _free_port, _wait_for  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/microventure_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,1", help="comma-separated (default 0.1,1)")
    parser.add_argument("--duration", type=float, default=8, help="seconds of load per page")
    parser.add_argument("--concurrency", type=int, default=4, help="load processes per page")
    parser.add_argument("--runs", type=int, default=30, help="sequential requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--only", default="", help="measure only pages whose name has this")
    parser.add_argument("--no-seed", action="store_true", help="measure the data already there")
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    args = parser.parse_args()
    args.scales = [float(s) for s in args.scales.split(",") if s.strip()]
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("the database is emptied first: its name must contain “bench”")
    return args


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it is missing (connected to the server's ``postgres`` database)."""
    import psycopg
    from sqlalchemy import make_url

    parsed = make_url(url)
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def seed(args, scale: float, manifest: Path) -> float:
    env = os.environ | {"FLASK_SQLALCHEMY_DATABASE_URI": args.database_url}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "bench", "seed"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--scale", str(scale), "--manifest", str(manifest)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,  # alembic's INFO lines
    )
    if done.returncode:
        sys.exit(f"bench seed --scale {scale} failed ({done.returncode})")
    return time.perf_counter() - started


class Server:
    """gunicorn on a free port with ``app`` (wsgi:app in production configuration, or the
    bare app), ``workers`` sync workers; its log lines go to a file."""

    def __init__(self, app: str, workers: int, env: dict, log: Path) -> None:
        self.port = _free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
        ]
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [*command, "--log-level", "warning", app],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        _wait_for(self.port, self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def app_env(args) -> dict:
    return os.environ | {
        "MICROVENTURE_CONFIG": "production",
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_SQLALCHEMY_DATABASE_URI": args.database_url,
        # plain HTTP to gunicorn, as from nginx that terminated TLS and redirects itself
        "FLASK_FORCE_HTTPS": "false",
        "FLASK_BENCH_QUERY_COUNT": "true",
        # the load comes from one address: the API's per-address limit (120 a minute) would
        # answer it 429 and the throughput would be the limit's, not the page's
        "FLASK_API_RATELIMIT_ANONYMOUS": "1000000 per minute",
    }


def pages(m: dict) -> list[tuple[str, str, str]]:
    """(name, who, path) of each key page; ``who`` logs in with the seeded accounts."""
    call = m["ranking_call_id"]
    return [
        ("public call list", "public", "/calls"),
        ("public results", "public", "/results"),
        ("public notice", "public", f"/notices/{m['notice_call_id']}"),
        ("application (member)", "member", f"/applications/{m['application_id']}"),
        ("reviewer's list", "reviewer", "/reviews"),
        ("ranking (500 × 3)", "street", f"/admin/calls/{call}/ranking"),
        ("screening list", "street", f"/admin/calls/{call}/applications"),
        ("decisions", "street", f"/admin/calls/{call}/decisions"),
        ("project (street admin)", "street", f"/projects/{m['project_id']}"),
        ("projects list", "street", "/admin/projects"),
        ("street dashboard", "street", "/admin/stats"),
        ("district dashboard", "district", "/admin/stats"),
        ("fund ledger", "street", f"/admin/funds/{m['fund_id']}/ledger"),
        ("ranking Excel export", "street", f"/admin/calls/{call}/ranking.xlsx"),
        ("API: public calls", "public", "/api/v1/calls"),
    ]


def measure_pages(args, port: int, manifest: dict) -> dict:
    logins = manifest["logins"]
    clients: dict[str, Client] = {}
    results = {}
    for name, who, path in pages(manifest):
        if args.only and args.only not in name:
            continue
        if who not in clients:
            clients[who] = Client("127.0.0.1", port)
            if who != "public":
                clients[who].login(logins[who], manifest["password"])
        timing = time_page(clients[who], path, args.runs, args.warmup)
        if timing.status != 200:
            results[name] = {"path": path, "who": who, "available": False, "status": timing.status}
            print(f"  {name:<24} not available ({timing.status})")
            continue
        rps, errors = throughput(clients[who], path, args.concurrency, args.duration)
        results[name] = {
            "path": path,
            "who": who,
            "available": True,
            "p50_ms": round(timing.p50, 1),
            "p95_ms": round(timing.p95, 1),
            "rps": round(rps, 1),
            "errors": errors,
            "queries": max(timing.queries) if timing.queries else None,
            "queries_min": min(timing.queries) if timing.queries else None,
            "queries_mode": statistics.mode(timing.queries) if timing.queries else None,
            "bytes": timing.size,
        }
        r = results[name]
        print(
            f"  {name:<24} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
            f"{r['rps']:6.1f} req/s  {r['queries']} queries"
        )
    return results


def measure_bare(args) -> float:
    server = Server(
        "bench.bare_app:app", args.workers, dict(os.environ), ROOT / "bench" / ".gunicorn.log"
    )
    try:
        client = Client("127.0.0.1", server.port)
        time_page(client, "/", 5, 3)
        rps, _ = throughput(client, "/", args.concurrency, args.duration)
    finally:
        server.stop()
    print(f"  {'bare Flask route':<24} {rps:6.1f} req/s")
    return rps


def measure_scans(args) -> dict:
    """Each reminder scan, in this process on the same database: its time and statements, in a
    transaction rolled back afterwards (each run, at each scale, finds the same work)."""
    from sqlalchemy import event

    from microventure import create_app
    from microventure.core.timeutil import local_today
    from microventure.core.workdays import forget_entered
    from microventure.extensions import db
    from microventure.reminders import scans

    app = create_app("production", SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=args.database_url)
    found = {}
    with app.app_context():
        statements: list[str] = []
        listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "after_cursor_execute", listener)
        today = local_today()
        for scan in scans.SCANS:
            forget_entered()
            statements.clear()
            started = time.perf_counter()
            queued = scan(today, today) if scan in scans.CATCHING_UP else scan(today)
            took = (time.perf_counter() - started) * 1000
            found[scan.__name__] = {
                "ms": round(took, 1),
                "queries": len(statements),
                "queued": queued,
            }
            db.session.rollback()
            print(
                f"  scan {scan.__name__:<26} {took:7.1f} ms  {len(statements)} queries  {queued} queued"
            )
        event.remove(db.engine, "after_cursor_execute", listener)
        db.engine.dispose()
    return found


def machine() -> dict:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version()}


def run_scale(args, scale: float) -> dict:
    manifest_path = ROOT / "bench" / f".manifest-{scale:g}.json"
    seconds = None
    if not args.no_seed:
        print(f"\n== scale {scale:g}: seeding")
        seconds = seed(args, scale, manifest_path)
    manifest = json.loads(manifest_path.read_text())
    print(f"== scale {scale:g}: load average {os.getloadavg()[0]:.2f}; pages under gunicorn")
    server = Server("wsgi:app", args.workers, app_env(args), ROOT / "bench" / ".gunicorn.log")
    try:
        found = measure_pages(args, server.port, manifest)
    finally:
        server.stop()
    bare = measure_bare(args)
    scans_found = measure_scans(args)
    for page in found.values():
        if page.get("available"):
            page["ratio_to_bare"] = round(page["rps"] / bare, 3) if bare else None
    return {
        "seed_seconds": round(seconds, 1) if seconds is not None else manifest.get("seconds"),
        "rows": manifest["rows"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "bare_rps": round(bare, 1),
        "pages": found,
        "scans": scans_found,
    }


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    started = datetime.now(UTC)
    load_before = [round(x, 2) for x in os.getloadavg()]
    scales = {f"{s:g}": run_scale(args, s) for s in args.scales}
    results = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine() | {"load_average_at_start": load_before},
        "settings": {
            "gunicorn_workers": args.workers,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "runs": args.runs,
            "database": "PostgreSQL " + report.server_version(args.database_url),
        },
        "scales": scales,
    }
    results["growth"] = report.growth(scales)
    results["targets"] = report.targets(results)
    print(report.markdown(results))
    if not args.no_write:
        report.write(results, ROOT / "bench")


if __name__ == "__main__":
    main()
