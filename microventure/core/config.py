"""Configuration classes; any value can be overridden by a FLASK_-prefixed environment variable."""

import os
from pathlib import Path

from celery.schedules import crontab

INSTANCE_DIR = Path(__file__).resolve().parents[2] / "instance"


BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "microventure.notifications.tasks.sweep_outbox", "schedule": 60.0},
    # Hourly through the working day (Asia/Shanghai, the Celery timezone; nobody is woken at
    # night): a run that beat or the broker missed is caught up by the next, since each scan
    # covers what became due since the last successful run.
    # the district's figures computed ahead (stats/snapshots.py): changes made outside requests
    "refresh-figures": {"task": "microventure.stats.tasks.refresh_figures", "schedule": 60.0},
    # check-in details past their retention period deleted, once a day at night
    "attendance-retention": {
        "task": "microventure.attendance.tasks.delete_expired_check_ins",
        "schedule": crontab(hour=3, minute=30),
    },
    "reminders": {
        "task": "microventure.notifications.tasks.send_reminders",
        "schedule": crontab(hour="8-21", minute=0),
    },
}


TASK_MODULES = [
    "microventure.attendance.tasks",
    "microventure.notifications.tasks",
    "microventure.reminders.tasks",
    "microventure.stats.tasks",
]


def celery_settings(broker_url: str | None) -> dict:
    """Celery settings: Redis when a broker is configured, in-process execution otherwise."""
    if broker_url:
        return {
            "beat_schedule": BEAT_SCHEDULE,
            "task_publish_retry": False,  # a request never waits on a dead broker
            "broker_connection_timeout": 2,
            "include": TASK_MODULES,
            "broker_url": broker_url,
            "result_backend": broker_url,
            "task_ignore_result": True,
            "broker_connection_retry_on_startup": True,
            "timezone": "Asia/Shanghai",
        }
    # Embedded default: no broker server, tasks run eagerly in the calling process.
    return {
        "include": TASK_MODULES,
        "broker_url": "memory://",
        "task_always_eager": True,
        "task_eager_propagates": True,
        "task_ignore_result": True,
        "timezone": "Asia/Shanghai",
    }


