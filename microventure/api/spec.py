"""The API object: flask-smorest's, with our problem documents for errors and the OpenAPI
document's description."""

import http

from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from microventure.core.errors import API_PREFIX
from microventure.core.forms import CONTROL_CHARACTERS

PROBLEM = "application/problem+json"
# Text without control characters (core/forms.CONTROL_CHARACTERS), as a JSON Schema pattern
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS.pattern[1:-1]}]*$"
VERSION = "1.0.0"


class FieldProblem(Schema):
    field = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "The field the rule concerns (dotted for nested); null: all."},
    )
    message = fields.String(required=True)


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    request_id = fields.String(allow_none=True, required=True)
    errors = fields.List(fields.Nested(FieldProblem))
    reason = fields.String(
        metadata={
            "description": "Why a token was refused (401/403): missing, malformed, unknown, "
            "revoked, expired, account_inactive, insufficient_scope."
        }
    )


# What api/caching.py does to every GET, in each GET operation's document.
CONDITIONAL = {
    "parameters": [
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "The `ETag` of an answer you hold: 304 while it is unchanged.",
        }
    ],
    "responses": {
        200: {
            "headers": {
                "ETag": {
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "A tag of the body.",
                },
                "Cache-Control": {
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "`public, max-age=60` without a token, else `private`.",
                },
            }
        },
        304: {"description": "Not Modified: the answer you hold (its `ETag`) is current."},
    },
}


class Blueprint(SmorestBlueprint):
    """A resource's blueprint: its operations are grouped in the document under ``tag``, a
    title for readers ("Calls"), not under the blueprint's name ("api_calls"), and each GET
    documents its caching (``CONDITIONAL``)."""

    def __init__(self, *args, tag: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tag = tag

    def route(self, rule, *, parameters=None, tags=None, **options):
        register = super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)
        if "GET" not in options.get("methods", ("GET",)):
            return register
        return lambda view: register(self.doc(**CONDITIONAL)(view))


class Api(SmorestApi):
    """Errors are not flask-smorest's JSON but core/errors.py's problem documents (its handler
    serves every page, so this one must not replace it app-wide); their schema is documented as
    ``application/problem+json``."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        pass

    def _init_spec(self, *args, **kwargs) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(no_control_characters)

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        super().register_blueprint(blp, parameters=parameters, **options)
        if isinstance(blp, Blueprint):  # the document's tag list names it by its title too
            name = options.get("name", blp.name)
            for tag in self.spec._tags:
                if tag["name"] == name:
                    tag["name"] = blp.tag

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def no_control_characters(self, field, ret, **kwargs) -> dict:
    """Every free text field and parameter is documented without control characters: a query
    carrying one is refused (400, core/request_args.py), a body's text field with one is a 422,
    and nothing the API answers holds one (forms and services strip or refuse them). Without
    the pattern, clients (and Schemathesis) take them for valid text. An apispec attribute
    function, bound to its field converter."""
    types = ret.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and not {"enum", "format", "pattern"} & set(ret):
        return {"pattern": TEXT_PATTERN}
    return {}


DESCRIPTION = """\
社区微创投 open data and applicants' and admins' work, as JSON.

* Public operations need no token. Lists are paginated (`page`, `per_page` ≤ 100) and cached
  (ETag, `Cache-Control`).
* Others need a personal access token (created on your profile page), sent as
  `Authorization: Bearer <token>`; a read token reads, a write token also writes.
* Errors are RFC 9457 problem details (`application/problem+json`) in the language of
  `Accept-Language` (zh-CN by default, en).
* Times are ISO 8601 in Asia/Shanghai with their offset; money is in fen (1 yuan = 100 fen).
"""


def configure(app: Flask) -> None:
    config = app.config
    config.setdefault("API_TITLE", "社区微创投 API")
    config.setdefault("API_VERSION", VERSION)
    config.setdefault("OPENAPI_VERSION", "3.1.0")
    config.setdefault("OPENAPI_URL_PREFIX", f"{API_PREFIX}v1")
    config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/", "description": "this server"}],
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal access token from your profile page.",
                    }
                }
            },
        },
    )
