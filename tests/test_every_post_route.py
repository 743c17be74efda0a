"""Every POST route, once, as production runs it: on the demo data, through the test client, each
request in an app context and session of its own, so its objects come from the route's own query
with the route's loader options (never from a test's identity map). None may answer 500, and each
gives the answer a user would expect. A POST route without an entry here fails the suite.

Each case starts from the same demo database (a PostgreSQL template, or a copy of a SQLite file)."""

import io
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url

from microventure import create_app
from microventure.accounts import passwords
from microventure.core.timeutil import local_today
from microventure.extensions import db, limiter
from tests.conftest import build_schema, scratch_database, valid_credit_code
from tests.helpers_world import ADMIN, APPLICANT, PDF, STREET, World
from tests.html_forms import form_data

DEMO_PASSWORD = "demo-password"
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9"
)


@dataclass
class Case:
    """``page`` holds the form a user fills (read with its values, then ``data`` on top);
    ``action`` is where it posts (``form``: the form's own action when a button posts it
    elsewhere). Each is a function of the ``World``, called after ``prepare``."""

    user: str | None
    action: Callable[[World], str]
    page: Callable[[World], str] | None = None
    form: Callable[[World], str] | None = None
    data: Callable[[World], dict] = lambda w: {}
    prepare: Callable[[World], object] | None = None
    expect: int = 302
    files: Callable[[], dict] = field(default=lambda: {})
    # the API: a write token of ``user`` is sent; ``json`` (when given) is the body
    token: bool = False
    json: Callable[[World], dict] | None = None


REVIEWER = "reviewer1@demo.local"


