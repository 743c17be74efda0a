"""The PDF report upward: one click on the dashboard, the seed round's figures in its text."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.helpers_stats import seed_round


@pytest.fixture
def world(make):
    return seed_round(make)


def pdf_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_districts_report_has_the_seed_figures(client, login_as, world):
    login_as(world.district_admin)
    dashboard = client.get("/admin/stats").get_data(as_text=True)
    link = re.search(r'href="(/admin/stats/report\.pdf[^"]*)"', dashboard).group(1)
    text = pdf_text(client, link)
    # the summary in the words of the seed: raised, applications, projects, activities
    assert "全区社区微创投成效报告" in text and "¥1,150,000.00" in text
    assert "收到112份申报" in text and "立项71个项目" in text and "开展活动196场" in text
    for street in ("南村镇", "桥南街", "市桥街"):
        assert street in text
    assert "¥923,000.00" in text  # the funded projects' total
    assert "社区项目1" in text  # the list of funded projects


def test_a_street_reports_its_own_round(client, login_as, world):
    login_as(world.street_admins["桥南街"])
    text = pdf_text(client, "/admin/stats/report.pdf")
    assert "¥350,000.00" in text and "收到38份申报" in text and "立项24个项目" in text
    assert "南村镇" not in text and "市桥街" not in text


def test_the_report_is_for_admins(client, login_as, make):
    login_as(make.user())
    assert client.get("/admin/stats/report.pdf").status_code == 403
