"""社区微创投 — the application factory."""

import os
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
        outbox.dispatch_committed(db.session())
        return response


def _register_blueprints(app: Flask) -> None:
    # the pool's and a call's review admin pages add their routes to review_admin.bp
    import microventure.reviews.assignment_views
    import microventure.reviews.pool.views  # noqa: F401
    from microventure.accounts import admin_views, auth, views
    from microventure.applications import screening_views
    from microventure.applications import views as application_views
    from microventure.calls import views as call_views
    from microventure.core import errors
    from microventure.core import views as core_views
    from microventure.decisions import public_views as notice_views
    from microventure.decisions import views as decision_views
    from microventure.funds import views as fund_views
    from microventure.notifications import views as notification_views
    from microventure.projects import admin_views as project_admin_views
    from microventure.projects import views as project_views
    from microventure.projects.activities import views as activity_views
    from microventure.projects.reports import views as report_views
    from microventure.reviews import admin_base as review_admin
    from microventure.reviews import reviewer_views
    from microventure.reviews.ranking import views as ranking_views
    from microventure.stats import export_views as stats_export_views
    from microventure.stats import public_views as results_views
    from microventure.stats import views as stats_views
    from microventure.workcalendar import views as calendar_views

    for blueprint in (
        errors.bp,
        core_views.bp,
        auth.bp,
        views.bp,
        admin_views.bp,
        fund_views.bp,
        call_views.bp,
        application_views.bp,
        screening_views.bp,
        reviewer_views.bp,
        review_admin.bp,
        ranking_views.bp,
        notification_views.bp,
        decision_views.bp,
        notice_views.bp,
        project_views.bp,
        project_admin_views.bp,
        activity_views.bp,
        report_views.bp,
        calendar_views.bp,
        stats_views.bp,
        results_views.bp,
        stats_export_views.bp,
    ):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from microventure import demo
    from microventure.accounts.cli import admin_cli
    from microventure.reminders.cli import notifications_cli
    from microventure.workcalendar.cli import calendar_cli

    for group in (demo.demo_cli, admin_cli, notifications_cli, calendar_cli):
        app.cli.add_command(group)
