"""Wiring the API into the app: one flask-smorest Api per app, its resources, who calls, the
language, errors as problem documents, caching, and the documentation page."""

from flask import Blueprint, Flask, render_template, request
from werkzeug.exceptions import UnprocessableEntity

from microventure.api import auth, caching, validation
from microventure.api.spec import Api, configure
from microventure.core.errors import (
    DomainError,
    RuleViolations,
    error_response,
    is_api_request,
    problem_response,
)

# Each resource module's blueprint, in the order of the OpenAPI document's tags.
RESOURCES = (
    "microventure.api.calls",
    "microventure.api.notices",
    "microventure.api.funded_projects",
    "microventure.api.results",
    "microventure.api.applications",
    "microventure.api.projects",
    "microventure.api.admin",
)

docs = Blueprint("api_docs", __name__)


@docs.get("/api/v1/docs")
def documentation():
    """The OpenAPI document in Swagger UI, from our static files (no CDN)."""
    return render_template("api/docs.html")


def init_app(app: Flask) -> None:
    from importlib import import_module

    from microventure.accounts import bearer
    from microventure.extensions import csrf, limiter

    configure(app)
    app.config.setdefault("API_PUBLIC_MAX_AGE", 60)
    api = Api(app)
    app.extensions["microventure_api"] = api
    for name in RESOURCES:
        blueprint = import_module(name).bp
        csrf.exempt(blueprint)  # no cookie authenticates the API (api/auth.py)
        # one budget across the API's resources: per token (API_RATELIMIT), else per client
        # address (API_RATELIMIT_ANONYMOUS)
        limiter.shared_limit(bearer.rate_limit, scope="api", key_func=bearer.rate_limit_key)(
            blueprint
        )
        api.register_blueprint(blueprint)
    app.register_blueprint(docs)

    @app.before_request
    def _api_caller():
        if is_api_request():
            auth.pin_caller()

    @app.after_request
    def _api_caching(response):
        if is_api_request() and request.endpoint != "api_docs.documentation":
            caching.cache_headers(response, public=auth.is_anonymous())
        return response

    app.register_error_handler(UnprocessableEntity, _invalid)
    app.register_error_handler(DomainError, _broken_rule)


def _invalid(exc: UnprocessableEntity):
    """webargs' refusal of a request's data: each field's problem."""
    if not is_api_request():
        return error_response(422)
    messages = (getattr(exc, "data", None) or {}).get("messages", {})
    return problem_response(422, errors=validation.flatten(messages))


def _broken_rule(exc: DomainError):
    """A service refused: the rule's message, with the field it concerns. A page catches its
    DomainError itself; one that reaches here from a page is a programming error."""
    if not is_api_request():
        raise exc
    problems = exc.problems if isinstance(exc, RuleViolations) else [(exc.field, exc.message)]
    errors = [{"field": field, "message": str(message)} for field, message in problems]
    from microventure.extensions import db

    db.session.rollback()
    return problem_response(
        422, str(errors[0]["message"]) if len(errors) == 1 else None, errors=errors
    )
