"""The API object: flask-smorest's, with our problem documents for errors and the OpenAPI
document's description."""

import http

from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from microventure.core.errors import API_PREFIX

PROBLEM = "application/problem+json"
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


class Api(SmorestApi):
    """Errors are not flask-smorest's JSON but core/errors.py's problem documents (its handler
    serves every page, so this one must not replace it app-wide); their schema is documented as
    ``application/problem+json``."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        pass

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
