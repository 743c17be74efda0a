"""Shared set-up for the report and budget execution tests (no tests here): an active project
whose period began three months ago, its organisation's owner and the street admin."""

import io
from datetime import timedelta

import pytest
from flask import g
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.models import Report, ReportKind
from microventure.projects.reports import budget
from microventure.projects.reports import services as reports
from tests.helpers_decisions import finalized_round
from tests.helpers_reviews import pdf


@pytest.fixture
def english(app):
    """Service messages in English (the msgids), whatever the zh catalogue holds."""
    g.messages_in = "en"  # force_locale needs a non-empty ``g``
    with force_locale("en"):
        yield


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Receipts and agreement scans go to the test's own folder."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


class World:
    """``finalized_round`` with its projects signed (active) and started 90 days ago."""

    def __init__(self, make, *, amounts=(20_000_00, 25_000_00), **call_overrides):
        self.make = make
        r = finalized_round(make, amounts=amounts, **call_overrides)
        self.round = r
        self.admin, self.call, self.street = r["admin"], r["call"], r["street"]
        self.projects = sorted(r["projects"], key=lambda p: amounts.index(p.amount))
        for project in self.projects:
            projects.sign_agreement(
                project=project, signed_on=local_today(), upload=pdf(), actor=self.admin
            )
            project.starts_on = local_today() - timedelta(days=90)
        db.session.flush()
        self.project = self.projects[0]
        self.owner = self.owner_of(self.project)

    @staticmethod
    def owner_of(project):
        return next(m.user for m in project.organization.members if m.is_owner)

    def report(self, kind=ReportKind.MIDTERM, project=None) -> Report:
        project = project or self.project
        return next(r for r in db.session.query(Report).filter_by(project_id=project.id, kind=kind))

    def lines(self, project=None):
        """The grant budget lines by category value: activities ¥20,000 and personnel ¥5,000."""
        project = project or self.project
        return {line.category.value: line for line in project.application.budget_lines}

    def fill(self, report, *, narrative="开展了十次课堂", assessment="基本达到目标", actual=120):
        indicators = report.project.application.indicators
        return reports.save_report(
            report=report,
            narrative=narrative,
            self_assessment=assessment,
            actuals={i.id: (actual, "") for i in indicators},
            actor=self.owner_of(report.project),
        )

    def spend(self, report, category, amount, *, days_ago=10, payee="文具店", receipt=None):
        return budget.add_expenditure(
            report=report,
            budget_line_id=self.lines(report.project)[category].id,
            amount=amount,
            spent_on=local_today() - timedelta(days=days_ago),
            payee=payee,
            receipt=receipt,
            actor=self.owner_of(report.project),
        )

    def submit(self, report):
        self.fill(report)
        return reports.submit_report(report=report, actor=self.owner_of(report.project))


def jpeg(name="receipt.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(b"\xff\xd8\xff\xe0" + b"0" * 64), filename=name)


def text_file(name="receipt.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(b"just some text"), filename=name)
