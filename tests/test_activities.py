"""Activity records (活动记录) through the services: the rules, photos without metadata, review,
and the project's figures from accepted records only."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import g, render_template
from flask_babel import force_locale
from PIL import ExifTags, Image
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Community, CommunityKind
from microventure.core import files
from microventure.core.errors import DomainError
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.notifications.models import Notification
from microventure.projects.activities import images
from microventure.projects.activities import queries as activity_queries
from microventure.projects.activities import services as activities
from microventure.projects.models import (
    ActivityRecord,
    FilePurpose,
    ProjectFile,
    ProjectStatus,
    RecordStatus,
)
from tests.helpers_reviews import pdf
from tests.test_activities_support import active_round, jpeg, photo, record, values


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English (the catalogue's msgids), whatever the zh catalogue holds."""
    g.messages_in = "en"  # force_locale needs a non-empty ``g``
    with force_locale("en"):
        yield


@pytest.fixture(autouse=True)
def folder(app, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(root))
    return root


@pytest.fixture
def r(make):
    return active_round(make)


def stored_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def refused(field: str, operation) -> str:
    """The message of the problem ``operation`` has with ``field``."""
    with pytest.raises(DomainError) as caught:
        operation()
    problems = getattr(caught.value, "problems", [(caught.value.field, caught.value.message)])
    messages = [str(m) for f, m in problems if f == field]
    assert messages, problems
    return messages[0]


# ---------------------------------------------------------------------------------- photos


def test_a_photo_loses_its_gps_position_and_is_shrunk(r):
    source = jpeg((4000, 3000), gps=True, orientation=6)  # a phone held upright
    opened = Image.open(io.BytesIO(source))
    assert opened.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS
    assert opened.getexif()[ExifTags.Base.Make] == "Canon"

    activity = record(r, photos=[photo("IMG_0001.JPG", source)])

    (stored,) = activity.photos
    assert stored.purpose is FilePurpose.PHOTO and stored.original_name == "IMG_0001.jpg"
    kept_bytes = files.open_stored(stored.storage_key).read_bytes()
    kept = Image.open(io.BytesIO(kept_bytes))
    assert kept.format == "JPEG"
    assert "exif" not in kept.info and "xmp" not in kept.info
    assert not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(kept.getexif()) == 0  # no camera make either
    assert b"Canon" not in kept_bytes
    assert kept.size == (1200, 1600)  # turned upright by its orientation, longest side 1600
    thumb = Image.open(files.open_stored(stored.thumbnail_key))
    assert max(thumb.size) == 320 and "exif" not in thumb.info
    assert stored.size == len(kept_bytes)


def test_a_transparent_png_becomes_a_jpeg_on_white(r):
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG")
    activity = record(r, photos=[photo("logo.png", out.getvalue())])
    kept = Image.open(files.open_stored(activity.photos[0].storage_key))
    assert kept.format == "JPEG" and kept.getpixel((5, 5)) == (255, 255, 255)


def test_a_sign_in_sheet_photo_loses_its_metadata_and_a_pdf_is_kept(r):
    activity = record(r, sheet=photo("签到表.jpg", jpeg((600, 800), gps=True)))
    sheet = activity.sign_in_sheet
    assert sheet.purpose is FilePurpose.SIGN_IN_SHEET and sheet.activity_id == activity.id
    kept = Image.open(files.open_stored(sheet.storage_key))
    assert "exif" not in kept.info and kept.size == (600, 800)

    second = record(r, sheet=pdf())
    assert second.sign_in_sheet.file_type == "pdf"
    path = files.open_stored(second.sign_in_sheet.storage_key)
    assert path.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("fake.jpg", b"%PDF-1.4\n%%EOF\n", "is not a JPEG or PNG photo"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "is not a JPEG or PNG photo"),
        ("empty.jpg", b"", "is empty"),
    ],
)
def test_only_real_photos_are_taken_and_nothing_is_written(r, folder, name, data, expected):
    before = stored_files(folder)
    good = photo("good.jpg")
    message = refused("photos", lambda: record(r, photos=[good, photo(name, data)]))
    assert expected in message and name in message
    assert stored_files(folder) == before  # the good photo was not written either
    assert db.session.scalar(select(func.count(ActivityRecord.id))) == 0


