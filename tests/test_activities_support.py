"""Factories shared by the activity record tests: an active project with its organisation's
member, small generated photos with camera and GPS metadata, and a record made through the
service."""

import io
from datetime import timedelta
from decimal import Decimal

from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage

from microventure.calls.models import Domain
from microventure.core.timeutil import local_today
from microventure.notifications.services import members_of
from microventure.projects import services as projects
from microventure.projects.activities import rules as activity_rules
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord
from tests.helpers_decisions import finalized_round
from tests.helpers_reviews import pdf

GPS = {1: "N", 2: (22.0, 56.0, 30.0), 3: "E", 4: (113.0, 22.0, 10.0)}


def active_round(make):
    """A finalized round whose first project was signed 60 days ago (so activities may be dated
    back that far); ``owner`` is its organisation's member, ``other`` the second project's."""
    r = finalized_round(make)
    project, second = r["projects"]
    projects.sign_agreement(
        project=project,
        signed_on=local_today() - timedelta(days=60),
        upload=pdf(),
        actor=r["admin"],
    )
    r |= {
        "project": project,
        "owner": members_of(project.organization)[0],
        "second": second,
        "other": members_of(second.organization)[0],
        "community": r["street"].communities[0],
    }
    return r


def jpeg(size=(48, 32), colour=(200, 30, 30), *, gps=False, orientation=None) -> bytes:
    """A small JPEG with a camera make and model, and optionally a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def photo(name="photo.jpg", data: bytes | None = None) -> FileStorage:
    return FileStorage(io.BytesIO(jpeg() if data is None else data), filename=name)


def values(**changes) -> activity_rules.ActivityValues:
    base = dict(
        held_on=local_today() - timedelta(days=1),
        title="长者智能手机课堂",
        domain=Domain.SMART_ELDERLY_CARE,
        participants=30,
        volunteers=3,
        volunteer_hours=Decimal("7.5"),
        problems_solved=1,
        description="教长者线上挂号",
    )
    return activity_rules.ActivityValues(**(base | changes))


def record(r, *, photos=(), sheet=None, **changes) -> ActivityRecord:
    return activities.record_activity(
        project=r["project"],
        values=values(**changes),
        photos=list(photos),
        sign_in_sheet=sheet,
        actor=r["owner"],
    )
