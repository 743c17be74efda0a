"""The application form guides a long job: communities ticked in a list of checkboxes, an index
of sections with what each still needs, a "Check" that lists every problem by the submission's
own rules without submitting, and drafts that save whatever is valid (a month typed any usual
way, a wrong field marked, never the whole draft refused)."""

import re

import pytest
from markupsafe import escape

from microventure.applications.models import ApplicationStatus
from microventure.extensions import db
from tests import test_application_pages as pages
from tests.test_application_pages import (
    expected_problems,
    full_form,
    marked_invalid,
    start,
    upload_data,
)

world = pages.world  # the fixture: a street, its admin, an applicant's organisation, a call

SECTION_ANCHORS = [
    "section-basics",
    "section-design",
    "section-activities",
    "section-indicators",
    "section-risks",
    "section-team",
    "budget",
    "attachments",
]


def missing_by_section(page: str) -> dict[str, int]:
    """The index of sections: how many fields each still needs, as the page says."""
    return {
        anchor: int(count)
        for anchor, count in re.findall(r'data-section="([\w-]+)" data-missing="(\d+)"', page)
    }


def listed(page: str) -> list[tuple[str, str]]:
    """The problems listed atop the page: (the field linked, the text)."""
    box = page.split('data-testid="problems"')[1].split("</ul>")[0]
    return re.findall(r'<a class="alert-link" href="#([\w-]+)">([^<]*)</a>', box)


# ------------------------------------------------------------------------- checkboxes (item 4)


