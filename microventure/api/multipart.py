"""One multipart/form-data body with text fields and files together (an activity record and its
photos): flask-smorest documents one request body per operation, so the fields and the files
are one schema, read from the ``multipart`` location (the form and the files as one)."""

from flask_smorest import Blueprint
from werkzeug.datastructures import CombinedMultiDict

MULTIPART = "multipart"

Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
    **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
    MULTIPART: "multipart/form-data",
}


@Blueprint.ARGUMENTS_PARSER.location_loader(MULTIPART)
def _load_multipart(request, schema):
    return Blueprint.ARGUMENTS_PARSER._makeproxy(
        CombinedMultiDict([request.form, request.files]), schema
    )
