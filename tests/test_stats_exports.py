"""The Excel exports, opened with openpyxl: the office layout (title, 序号, headers in the
reader's language, a 合计 row, 元 with two decimals) and the seed round's figures."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.helpers_stats import GRANTED, REQUESTED, seed_round


@pytest.fixture
def world(make):
    return seed_round(make)


def workbook(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(response.data))


def table(sheet):
    """(headers, data rows, 合计 row) of an office sheet, as dictionaries by header."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if row[0] in ("序号", "No."))
    headers = rows[start]
    data = [dict(zip(headers, row, strict=True)) for row in rows[start + 1 : -1]]
    assert [row[headers[0]] for row in data] == list(range(1, len(data) + 1))
    total = dict(zip(headers, rows[-1], strict=True))
    assert total[headers[0]] in ("合计", "Total")
    return list(headers), data, total


def test_the_dashboards_figures(client, login_as, world):
    login_as(world.district_admin)
    book = workbook(client, "/admin/stats.xlsx")
    assert book.sheetnames == ["按镇街", "按项目征集", "按服务领域", "按月份"]
    sheet = book["按镇街"]
    assert sheet["A1"].value == "社区微创投成效统计 · 按镇街" and sheet["A1"].font.bold
    assert "全区各镇街及区级" in sheet["A2"].value and "北京时间" in sheet["A2"].value
    headers, rows, total = table(sheet)
    assert headers[:4] == ["序号", "按镇街", "已收到申报", "审查通过"]
    assert [r["按镇街"] for r in rows] == ["南村镇", "桥南街", "市桥街"]
    assert [r["已收到申报"] for r in rows] == [40, 38, 34]
    assert (total["已收到申报"], total["已立项"], total["开展活动"]) == (112, 71, 196)
    assert total["资金池 · 已筹集"] == Decimal("1150000.00")
    money = headers.index("资金池 · 已筹集") + 1
    assert sheet.cell(sheet.max_row, money).number_format == "#,##0.00"
    _h, months, month_total = table(book["按月份"])
    assert sum(r["开展活动"] for r in months) == month_total["开展活动"] == 196


def test_filters_and_language_of_the_dashboard_export(client, login_as, world):
    login_as(world.district_admin)
    street = world.streets["桥南街"].id
    _h, rows, total = table(workbook(client, f"/admin/stats.xlsx?street={street}")["按镇街"])
    assert [r["按镇街"] for r in rows] == ["桥南街"] and total["已收到申报"] == 38
    client.get("/?lang=en")
    book = workbook(client, "/admin/stats.xlsx")
    headers, _rows, total = table(book["By street"])
    assert headers[:3] == ["No.", "By street", "Applications received"]
    assert total["Applications received"] == 112


def test_the_applications_of_a_call(client, login_as, world):
    call = world.calls["南村镇"]
    login_as(world.street_admins["南村镇"])
    sheet = workbook(client, f"/admin/calls/{call.id}/applications.xlsx").active
    headers, rows, total = table(sheet)
    assert headers[:3] == ["序号", "申报编号", "项目"]
    assert len(rows) == 40
    assert total["申请资助金额（元）"] == Decimal(REQUESTED * 40) / 100
    assert total["拟资助金额（元）"] == Decimal(GRANTED * 25) / 100
    assert {r["状态"] for r in rows} == {"已立项", "不予受理", "未拟资助"}
    assert rows[0]["提交时间"].hour == 10  # submitted at 02:00 UTC: 10:00 in Shanghai
    assert (
        client.get(f"/admin/calls/{world.calls['桥南街'].id}/applications.xlsx").status_code == 404
    )


def test_the_notice_list(client, login_as, world):
    call = world.calls["市桥街"]
    login_as(world.district_admin)
    _h, rows, total = table(workbook(client, f"/admin/calls/{call.id}/notice.xlsx").active)
    assert len(rows) == 22 and total["资助金额（元）"] == Decimal(GRANTED * 22) / 100


def test_the_project_ledger(client, login_as, world):
    login_as(world.district_admin)
    book = workbook(client, "/admin/stats/ledger.xlsx")
    e = world.expected
    _h, projects, total = table(book["资助项目"])
    assert len(projects) == 71
    assert total["资助金额（元）"] == Decimal("923000.00")
    assert total["已拨付（元）"] == Decimal(e["disbursed"]) / 100
    assert total["退回资金池（元）"] == Decimal(e["returned"]) / 100
    assert total["待拨付（元）"] == Decimal(GRANTED * 71 - e["disbursed"] - e["returned"]) / 100
    _h, tranches, total = table(book["拨付批次"])
    assert len(tranches) == 71 * 3 and total["已拨付（元）"] == Decimal(e["disbursed"]) / 100
    login_as(world.street_admins["桥南街"])
    _h, projects, _t = table(workbook(client, "/admin/stats/ledger.xlsx")["资助项目"])
    assert len(projects) == 24


def test_the_activity_records(client, login_as, world):
    login_as(world.district_admin)
    sheet = workbook(client, "/admin/stats/activities.xlsx").active
    _h, rows, total = table(sheet)
    e = world.expected
    assert len(rows) == 196  # accepted ones only
    assert total["参与人次"] == e["participants"]
    assert total["解决社区问题数"] == e["problems"]
    assert Decimal(str(total["志愿服务时长（小时）"])) == e["hours"]


def test_exports_are_for_admins(client, login_as, make, world):
    login_as(make.user())
    for url in ("/admin/stats.xlsx", "/admin/stats/ledger.xlsx", "/admin/stats/activities.xlsx"):
        assert client.get(url).status_code == 403