def test_communities_are_ticked_in_a_list_of_checkboxes(client, world, login_as, make):
    street = world["street"]
    extra = make.street()  # a district-wide call offers every street's communities, by street
    world["call"].street_id = None
    db.session.flush()
    login_as(world["applicant"])
    application = start(client, world)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "<select multiple" not in page and 'multiple name="community_ids"' not in page
    assert "Ctrl" not in page and "按住" not in page
    lists = re.findall(r'<ul class="check-list" id="community_ids">.*?</ul></li></ul>', page, re.S)
    assert len(lists) == 1
    boxes = re.findall(r'<input class="form-check-input" id="(community_ids-\d+)"', lists[0])
    assert len(boxes) == 2
    for box in boxes:  # every box has its label, so the whole row can be tapped
        assert f'<label for="{box}">' in lists[0]
    # grouped under each street's name
    assert f'aria-label="{street.name}"' in lists[0] and f'aria-label="{extra.name}"' in lists[0]

    both = [str(street.communities[0].id), str(extra.communities[0].id)]
    response = client.post(
        f"/applications/{application.id}/edit", data=full_form(world, community_ids=both)
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.community_ids == sorted(int(i) for i in both)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert len(re.findall(r'<input checked [^>]*name="community_ids" type="checkbox"', page)) == 2


# --------------------------------------------------------------- index and completeness (item 5)


def test_the_index_links_every_section_and_says_what_each_still_needs(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    index = page.split('data-testid="section-index"')[1].split("</nav>")[0]
    assert re.findall(r'<a href="#([\w-]+)">', index) == SECTION_ANCHORS
    for anchor in SECTION_ANCHORS:
        assert f'id="{anchor}"' in page, anchor
    missing = missing_by_section(page)
    # title, domain, communities, direct beneficiaries; summary, need, objectives; one each
    assert missing == {
        "section-basics": 4,
        "section-design": 3,
        "section-activities": 1,
        "section-indicators": 1,
        "section-risks": 0,  # nothing there is required
        "section-team": 1,
        "budget": 1,
        "attachments": 1,
    }
    assert "4 项待完善" in index and "无缺项" in index

    # Filled in, with the project plan: every section is complete.
    response = client.post(
        f"/applications/{application.id}/attachments", data=full_form(world) | upload_data()
    )
    assert response.status_code == 302
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert set(missing_by_section(page).values()) == {0}

    # A team member without a role: the team section needs one thing, the others none.
    client.post(
        f"/applications/{application.id}/edit", data=full_form(world) | {"team-1-name": "李社工"}
    )
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert missing_by_section(page)["section-team"] == 1
    assert sum(missing_by_section(page).values()) == 1
    assert not marked_invalid(page, "team-1-role")  # a draft is not scolded on every visit


def test_check_lists_every_problem_by_the_submission_rules_without_submitting(
    app, client, world, login_as
):
    login_as(world["applicant"])
    application = start(client, world)
    partial = {"title": "长者智能手机课堂", "summary": "教长者使用智能手机", "action": "check"}
    response = client.post(f"/applications/{application.id}/edit", data=partial)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "您的草稿已保存" in page and "尚不能提交" in page
    db.session.refresh(application)
    assert application.title == "长者智能手机课堂"  # the check saved the draft first
    assert application.status is ApplicationStatus.DRAFT
    assert application.reference is None and application.versions == []
    problems = expected_problems(app, application)  # the rules submit() applies
    assert len(problems) >= 8
    for message in problems:
        assert message in page, message
    assert len(listed(page)) == len(problems)
    assert marked_invalid(page, "need_analysis") and not marked_invalid(page, "title")

    # The same check on a complete draft says so and submits nothing.
    response = client.post(
        f"/applications/{application.id}/attachments", data=full_form(world) | upload_data()
    )
    response = client.post(
        f"/applications/{application.id}/edit", data=full_form(world, action="check")
    )
    assert response.status_code == 302
    assert response.location == f"/applications/{application.id}/edit"
    page = client.get(response.location).get_data(as_text=True)
    assert "没有缺项，可以提交" in page
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DRAFT and application.reference is None


def test_check_and_submit_name_the_rows_in_the_order_the_page_shows_them(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    client.post(
        f"/applications/{application.id}/attachments", data=full_form(world) | upload_data()
    )
    data = full_form(world, action="check") | {
        "budget_lines-1-unit_price": "1.234",  # a row that cannot be saved
        "budget_lines-5-item": "",  # saved as the draft's second line; the page's third
        "activities-0-month": "",
    }
    response = client.post(f"/applications/{application.id}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    db.session.refresh(application)
    assert [line.item for line in application.budget_lines] == ["课堂物料", ""]
    found = dict(listed(page))
    # the page numbers its rows 0, 1, 2 (WTForms closes the gap rows.js leaves)
    assert set(found) == {"budget_lines-1-unit_price", "budget_lines-2-item", "activities-0-month"}
    assert found["budget_lines-2-item"] == "预算行 3：请写明该行支出的用途。"
    assert found["activities-0-month"].startswith("活动 1：")
    assert marked_invalid(page, "budget_lines-2-item")
    assert not marked_invalid(page, "budget_lines-1-item")

    # Submit with the same draft: refused with the same problems, nothing submitted.
    response = client.post(f"/applications/{application.id}/edit", data=data | {"action": "submit"})
    assert response.status_code == 200
    assert dict(listed(response.get_data(as_text=True))) == found
    assert application.status is ApplicationStatus.DRAFT


# ---------------------------------------------------------------- nothing typed is lost (item 10)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2027-03", "2027-03"),
        ("2027-3", "2027-03"),
        ("2027年3月", "2027-03"),
        ("2027 年 3 月", "2027-03"),
        ("２０２７－０３", "2027-03"),
        ("2027/3", "2027-03"),
        ("2027.03", "2027-03"),
        ("202703", "2027-03"),
        ("2027-12", "2027-12"),
    ],
)
def test_a_month_is_typed_the_usual_ways(client, world, login_as, typed, stored):
    login_as(world["applicant"])
    application = start(client, world)
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world) | {"activities-0-month": typed},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.activities[0].month == stored


def test_the_month_is_a_text_input_every_browser_can_type_into(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    month = re.search(r'<input[^>]*id="activities-0-month"[^>]*>', page)[0]
    assert 'type="text"' in month and 'type="month"' not in page
    assert 'inputmode="numeric"' in month and 'placeholder="2027-03"' in month
    assert re.search(r'pattern="[^"]+"', month)


def test_a_blank_month_does_not_stop_the_draft_and_is_asked_for_on_submission(
    client, world, login_as
):
    login_as(world["applicant"])
    application = start(client, world)
    client.post(
        f"/applications/{application.id}/attachments",
        data=full_form(world) | {"activities-0-month": ""} | upload_data(),
    )
    db.session.refresh(application)
    assert [(a.name, a.month) for a in application.activities] == [("智能手机课堂", "")]
    assert application.title == "长者智能手机课堂" and len(application.budget_lines) == 3
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert missing_by_section(page)["section-activities"] == 1

    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="submit") | {"activities-0-month": ""},
    )
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == [
        ("activities-0-month", "活动 1：请填写月份，例如 2027-03。")
    ]
    assert application.status is ApplicationStatus.DRAFT


