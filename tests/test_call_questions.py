"""A call's own questions end to end: the admin defines each kind through the pages, the
applicant answers them in their sections, wrong answers are refused next to their field with
every other problem, answers go into the snapshot; ordering, locking after the first
submission, copying a call and the district's library."""

import io
import re

import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.applications import services
from microventure.applications.models import Application, ApplicationAnswer, ApplicationStatus
from microventure.calls import questions as call_questions
from microventure.calls import services as calls
from microventure.calls.models import Call, CallQuestion, FormSection, QuestionKind
from microventure.core.errors import DomainError
from microventure.extensions import db
from tests.helpers_calls import complete_content, make_call, make_fund
from tests.test_application_pages import PDF, full_form, marked_invalid, start, upload_data

K = QuestionKind

# What the admin types for a question of each kind (the question form's fields).
DEFINITIONS = {
    K.SHORT_TEXT: {"label_zh": "项目负责人姓名", "section": "team", "identifying": "y"},
    K.LONG_TEXT: {"label_zh": "以往同类项目经验", "section": "project"},
    K.NUMBER: {
        "label_zh": "服务楼栋的户数",
        "unit": "户",
        "min_value": "1",
        "max_value": "5000",
        "section": "basics",
    },
    K.MONEY: {"label_zh": "其他渠道已筹资金", "section": "budget"},
    K.DATE: {"label_zh": "计划启动日期", "section": "basics"},
    K.SINGLE_CHOICE: {"label_zh": "服务对象类型", "choices": "独居长者\n困境儿童\n残障人士"},
    K.MULTIPLE_CHOICE: {
        "label_zh": "合作单位类型",
        "choices": "居委会\n社工站\n志愿队",
        "section": "risks",
    },
    K.YES_NO: {"label_zh": "是否持有居家养老服务资质"},
    K.FILE: {"label_zh": "资质证书扫描件", "section": "attachments"},
}

# Good answers, as the browser posts them, and what each is stored as.
GOOD = {
    K.SHORT_TEXT: ("陈社工", "陈社工"),
    K.LONG_TEXT: ("三年长者服务经验", "三年长者服务经验"),
    K.NUMBER: ("1,200", "1200"),
    K.MONEY: ("3,000.50", 300050),
    K.DATE: ("2027-03-15", "2027-03-15"),
    K.SINGLE_CHOICE: ("独居长者", "独居长者"),
    K.MULTIPLE_CHOICE: (["居委会", "志愿队"], ["居委会", "志愿队"]),
    K.YES_NO: ("yes", True),
}
# Answers that cannot be stored (refused by the form) or submitted (refused by the rules).
BAD = {
    K.NUMBER: ("很多", "Enter a number."),
    K.MONEY: ("-5", "Enter an amount in yuan with at most two decimals, e.g. 1234.50."),
    K.DATE: ("明年三月", "Type the date as 2027-03-15."),
    K.SINGLE_CHOICE: ("外星人", "Choose one of the options offered."),
}


def said(app, message: str, **values) -> str:
    """``message`` as the page says it (in the default language, escaped as HTML shows it)."""
    with app.test_request_context():
        return str(escape(gettext(message, **values)))


