"""社区微创投 — the application factory."""

import os
from importlib import import_module
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from microventure.core import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app: config class, then .env and FLASK_* environment variables, then
    ``overrides`` (tests), then derived settings."""
    load_dotenv(ROOT / ".env")
    config_name = config_name or os.environ.get("MICROVENTURE_CONFIG", "development")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(config_module.INSTANCE_DIR),
    )
    app.config.from_object(config_module.CONFIGS[config_name])
    app.config["ENV_NAME"] = config_name
    app.config.from_prefixed_env()
    app.config.update(overrides)
    config_module.finalize(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _import_models()
    _init_extensions(app)
    _hand_over_the_outbox(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _import_models() -> None:
    """Every feature's tables, so the metadata (migrations, the models-vs-migrations test) has
    all."""
    import microventure.accounts.models
    import microventure.applications.models
    import microventure.attendance.models
    import microventure.calls.models
    import microventure.core.jobs
    import microventure.decisions.models
    import microventure.funds.models
    import microventure.notifications.models
    import microventure.projects.models
    import microventure.reviews.models
    import microventure.stats.models
    import microventure.workcalendar.models  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from microventure.extensions import babel, csrf, db, limiter, login_manager, migrate
    from microventure.ops import observe, query_count

    observe.init_app(app)  # first: every request has its id before any other hook refuses it
    query_count.init_app(app)  # only with BENCH_QUERY_COUNT (bench/run)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from microventure.core import i18n

    babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Shanghai"
    )
    i18n.init_app(app)

    from microventure.core import database, http, request_args, templating

    database.init_app(app)
    http.init_app(app)
    request_args.init_app(app)
    templating.init_app(app)

    from microventure.core.celery import celery_init_app

    celery_init_app(app)


def _hand_over_the_outbox(app: Flask) -> None:
    from microventure.extensions import db
    from microventure.notifications import tasks as outbox

    @app.before_request
    def _outbox_of_this_request():
        # hand over only what this request commits (the sweep takes care of anything older)
        db.session().info.pop("outbox_ids", None)

    @app.after_request
    def _deliver_after_commit(response):
        # notifications committed during the request go to Celery once the response is ready;
        # the hand-over never raises and gives up fast, so a broker outage cannot fail a
        # request whose work is committed (the sweep delivers later)
        session = db.session()
        if session.info.get("outbox_ids"):
            # end what rendering began after the commit: on SQLite a POST's transaction holds
            # the write lock (core/database.py), which a delivery in process would wait for
            session.rollback()
        outbox.dispatch_committed(session)
        return response


# Each feature's blueprint module, in the order of registration: errors first, whose handlers
# serve every page.
BLUEPRINTS = (
    "microventure.core.errors",
    "microventure.core.views",
    "microventure.accounts.auth",
    "microventure.accounts.views",
    "microventure.accounts.admin_views",
    "microventure.accounts.elder_mode",
    "microventure.funds.views",
    "microventure.calls.views",
    "microventure.applications.views",
    "microventure.applications.screening_views",
    "microventure.reviews.reviewer_views",
    "microventure.reviews.admin_base",
    "microventure.reviews.ranking.views",
    "microventure.notifications.views",
    "microventure.decisions.views",
    "microventure.decisions.public_views",
    "microventure.projects.views",
    "microventure.projects.admin_views",
    "microventure.projects.payment_views",
    "microventure.projects.activities.views",
    "microventure.projects.activities.review_views",
    "microventure.attendance.views",
    "microventure.projects.reports.views",
    "microventure.workcalendar.views",
    "microventure.stats.views",
    "microventure.stats.public_views",
    "microventure.stats.export_views",
    "microventure.ops.metrics",
)
# Modules that add their routes to another's blueprint (the pool's and a call's review admin
# pages to review_admin.bp, the list declaration to reviewer_views.bp): imported before that
# blueprint is registered.
ROUTES_ELSEWHERE = (
    "microventure.calls.question_views",
    "microventure.reviews.assignment_views",
    "microventure.reviews.pool.views",
    "microventure.reviews.declaration_views",
)


def _register_blueprints(app: Flask) -> None:
    for name in ROUTES_ELSEWHERE:
        import_module(name)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    from microventure.api import setup as api

    api.init_app(app)  # its resources register through flask-smorest, which documents them


def _register_commands(app: Flask) -> None:
    from microventure import demo
    from microventure.accounts.cli import admin_cli
    from microventure.ops.bench_cli import bench_cli
    from microventure.ops.cli import backup_command, restore_command
    from microventure.reminders.cli import notifications_cli
    from microventure.workcalendar.cli import calendar_cli

    for group in (demo.demo_cli, admin_cli, notifications_cli, calendar_cli, bench_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
