"""Activity records (活动记录): entered by the organisation, accepted or returned by admins."""

from flask import Blueprint

bp = Blueprint("activities", __name__)