def today(days: int = 0) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def reviewers_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "邮箱", "专长领域"])
    book.active.append(["李专家", "li@demo.local", "心理健康"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CASES: dict[str, Case] = {}


def case(endpoint: str, **kwargs) -> None:
    CASES[endpoint] = Case(**kwargs)


# ------------------------------------------------------------------------------ accounts, auth
case(
    "auth.login",
    user=None,
    page=lambda w: "/auth/login",
    action=lambda w: "/auth/login",
    data=lambda w: {"email": APPLICANT, "password": DEMO_PASSWORD},
)
case("auth.logout", user=APPLICANT, action=lambda w: "/auth/logout")
case("elder_mode.switch", user=APPLICANT, page=lambda w: "/calls", action=lambda w: "/elder-mode")
case(
    "auth.signup",
    user=None,
    page=lambda w: "/auth/signup",
    action=lambda w: "/auth/signup",
    data=lambda w: {
        "owner_name": "新用户",
        "owner_email": "new@demo.local",
        "owner_mobile": "13912345678",
        "password": "long-enough-pass",
        "confirm": "long-enough-pass",
        "name": "南村镇新社区服务社",
        "kind": "social_service",
        "credit_code": valid_credit_code(),
        "street_id": str(w.id("SELECT id FROM streets WHERE name = '南村镇'")),
        "contact_name": "王联系",
        "contact_mobile": "13912345678",
        "community_id": str(
            w.id(
                "SELECT min(c.id) FROM communities c JOIN streets s ON s.id = c.street_id WHERE s.name = '南村镇'"
            )
        ),
    },
)
case(
    "auth.forgot_password",
    user=None,
    page=lambda w: "/auth/forgot",
    action=lambda w: "/auth/forgot",
    data=lambda w: {"email": APPLICANT},
)
case(
    "auth.reset_password",
    user=None,
    page=lambda w: f"/auth/reset/{w.reset_token(APPLICANT)}",
    action=lambda w: f"/auth/reset/{w.reset_token(APPLICANT)}",
    data=lambda w: {"password": "a-new-long-pass", "confirm": "a-new-long-pass"},
)
case(
    "accounts.profile",
    user=APPLICANT,
    page=lambda w: "/profile",
    action=lambda w: "/profile",
    data=lambda w: {"name": "申请人"},
)
case(
    "accounts.change_password",
    user=APPLICANT,
    page=lambda w: "/profile",
    action=lambda w: "/profile/password",
    data=lambda w: {
        "pw-current_password": DEMO_PASSWORD,
        "pw-new_password": "a-new-long-pass",
        "pw-confirm": "a-new-long-pass",
    },
)
case("accounts.resend_confirmation", user=APPLICANT, action=lambda w: "/profile/confirmation")
case(
    "accounts.add_member",
    user=APPLICANT,
    page=lambda w: f"/organizations/{w.org_of(APPLICANT)}",
    action=lambda w: f"/organizations/{w.org_of(APPLICANT)}/members",
    data=lambda w: {"email": "reviewer5@demo.local"},
)
case(
    "accounts.remove_member",
    user=APPLICANT,
    prepare=lambda w: w.second_member(APPLICANT, "reviewer5@demo.local"),
    page=lambda w: f"/organizations/{w.org_of(APPLICANT)}",
    action=lambda w: (
        f"/organizations/{w.org_of(APPLICANT)}/members/"
        f"{w.membership(APPLICANT, 'reviewer5@demo.local')}/remove"
    ),
)
case(
    "accounts.api_tokens_page",
    user=APPLICANT,
    page=lambda w: "/profile/tokens",
    action=lambda w: "/profile/tokens",
    data=lambda w: {"name": "微信小程序", "scope": "write"},
    expect=200,  # the answer shows the new token's secret, once
)
case(
    "accounts.revoke_api_token",
    user=APPLICANT,
    prepare=lambda w: w.token_of(APPLICANT),
    page=lambda w: "/profile/tokens",
    action=lambda w: f"/profile/tokens/{w.id('SELECT max(id) FROM api_tokens')}/revoke",
    data=lambda w: {"confirm": "y"},
)
# ------------------------------------------------------------------------------------------ API
case(
    "api_applications.start_application",
    user=APPLICANT,
    token=True,
    action=lambda w: "/api/v1/applications",
    json=lambda w: {"call_id": w.call("NC-2026-MCT")},
    expect=201,
)
case(
    "api_applications.submit_application",
    user=APPLICANT,
    token=True,
    action=lambda w: f"/api/v1/applications/{w.draft_with_attachment()}/submit",
    expect=200,
)
case(
    "api_applications.add_attachment",
    user=APPLICANT,
    token=True,
    action=lambda w: f"/api/v1/applications/{w.draft_application()}/attachments",
    data=lambda w: {"kind": "project_plan"},
    files=lambda: {"file": (io.BytesIO(PDF), "plan.pdf")},
    expect=201,
)
case(
    "api_projects.record_activity",
    user=APPLICANT,
    token=True,
    action=lambda w: f"/api/v1/projects/{w.project(1)}/activities",
    data=lambda w: {
        "title": "长者健康讲座",
        "held_on": today(-1),
        "domain": "smart_elderly_care",
        "participants": "30",
    },
    files=lambda: {"photos": (io.BytesIO(JPEG), "photo.jpg")},
    expect=201,
)
# ---------------------------------------------------------------------------------------- admin
case(
    "admin.set_verification",
    user=ADMIN,
    page=lambda w: f"/organizations/{w.org('市桥读书会')}",
    action=lambda w: f"/admin/organizations/{w.org('市桥读书会')}/verification",
    data=lambda w: {"status": "verified"},
)
case(
    "admin.verify_many",
    user=ADMIN,
    page=lambda w: "/admin/organizations?status=pending",
    action=lambda w: "/admin/organizations/verification?status=pending",
    data=lambda w: {"ids": str(w.org("市桥读书会")), "scope": "ticked"},
)
case(
    "admin.add_exclusion",
    user=ADMIN,
    page=lambda w: f"/organizations/{w.org('市桥读书会')}",
    action=lambda w: f"/admin/organizations/{w.org('市桥读书会')}/exclusions",
    data=lambda w: {"kind": "abnormal", "reason": "年检异常", "ends_on": today(90)},
)
case(
    "admin.lift_exclusion",
    user=ADMIN,
    page=lambda w: f"/organizations/{w.excluded_org()}",
    action=lambda w: f"/admin/exclusions/{w.exclusion()}/lift",
)
case(
    "admin.grant_role",
    user=ADMIN,
    page=lambda w: f"/admin/users/{w.user(APPLICANT)}",
    action=lambda w: f"/admin/users/{w.user(APPLICANT)}/roles",
    data=lambda w: {"role": "reviewer"},
)
case(
    "admin.revoke_role",
    user=ADMIN,
    page=lambda w: f"/admin/users/{w.user(REVIEWER)}",
    action=lambda w: f"/admin/roles/{w.grant(REVIEWER)}/revoke",
)
case(
    "admin.set_active",
    user=ADMIN,
    page=lambda w: f"/admin/users/{w.user(APPLICANT)}",
    action=lambda w: f"/admin/users/{w.user(APPLICANT)}/active",
)
case(
    "calendar.save",
    user=ADMIN,
    page=lambda w: "/admin/calendar",
    action=lambda w: "/admin/calendar",
    # test data for a year the State Council has not published, not a real schedule
    data=lambda w: {
        "year": "2027",
        "source_title": "测试用通知",
        "source_published_on": "2026-11-20",
        "holidays-0-first": "2027-01-01",
        "holidays-0-last": "2027-01-03",
    },
)
# ---------------------------------------------------------------------------------------- funds
case(
    "funds.new",
    user=STREET,
    page=lambda w: "/admin/funds/new",
    action=lambda w: "/admin/funds/new",
    data=lambda w: {"name": "南村镇第二社区基金"},
)
case(
    "funds.add_contribution",
    user=STREET,
    page=lambda w: f"/admin/funds/{w.fund('南村镇社区基金')}",
    action=lambda w: f"/admin/funds/{w.fund('南村镇社区基金')}/contributions",
    data=lambda w: {"donor": "爱心企业", "amount": "10000.00", "received_on": today()},
)
# ---------------------------------------------------------------------------------------- calls
case(
    "calls.new",
    user=STREET,
    prepare=lambda w: w.draft_call(),
    page=lambda w: f"/admin/calls/{w.draft_call()}/edit",
    form=lambda w: f"/admin/calls/{w.draft_call()}/edit",
    action=lambda w: "/admin/calls/new",
    data=lambda w: {"code": "NC-2028-MCT"},
)
case(
    "calls.edit",
    user=STREET,
    prepare=lambda w: w.draft_call(),
    page=lambda w: f"/admin/calls/{w.draft_call()}/edit",
    action=lambda w: f"/admin/calls/{w.draft_call()}/edit",
    data=lambda w: {"title": "南村镇2027年社区微创投"},
)
case(
    "calls.publish",
    user=STREET,
    prepare=lambda w: w.draft_call(),
    page=lambda w: f"/admin/calls/{w.call('NC-2027-MCT')}",
    action=lambda w: f"/admin/calls/{w.call('NC-2027-MCT')}/publish",
)
case(
    "calls.close",
    user=STREET,
    page=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}",
    action=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/close",
)
case(
    "calls.copy",
    user=STREET,
    page=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}",
    action=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/copy",
)


def draft_question(w: World) -> int:
    """A question on the street's draft call (nobody has applied: it may change)."""
    from microventure.calls import questions
    from microventure.calls.models import Call, QuestionKind

    found = db.session.scalar(
        text("SELECT max(id) FROM call_questions WHERE call_id = :c"), {"c": w.draft_call()}
    )
    if found:
        return found
    call = w.obj(Call, w.draft_call())
    spec = questions.QuestionSpec(kind=QuestionKind.NUMBER, label_zh="服务户数", unit="户")
    questions.add_question(call=call, spec=spec, actor=w.actor(STREET))
    return questions.add_question(
        call=call,
        spec=questions.QuestionSpec(kind=QuestionKind.YES_NO, label_zh="是否备案"),
        actor=w.actor(STREET),
    ).id


def library_question(w: World) -> int:
    from microventure.calls import questions
    from microventure.calls.models import QuestionKind

    found = db.session.scalar(text("SELECT min(id) FROM question_templates"))
    if found:
        return found
    spec = questions.QuestionSpec(kind=QuestionKind.YES_NO, label_zh="是否持有居家养老服务资质")
    return questions.add_template(spec=spec, actor=w.actor(ADMIN)).id


case(
    "calls.questions_page",
    user=STREET,
    page=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/questions",
    action=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/questions",
    data=lambda w: {"kind": "short_text", "section": "basics", "label_zh": "联系人姓名"},
)
case(
    "calls.question_from_library",
    user=STREET,
    prepare=library_question,
    page=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/questions",
    form=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/questions/from-library",
    action=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/questions/from-library",
)
case(
    "calls.question_edit",
    user=STREET,
    prepare=draft_question,
    page=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}",
    action=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}",
    data=lambda w: {"label_zh": "是否已在街道备案"},
)
case(
    "calls.question_move",
    user=STREET,
    prepare=draft_question,
    page=lambda w: f"/admin/calls/{w.draft_call()}/questions",
    form=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}/move",
    action=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}/move",
    data=lambda w: {"direction": "up"},
)
case(
    "calls.question_remove",
    user=STREET,
    prepare=draft_question,
    page=lambda w: f"/admin/calls/{w.draft_call()}/questions",
    form=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}/remove",
    action=lambda w: f"/admin/calls/{w.draft_call()}/questions/{draft_question(w)}/remove",
)
case(
    "calls.question_library",
    user=ADMIN,
    page=lambda w: "/admin/question-library",
    action=lambda w: "/admin/question-library",
    data=lambda w: {"kind": "number", "section": "basics", "label_zh": "服务楼栋数", "unit": "栋"},
)
case(
    "calls.question_template_archive",
    user=ADMIN,
    prepare=library_question,
    page=lambda w: "/admin/question-library",
    form=lambda w: f"/admin/question-library/{library_question(w)}/archive",
    action=lambda w: f"/admin/question-library/{library_question(w)}/archive",
)
# --------------------------------------------------------------------------------- applications
case(
    "applications.start",
    user=APPLICANT,
    page=lambda w: f"/calls/{w.call('NC-2026-MCT')}",
    action=lambda w: f"/calls/{w.call('NC-2026-MCT')}/apply",
)
case(
    "applications.edit",
    user=APPLICANT,
    prepare=lambda w: w.draft_application(),
    page=lambda w: f"/applications/{w.draft_application()}/edit",
    action=lambda w: f"/applications/{w.draft_application()}/edit",
    data=lambda w: {"title": "楼道微更新"},
)
case(
    "applications.upload",
    user=APPLICANT,
    prepare=lambda w: w.draft_application(),
    page=lambda w: f"/applications/{w.draft_application()}/edit",
    form=lambda w: f"/applications/{w.draft_application()}/edit",
    action=lambda w: f"/applications/{w.draft_application()}/attachments",
    data=lambda w: {"kind": "project_plan"},
    files=lambda: {"file": (io.BytesIO(PDF), "plan.pdf")},
)
case(
    "applications.remove_attachment",
    user=APPLICANT,
    prepare=lambda w: w.draft_with_attachment(),
    page=lambda w: f"/applications/{w.draft_application()}/edit",
    form=lambda w: f"/applications/{w.draft_application()}/edit",
    action=lambda w: f"/applications/{w.draft_application()}/attachments/{w.attachment()}/remove",
)
case(
    "applications.withdraw",
    user=APPLICANT,
    prepare=lambda w: w.submitted_application(),
    page=lambda w: f"/applications/{w.submitted_application()}",
    action=lambda w: f"/applications/{w.submitted_application()}/withdraw",
)
# ------------------------------------------------------------------------------------ screening
case(
    "screening.screen",
    user=STREET,
    prepare=lambda w: w.submitted_application(),
    page=lambda w: f"/applications/{w.submitted_application()}",
    action=lambda w: f"/admin/applications/{w.submitted_application()}/screening",
    data=lambda w: {"decision": "eligible"},
)
case(
    "screening.bulk",
    user=STREET,
    prepare=lambda w: w.submitted_application(),
    page=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/applications",
    action=lambda w: f"/admin/calls/{w.call('NC-2026-MCT')}/applications/bulk",
    data=lambda w: {"ids": str(w.submitted_application()), "decision": "eligible"},
)
# -------------------------------------------------------------------------------------- reviews
case(
    "review_admin.add",
    user=ADMIN,
    page=lambda w: "/admin/reviewers/new",
    action=lambda w: "/admin/reviewers/new",
    data=lambda w: {
        "email": "expert@demo.local",
        "name": "新专家",
        "expertise": "smart_elderly_care",
        "password": "long-enough-pass",
    },
)
case(
    "review_admin.edit",
    user=ADMIN,
    page=lambda w: f"/admin/reviewers/{w.profile(REVIEWER)}",
    action=lambda w: f"/admin/reviewers/{w.profile(REVIEWER)}",
)
case(
    "review_admin.record_conflict",
    user=ADMIN,
    page=lambda w: f"/admin/reviewers/{w.profile(REVIEWER)}",
    action=lambda w: f"/admin/reviewers/{w.profile(REVIEWER)}/conflicts",
    data=lambda w: {"organization_id": str(w.org("番禺区社区慈善基金会")), "reason": "曾任理事"},
)
case(
    "review_admin.import_reviewers",
    user=ADMIN,
    page=lambda w: "/admin/reviewers/import",
    action=lambda w: "/admin/reviewers/import",
    files=lambda: {"file": (io.BytesIO(reviewers_workbook()), "reviewers.xlsx")},
    expect=200,
)
case(
    "review_admin.assign",
    user=ADMIN,
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments",
    form=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments",
    data=lambda w: {
        "application_ids": str(w.unreviewed_by("reviewer5@demo.local")),
        "application_id": None,
        "reviewer_id": str(w.user("reviewer5@demo.local")),
        "due_on": today(7),
    },
)
case(
    "review_admin.reassign",
    user=ADMIN,
    prepare=lambda w: (
        db.session.execute(
            text("UPDATE calls SET reviewers_per_application = 4 WHERE code = 'PY-2026-MCT'")
        ),
        w.declined_assignment(),
    ),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments",
    action=lambda w: f"/admin/assignments/{w.declined_assignment()}/reassign",
)
case(
    "review_admin.auto_apply",
    user=ADMIN,
    prepare=lambda w: db.session.execute(
        text("UPDATE calls SET reviewers_per_application = 4 WHERE code = 'PY-2026-MCT'")
    ),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments/auto?due_on={today(7)}",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/assignments/auto",
)
case(
    "review_admin.reopen",
    user=ADMIN,
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/review-progress",
    action=lambda w: f"/admin/assignments/{w.submitted_assignment()}/reopen",
    data=lambda w: {"reason": "请补充评语"},
)
case(
    "review_admin.remind",
    user=ADMIN,
    prepare=lambda w: w.open_assignment(),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/review-progress",
    action=lambda w: (
        f"/admin/calls/{w.call('PY-2026-MCT')}/reviewers/{w.user('reviewer5@demo.local')}/remind"
    ),
)
case(
    "reviewing.declare",
    user="reviewer5@demo.local",
    prepare=lambda w: w.open_assignment(),
    page=lambda w: f"/reviews/{w.open_assignment()}",
    action=lambda w: f"/reviews/{w.open_assignment()}/declaration",
    data=lambda w: {"no_conflict": "y"},
)
case(
    "reviewing.declare_list",
    user="reviewer5@demo.local",
    prepare=lambda w: w.open_assignment(),
    page=lambda w: "/reviews/declaration",
    action=lambda w: "/reviews/declaration",
    data=lambda w: {"no_conflict": "y"},
)
case(
    "reviewing.conflict",
    user="reviewer5@demo.local",
    prepare=lambda w: w.open_assignment(),
    page=lambda w: f"/reviews/{w.open_assignment()}",
    action=lambda w: f"/reviews/{w.open_assignment()}/conflict",
    data=lambda w: {"reason": "我曾在该机构任职"},
)
case(
    "reviewing.score",
    user="reviewer5@demo.local",
    prepare=lambda w: w.open_assignment(declared=True),
    page=lambda w: f"/reviews/{w.open_assignment()}",
    action=lambda w: f"/reviews/{w.open_assignment()}/review",
)
# ------------------------------------------------------------------------------------ decisions
case(
    "decisions.decide",
    user=ADMIN,
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/decisions?decide={w.ranked_first()}",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/decisions/{w.ranked_first()}",
    data=lambda w: {"action": "recommend", "amount": w.requested_yuan(w.ranked_first())},
)
case(
    "decisions.bulk",
    user=ADMIN,
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/decisions",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/decisions/bulk",
    data=lambda w: {"mode": "line", "reason": "未进入资助线"},
)
case(
    "decisions.publish",
    user=ADMIN,
    prepare=lambda w: w.recommended_all(),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/notice",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/notice/publish",
)
case(
    "notices.lodge",
    user=None,
    prepare=lambda w: w.published_notice(),
    page=lambda w: f"/notices/{w.call('PY-2026-MCT')}",
    action=lambda w: f"/notices/{w.call('PY-2026-MCT')}/objections",
    data=lambda w: {"name": "居民", "contact": "13800138000", "text": "该项目与去年重复"},
)
case(
    "decisions.resolve",
    user=ADMIN,
    prepare=lambda w: w.objection(),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/notice",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/objections/{w.objection()}/resolve",
    data=lambda w: {"upheld": "0", "resolution": "经核实不成立"},
)
case(
    "decisions.finalize",
    user=ADMIN,
    prepare=lambda w: w.ended_notice(),
    page=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/notice",
    action=lambda w: f"/admin/calls/{w.call('PY-2026-MCT')}/finalize",
)
# ------------------------------------------------------------------------------------- projects
case(
    "projects_admin.sign",
    user=STREET,
    prepare=lambda w: w.project_back_to_signing(5),
    page=lambda w: f"/projects/{w.project(5)}",
    action=lambda w: f"/admin/projects/{w.project(5)}/sign",
    data=lambda w: {"signed_on": today()},
    files=lambda: {"agreement": (io.BytesIO(PDF), "agreement.pdf")},
)
case(
    "projects_admin.change_state:suspend",
    user=STREET,
    page=lambda w: f"/projects/{w.project(1)}",
    action=lambda w: f"/admin/projects/{w.project(1)}/suspend",
    data=lambda w: {"suspend-reason": "暂停检查"},
)
case(
    "projects_admin.change_state:resume",
    user=STREET,
    prepare=lambda w: w.suspended(1),
    page=lambda w: f"/projects/{w.project(1)}",
    action=lambda w: f"/admin/projects/{w.project(1)}/resume",
    data=lambda w: {"resume-reason": "恢复执行"},
)
case(
    "projects_admin.change_state:terminate",
    user=STREET,
    page=lambda w: f"/projects/{w.project(4)}",
    action=lambda w: f"/admin/projects/{w.project(4)}/terminate",
    data=lambda w: {"terminate-reason": "机构无法继续执行", "terminate-confirm": "y"},
)
case(
    "projects_admin.pay",
    user=STREET,
    page=lambda w: f"/projects/{w.project(5)}",
    action=lambda w: f"/admin/projects/tranches/{w.tranche(5, 'due')}/pay",
    data=lambda w: {
        f"pay-{w.tranche(5, 'due')}-paid_on": today(),
        f"pay-{w.tranche(5, 'due')}-reference": "BANK-001",
    },
)
case(
    "payments.pay_many",
    user=STREET,
    page=lambda w: "/admin/payments",
    action=lambda w: "/admin/payments/record",
    data=lambda w: {"ids": str(w.tranche(5, "due")), "reference": "BANK-002", "scope": "ticked"},
)
case(
    "projects_admin.withhold",
    user=STREET,
    page=lambda w: f"/projects/{w.project(3)}",
    action=lambda w: f"/admin/projects/tranches/{w.tranche(3, 'pending')}/withhold",
    data=lambda w: {f"withhold-{w.tranche(3, 'pending')}-reason": "评估未通过"},
)
case(
    "activities.new",
    user=APPLICANT,
    page=lambda w: f"/projects/{w.project(1)}/activities/new",
    action=lambda w: f"/projects/{w.project(1)}/activities/new",
    data=lambda w: {
        "title": "长者健康讲座",
        "held_on": today(-1),
        "participants": "30",
        "description": "讲座",
    },
    files=lambda: {"photos": (io.BytesIO(JPEG), "photo.jpg")},
)
case(
    "activities.edit",
    user="eldercare@demo.local",
    page=lambda w: f"/projects/{w.project(2)}/activities/{w.returned_activity(2)}/edit",
    action=lambda w: f"/projects/{w.project(2)}/activities/{w.returned_activity(2)}/edit",
    data=lambda w: {"description": "补充了签到表说明"},
)
case(
    "activities.accept",
    user=STREET,
    page=lambda w: f"/projects/{w.project(3)}/activities/{w.waiting_activity(3)}",
    action=lambda w: f"/projects/{w.project(3)}/activities/{w.waiting_activity(3)}/accept",
)
case(
    "activity_review.accept_many",
    user=STREET,
    page=lambda w: "/admin/activities",
    action=lambda w: "/admin/activities/accept",
    data=lambda w: {"ids": str(w.waiting_activity(3)), "scope": "ticked"},
)
case(
    "activities.return_",
    user=STREET,
    page=lambda w: f"/projects/{w.project(3)}/activities/{w.waiting_activity(3)}",
    action=lambda w: f"/projects/{w.project(3)}/activities/{w.waiting_activity(3)}/return",
    data=lambda w: {"comment": "请补充照片"},
)


# ------------------------------------------------------------------------------ check-in
def check_in_session(w: World, number: int) -> int:
    return w.id(
        "SELECT min(id) FROM attendance_sessions WHERE project_id = :p", p=w.project(number)
    )


def session_page(w: World, number: int) -> str:
    return f"/projects/{w.project(number)}/check-in/{check_in_session(w, number)}"


def open_now(w: World, number: int, *, volunteer: bool = False) -> None:
    """The demo's session of project ``number`` running now (the demo's were in June)."""
    from microventure.attendance import services as attendance
    from microventure.attendance.models import AttendanceSession, CheckInKind
    from microventure.core.timeutil import utcnow

    session = w.obj(AttendanceSession, check_in_session(w, number))
    session.opens_at, session.closes_at = (
        utcnow() - timedelta(hours=1),
        utcnow() + timedelta(hours=1),
    )
    db.session.flush()
    if volunteer:
        attendance.check_in(
            session=session, kind=CheckInKind.VOLUNTEER, name="志愿者甲", digits="4321"
        )


def scan_path(w: World, number: int) -> str:
    from microventure.attendance import tokens
    from microventure.attendance.models import AttendanceSession

    return "/c/" + tokens.make_token(w.obj(AttendanceSession, check_in_session(w, number)))


case(
    "attendance.open_",
    user=APPLICANT,
    page=lambda w: f"/projects/{w.project(1)}/check-in",
    action=lambda w: f"/projects/{w.project(1)}/check-in",
    data=lambda w: {
        "title": "长者健康讲座",
        "place": "活动室",
        "opens_at": f"{today(1)}T14:00",
        "closes_at": f"{today(1)}T16:00",
        "expected": "30",
    },
)
case(
    "attendance.rotate",
    user=APPLICANT,
    prepare=lambda w: open_now(w, 1),
    page=lambda w: session_page(w, 1),
    action=lambda w: session_page(w, 1) + "/rotate",
)
case(
    "attendance.link",
    user="yuangang@demo.local",
    page=lambda w: session_page(w, 3),
    action=lambda w: session_page(w, 3) + "/link",
    data=lambda w: {"activity_id": str(w.waiting_activity(3))},
)
case(
    "attendance.check_in",
    user=None,
    prepare=lambda w: open_now(w, 3),
    page=lambda w: scan_path(w, 3),
    action=lambda w: scan_path(w, 3),
    data=lambda w: {"kind": "participant", "name": "新来的居民", "digits": "2468"},
)
case(
    "attendance.check_out",
    user=None,
    prepare=lambda w: open_now(w, 3, volunteer=True),
    page=lambda w: scan_path(w, 3),
    action=lambda w: scan_path(w, 3) + "/out",
    data=lambda w: {"name": "志愿者甲", "digits": "4321"},
)
case(
    "reports.edit",
    user="biguiyuan@demo.local",
    page=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    action=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    data=lambda w: {"narrative": "项目按计划推进"},
)
case(
    "reports.add_expenditure",
    user="biguiyuan@demo.local",
    page=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    form=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    action=lambda w: f"/projects/{w.project(4)}/reports/midterm/expenditures",
    data=lambda w: {
        "budget_line_id": str(w.grant_line(4)),
        "payee": "文化用品商行",
        "amount": "120.00",
        "spent_on": today(-3),
    },
    files=lambda: {"receipt": (io.BytesIO(PDF), "receipt.pdf")},
)
case(
    "reports.remove_expenditure",
    user="biguiyuan@demo.local",
    page=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    form=lambda w: f"/projects/{w.project(4)}/reports/midterm",
    action=lambda w: (
        f"/projects/{w.project(4)}/reports/midterm/expenditures/{w.expenditure(4)}/remove"
    ),
)
case(
    "reports.review",
    user=STREET,
    page=lambda w: f"/projects/{w.project(3)}/reports/midterm",
    action=lambda w: f"/projects/{w.project(3)}/reports/midterm/review",
    data=lambda w: {"decision": "accept", "reason": "同意"},
)
# -------------------------------------------------------------------------------- notifications
case(
    "notifications.mark_all_read",
    user=APPLICANT,
    page=lambda w: "/inbox",
    action=lambda w: "/inbox/read",
)
case(
    "notifications.preferences",
    user=APPLICANT,
    page=lambda w: "/inbox/preferences",
    action=lambda w: "/inbox/preferences",
)
case(
    "notifications.resend",
    user=ADMIN,
    prepare=lambda w: w.failed_notification(),
    page=lambda w: "/admin/notifications/failed",
    action=lambda w: f"/admin/notifications/{w.failed_notification()}/resend",
)

# ---------------------------------------------------------------------------------- the fixture


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """An app on a database of its own, its template loaded with the demo data once."""
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = os.environ.get("TEST_DATABASE_URL", "")
    folder = tmp_path_factory.mktemp("every-post")
    if url.startswith("postgresql"):
        admin = make_url(url).set(drivername="postgresql").render_as_string(False)
        routes, routes_demo = scratch_database(url, "routes"), scratch_database(url, "routes_demo")
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (routes, routes_demo):
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {routes_demo}")
        target = make_url(url).set(database=routes).render_as_string(False)
        demo = make_url(url).set(database=routes_demo).render_as_string(False)

        def reset():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {routes} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {routes} TEMPLATE {routes_demo}")
    else:
        target = f"sqlite:///{folder / 'routes.sqlite'}"
        demo = f"sqlite:///{folder / 'demo.sqlite'}"

        def reset():
            for suffix in ("-wal", "-shm"):
                (folder / f"routes.sqlite{suffix}").unlink(missing_ok=True)
            shutil.copy(folder / "demo.sqlite", folder / "routes.sqlite")

    options = dict(RATELIMIT_STORAGE_URI="memory://", UPLOAD_FOLDER=str(folder / "uploads"))
    maker = create_app("testing", SQLALCHEMY_DATABASE_URI=demo, **options)
    build_schema(maker)
    assert maker.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with maker.app_context():
        db.engine.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=target, **options)
    app.reset_database = reset
    yield app
    with app.app_context():
        db.engine.dispose()


def run(app, key: str, case: Case):
    with app.app_context():
        db.engine.dispose()
    app.reset_database()
    limiter.reset()
    world = World()
    with app.app_context():
        if case.prepare:
            case.prepare(world)
        action = case.action(world)
        page = case.page(world) if case.page else None
        form = case.form(world) if case.form else action
        overrides = case.data(world)
        body = case.json(world) if case.json else None
        headers = {}
        if case.token:
            token_id = world.token_of(case.user)
            secret = world.secrets[token_id]
            headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    if case.user:
        login = client.post("/auth/login", data={"email": case.user, "password": DEMO_PASSWORD})
        assert login.status_code == 302, f"{key}: cannot log in as {case.user}"
    if page:
        shown = client.get(page)
        assert shown.status_code == 200, f"{key}: GET {page} answered {shown.status_code}"
        data = form_data(shown.get_data(as_text=True), form, page=page, overrides=overrides)
    else:
        data = overrides
    files = case.files()
    if files:
        data = data.copy() if hasattr(data, "copy") else dict(data)
        for name, value in files.items():
            data[name] = value
    if body is not None:
        response = client.post(action, json=body, headers=headers)
        response.posted = sorted(body)
        return response
    response = client.post(action, data=data, content_type="multipart/form-data", headers=headers)
    response.posted = sorted(data)
    return response


def messages(body: str) -> list[str]:
    """What the page tells the user went wrong (field errors, flashed alerts)."""
    found = re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</', body, re.S)
    return [" ".join(m.split()) for m in found]


@pytest.mark.no_transaction
@pytest.mark.parametrize("key", sorted(CASES))
def test_post_route_answers_as_expected(demo_app, key):
    case = CASES[key]
    response = run(demo_app, key, case)
    body = response.get_data(as_text=True)
    assert response.status_code != 500, f"{key}: 500\n{body[:3000]}"
    assert response.status_code == case.expect, (
        f"{key}: {response.status_code} {response.location or ''} {messages(body)}"
        f" (posted {response.posted})"
    )


def test_every_post_route_has_a_case():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    covered = {key.partition(":")[0] for key in CASES}
    assert endpoints - covered == set(), "add a case for each new POST route"


def test_rows_are_locked_in_one_place():
    """Only ``core/locks.py`` takes row locks, so none can lock an eagerly joined table."""
    package = os.path.join(os.path.dirname(__file__), "..", "microventure")
    offenders = []
    for folder, _, names in os.walk(package):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".py") and not path.endswith(os.path.join("core", "locks.py")):
                with open(path, encoding="utf-8") as f:
                    if "with_for_update" in f.read():
                        offenders.append(os.path.relpath(path, package))
    assert offenders == []
