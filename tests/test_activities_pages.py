"""The activity record pages: the phone form (refusals keep everything typed), the list and month
calendar with planned against held, the record page with the admin's accept and return, and who
may see what (another organisation gets 404)."""

import io
import re
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from microventure.accounts.models import Role
from microventure.core import files
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.notifications.models import Notification
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord, ProjectFile, RecordStatus
from tests.test_activities_support import active_round, jpeg, photo, record

TODAY = local_today()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


@pytest.fixture
def r(make):
    return active_round(make)


def text(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client, login_as, user) -> None:
    login_as(user)
    client.get("/?lang=en")


def form(r, **changes) -> dict:
    data = {
        "held_on": (TODAY - timedelta(days=2)).isoformat(),
        "title": "长者智能手机课堂第三期",
        "community_id": str(r["community"].id),
        "domain": "smart_elderly_care",
        "participants": "35",
        "elderly": "",
        "children": "",
        "disabled": "",
        "others": "",
        "volunteers": "4",
        "volunteer_hours": "12.5",
        "problems_solved": "2",
        "description": "志愿者一对一教长者线上挂号",
        "planned_activity_id": "",
    }
    return data | changes


def photos(count: int, **kwargs) -> list:
    return [(io.BytesIO(jpeg(**kwargs)), f"IMG_{n:04d}.jpg") for n in range(count)]


def rows() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(ActivityRecord.id))),
        db.session.scalar(
            select(func.count(ProjectFile.id)).where(ProjectFile.activity_id.is_not(None))
        ),
    )


def new_url(r) -> str:
    return f"/projects/{r['project'].id}/activities/new"


def assert_kept(page: str, data: dict) -> None:
    for name in ("title", "participants", "volunteer_hours"):
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(data[name])}"', page), name
    assert re.search(rf">\s*{data['description']}</textarea>", page)


# ---------------------------------------------------------------------------------- recording


def test_recording_an_activity_with_photos_and_a_sheet(client, login_as, r):
    signed_in(client, login_as, r["owner"])
    page = text(client.get(new_url(r)))
    assert 'type="file"' in page and "multiple" in page and 'capture="environment"' in page
    assert f'max="{TODAY.isoformat()}"' in page
    data = form(r) | {
        "photos": photos(3, gps=True),
        "sign_in_sheet": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "签到表.pdf"),
    }
    response = client.post(new_url(r), data=data, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:3000]
    activity = db.session.scalars(select(ActivityRecord)).one()
    assert response.headers["Location"].endswith(
        f"/projects/{r['project'].id}/activities/{activity.id}"
    )
    assert activity.title == "长者智能手机课堂第三期" and activity.participants == 35
    assert str(activity.volunteer_hours) == "12.5" and activity.status is RecordStatus.SUBMITTED
    assert len(activity.photos) == 3 and activity.sign_in_sheet.original_name == "签到表.pdf"
    for stored in activity.photos:
        kept = Image.open(files.open_stored(stored.storage_key))
        assert "exif" not in kept.info and not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    page = text(client.get(response.headers["Location"]))
    pid = r["project"].id
    for stored in activity.photos:
        assert f'href="/projects/{pid}/files/{stored.id}"' in page
        assert f'src="/projects/{pid}/files/{stored.id}?thumb=1"' in page
    assert "Awaiting review" in page and "Edit the record" in page
    assert 'id="review"' not in page  # the organisation does not review its own records


