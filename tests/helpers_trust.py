"""One demo world for the trust suite (tests/test_access_matrix.py, tests/test_form_fuzz.py): a
database of its own loaded with the demo data once per module, a second street's admin, and a
logged-in client per role; row counts to show that a refused request changed nothing."""

import os

import psycopg
from argon2 import PasswordHasher
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from microventure import create_app
from microventure.accounts import passwords
from microventure.extensions import db, limiter
from tests.conftest import build_schema, scratch_database

DEMO_PASSWORD = "demo-password"
OTHER_STREET_ADMIN = "street-shiqiao@test.local"

# role -> the account it logs in as (None: anonymous)
ROLES = {
    "anonymous": None,
    "applicant": "applicant@demo.local",  # owns 番禺区南村镇社会工作服务站 (南村镇)
    "other_applicant": "eldercare@demo.local",  # another organisation of the same street
    "reviewer": "reviewer1@demo.local",  # assigned to the application under review
    "other_reviewer": "reviewer3@demo.local",  # not assigned to it
    "street_admin": "street@demo.local",  # 南村镇
    "other_street_admin": OTHER_STREET_ADMIN,  # 市桥街道
    "district_admin": "district@demo.local",
}


def demo_app(tmp_path_factory, purpose: str):
    """An app on a database of its own holding the demo data and a second street's admin."""
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = os.environ.get("TEST_DATABASE_URL", "")
    folder = tmp_path_factory.mktemp(purpose)
    if url.startswith("postgresql"):
        admin = make_url(url).set(drivername="postgresql").render_as_string(False)
        name = scratch_database(url, purpose)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        target = make_url(url).set(database=name).render_as_string(False)
    else:
        target = f"sqlite:///{folder / 'trust.sqlite'}"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=target,
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(folder / "uploads"),
    )
    build_schema(app)
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        _second_street_admin()
        db.session.commit()
        db.session.remove()
    return app


def _second_street_admin() -> None:
    from sqlalchemy import select

    from microventure.accounts import services
    from microventure.accounts.models import Role, Street, User

    district = db.session.scalar(select(User).where(User.email == ROLES["district_admin"]))
    user = User(
        email=OTHER_STREET_ADMIN,
        name="市桥街道 管理员",
        password_hash=passwords.hash_password(DEMO_PASSWORD),
        locale="zh_CN",
    )
    db.session.add(user)
    db.session.flush()
    street = db.session.scalar(select(Street).where(Street.name == "市桥街道"))
    services.grant_role(user=user, role=Role.STREET_ADMIN, street=street, actor=district)


def clients(app, *, tokens: bool = False) -> dict:
    """A logged-in test client per role; with ``tokens``, each also sends a write token of its
    account on every request (the API's answers are then the role's; the pages ignore it)."""
    found = {}
    for role, email in ROLES.items():
        client = app.test_client()
        if email:
            limiter.reset()
            answer = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
            assert answer.status_code == 302, f"cannot log in as {email}"
            if tokens:
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_write_token(app, email)}"
        found[role] = client
    return found


def _write_token(app, email: str) -> str:
    from sqlalchemy import select

    from microventure.accounts import api_tokens
    from microventure.accounts.models import TokenScope, User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        new = api_tokens.create_token(user=user, name="trust", scope=TokenScope.WRITE, days=7)
        db.session.commit()
        db.session.remove()
    return new.secret


def row_counts(app) -> dict[str, int]:
    """Every table's row count, in one query."""
    with app.app_context():
        tables = sorted(inspect(db.engine).get_table_names())
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
        counts = dict(db.session.execute(text(sql)).all())
        db.session.remove()
    return counts


def dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()