def test_a_decompression_bomb_is_refused(r, monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    message = refused("photos", lambda: record(r, photos=[photo("huge.jpg", jpeg((50, 50)))]))
    assert "too many pixels" in message and "50 × 50" in message


def test_a_sign_in_sheet_must_be_a_pdf_or_a_photo(r):
    word = FileStorage(io.BytesIO(b"PK\x03\x04" + b"\x00" * 40), filename="签到表.docx")
    assert "PDF or a JPEG/PNG" in refused("sign_in_sheet", lambda: record(r, sheet=word))


# ---------------------------------------------------------------------------------- rules


def test_at_most_nine_photos_in_a_record(r, folder):
    before = stored_files(folder)
    message = refused("photos", lambda: record(r, photos=[photo() for _ in range(10)]))
    assert "at most 9 photos" in message and "10" in message
    assert stored_files(folder) == before

    activity = record(r, photos=[photo() for _ in range(5)])
    more = [photo() for _ in range(5)]
    update = dict(activity=activity, values=values(), sign_in_sheet=None, actor=r["owner"])
    assert "at most 9" in refused(
        "photos", lambda: activities.update_activity(photos=more, removed_photo_ids=[], **update)
    )
    first = activity.photos[0].id
    activities.update_activity(photos=more, removed_photo_ids=[first], **update)
    db.session.expire(activity)
    assert len(activity.photos) == 9 and first not in {p.id for p in activity.photos}
    positions = [p.position for p in activity.photos]
    assert positions == sorted(positions) and len(set(positions)) == 9


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"held_on": local_today() + timedelta(days=1)}, "held_on", "cannot be in the future"),
        ({"held_on": local_today() - timedelta(days=61)}, "held_on", "The project runs from"),
        ({"held_on": None}, "held_on", "Enter the date"),
        ({"title": "  "}, "title", "Give the activity a title"),
        ({"participants": None}, "participants", "Enter a number"),
        ({"participants": -1}, "participants", "Enter a number"),
        ({"participants": 10, "elderly": 8, "children": 3}, "participants", "add up to 11"),
        ({"elderly": -2}, "elderly", "Enter a number"),
        ({"volunteer_hours": Decimal("1.25")}, "volunteer_hours", "one decimal"),
        ({"volunteer_hours": Decimal("-1")}, "volunteer_hours", "0 or more"),
        ({"volunteers": -3}, "volunteers", "Enter a number"),
        ({"domain": "knitting"}, "domain", "Choose a service domain"),
    ],
)
def test_the_rules_of_a_record(r, changes, field, expected):
    assert expected in refused(field, lambda: record(r, **changes))


def test_every_problem_is_reported_at_once(r):
    with pytest.raises(DomainError) as caught:
        record(r, title="", participants=-1, volunteer_hours=Decimal("0.05"))
    assert {f for f, _m in caught.value.problems} == {"title", "participants", "volunteer_hours"}


def test_the_community_must_be_in_the_project_street(r, make):
    elsewhere = make.street().communities[0]
    assert "communities of the project's street" in refused(
        "community_id", lambda: record(r, community_id=elsewhere.id)
    )
    assert record(r, community_id=r["community"].id).community_id == r["community"].id


def test_a_planned_activity_must_be_the_applications_own(r):
    own = r["project"].application.activities[0]
    foreign = r["second"].application.activities[0]
    assert "planned in the application" in refused(
        "planned_activity_id", lambda: record(r, planned_activity_id=foreign.id)
    )
    assert record(r, planned_activity_id=own.id).planned_activity_id == own.id


@pytest.mark.parametrize("status", [ProjectStatus.SUSPENDED, ProjectStatus.COMPLETED])
def test_only_an_active_project_records_activities(r, status):
    r["project"].status = status
    with pytest.raises(DomainError, match="only while the project is active"):
        record(r)


def test_a_project_awaiting_its_agreement_records_nothing(r):
    with pytest.raises(DomainError, match="only while the project is active"):
        activities.record_activity(
            project=r["second"],
            values=values(),
            photos=[],
            sign_in_sheet=None,
            actor=r["other"],
        )


def test_a_district_call_takes_any_community(r, make):
    r["project"].call.street_id = None
    anywhere = Community(street=make.street(), name="远方社区", kind=CommunityKind.COMMUNITY)
    db.session.add(anywhere)
    db.session.flush()
    assert record(r, community_id=anywhere.id).community_id == anywhere.id


# ---------------------------------------------------------------------------------- review


def _events(project, action):
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "projects",
            AuditEvent.object_id == project.id,
            AuditEvent.action == action,
        )
    ).all()


