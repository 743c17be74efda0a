"""For the operations tests: a database of the test's own on the dialect under test, the
``flask --app wsgi …`` commands of docs/deploy.md run as a deployer runs them (a process of their
own, production configuration), and a snapshot of every table's rows and every uploaded file."""

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import scratch_database

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Site:
    """A database URL and an uploads folder, as a deployment has them."""

    url: str
    uploads: Path

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL"))}
        return env | {
            "MICROVENTURE_CONFIG": "production",
            "FLASK_SECRET_KEY": "ops-test-secret",
            "FLASK_SQLALCHEMY_DATABASE_URI": self.url,
            "FLASK_UPLOAD_FOLDER": str(self.uploads),
            **extra,
        }

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``flask --app wsgi ARGS`` as docs/deploy.md runs it."""
        finished = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert finished.returncode == 0, finished.stdout + finished.stderr
        return finished

    def wipe(self) -> None:
        """Lose the database and the uploads (a disk that died)."""
        if self.dialect == "postgresql":
            _recreate(self.url)
        else:
            path = Path(make_url(self.url).database)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.uploads, ignore_errors=True)


def _admin_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _recreate(url: str) -> None:
    name = make_url(url).database
    admin = make_url(url).set(database="postgres")
    with psycopg.connect(_admin_conninfo(admin.render_as_string(False)), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {name}")


def new_site(tmp_path: Path, purpose: str) -> Site:
    """An empty database (PostgreSQL when TEST_DATABASE_URL names one, else an SQLite file)
    and an uploads folder that does not exist yet."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        name = scratch_database(configured, purpose)
        url = make_url(configured).set(database=name).render_as_string(False)
        _recreate(url)
    else:
        url = f"sqlite:///{tmp_path / (purpose + '.sqlite')}"
    return Site(url=url, uploads=tmp_path / f"{purpose}-uploads")


def drop_site(site: Site) -> None:
    if site.dialect == "postgresql":
        name = make_url(site.url).database
        admin = make_url(site.url).set(database="postgres").render_as_string(False)
        with psycopg.connect(_admin_conninfo(admin), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def engine_for(site: Site) -> sa.Engine:
    url = make_url(site.url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url)


def columns_of(site: Site) -> dict[str, list[str]]:
    """Every table's columns."""
    engine = engine_for(site)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            return {
                name: [c["name"] for c in inspector.get_columns(name)]
                for name in inspector.get_table_names()
            }
    finally:
        engine.dispose()


def table_snapshot(site: Site, columns: dict[str, list[str]] | None = None):
    """Every table's row count and a hash of its rows (in any order); with ``columns``, of
    those tables and columns only."""
    engine = engine_for(site)
    try:
        with engine.connect() as connection:
            snapshot = {}
            names = sorted(columns or sa.inspect(connection).get_table_names())
            for name in names:
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                picked = [table.c[c] for c in columns[name]] if columns else [table]
                rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(*picked)))
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                snapshot[name] = (len(rows), digest)
            return snapshot
    finally:
        engine.dispose()


def file_snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
