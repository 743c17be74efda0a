"""Answers to a call's own questions after submission: the versions' differences, the
reviewer's page (identifying answers hidden in blind review), the screening list's and the
Excel export's columns, and a ranking page whose queries do not grow with questions."""

import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage

from microventure.applications import services as applications
from microventure.applications.models import ApplicationAnswer, ApplicationStatus
from microventure.calls import questions as call_questions
from microventure.calls.models import FormSection, QuestionKind
from microventure.extensions import db
from microventure.reviews import services as reviews
from tests.helpers_calls import complete_content
from tests.helpers_reviews import due, eligible_round
from tests.test_ranking_pages import page as ranking_page
from tests.test_ranking_pages import scored_round
from tests.test_reviewer_pages import assignment_of, client_for, page, sign

K = QuestionKind
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# kind → (label, typed answer, how a reader sees it)
ASKED = {
    K.SHORT_TEXT: ("项目负责人姓名", "李明华", "李明华"),
    K.LONG_TEXT: ("以往同类项目经验", "连续三年开展长者服务", "连续三年开展长者服务"),
    K.NUMBER: ("服务楼栋的户数", Decimal("1200"), "1200 户"),
    K.MONEY: ("其他渠道已筹资金", 3_000_50, "¥3,000.50"),
    K.DATE: ("计划启动日期", date(2027, 3, 15), "2027-03-15"),
    K.SINGLE_CHOICE: ("服务对象类型", "独居长者", "独居长者"),
    K.MULTIPLE_CHOICE: ("合作单位类型", ["居委会", "志愿队"], "居委会、志愿队"),
    K.YES_NO: ("是否持有居家养老服务资质", True, None),
    K.FILE: ("资质证书扫描件", None, "资质证书.pdf"),
}
OPTIONS = {
    K.SINGLE_CHOICE: ["独居长者", "困境儿童"],
    K.MULTIPLE_CHOICE: ["居委会", "社工站", "志愿队"],
}


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def ask_everything(call, admin) -> dict:
    asked = {}
    for kind, (label, _typed, _shown) in ASKED.items():
        spec = call_questions.QuestionSpec(
            kind=kind,
            label_zh=label,
            required=True,
            section=FormSection.PROJECT,
            choices=OPTIONS.get(kind, []),
            unit="户" if kind is K.NUMBER else "",
            identifying=kind in (K.SHORT_TEXT, K.FILE),
        )
        asked[kind] = call_questions.add_question(call=call, spec=spec, actor=admin)
    return asked


def answered_application(world, make, asked, **answers):
    """A complete application answering every question, submitted and found eligible."""
    call, admin = world["call"], world["admin"]
    owner = make.user()
    org = make.organization(street=world["street"], owner=owner)
    application = applications.start_application(call=call, organization=org, actor=owner)
    typed = {asked[k].id: v for k, (_l, v, _s) in ASKED.items() if k is not K.FILE}
    typed |= {asked[k].id: v for k, v in answers.items()}
    applications.save_draft(
        application=application,
        content=complete_content(call, answers=typed),
        actor=owner,
    )
    applications.answer_with_file(
        application=application,
        question=asked[K.FILE],
        upload=FileStorage(io.BytesIO(PDF), filename="资质证书.pdf"),
        actor=owner,
    )
    applications.submit(application=application, actor=owner)
    applications.screen(
        application=application, decision=ApplicationStatus.ELIGIBLE, reason="", actor=admin
    )
    return application, owner


def reviewed_world(make, *, blind: bool):
    world = eligible_round(
        make, applications_count=0, reviewers=1, reviewers_per_application=1, blind_review=blind
    )
    asked = ask_everything(world["call"], world["admin"])
    application, _owner = answered_application(world, make, asked)
    call = world["call"]
    reviews.apply_plan(call=call, planned=reviews.plan(call), due_on=due(), actor=world["admin"])
    db.session.commit()
    return world, asked, application


def test_reviewers_read_every_answer_in_an_open_call(app, make, uploads):
    world, _asked, application = reviewed_world(make, blind=False)
    reviewer = world["pool"][0]
    client = client_for(app, reviewer)
    assignment = assignment_of(reviewer, application)
    sign(client, assignment)
    html = page(client, f"/reviews/{assignment.id}")
    for kind, (label, _typed, shown) in ASKED.items():
        assert label in html, kind
        if shown:
            assert shown in html, kind