def redis_fail_fast(config: dict) -> dict:
    """redis-py options for a client on a request's path: short timeouts and no retries (redis-py
    retries three times with back-off by default), so an unreachable Redis fails in a moment."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = config.get("RATELIMIT_REDIS_TIMEOUT", 0.3)
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


class Config:
    SECRET_KEY: str | None = "dev-only-secret-change-me"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'microventure.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Settings of every PostgreSQL session (libpq's ``options``; empty: the server's own).
    # PostgreSQL's JIT compiles the results figures' queries on each run and so costs them
    # 40–50 ms at district scale (bench/RESULTS.md); the app's queries gain nothing from it.
    # With the default work_mem (4 MB) the figures' grouping of the activity summary sorts on
    # disk at district scale; 16 MB lets it hash in memory (~20 ms less a miss).
    # Set it to "" behind a pooler that refuses startup options (PgBouncer's transaction mode).
    POSTGRES_OPTIONS = "-c jit=off -c work_mem=16MB"
    REDIS_URL: str | None = None
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # A refused upload's body is read to its end before the 413 page is sent, when it is at
    # most this much over the limit and takes at most this long (beyond, the connection closes;
    # the page's own size check comes first). Keep the seconds under gunicorn's --timeout (30).
    REQUEST_DRAIN_MAX_BYTES = 64 * 1024 * 1024
    REQUEST_DRAIN_SECONDS = 20
    WTF_CSRF_TIME_LIMIT = None  # valid for the session: a slow phone form must not expire
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    FORCE_HTTPS = False  # redirect http:// to https:// (core/http.py)
    HSTS = False  # Strict-Transport-Security on HTTPS responses
    HSTS_MAX_AGE = 365 * 24 * 3600
    HSTS_INCLUDE_SUBDOMAINS = False  # the district's other sites may not all be on HTTPS
    # Per client address. A street office's staff share one public address behind NAT, so
    # these are set for an office's morning log-ins and a sign-up drive; guessing one
    # account's password is stopped per account instead (LOGIN_ACCOUNT_*, accounts/services.py).
    RATELIMIT_LOGIN = "60 per minute; 600 per hour"
    RATELIMIT_SIGNUP = "200 per hour"
    RATELIMIT_FORGOT = "60 per hour"
    RATELIMIT_FORGOT_PER_ACCOUNT = "5 per hour"  # reset links to one address, from any
    # This many wrong passwords for one account within the minutes, from whatever addresses,
    # pause its log-ins (right password or not) for those minutes; its owner is told and can
    # still reset the password by e-mail, which ends the pause.
    LOGIN_ACCOUNT_MAX_FAILURES = 10
    LOGIN_ACCOUNT_LOCK_MINUTES = 15
    RATELIMIT_HEADERS_ENABLED = True
    # The API (accounts/bearer.py): per personal access token, from whatever address; without a
    # valid token per client address (a street office's systems may share one behind NAT)
    API_RATELIMIT = "600 per hour; 60 per minute"
    API_RATELIMIT_ANONYMOUS = "1200 per hour; 120 per minute"
    ITEMS_PER_PAGE = 20
    # results figures are kept this long per process unless the data changes (stats/cache.py)
    STATS_CACHE_SECONDS = 60
    # the district's figures, computed ahead by a worker, are read for this long at most while
    # the data is unchanged (stats/snapshots.py; 0: never read)
    STATS_SNAPSHOT_SECONDS = 600
    # exports with more rows are built by a Celery task, the page showing their progress
    STATS_EXPORT_ASYNC_ROWS = 3000
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # links in e-mails
    MAIL_SERVER: str | None = None  # no server: notifications reach the inbox only
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "社区微创投 <noreply@localhost>"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 5
    MAIL_RETRY_SECONDS = 60  # then 120, 240, … between attempts
    # A delivery claimed this long ago belongs to a worker that died (after SMTP accepted the
    # message, perhaps): it is tried again, so this is the longest an e-mail can repeat after.
    # Keep it well above the longest SMTP conversation (MAIL_TIMEOUT per step).
    MAIL_STALE_CLAIM_SECONDS = 180
    # Seconds the hand-over to the broker after a request may wait (connect, then each
    # write); past it the request answers anyway and the sweep delivers.
    OUTBOX_HANDOVER_TIMEOUT = 0.3
    # The limiter's storage (Redis) down or hung: keep limiting in this process's memory and
    # log it, rather than answer 500; short timeouts so a hung Redis costs a request little.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_REDIS_TIMEOUT = 0.3
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link works
    # Verified attendance (attendance/): check-in details are deleted this many days after the
    # project's period ends (the counts remain); the public check-in form's rate limits, per
    # client address (a venue's Wi-Fi puts many phones behind one) and per session
    ATTENDANCE_RETENTION_DAYS = 365
    ATTENDANCE_LIMIT_PER_ADDRESS = "60 per minute"
    ATTENDANCE_LIMIT_PER_SESSION = "600 per minute"
    REMINDER_CALL_CLOSING_DAYS = (3, 1)
    REMINDER_REVIEW_DUE_DAYS = 2
    REMINDER_REPORT_DUE_DAYS = (7, 1)
    REMINDER_REPORT_OVERDUE_EVERY_DAYS = 7
    REMINDER_NO_ACTIVITY_DAYS = 30
    # Behind a reverse proxy: how many proxies in front set X-Forwarded-For, -Proto and -Host
    # (werkzeug's ProxyFix trusts that many); 0 when the app is reached directly. Without it,
    # behind nginx every request comes from 127.0.0.1: one log-in rate limit for everybody.
    PROXY_FIX_HOPS = 0
    # /metrics (ops/metrics.py) answers a request with "Authorization: Bearer <METRICS_TOKEN>"
    # or from an address in METRICS_ALLOW ("127.0.0.1, 10.0.0.0/8"); any other gets a 404.
    METRICS_TOKEN: str | None = None
    METRICS_ALLOW: str | list = ""
    LOG_REQUESTS = True  # a JSON line per request and per task on standard error (ops/logs.py)
    # bench/run only: each response says how many SQL statements it ran (ops/query_count.py)
    BENCH_QUERY_COUNT = False
    SENTRY_DSN: str | None = None  # error reports (ops/reporting.py; the "sentry" extra)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = True
    # each test computes its figures (ids are reused after a rollback, so the version could
    # repeat across tests); tests/test_stats_cache.py turns the cache on
    STATS_CACHE_SECONDS = 0
    STATS_SNAPSHOT_SECONDS = 0  # tests/test_stats_snapshots.py turns it on


class ProductionConfig(Config):
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # type: ignore[assignment]
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = True  # FLASK_FORCE_HTTPS=false behind a proxy that already redirects
    HSTS = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def finalize(config: dict) -> None:
    """Derive settings that depend on others and refuse to start a misconfigured production app."""
    if config.get("ENV_NAME") == "production":
        missing = [k for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not config.get(k)]
        if missing:
            raise RuntimeError(
                "Production configuration needs "
                + " and ".join(f"FLASK_{k}" for k in missing)
                + " in the environment."
            )
    redis_url = config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    config["REDIS_URL"] = redis_url
    broker = config.get("CELERY_BROKER_URL") or redis_url
    config.setdefault("CELERY", celery_settings(broker))
    config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_fail_fast(config))
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql") and config.get("POSTGRES_OPTIONS"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = _with_session_options(
            config["SQLALCHEMY_ENGINE_OPTIONS"], config["POSTGRES_OPTIONS"]
        )


def _with_session_options(engine_options: dict, options: str) -> dict:
    """The engine options with PostgreSQL session settings given to every new connection."""
    connect_args = {**engine_options.get("connect_args", {}), "options": options}
    return {**engine_options, "connect_args": connect_args}
