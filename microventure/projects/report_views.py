"""Mid-term and final reports: written by the organisation, accepted, returned or failed."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