@pytest.fixture
def world(app, make, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    applicant = make.user()
    org = make.organization(street=street, owner=applicant)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    return {"street": street, "admin": admin, "applicant": applicant, "org": org, "call": call}


def define(client, call, kind, **extra):
    data = {"kind": kind.value, "section": "project"} | DEFINITIONS[kind] | {"required": "y"}
    response = client.post(f"/admin/calls/{call.id}/questions", data=data | extra)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalars(
        select(CallQuestion).where(CallQuestion.call_id == call.id).order_by(CallQuestion.id.desc())
    ).first()


def define_all(client, world) -> dict[QuestionKind, CallQuestion]:
    return {kind: define(client, world["call"], kind) for kind in K}


def test_the_admin_defines_every_kind_and_the_page_lists_them_in_order(client, world, login_as):
    login_as(world["admin"])
    defined = define_all(client, world)
    page = client.get(f"/admin/calls/{world['call'].id}/questions").get_data(as_text=True)
    positions = [page.index(DEFINITIONS[k]["label_zh"]) for k in K]
    assert positions == sorted(positions)
    number = defined[K.NUMBER]
    assert (number.unit, number.min_value, number.max_value) == ("户", 1, 5000)
    assert defined[K.SINGLE_CHOICE].choices == ["独居长者", "困境儿童", "残障人士"]
    assert defined[K.SHORT_TEXT].identifying and defined[K.SHORT_TEXT].section is FormSection.TEAM
    assert defined[K.FILE].unit == "" and defined[K.FILE].choices == []


def test_a_wrong_definition_is_refused_with_every_problem(app, client, world, login_as):
    login_as(world["admin"])
    response = client.post(
        f"/admin/calls/{world['call'].id}/questions",
        data={
            "kind": "single_choice",
            "section": "project",
            "label_zh": "",
            "choices": "只有一个",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert said(app, "Give the question in Chinese, at most 200 characters.") in page
    assert said(app, "Give from 2 to %(n)s different options, one a line.", n=30) in page
    assert marked_invalid(page, "label_zh") and marked_invalid(page, "choices")
    response = client.post(
        f"/admin/calls/{world['call'].id}/questions",
        data={
            "kind": "number",
            "section": "basics",
            "label_zh": "户数",
            "min_value": "9",
            "max_value": "1",
        },
    )
    assert said(app, "The smallest number cannot be above the largest.") in response.get_data(
        as_text=True
    )
    assert world["call"].questions == []


def test_up_and_down_reorder_and_edit_and_remove_work_before_any_submission(
    app, client, world, login_as
):
    login_as(world["admin"])
    call = world["call"]
    first, second, third = (define(client, call, k) for k in (K.SHORT_TEXT, K.NUMBER, K.YES_NO))
    url = f"/admin/calls/{call.id}/questions"
    client.post(f"{url}/{third.id}/move", data={"direction": "up"})
    client.post(f"{url}/{first.id}/move", data={"direction": "up"})  # already first: no change
    db.session.expire_all()
    assert [q.id for q in call.questions] == [first.id, third.id, second.id]
    # down swaps it with a question of a larger id (a flush updates rows in id order)
    assert client.post(f"{url}/{first.id}/move", data={"direction": "down"}).status_code == 302
    db.session.expire_all()
    assert [q.id for q in call.questions] == [third.id, first.id, second.id]
    assert client.post(f"{url}/{first.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.id for q in call.questions] == [first.id, third.id, second.id]
    page = client.get(url).get_data(as_text=True)
    assert page.index("是否持有居家养老服务资质") < page.index("服务楼栋的户数")

    response = client.post(
        f"{url}/{second.id}", data={"kind": "number", "section": "basics", "label_zh": "服务户数"}
    )
    assert response.status_code == 302
    client.post(f"{url}/{first.id}/remove")
    db.session.expire_all()
    assert [q.label_zh for q in call.questions] == ["是否持有居家养老服务资质", "服务户数"]
    timeline = client.get(f"/admin/calls/{call.id}").get_data(as_text=True)
    assert said(app, "Question removed: “%(label)s”.", label="项目负责人姓名") in timeline
    assert said(app, "Question added: “%(label)s”.", label="服务楼栋的户数") in timeline


def answers_form(defined, *, bad: set = frozenset()) -> dict:
    data = {}
    for kind, (typed, _stored) in GOOD.items():
        data[f"q_{defined[kind].id}"] = BAD[kind][0] if kind in bad else typed
    return data


def stored(application, question):
    return db.session.scalar(
        select(ApplicationAnswer).where(
            ApplicationAnswer.application_id == application.id,
            ApplicationAnswer.question_id == question.id,
        )
    )


def test_every_kind_answered_refused_fixed_submitted_and_in_the_snapshot(
    app, client, world, login_as
):
    login_as(world["admin"])
    defined = define_all(client, world)
    client.get("/auth/logout")
    client.post("/auth/logout")
    login_as(world["applicant"])
    application = start(client, world)

    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    for kind in K:
        assert f'name="q_{defined[kind].id}"' in page, kind
    # each in its section: the number in the basics, before the summary
    assert page.index(f'name="q_{defined[K.NUMBER].id}"') < page.index('name="summary"')
    assert page.index(f'name="q_{defined[K.FILE].id}"') > page.index('id="attachments"')

    # Submitting with nothing answered lists every required question with the other problems.
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="submit") | upload_data(),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for kind in K:
        label = DEFINITIONS[kind]["label_zh"]
        assert said(app, "Answer this question: %(question)s", question=label) in page, kind
        assert marked_invalid(page, f"q_{defined[kind].id}") or kind is K.MULTIPLE_CHOICE
    assert db.session.get(Application, application.id).status is ApplicationStatus.DRAFT

    # Wrong answers are refused next to their field; the rest of what was typed is saved.
    bad = set(BAD)
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="save") | answers_form(defined, bad=bad),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for kind in bad:
        assert said(app, BAD[kind][1]) in page, kind
        assert marked_invalid(page, f"q_{defined[kind].id}"), kind
        assert f'value="{BAD[kind][0]}"' in page or kind is K.SINGLE_CHOICE  # kept as typed
    db.session.expire_all()
    assert stored(application, defined[K.SHORT_TEXT]).text == "陈社工"
    assert stored(application, defined[K.NUMBER]) is None

    # A number out of its bounds is saved in the draft but refused on submission.
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="submit")
        | answers_form(defined)
        | {f"q_{defined[K.NUMBER].id}": "9999"},
    )
    page = response.get_data(as_text=True)
    assert said(app, "Enter a number from %(min)s to %(max)s.", min=1, max=5000) in page
    assert said(app, "Answer this question: %(question)s", question="资质证书扫描件") in page

    # All fixed, the file uploaded with the same post: submitted.
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="submit")
        | answers_form(defined)
        | {f"q_{defined[K.FILE].id}": (io.BytesIO(PDF), "资质证书.pdf")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:5000]
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status is ApplicationStatus.SUBMITTED
    assert stored(application, defined[K.MONEY]).money == 300050
    assert stored(application, defined[K.YES_NO]).yes is True
    assert stored(application, defined[K.NUMBER]).number == 1200
    snapshot = application.versions[0].snapshot
    values = {a["question_id"]: a["value"] for a in snapshot["answers"]}
    for kind, (_typed, expected) in GOOD.items():
        assert values[defined[kind].id] == expected, kind
    assert values[defined[K.FILE].id]["name"] == "资质证书.pdf"

    # The read-only page shows the answers.
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    for label in ("服务楼栋的户数", "1200 户", "¥3,000.50", "资质证书.pdf", "居委会、志愿队"):
        assert label in page, label


