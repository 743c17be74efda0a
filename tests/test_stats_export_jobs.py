"""Exports of more than a few thousand rows run as a Celery task with its progress on a page and
a download link when ready; with no broker (the embedded default) the link is there at once."""

import io

import pytest
from openpyxl import load_workbook

from microventure.extensions import db
from microventure.stats.models import ExportJob, ExportStatus
from tests.helpers_stats import seed_round
from tests.test_stats_exports import table


@pytest.fixture
def world(app, make, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "STATS_EXPORT_ASYNC_ROWS", 150)
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return seed_round(make)


def test_a_large_export_is_a_job_with_a_download_link(client, login_as, world):
    login_as(world.district_admin)
    response = client.get("/admin/stats/activities.xlsx")  # 196 rows: over the limit
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert 'data-status="done"' in html and "196 / 196" in html
    assert 'http-equiv="refresh"' not in html  # ready: nothing to wait for
    job = db.session.query(ExportJob).one()
    assert job.status is ExportStatus.DONE and job.rows_done == job.rows_total == 196
    download = client.get(f"/admin/stats/exports/{job.id}/file")
    assert download.status_code == 200
    _h, rows, total = table(load_workbook(io.BytesIO(download.data)).active)
    assert len(rows) == 196 and total["参与人次"] == world.expected["participants"]
    assert (
        "活动记录" in download.headers["Content-Disposition"]
        or "filename*" in download.headers["Content-Disposition"]
    )


def test_a_small_export_is_sent_at_once(client, login_as, world):
    login_as(world.street_admins["市桥街"])
    response = client.get("/admin/stats/activities.xlsx")  # 60 rows
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


def test_a_job_in_progress_refreshes_and_is_its_owners_only(client, login_as, make, world):
    job = ExportJob(
        user_id=world.district_admin.id,
        kind="ledger",
        filters={},
        locale="zh_CN",
        rows_total=5000,
        rows_done=2000,
        status=ExportStatus.RUNNING,
    )
    db.session.add(job)
    db.session.flush()
    login_as(world.district_admin)
    html = client.get(f"/admin/stats/exports/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "2,000 / 5,000" in html
    assert client.get(f"/admin/stats/exports/{job.id}/file").status_code == 404
    login_as(world.street_admins["南村镇"])
    assert client.get(f"/admin/stats/exports/{job.id}").status_code == 404


def test_the_ledger_job_is_built_in_the_requesters_scope(client, login_as, world):
    login_as(world.street_admins["南村镇"])
    response = client.get("/admin/stats/ledger.xlsx")  # 25 projects × 3 tranches = 75 rows
    assert response.status_code == 200
    login_as(world.district_admin)
    response = client.get("/admin/stats/ledger.xlsx?lang=en")  # 213 rows: a job
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready" in job_page
    job = db.session.query(ExportJob).one()
    book = load_workbook(io.BytesIO(client.get(f"/admin/stats/exports/{job.id}/file").data))
    assert book.sheetnames == ["Projects", "Tranches"]  # in the requester's language
    _h, tranches, _t = table(book["Tranches"])
    assert len(tranches) == 213