def test_a_draft_saves_what_is_valid_and_marks_the_rest(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    data = full_form(world, title="半截", direct_beneficiaries="两百") | {
        "team-1-name": "李社工",  # no role yet: a draft may leave it
        "activities-0-month": "2027-13",
        "budget_lines-1-unit_price": "1.234",
    }
    response = client.post(f"/applications/{application.id}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "您的草稿已保存，但下列标出的内容未保存" in page
    for field_id in ("direct_beneficiaries", "activities-0-month", "budget_lines-1-unit_price"):
        assert marked_invalid(page, field_id), field_id
        # one message per problem: a wrong number is not also "out of range"
        assert len(re.findall(rf'href="#{field_id}"', page)) == 1, field_id
    assert not marked_invalid(page, "team-1-role")
    # what was typed is on the page, the wrong values too
    for value in ("李社工", "半截", "两百", "2027-13", "1.234"):
        assert f'value="{escape(value)}"' in page, value
    assert page.count("data-unsaved-row") == 1  # the budget line whose price is wrong

    db.session.refresh(application)
    assert application.title == "半截"
    assert application.direct_beneficiaries is None  # not a number: the stored value stays
    assert [(a.name, a.month, a.sessions) for a in application.activities] == [
        ("智能手机课堂", "", 10)
    ]
    assert [(t.name, t.role) for t in application.team] == [
        ("陈社工", "项目负责人"),
        ("李社工", ""),
    ]
    assert [line.item for line in application.budget_lines] == ["课堂物料", "场地（自有）"]

    # Corrected: everything is saved, with the line that could not be.
    response = client.post(
        f"/applications/{application.id}/edit",
        data=data
        | {"direct_beneficiaries": "200", "activities-0-month": "2027年1月"}
        | {"budget_lines-1-unit_price": "1.23"},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.direct_beneficiaries == 200 and application.activities[0].month == "2027-01"
    assert [line.item for line in application.budget_lines] == [
        "课堂物料",
        "讲师费",
        "场地（自有）",
    ]


def test_a_wrong_field_keeps_what_was_stored(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    client.post(f"/applications/{application.id}/edit", data=full_form(world))
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, title="新" * 201, summary="改过的摘要", direct_beneficiaries="-5"),
    )
    assert response.status_code == 200
    db.session.refresh(application)
    assert application.title == "长者智能手机课堂" and application.direct_beneficiaries == 200
    assert application.summary == "改过的摘要"


def test_a_month_the_form_cannot_read_is_named_once_by_check(client, world, login_as):
    login_as(world["applicant"])
    application = start(client, world)
    response = client.post(
        f"/applications/{application.id}/edit",
        data=full_form(world, action="check") | {"activities-0-month": "明年三月"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    month = [text for anchor, text in listed(page) if anchor == "activities-0-month"]
    assert month == ["活动 1：请按 2027-03 或 2027年3月 的格式填写月份。"]  # not also "give it"
    assert 'value="明年三月"' in page
    db.session.refresh(application)
    assert application.activities[0].month == ""  # the rest of the row is saved