def test_ten_photos_are_refused_and_nothing_typed_is_lost(client, login_as, r):
    signed_in(client, login_as, r["owner"])
    data = form(r) | {"photos": photos(10)}
    response = client.post(new_url(r), data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "An activity record holds at most 9 photos; you chose 10." in page
    assert_kept(page, data)
    assert f'<option selected value="{r["community"].id}">' in page
    assert "choose them again" in page
    assert rows() == (0, 0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"held_on": (TODAY + timedelta(days=1)).isoformat()},
            "held_on",
            "The activity cannot be in the future",
        ),
        (
            {"elderly": "30", "children": "10"},
            "participants",
            "The groups add up to 40, more than the 35 participants.",
        ),
        ({"community_id": "{foreign}"}, "community_id", "communities of the project&#39;s street"),
        ({"volunteer_hours": "1.25"}, "volunteer_hours", "at most one decimal"),
        ({"participants": "很多"}, "participants", "Not a valid integer value"),
    ],
)
def test_refusals_sit_by_their_field_and_keep_the_input(
    client, login_as, make, r, changes, field, message
):
    foreign = make.street().communities[0]
    changes = {k: v.replace("{foreign}", str(foreign.id)) for k, v in changes.items()}
    signed_in(client, login_as, r["owner"])
    data = form(r, **changes)
    response = client.post(new_url(r), data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert message in page
    match = re.search(rf'<(?:input|select)[^>]*id="{field}"[^>]*>', page)
    assert match and "is-invalid" in match.group(0), field
    assert re.search(rf">\s*{data['description']}</textarea>", page)
    assert re.search(rf'name="title"[^>]*value="{data["title"]}"', page)
    if field == "participants" and "elderly" in changes and changes["elderly"]:
        assert 'class="collapse show"' in page  # the breakdown stays open to correct it
        assert re.search(r'name="elderly"[^>]*value="30"', page)
    assert rows() == (0, 0)


def test_the_limit_counts_the_photos_kept(client, login_as, r):
    activity = record(r, photos=[photo() for _ in range(8)])
    activities.return_activity(activity=activity, comment="少了签到表", actor=r["admin"])
    signed_in(client, login_as, r["owner"])
    url = f"/projects/{r['project'].id}/activities/{activity.id}/edit"
    page = text(client.get(url))
    assert "少了签到表" in page and page.count('name="remove_photo_ids"') == 8
    data = form(r, title="改过的标题") | {"photos": photos(2)}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "you chose 10" in text(response)
    assert_kept(text(response), data)

    removed = activity.photos[0].id
    data = form(r, title="改过的标题") | {"photos": photos(2), "remove_photo_ids": [str(removed)]}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert activity.title == "改过的标题" and activity.status is RecordStatus.SUBMITTED
    assert len(activity.photos) == 9 and removed not in {p.id for p in activity.photos}


def test_the_form_checks_its_own_csrf_token_and_takes_big_uploads(
    app, client, login_as, r, monkeypatch
):
    """The form pages are exempt from the app-wide CSRF check (it would read the upload before
    the page raises the size limit), so the form must check the token itself."""
    signed_in(client, login_as, r["owner"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)  # smaller than the photos
    assert 2 * len(jpeg(size=(400, 300))) > 4096
    data = form(r) | {"photos": photos(2, size=(400, 300))}
    response = client.post(new_url(r), data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and rows() == (0, 0)

    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get(new_url(r)))
    )
    data = form(r) | {"photos": photos(2, size=(400, 300)), "csrf_token": token.group(1)}
    response = client.post(new_url(r), data=data, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    assert rows() == (1, 2)


# ---------------------------------------------------------------------------------- access


def test_another_organisation_sees_nothing(client, login_as, r):
    activity = record(r)
    pid, aid = r["project"].id, activity.id
    signed_in(client, login_as, r["other"])
    for url in (
        f"/projects/{pid}/activities",
        f"/projects/{pid}/activities?view=calendar",
        f"/projects/{pid}/activities/{aid}",
        f"/projects/{pid}/activities/{aid}/edit",
        f"/projects/{pid}/activities/new",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/projects/{pid}/activities/{aid}/edit",
        data=form(r, title="篡改"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert client.post(f"/projects/{pid}/activities/new", data=form(r)).status_code == 404
    assert client.post(f"/projects/{pid}/activities/{aid}/accept").status_code == 404
    # the other organisation's own project does not reach this record either
    other = r["second"].id
    assert client.get(f"/projects/{other}/activities/{aid}").status_code == 404
    db.session.refresh(activity)
    assert (
        activity.title == "长者智能手机课堂"
        and db.session.scalar(select(func.count(ActivityRecord.id))) == 1
    )


def test_admins_of_other_streets_see_nothing_and_admins_do_not_record(client, login_as, make, r):
    activity = record(r)
    pid, aid = r["project"].id, activity.id
    stranger = make.user(role=Role.STREET_ADMIN, street=make.street())
    signed_in(client, login_as, stranger)
    assert client.get(f"/projects/{pid}/activities").status_code == 404
    assert client.post(f"/projects/{pid}/activities/{aid}/accept").status_code == 404
    client.post("/auth/logout")
    signed_in(client, login_as, r["admin"])
    assert client.get(f"/projects/{pid}/activities").status_code == 200
    assert client.get(f"/projects/{pid}/activities/new").status_code == 403
    assert client.get(f"/projects/{pid}/activities/{aid}/edit").status_code == 403
    # the organisation does not review its own records
    client.post("/auth/logout")
    signed_in(client, login_as, r["owner"])
    assert client.post(f"/projects/{pid}/activities/{aid}/accept").status_code == 403
    db.session.refresh(activity)
    assert activity.status is RecordStatus.SUBMITTED


# ---------------------------------------------------------------------------------- review


def test_return_edit_and_accept_through_the_pages(client, login_as, r):
    activity = record(r)
    pid, aid = r["project"].id, activity.id
    detail = f"/projects/{pid}/activities/{aid}"
    signed_in(client, login_as, r["admin"])
    page = text(client.get(detail))
    assert 'id="review"' in page and "Edit the record" not in page

    response = client.post(f"{detail}/return", data={"comment": "  "})
    assert response.status_code == 422
    assert "Say what the organisation should correct." in text(response)
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "activity.returned")
        )
        == 0
    )

    response = client.post(f"{detail}/return", data={"comment": "请补充签到表照片"})
    assert response.status_code == 302
    (notice,) = db.session.scalars(
        select(Notification).where(Notification.kind == "activity.returned")
    ).all()
    assert notice.recipient_id == r["owner"].id and notice.link == f"{detail}/edit"

    client.post("/auth/logout")
    signed_in(client, login_as, r["owner"])
    page = text(client.get(detail))
    assert "请补充签到表照片" in page and "Returned for revision" in page
    response = client.post(
        f"{detail}/edit",
        data=form(r, participants="40")
        | {"sign_in_sheet": (io.BytesIO(jpeg((300, 400), gps=True)), "签到表.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.status is RecordStatus.SUBMITTED and activity.participants == 40

    client.post("/auth/logout")
    signed_in(client, login_as, r["admin"])
    assert client.post(f"{detail}/accept").status_code == 302
    db.session.refresh(activity)
    assert activity.status is RecordStatus.ACCEPTED and activity.reviewed_by_id == r["admin"].id

    client.post("/auth/logout")
    signed_in(client, login_as, r["owner"])
    page = text(client.get(detail))
    assert "Accepted" in page and "Edit the record" not in page
    response = client.get(f"{detail}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    response = client.post(
        f"{detail}/edit", data=form(r, participants="99"), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.participants == 40


# ---------------------------------------------------------------------------------- lists


def _records(r, count: int) -> list[ActivityRecord]:
    planned = r["project"].application.activities[0]
    made = []
    for n in range(count):
        made.append(
            record(
                r,
                title=f"活动{n:02d}",
                held_on=TODAY - timedelta(days=n),
                participants=10 + n,
                planned_activity_id=planned.id if n % 2 == 0 else None,
                community_id=r["community"].id,
                photos=[photo()] if n % 3 == 0 else [],
            )
        )
    return made


def test_the_list_is_newest_first_with_planned_against_held(client, login_as, r):
    made = _records(r, 4)
    activities.accept_activity(activity=made[0], actor=r["admin"])
    activities.return_activity(activity=made[1], comment="请修改", actor=r["admin"])
    signed_in(client, login_as, r["owner"])
    page = text(client.get(f"/projects/{r['project'].id}/activities"))
    order = [int(i) for i in re.findall(r'data-activity="(\d+)"', page)]
    assert order == [a.id for a in made]  # held today, yesterday, …
    assert page.count('data-record-status="accepted"') == 1
    assert page.count('data-record-status="returned"') == 1
    assert f"/files/{made[0].photos[0].id}?thumb=1" in page
    assert r["community"].name in page and "Record an activity" in page
    table = page[page.index('data-testid="planned-vs-held"') :]
    # planned: 智能手机课堂, 10 sessions, 200 participants; held: records 0 and 2
    assert "智能手机课堂" in table
    assert re.search(r"data-held>2 <span[^>]*>\(1\)", table)
    assert "data-held-participants>22<" in table  # 10 + 12
    assert "Not linked to a planned activity" in table


def test_the_month_calendar(client, login_as, r):
    made = _records(r, 3)
    signed_in(client, login_as, r["owner"])
    month = f"{TODAY:%Y-%m}"
    page = text(client.get(f"/projects/{r['project'].id}/activities?view=calendar&month={month}"))
    assert f'data-month="{month}"' in page
    in_month = [a for a in made if a.held_on.month == TODAY.month]
    for activity in in_month:
        assert page.count(f'data-activity="{activity.id}"') == 2  # grid and stacked list
    assert 'class="table table-bordered table-sm d-none d-md-table"' in page
    earlier = text(
        client.get(f"/projects/{r['project'].id}/activities?view=calendar&month=2001-01")
    )
    assert "data-activity=" not in earlier and "No activity in this month." in earlier
    odd = client.get(f"/projects/{r['project'].id}/activities?view=calendar&month=rubbish")
    assert odd.status_code == 200 and f'data-month="{month}"' in text(odd)


@pytest.mark.parametrize("view", ["", "?view=calendar"])
def test_list_pages_make_the_same_number_of_queries(client, login_as, r, count_queries, view):
    url = f"/projects/{r['project'].id}/activities{view}"
    signed_in(client, login_as, r["owner"])
    _records(r, 3)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _records(r, 9)
    with count_queries() as many:
        page = text(client.get(url))
    assert page.count("data-activity=") >= 3
    assert many.count == few.count, many.statements
    assert many.count <= 15


def test_record_page_queries_do_not_grow_with_photos(client, login_as, r, count_queries):
    few = record(r, photos=[photo()])
    many = record(r, photos=[photo() for _ in range(9)])
    signed_in(client, login_as, r["admin"])
    counts = []
    for activity in (few, many):
        url = f"/projects/{r['project'].id}/activities/{activity.id}"
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]