def test_a_blind_review_hides_the_answers_marked_identifying(app, make, uploads):
    world, _asked, application = reviewed_world(make, blind=True)
    reviewer = world["pool"][0]
    client = client_for(app, reviewer)
    assignment = assignment_of(reviewer, application)
    sign(client, assignment)
    html = page(client, f"/reviews/{assignment.id}")
    assert "项目负责人姓名" in html and "李明华" not in html  # identifying: hidden
    assert "资质证书.pdf" not in html
    (licence,) = [a for a in application.current_attachments if a.original_name == "资质证书.pdf"]
    assert f"/attachments/{licence.id}" not in html  # nor can the file be opened
    page(client, f"/reviews/{assignment.id}/attachments/{licence.id}", 404)
    for kind in (K.NUMBER, K.MONEY, K.MULTIPLE_CHOICE):
        assert ASKED[kind][2] in html, kind  # the others are shown


def test_a_resubmission_s_differences_include_the_answers(client, make, login_as, uploads):
    world = eligible_round(make, applications_count=0, reviewers=1)
    asked = ask_everything(world["call"], world["admin"])
    application, owner = answered_application(world, make, asked)
    admin = world["admin"]
    db.session.refresh(application)
    application.status = ApplicationStatus.SUBMITTED  # back before screening, to return it
    applications.screen(
        application=application,
        decision=ApplicationStatus.RETURNED,
        reason="请补充户数",
        actor=admin,
    )
    changed = complete_content(
        world["call"], answers={asked[K.NUMBER].id: Decimal("1500"), asked[K.YES_NO].id: False}
    )
    applications.save_draft(application=application, content=changed, actor=owner)
    applications.submit(application=application, actor=owner)
    db.session.commit()
    first, _second = application.versions
    assert {a["question_id"]: a["value"] for a in first.snapshot["answers"]}[
        asked[K.NUMBER].id
    ] == "1200"
    login_as(admin)
    html = client.get(f"/applications/{application.id}/versions/2").get_data(as_text=True)
    assert "服务楼栋的户数" in html and "1200 户" in html and "1500 户" in html
    assert "是否持有居家养老服务资质" in html
    assert "项目负责人姓名" not in html  # unchanged answers are not listed as differences


def test_the_screening_list_and_the_excel_export_show_a_column_per_question(
    client, make, login_as, uploads
):
    world = eligible_round(make, applications_count=0, reviewers=1)
    asked = ask_everything(world["call"], world["admin"])
    _application, _owner = answered_application(world, make, asked)
    db.session.commit()
    call = world["call"]
    login_as(world["admin"])
    html = client.get(f"/admin/calls/{call.id}/applications").get_data(as_text=True)
    for kind in (K.NUMBER, K.MONEY, K.MULTIPLE_CHOICE, K.FILE):
        label, _typed, shown = ASKED[kind]
        assert label in html and shown in html, kind

    response = client.get(f"/admin/calls/{call.id}/applications.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[3]]
    row = dict(
        zip(header, next(sheet.iter_rows(min_row=4, max_row=4, values_only=True)), strict=False)
    )
    assert row["项目负责人姓名"] == "李明华"
    assert row["服务楼栋的户数（户）"] == 1200
    assert row["其他渠道已筹资金（元）"] == Decimal("3000.50")
    assert row["计划启动日期"].date() == date(2027, 3, 15)
    assert row["合作单位类型"] == "居委会、志愿队"
    assert row["是否持有居家养老服务资质"] == "是"
    assert row["资质证书扫描件"] == "资质证书.pdf"


def test_questions_and_answers_do_not_change_the_ranking_page_s_queries(
    client, make, login_as, count_queries
):
    world = scored_round(make, applications=6, code="QCOUNT-2026")
    call, admin = world["call"], world["admin"]
    login_as(admin)
    db.session.commit()
    ranking_page(client, call)  # warm: the first request of a login may write

    def measured() -> int:
        with count_queries() as queries:
            html = ranking_page(client, call)
        assert all(a.reference in html for a in world["applications"])
        global last
        last = queries.statements
        return queries.count

    before = measured()
    first = last
    for n in range(5):
        spec = call_questions.QuestionSpec(kind=K.NUMBER, label_zh=f"问题{n}")
        question = call_questions.add_question(call=call, spec=spec, actor=admin)
        for application in world["applications"]:
            db.session.add(
                ApplicationAnswer(application_id=application.id, question_id=question.id, number=n)
            )
    db.session.commit()
    ranking_page(client, call)
    assert measured() == before, sorted((Counter(last) - Counter(first)).elements())