def test_return_edit_and_accept(r):
    project, admin, owner = r["project"], r["admin"], r["owner"]
    activity = record(r, photos=[photo()])
    (recorded,) = _events(project, "activity.recorded")
    assert recorded.after["activity_id"] == activity.id and recorded.after["photos"] == 1

    with pytest.raises(DomainError, match="what the organisation should correct"):
        activities.return_activity(activity=activity, comment=" ", actor=admin)
    activities.return_activity(activity=activity, comment="请补充签到表", actor=admin)
    assert activity.status is RecordStatus.RETURNED and activity.reviewed_by_id == admin.id
    (returned,) = _events(project, "activity.returned")
    assert returned.note == "请补充签到表" and returned.after["activity_id"] == activity.id
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "activity.returned")
    ).all()
    assert [n.recipient_id for n in told] == [owner.id]
    assert told[0].link == f"/projects/{project.id}/activities/{activity.id}/edit"
    assert "请补充签到表" in told[0].body_text and activity.title in told[0].subject

    with pytest.raises(DomainError, match="awaiting review"):
        activities.accept_activity(activity=activity, actor=admin)  # returned, not submitted

    activities.update_activity(
        activity=activity,
        values=values(participants=32),
        photos=[],
        removed_photo_ids=[],
        sign_in_sheet=pdf(),
        actor=owner,
    )
    assert activity.status is RecordStatus.SUBMITTED and activity.sign_in_sheet_id
    (updated,) = _events(project, "activity.updated")
    assert updated.before["participants"] == 30 and updated.after["participants"] == 32
    assert updated.before["status"] == "returned" and updated.after["status"] == "submitted"

    activities.return_activity(activity=activity, comment="日期有误", actor=admin)
    assert len(_events(project, "activity.returned")) == 2
    activities.update_activity(
        activity=activity,
        values=values(participants=33),
        photos=[],
        removed_photo_ids=[],
        sign_in_sheet=None,
        actor=owner,
    )
    activities.accept_activity(activity=activity, actor=admin)
    assert activity.status is RecordStatus.ACCEPTED
    assert _events(project, "activity.accepted")[0].after == {
        "activity_id": activity.id,
        "status": "accepted",
    }
    with pytest.raises(DomainError, match="can no longer be changed"):
        activities.update_activity(
            activity=activity,
            values=values(participants=99),
            photos=[],
            removed_photo_ids=[],
            sign_in_sheet=None,
            actor=owner,
        )
    with pytest.raises(DomainError, match="awaiting review"):
        activities.return_activity(activity=activity, comment="再改", actor=admin)
    assert activity.participants == 33


def test_each_return_notifies_again(r):
    activity = record(r)
    for comment in ("第一次", "第二次"):
        activities.return_activity(activity=activity, comment=comment, actor=r["admin"])
        activities.update_activity(
            activity=activity,
            values=values(),
            photos=[],
            removed_photo_ids=[],
            sign_in_sheet=None,
            actor=r["owner"],
        )
    count = select(func.count(Notification.id)).where(Notification.kind == "activity.returned")
    assert db.session.scalar(count) == 2


def test_a_replaced_sign_in_sheet_is_marked_removed(r):
    activity = record(r, sheet=pdf())
    old = activity.sign_in_sheet
    activities.update_activity(
        activity=activity,
        values=values(),
        photos=[],
        removed_photo_ids=[],
        sign_in_sheet=photo("新签到表.png", jpeg()),
        actor=r["owner"],
    )
    assert old.removed_at is not None and activity.sign_in_sheet_id != old.id


# ---------------------------------------------------------------------------------- figures


def test_project_totals_count_accepted_records_only(r, app, count_queries):
    admin = r["admin"]
    first = record(r, participants=30, volunteers=3, volunteer_hours=Decimal("7.5"))
    second = record(
        r,
        participants=12,
        volunteers=2,
        volunteer_hours=Decimal("4"),
        problems_solved=2,
        photos=[photo(), photo()],
        held_on=local_today(),
    )
    returned = record(r, participants=100, volunteers=10, volunteer_hours=Decimal("50"))
    waiting = record(r, participants=50, volunteers=5, volunteer_hours=Decimal("9.9"))
    for activity in (first, second):
        activities.accept_activity(activity=activity, actor=admin)
    activities.return_activity(activity=returned, comment="照片不清晰", actor=admin)

    with count_queries() as q:
        summary = activity_queries.summary(r["project"])
    assert q.count == 2
    assert summary.accepted == 2
    assert summary.participants == 42 == first.participants + second.participants
    assert summary.volunteers == 5
    assert summary.volunteer_hours == Decimal("11.5")
    assert summary.problems_solved == 3
    assert (summary.waiting, summary.returned, summary.recorded) == (1, 1, 4)
    assert summary.latest[0].id == second.id  # held today: the newest
    assert {row.id for row in summary.latest} == {first.id, second.id, returned.id, waiting.id}
    latest = {row.id: row for row in summary.latest}
    assert latest[second.id].photo_id == second.photos[0].id and latest[second.id].photos == 2
    assert latest[first.id].photo_id is None

    with app.test_request_context("/"):
        panel = render_template(
            "projects/_activities_panel.html", project=r["project"], activities=summary
        )
    assert 'data-total="participants">42<' in panel
    assert 'data-total="volunteer_hours">11.5<' in panel
    assert f"/projects/{r['project'].id}/files/{second.photos[0].id}?thumb=1" in panel