def test_a_wrong_upload_for_a_file_question_is_refused_by_the_usual_checks(
    app, client, world, login_as
):
    login_as(world["admin"])
    question = define(client, world["call"], K.FILE)
    client.post("/auth/logout")
    login_as(world["applicant"])
    application = start(client, world)
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world) | {f"q_{question.id}": (io.BytesIO(b""), "空.pdf")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert said(app, "%(name)s is empty.", name="空.pdf") in page
    assert marked_invalid(page, f"q_{question.id}")
    db.session.expire_all()
    assert db.session.get(Application, application.id).title == "长者智能手机课堂"  # saved


def submitted_application(world):
    application = services.start_application(
        call=world["call"], organization=world["org"], actor=world["applicant"]
    )
    services.save_draft(
        application=application, content=complete_content(world["call"]), actor=world["applicant"]
    )
    from werkzeug.datastructures import FileStorage

    from microventure.calls.models import AttachmentKind

    services.add_attachment(
        application=application,
        kind=AttachmentKind.PROJECT_PLAN,
        upload=FileStorage(io.BytesIO(PDF), filename="plan.pdf"),
        actor=world["applicant"],
    )
    services.submit(application=application, actor=world["applicant"])
    return application


def test_after_the_first_submission_only_optional_questions_can_be_added(app, world):
    call, admin = world["call"], world["admin"]
    asked = call_questions.add_question(
        call=call,
        spec=call_questions.QuestionSpec(kind=K.YES_NO, label_zh="是否备案"),
        actor=admin,
    )
    submitted_application(world)
    assert not call_questions.questions_editable(call)
    spec = call_questions.QuestionSpec(kind=K.SHORT_TEXT, label_zh="联系人", required=True)
    optional = "Applications have been submitted: a question added now must be optional."
    locked = (
        "Applications have been submitted (or the call is closed to changes): its questions "
        "can no longer be changed, only optional ones added."
    )
    with pytest.raises(DomainError) as refused:
        call_questions.add_question(call=call, spec=spec, actor=admin)
    assert str(refused.value) == said(app, optional)
    for change in (
        lambda: call_questions.remove_question(question=asked, actor=admin),
        lambda: call_questions.move_question(question=asked, up=False, actor=admin),
        lambda: call_questions.update_question(question=asked, spec=spec, actor=admin),
    ):
        with pytest.raises(DomainError) as refused:
            change()
        assert str(refused.value) == said(app, locked)
    added = call_questions.add_question(
        call=call,
        spec=call_questions.QuestionSpec(kind=K.SHORT_TEXT, label_zh="联系人"),
        actor=admin,
    )
    assert not added.required and len(call.questions) == 2


def test_the_questions_page_says_they_are_locked_and_offers_no_changes(
    app, client, world, login_as
):
    call_questions.add_question(
        call=world["call"],
        spec=call_questions.QuestionSpec(kind=K.YES_NO, label_zh="是否备案"),
        actor=world["admin"],
    )
    submitted_application(world)
    db.session.commit()
    login_as(world["admin"])
    page = client.get(f"/admin/calls/{world['call'].id}/questions").get_data(as_text=True)
    assert 'data-testid="questions-locked"' in page
    assert "/move" not in page and "/remove" not in page
    assert said(app, "Add the question") in page


def test_a_copied_call_keeps_its_questions(world):
    admin = world["admin"]
    fund = make_fund(actor=admin, street=world["street"], raised=700_000_00, name="第二个基金")
    call = make_call(actor=admin, fund=fund, code="NC-2026-Q", budget=100_000_00)
    for kind in (K.NUMBER, K.SINGLE_CHOICE, K.FILE):
        spec = call_questions.QuestionSpec(
            kind=kind,
            label_zh=DEFINITIONS[kind]["label_zh"],
            choices=["甲", "乙"],
            unit="户",
            min_value=1,
            required=kind is K.FILE,
            identifying=kind is K.FILE,
        )
        call_questions.add_question(call=call, spec=spec, actor=admin)
    copy = calls.copy_call(call=call, actor=admin)
    db.session.expire_all()
    copy = db.session.get(Call, copy.id)
    assert [
        (q.kind, q.label_zh, q.choices, q.unit, q.required, q.identifying) for q in copy.questions
    ] == [
        (q.kind, q.label_zh, q.choices, q.unit, q.required, q.identifying) for q in call.questions
    ]
    assert {q.id for q in copy.questions}.isdisjoint({q.id for q in call.questions})


def test_the_district_library_offers_questions_a_call_starts_from(client, make, world, login_as):
    district = make.user(role=Role.DISTRICT_ADMIN)
    login_as(district)
    response = client.post(
        "/admin/question-library",
        data={
            "kind": "yes_no",
            "section": "basics",
            "label_zh": "是否持有居家养老服务资质",
            "required": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/question-library").get_data(as_text=True)
    assert "是否持有居家养老服务资质" in page
    template_id = int(re.search(r"/admin/question-library/(\d+)/archive", page)[1])

    client.post("/auth/logout")
    login_as(world["admin"])  # a street admin uses the library, but does not keep it
    assert client.get("/admin/question-library").status_code == 403
    page = client.get(f"/admin/calls/{world['call'].id}/questions").get_data(as_text=True)
    assert "是否持有居家养老服务资质" in page  # offered
    response = client.post(
        f"/admin/calls/{world['call'].id}/questions/from-library",
        data={"template_id": str(template_id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    (question,) = world["call"].questions
    assert question.label_zh == "是否持有居家养老服务资质" and question.required
    assert question.template_id == template_id


def test_questions_of_another_street_s_call_are_not_found(client, make, world, login_as):
    other = make.user(role=Role.STREET_ADMIN, street=make.street())
    login_as(other)
    assert client.get(f"/admin/calls/{world['call'].id}/questions").status_code == 404
    response = client.post(
        f"/admin/calls/{world['call'].id}/questions",
        data={"kind": "yes_no", "section": "basics", "label_zh": "偷加的问题"},
    )
    assert response.status_code == 404
    assert world["call"].questions == []


def test_an_english_reader_sees_the_english_label_and_a_removed_file_unanswers(
    app, client, world, login_as
):
    call, admin = world["call"], world["admin"]
    spec = call_questions.QuestionSpec(
        kind=K.FILE, label_zh="资质证书", label_en="Licence", required=True
    )
    question = call_questions.add_question(call=call, spec=spec, actor=admin)
    db.session.commit()
    login_as(world["applicant"])
    application = start(client, world)
    client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world) | {f"q_{question.id}": (io.BytesIO(PDF), "licence.pdf")},
    )
    page = client.get(f"/applications/{application.id}/edit?lang=en").get_data(as_text=True)
    assert "Licence" in page and "licence.pdf" in page
    db.session.expire_all()
    (attachment,) = db.session.get(Application, application.id).current_attachments
    client.post(f"/applications/{application.id}/attachments/{attachment.id}/remove")
    response = client.post(
        f"/applications/{application.id}/edit", data=full_form(world, action="check")
    )
    assert "Answer this question: 资质证书" in response.get_data(as_text=True)
