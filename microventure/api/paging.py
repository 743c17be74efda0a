"""Paginated lists: ``page`` and ``per_page`` (bounded) in, an envelope out."""

from flask_sqlalchemy.pagination import Pagination
from marshmallow import Schema, fields, validate

MAX_PER_PAGE = 100
PER_PAGE = 20


class PageArgs(Schema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100_000), metadata={"example": 1}
    )
    per_page = fields.Integer(
        load_default=PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"At most {MAX_PER_PAGE}."},
    )


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of a list of ``item_schema``, named after it in the OpenAPI document."""
    name = item_schema.__name__.removesuffix("Schema")
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=f"{name}Page",
    )


def envelope(pagination: Pagination) -> dict:
    return {
        "items": pagination.items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }
