"""Hostile text and numbers through the real forms: a NUL byte in any text field, ids beyond the
INTEGER column and values outside a field's choices are refused next to the field in the user's
language, with what was typed kept and nothing saved (on PostgreSQL they used to be 500s) — but
for an application draft, which saves the rest and leaves the refused field as it was stored;
and every form of the app inherits the base form that does it."""

import importlib
import pkgutil
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from markupsafe import escape
from sqlalchemy import func, select
from wtforms import Form

import microventure
from microventure.accounts.models import Role
from microventure.applications import services as applications
from microventure.applications.models import Application, BudgetLine
from microventure.core.timeutil import local_today
from microventure.decisions.models import Objection
from microventure.extensions import db
from microventure.projects.models import ActivityRecord
from microventure.reviews.models import Review
from tests.helpers_calls import make_call, make_fund
from tests.test_activities_support import active_round
from tests.test_application_pages import full_form
from tests.test_notice_public import notice_world
from tests.test_reviewer_pages import assigned_round, assignment_of, full_marks, sign

NUL = "\x00"
TOO_BIG = "99999999999"  # beyond INTEGER (2,147,483,647)
CONTROL = "此处含有不可见的控制字符"  # the message, in the default language (zh)
CHOICE = "请从给出的选项中选择"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@dataclass
class Target:
    url: str
    data: dict
    multipart: bool
    saved: object  # () -> what must not change
    # a draft saves what is valid: (field) -> what is stored for it, which must not change
    kept: object = None


def application_target(client, login_as, make) -> Target:
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    applicant = make.user()
    org = make.organization(street=street, owner=applicant)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    application = applications.start_application(call=call, organization=org, actor=applicant)
    world = {"street": street}
    login_as(applicant)

    def saved():
        db.session.expire_all()
        stored = db.session.get(Application, application.id)
        items = db.session.scalars(
            select(BudgetLine.item).where(BudgetLine.application_id == application.id)
        )
        return stored.title, stored.summary, sorted(items)

    def kept(field):
        db.session.expire_all()
        stored = db.session.get(Application, application.id)
        if field.startswith("budget_lines-0-"):
            return stored.budget_lines[0].item if stored.budget_lines else ""
        return getattr(stored, field)

    return Target(f"/applications/{application.id}/edit", full_form(world), False, saved, kept)


def review_target(client, login_as, make) -> Target:
    world = assigned_round(make, reviewers=1)
    reviewer = world["pool"][0]
    assignment = assignment_of(reviewer, world["applications"][0])
    login_as(reviewer)
    sign(client, assignment)
    data = full_marks(world["call"]) | {
        "comment": "需求分析扎实",
        "recommendation": "fund",
        "suggested_amount": "",
        "action": "save",
    }

    def saved():
        db.session.expire_all()
        review = db.session.scalar(select(Review).where(Review.assignment_id == assignment.id))
        return None if review is None else (review.comment, review.recommendation)

    return Target(f"/reviews/{assignment.id}/review", data, False, saved)


def activity_target(client, login_as, make) -> Target:
    r = active_round(make)
    login_as(r["owner"])
    data = {
        "held_on": (local_today() - timedelta(days=2)).isoformat(),
        "title": "长者智能手机课堂第三期",
        "community_id": str(r["community"].id),
        "domain": "smart_elderly_care",
        "participants": "35",
        "volunteers": "4",
        "volunteer_hours": "12.5",
        "problems_solved": "2",
        "description": "志愿者一对一教长者线上挂号",
        "planned_activity_id": "",
    }

    def saved():
        return db.session.scalar(select(func.count(ActivityRecord.id)))

    return Target(f"/projects/{r['project'].id}/activities/new", data, True, saved)


def objection_target(client, login_as, make) -> Target:
    world = notice_world(make)
    data = {
        "application_id": str(world["applications"][0].id),
        "name": "张居民",
        "contact": "13912345678",
        "text": "该机构去年的项目没有开展活动。",
    }

    def saved():
        return db.session.scalar(select(func.count(Objection.id)))

    return Target(f"/notices/{world['call'].id}/objections", data, False, saved)


TARGETS = {
    "application": application_target,
    "review": review_target,
    "activity": activity_target,
    "objection": objection_target,
}