def test_totals_of_a_project_without_records(r):
    summary = activity_queries.summary(r["project"])
    assert (summary.accepted, summary.participants, summary.volunteer_hours) == (0, 0, 0)
    assert summary.latest == []


def test_planned_vs_held(r):
    planned = r["project"].application.activities[0]
    a = record(r, planned_activity_id=planned.id, participants=20)
    record(r, planned_activity_id=planned.id, participants=15)
    record(r, participants=9)
    activities.accept_activity(activity=a, actor=r["admin"])
    table = activity_queries.planned_vs_held(r["project"])
    (row,) = table.rows
    assert (row["name"], row["sessions"], row["participants"]) == ("智能手机课堂", 10, 200)
    assert (row["held"], row["held_participants"], row["accepted"]) == (2, 35, 1)
    assert (table.unlinked.held, table.unlinked.held_participants) == (1, 9)


def test_no_photo_row_without_a_record(r):
    """A refused record leaves no photo rows behind (the view rolls the flush back anyway)."""
    with pytest.raises(DomainError):
        record(r, photos=[photo()], held_on=local_today() + timedelta(days=3))
    photos = select(func.count(ProjectFile.id)).where(ProjectFile.purpose == FilePurpose.PHOTO)
    assert db.session.scalar(photos) == 0


def _behind_the_sessions_back(activity, status):
    """Another request changed the row: the loaded object still shows the old status."""
    db.session.execute(
        update(ActivityRecord)
        .where(ActivityRecord.id == activity.id)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


def test_an_edit_racing_an_acceptance_is_refused(r):
    activity = record(r)
    _behind_the_sessions_back(activity, RecordStatus.ACCEPTED)
    assert activity.status is RecordStatus.SUBMITTED  # what the edit page loaded
    with pytest.raises(DomainError, match="just been accepted"):
        activities.update_activity(
            activity=activity,
            values=values(participants=99),
            photos=[],
            removed_photo_ids=[],
            sign_in_sheet=None,
            actor=r["owner"],
        )


def test_two_admins_reviewing_at_once_cannot_both_win(r):
    activity = record(r)
    _behind_the_sessions_back(activity, RecordStatus.ACCEPTED)
    with pytest.raises(DomainError, match="Someone else has just reviewed"):
        activities.return_activity(activity=activity, comment="请修改", actor=r["admin"])
    assert activity.status is RecordStatus.ACCEPTED
    told = select(func.count(Notification.id)).where(Notification.kind == "activity.returned")
    assert db.session.scalar(told) == 0


def test_a_photo_over_the_upload_limit_is_refused(r, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    big = jpeg((200, 200), colour=(10, 200, 90))
    assert len(big) > 1000
    message = refused("photos", lambda: record(r, photos=[photo("big.jpg", big)]))
    assert message.startswith("big.jpg is larger than the limit of")


def test_a_removed_photo_is_deleted_from_disk_once_the_change_is_saved(make, folder):
    r = active_round(make)
    activity = record(r, photos=[photo("a.jpg"), photo("b.jpg")])
    db.session.commit()
    gone, kept = activity.photos
    assert (folder / gone.storage_key).is_file() and (folder / gone.thumbnail_key).is_file()
    activities.update_activity(
        activity=activity,
        values=values(),
        photos=[],
        removed_photo_ids=[gone.id],
        sign_in_sheet=None,
        actor=r["owner"],
    )
    assert (folder / gone.storage_key).is_file()  # not before the change is committed
    db.session.commit()
    assert not (folder / gone.storage_key).exists()
    assert not (folder / gone.thumbnail_key).exists()
    assert (folder / kept.storage_key).is_file()
