"""The project pages: the organisation's list and project page, the admin's actions on it
(refusals shown beside their field with the input kept), files, and who may see what."""

import re

import pytest
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.core import files
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.models import FilePurpose, Project, ProjectFile, ProjectStatus
from microventure.projects.models import TrancheStatus as T
from microventure.projects.tranches import TRIGGERS
from tests.test_projects_support import JPEG, PDF, funded_round, join, owner_of, pay, pdf, sign


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


@pytest.fixture
def r(make, monkeypatch):
    return funded_round(make, monkeypatch)


def text(response) -> str:
    return response.get_data(as_text=True)


def english(client) -> None:
    client.get("/?lang=en")


def section(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to its closing tag (forms, details)."""
    start = page.index(f'id="{element_id}"')
    tag = page[page.rindex("<", 0, start) + 1 : start].split()[0]
    return page[start : page.index(f"</{tag}>", start)]


def refused(response, status=422) -> str:
    assert response.status_code == status, text(response)[:3000]
    return text(response)


# ----------------------------------------------------------------------- the organisation's side


def test_the_organisation_sees_its_projects_and_what_is_due(client, login_as, r):
    mine, other = r["projects"]
    admin, owner = r["admin"], owner_of(mine)
    sign(mine, admin)
    pay(mine.tranches[0], admin, reference="BK-2026-0518")
    projects.make_due(mine, TRIGGERS[mine.tranches[1].trigger], actor=admin)  # mid-term accepted
    login_as(owner)
    english(client)
    page = text(client.get("/projects"))
    assert mine.agreement_number in page and other.agreement_number not in page
    item = page[page.index(f'data-project="{mine.id}"') :]
    assert re.search(r'data-testid="paid">¥12,500\.00<', item)  # paid so far
    assert re.search(r'data-testid="next-tranche">\s*No\. 2 · <span[^>]*>¥7,500\.00', item)
    assert "Reports to submit" in page

    page = text(client.get(f"/projects/{mine.id}"))
    assert 'data-testid="admin-actions"' not in page  # no admin forms for the organisation
    rows = dict(re.findall(r'<tr data-tranche="(\d+)">(.*?)</tr>', page, re.S))
    paid = rows[str(mine.tranches[0].id)]
    assert "BK-2026-0518" in paid and local_today().isoformat() in paid
    assert 'data-tranche-status="paid"' in paid
    assert 'data-tranche-status="due"' in rows[str(mine.tranches[1].id)]
    assert "Tranche 2 (¥7,500.00) is due for payment since" in page
    third = rows[str(mine.tranches[2].id)]
    assert "After the final report is accepted" in third
    assert r["call"].final_report_due_on.isoformat() in third
    assert "¥25,000.00" in section(page, "tranches")  # the total of the tranches


def test_a_project_awaiting_signature_says_what_comes_next(client, login_as, r):
    project = r["projects"][0]
    login_as(owner_of(project))
    english(client)
    page = text(client.get(f"/projects/{project.id}"))
    assert "The first tranche becomes due when the signed agreement is recorded" in page
    assert 'data-status="signing"' in page
    assert "Not yet signed" in page


# ------------------------------------------------------------------------- signing the agreement


def test_signing_without_a_date_is_refused_beside_the_date(client, login_as, r):
    project = r["projects"][0]
    login_as(r["admin"])
    english(client)
    page = refused(
        client.post(
            f"/admin/projects/{project.id}/sign",
            data={"signed_on": "", "agreement": (pdf().stream, "agreement.pdf")},
            content_type="multipart/form-data",
        )
    )
    form = section(page, "sign")
    date_part = form[form.index('id="signed_on"') : form.index('id="agreement"')]
    assert "Enter the date the agreement was signed." in date_part
    assert db.session.get(Project, project.id).status is ProjectStatus.SIGNING


def test_a_text_file_named_pdf_is_refused_beside_the_upload_keeping_the_date(client, login_as, r):
    project = r["projects"][0]
    login_as(r["admin"])
    english(client)
    day = local_today().isoformat()
    page = refused(
        client.post(
            f"/admin/projects/{project.id}/sign",
            data={"signed_on": day, "agreement": (pdf(data=b"plain text\n").stream, "a.pdf")},
            content_type="multipart/form-data",
        )
    )
    form = section(page, "sign")
    assert (
        "Upload the agreement as a PDF or a JPEG/PNG scan." in form[form.index('id="agreement"') :]
    )
    assert f'value="{day}"' in form
    assert (
        db.session.scalar(select(ProjectFile.id).where(ProjectFile.project_id == project.id))
        is None
    )


def test_signing_records_the_scan_and_makes_the_first_tranche_due(client, login_as, r):
    project = r["projects"][0]
    login_as(r["admin"])
    response = client.post(
        f"/admin/projects/{project.id}/sign",
        data={"signed_on": local_today().isoformat(), "agreement": (pdf().stream, "协议.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{project.id}#tranches")
    project = db.session.get(Project, project.id)
    assert project.status is ProjectStatus.ACTIVE
    assert project.tranches[0].status is T.DUE
    page = text(client.get(f"/projects/{project.id}"))
    link = f"/projects/{project.id}/files/{project.agreement_file_id}"
    assert link in page
    served = client.get(link)
    assert served.status_code == 200 and served.data == PDF
    assert served.mimetype == "application/pdf"
    # the organisation's members may open it too
    login_as(owner_of(project))
    assert client.get(link).data == PDF


# ---------------------------------------------------------------------------------- payments


def test_a_refused_payment_keeps_the_reference_typed(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    tranche = project.tranches[0]
    login_as(r["admin"])
    english(client)
    future = local_today().replace(year=local_today().year + 1).isoformat()
    page = refused(
        client.post(
            f"/admin/projects/tranches/{tranche.id}/pay",
            data={f"pay-{tranche.id}-paid_on": future, f"pay-{tranche.id}-reference": "BK-TYPED-7"},
        )
    )
    form = section(page, f"pay-{tranche.id}")
    date_part = form[: form.index(f'id="pay-{tranche.id}-reference"')]
    assert "The payment date cannot be in the future." in date_part
    assert 'value="BK-TYPED-7"' in form and f'value="{future}"' in form
    assert db.session.get(type(tranche), tranche.id).status is T.DUE


def test_paying_a_tranche_that_is_not_due_is_refused_with_a_message(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    pending = project.tranches[1]
    login_as(r["admin"])
    english(client)
    page = refused(
        client.post(
            f"/admin/projects/tranches/{pending.id}/pay",
            data={
                f"pay-{pending.id}-paid_on": local_today().isoformat(),
                f"pay-{pending.id}-reference": "BK-1",
            },
        )
    )
    assert "Only a due tranche can be paid; this one is Not yet due." in page
    assert db.session.get(type(pending), pending.id).status is T.PENDING


def test_recording_a_payment_shows_on_the_organisations_page(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    tranche = project.tranches[0]
    login_as(r["admin"])
    response = client.post(
        f"/admin/projects/tranches/{tranche.id}/pay",
        data={
            f"pay-{tranche.id}-paid_on": local_today().isoformat(),
            f"pay-{tranche.id}-reference": "建行-20260601-01",
        },
    )
    assert response.status_code == 302
    again = client.post(
        f"/admin/projects/tranches/{tranche.id}/pay",
        data={
            f"pay-{tranche.id}-paid_on": local_today().isoformat(),
            f"pay-{tranche.id}-reference": "建行-DOUBLE",
        },
    )
    assert again.status_code == 422  # paid once only
    login_as(owner_of(project))
    page = text(client.get(f"/projects/{project.id}"))
    row = re.search(rf'<tr data-tranche="{tranche.id}">(.*?)</tr>', page, re.S).group(1)
    assert "建行-20260601-01" in row and 'data-tranche-status="paid"' in row
    assert "建行-DOUBLE" not in page
    assert "¥12,500.00" in section(page, "tranches")


def test_a_suspended_project_takes_no_payment_through_the_page(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    tranche = project.tranches[0]
    login_as(r["admin"])
    english(client)
    assert (
        client.post(f"/admin/projects/{project.id}/suspend", data={"suspend-reason": "整改"})
    ).status_code == 302
    page = refused(
        client.post(
            f"/admin/projects/tranches/{tranche.id}/pay",
            data={
                f"pay-{tranche.id}-paid_on": local_today().isoformat(),
                f"pay-{tranche.id}-reference": "BK-9",
            },
        )
    )
    assert "no payments now" in page
    assert 'data-testid="status-reason"' in page and "整改" in page


# -------------------------------------------------------------------- withholding, terminating


def test_withholding_without_a_reason_is_refused_beside_the_reason(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    second = project.tranches[1]
    login_as(r["admin"])
    english(client)
    page = refused(
        client.post(
            f"/admin/projects/tranches/{second.id}/withhold",
            data={f"withhold-{second.id}-reason": ""},
        )
    )
    details = section(page, f"withhold-{second.id}")
    assert details.split(">", 1)[0].rstrip().endswith("open")  # shown open
    assert "Give the reason the tranche is withheld." in details
    response = client.post(
        f"/admin/projects/tranches/{second.id}/withhold",
        data={f"withhold-{second.id}-reason": "中期评估不合格"},
    )
    assert response.status_code == 302
    tranche = db.session.get(type(second), second.id)
    assert tranche.status is T.WITHHELD and tranche.reason == "中期评估不合格"


def test_terminating_asks_for_confirmation_then_releases_unpaid_tranches(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    pay(project.tranches[0], r["admin"])
    login_as(r["admin"])
    english(client)
    page = text(client.get(f"/projects/{project.id}"))
    warning = section(page, "state-terminate")
    assert "unpaid tranches (¥12,500.00) return to the fund" in warning
    page = refused(
        client.post(
            f"/admin/projects/{project.id}/terminate", data={"terminate-reason": "机构注销"}
        )
    )
    form = section(page, "state-terminate")
    assert "Tick the box to confirm the termination." in form
    assert "机构注销" in form  # the reason typed is kept
    response = client.post(
        f"/admin/projects/{project.id}/terminate",
        data={"terminate-reason": "机构注销", "terminate-confirm": "y"},
    )
    assert response.status_code == 302
    project = db.session.get(Project, project.id)
    assert project.status is ProjectStatus.TERMINATED
    assert [t.status for t in project.tranches] == [T.PAID, T.RELEASED, T.RELEASED]
    page = text(client.get(f"/projects/{project.id}"))
    assert "¥12,500.00 of unpaid tranches returns to the fund" in page
    assert 'id="state-terminate"' not in page


def test_a_refused_terminate_without_a_reason_names_the_field(client, login_as, r):
    project = r["projects"][0]
    login_as(r["admin"])
    english(client)
    page = refused(
        client.post(
            f"/admin/projects/{project.id}/terminate",
            data={"terminate-reason": " ", "terminate-confirm": "y"},
        )
    )
    assert "Give the reason." in section(page, "state-terminate")
    assert db.session.get(Project, project.id).status is ProjectStatus.SIGNING


# ------------------------------------------------------------------------------------ access


def test_another_organisation_sees_nothing_of_the_project(client, login_as, r, make):
    project = r["projects"][0]
    sign(project, r["admin"])
    outsider = owner_of(r["projects"][1])
    login_as(outsider)
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert (
        client.get(f"/projects/{project.id}/files/{project.agreement_file_id}").status_code == 404
    )
    assert client.post(f"/admin/projects/{project.id}/sign").status_code == 404
    assert client.post(f"/admin/projects/tranches/{project.tranches[0].id}/pay").status_code == 404
    assert project.agreement_number not in text(client.get("/projects"))


def test_the_organisation_cannot_act_as_an_admin(client, login_as, r):
    project = r["projects"][0]
    sign(project, r["admin"])
    login_as(owner_of(project))
    tranche = project.tranches[0]
    posts = {
        f"/admin/projects/{project.id}/sign": {},
        f"/admin/projects/tranches/{tranche.id}/pay": {
            f"pay-{tranche.id}-paid_on": local_today().isoformat(),
            f"pay-{tranche.id}-reference": "SELF-PAID",
        },
        f"/admin/projects/tranches/{tranche.id}/withhold": {f"withhold-{tranche.id}-reason": "x"},
        f"/admin/projects/{project.id}/suspend": {"suspend-reason": "x"},
        f"/admin/projects/{project.id}/terminate": {
            "terminate-reason": "x",
            "terminate-confirm": "y",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/admin/projects").status_code == 403
    project = db.session.get(Project, project.id)
    assert project.status is ProjectStatus.ACTIVE and project.tranches[0].status is T.DUE


def test_a_street_admin_of_another_street_gets_404(client, login_as, r, make):
    project = r["projects"][0]
    sign(project, r["admin"])
    outsider = make.user(role=Role.STREET_ADMIN, street=make.street())
    login_as(outsider)
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert (
        client.get(f"/projects/{project.id}/files/{project.agreement_file_id}").status_code == 404
    )
    assert client.post(f"/admin/projects/{project.id}/suspend").status_code == 404
    assert client.post(f"/admin/projects/tranches/{project.tranches[0].id}/pay").status_code == 404
    assert project.agreement_number not in text(client.get("/admin/projects"))
    assert client.get("/projects/999999").status_code == 404


def test_a_district_admin_manages_any_project(client, login_as, r, make):
    project = r["projects"][0]
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    page = text(client.get(f"/projects/{project.id}"))
    assert 'data-testid="admin-actions"' in page and 'id="sign"' in page


# ------------------------------------------------------------------------------------- files


def _photo(project, actor, *, thumbnail: bool) -> ProjectFile:
    row = projects.store_project_file(
        project=project,
        upload=pdf("活动.jpg", JPEG),
        purpose=FilePurpose.PHOTO,
        actor=actor,
        field="photo",
    )
    if thumbnail:
        stored = files.store_upload(pdf("thumb.jpg", JPEG[:-8] + b"THUMBNAI"), field="photo")
        row.thumbnail_key = stored.storage_key
    db.session.flush()
    return row


def test_files_are_served_only_from_their_own_project(client, login_as, r):
    first, second = r["projects"]
    photo = _photo(first, owner_of(first), thumbnail=True)
    plain = _photo(first, owner_of(first), thumbnail=False)
    join(owner_of(first), second.organization)  # may see both projects
    login_as(owner_of(first))
    served = client.get(f"/projects/{first.id}/files/{photo.id}")
    assert served.status_code == 200 and served.data == JPEG
    thumb = client.get(f"/projects/{first.id}/files/{photo.id}?thumb=1")
    assert thumb.mimetype == "image/jpeg" and thumb.data.endswith(b"THUMBNAI")
    assert client.get(f"/projects/{first.id}/files/{plain.id}?thumb=1").data == JPEG
    # the file exists, but belongs to the other project
    assert client.get(f"/projects/{second.id}/files/{photo.id}").status_code == 404
    plain.removed_at = utcnow()
    db.session.flush()
    assert client.get(f"/projects/{first.id}/files/{plain.id}").status_code == 404
    assert client.get(f"/projects/{first.id}/files/999999").status_code == 404


def test_the_prefixed_action_forms_carry_a_checked_csrf_token(
    app, client, login_as, r, monkeypatch
):
    project = r["projects"][0]
    sign(project, r["admin"])
    tranche = project.tranches[0]
    login_as(r["admin"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = text(client.get(f"/projects/{project.id}"))
    token = re.search(rf'name="pay-{tranche.id}-csrf_token" [^>]*value="([^"]+)"', page).group(1)
    url = f"/admin/projects/tranches/{tranche.id}/pay"
    data = {
        f"pay-{tranche.id}-paid_on": local_today().isoformat(),
        f"pay-{tranche.id}-reference": "BK-CSRF",
    }
    assert client.post(url, data=data).status_code == 400  # no token: refused
    assert db.session.get(type(tranche), tranche.id).status is T.DUE
    assert client.post(url, data=data | {f"pay-{tranche.id}-csrf_token": token}).status_code == 302
    assert db.session.get(type(tranche), tranche.id).status is T.PAID