CASES = [
    # (form, field, hostile value, message, the field as it comes back)
    ("application", "title", f"长者{NUL}课堂", CONTROL, "长者课堂"),
    ("application", "summary", f"教长者{NUL}使用手机", CONTROL, "教长者使用手机"),
    ("application", "budget_lines-0-item", f"物料{NUL}", CONTROL, "物料"),
    ("application", "community_ids", TOO_BIG, CHOICE, None),
    ("application", "domain", "no-such-domain", CHOICE, None),  # was a 500 (issue 15's fuzz)
    ("review", "comment", f"很好{NUL}", CONTROL, "很好"),
    ("review", "recommendation", "bribe", CHOICE, None),
    ("activity", "title", f"课堂{NUL}第三期", CONTROL, "课堂第三期"),
    ("activity", "description", f"一对一{NUL}教学", CONTROL, "一对一教学"),
    ("activity", "community_id", TOO_BIG, "请从项目所在镇街的村居中选择一个", None),
    ("activity", "planned_activity_id", TOO_BIG, "请从申报书中计划的活动中选择一项", None),
    ("activity", "volunteers", TOO_BIG, "请输入 -2147483648 至 2147483647 之间的数字", TOO_BIG),
    ("objection", "text", f"没有开展{NUL}活动", CONTROL, "没有开展活动"),
    ("objection", "name", f"张{NUL}", CONTROL, "张"),
    ("objection", "application_id", TOO_BIG, CHOICE, None),
]


@pytest.mark.parametrize(
    ("target", "field", "value", "message", "shown"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'nul' if NUL in c[2] else c[2]}" for c in CASES],
)
def test_hostile_input_is_refused_by_its_field_and_nothing_is_saved(
    client, login_as, make, target, field, value, message, shown
):
    form = TARGETS[target](client, login_as, make)
    before = form.saved()
    kept = form.kept(field) if form.kept else None
    data = form.data | {field: value}
    kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
    response = client.post(form.url, data=data, **kwargs)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422), page[:2000]
    assert message in page
    if form.kept:  # a draft: the refused field is left as it was, the rest is saved
        assert form.kept(field) == kept
        assert form.saved() != before
    else:
        assert form.saved() == before
    # what was typed comes back (the hostile field cleaned of its control character)
    typed = next(
        v for k, v in form.data.items() if k != field and isinstance(v, str) and len(v) > 3
    )
    assert str(escape(typed)) in page
    if shown is not None:
        assert re.search(rf"(value=\"{re.escape(shown)}\"|>\s*{re.escape(shown)}\s*<)", page)


@pytest.mark.parametrize("target", TARGETS)
def test_the_same_forms_still_save_good_input(client, login_as, make, target):
    """The checks refuse only what is hostile: each form's own data goes through."""
    form = TARGETS[target](client, login_as, make)
    before = form.saved()
    kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
    response = client.post(form.url, data=form.data, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert form.saved() != before


def _all_modules():
    for info in pkgutil.walk_packages(microventure.__path__, "microventure."):
        importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_inherits_the_base_form():
    from microventure.core.forms import BaseForm, BaseSubForm

    _all_modules()
    ours = [c for c in _subclasses(Form) if c.__module__.startswith("microventure.")]
    assert len(ours) > 40
    pages = [c for c in ours if issubclass(c, FlaskForm)]
    assert [c for c in pages if not issubclass(c, BaseForm)] == []
    nested = [c for c in ours if not issubclass(c, FlaskForm)]
    assert [c for c in nested if not issubclass(c, BaseSubForm)] == []


# ------------------------------------------------------------------- the same in query strings

ADDRESSES = [
    # (address, status): a control character is a bad request; a number beyond INTEGER is
    # treated as not given (the list as usual), like one that does not parse
    ("/admin/reviewers?q=%00", 400),
    ("/admin/organizations?q=%E9%95%BF%00", 400),
    ("/admin/users?q=%01", 400),
    ("/admin/organizations?street_id=99999999999", 200),
    ("/admin/organizations?page=99999999999", 200),
    ("/calls?page=99999999999999999999", 200),
    ("/notices?page=99999999999", 200),
]


@pytest.mark.parametrize(("address", "status"), ADDRESSES)
def test_hostile_query_strings_are_refused_or_ignored(client, login_as, make, address, status):
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    response = client.get(address)
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    if status == 400:
        assert "请求无效" in response.get_data(as_text=True)  # the page in the user's language
