"""Every history tells its events in sentences, in the reader's language: one registry
(core/history.py) with a sentence for every audited action, internal events kept from applicants."""

import ast
import pathlib

from flask_babel import force_locale
from sqlalchemy import select

from microventure.accounts import organizations
from microventure.accounts.models import ExclusionKind, Role, VerificationStatus
from microventure.core import audit, history
from microventure.core.models import AuditEvent
from microventure.core.states import MACHINES
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.activities import services as activities
from microventure.reviews import services as reviews
from tests.helpers_calls import make_call, make_fund
from tests.helpers_reviews import due, eligible_round
from tests.test_activities_support import values
from tests.test_projects_support import funded_round, owner_of, pay, sign

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "microventure"


# ------------------------------------------------------------------ every action has a sentence


def _assignments(tree: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
    return found


def _is_machine_table(node: ast.expr) -> bool:
    """``X.moves[...]``: an action taken from a state machine's table (checked below)."""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "moves"
    )


def _actions_of(node: ast.expr, names: dict[str, list[ast.expr]]) -> set[str] | None:
    """The actions ``node`` may name, or None when they cannot be read from the code."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _actions_of(node.body, names), _actions_of(node.orelse, names)
        return None if body is None or orelse is None else body | orelse
    if _is_machine_table(node):
        return set()
    if isinstance(node, ast.Dict):
        parts = [_actions_of(v, names) for v in node.values]
        return None if None in parts else set().union(*parts)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return _actions_of(ast.Name(node.value.id), names)  # a table of actions, all of them
    if isinstance(node, ast.Name) and node.id in names:
        parts = [_actions_of(v, names) for v in names[node.id]]
        return None if None in parts else set().union(*parts)
    return None


def audited_in_code() -> tuple[set[str], list[str]]:
    """Every action passed to ``audit.record`` in the package, and the calls whose action cannot
    be read (they would escape this test)."""
    actions, unreadable = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _assignments(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and getattr(node.func.value, "id", None) == "audit"
            ):
                continue
            (action,) = [k.value for k in node.keywords if k.arg == "action"]
            found = _actions_of(action, names)
            if found is None:
                unreadable.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            else:
                actions |= found
    return actions, unreadable


def test_every_audited_action_has_a_sentence(app):
    in_code, unreadable = audited_in_code()
    assert unreadable == [], "write the action as a literal (or a table of literals)"
    in_machines = {action for machine in MACHINES for action in machine.moves.values()}
    assert len(in_code) > 40 and len(in_machines) > 30  # the scan found them
    audited = in_code | in_machines
    assert sorted(audited - set(history.SENTENCES)) == [], "add a sentence to core/history.py"
    assert sorted(set(history.SENTENCES) - audited) == [], "no longer audited: drop its sentence"


def test_the_scan_reads_actions_as_the_code_writes_them():
    tree = ast.parse(
        "TABLE = {1: 'a.x', 2: 'a.y'}\nK = 'a.k'\n"
        "def f(m, ok):\n    action = m.moves[1]\n"
        "    audit.record(action='a.lit')\n    audit.record(action='a.t' if ok else 'a.f')\n"
        "    audit.record(action=TABLE[ok])\n    audit.record(action=K)\n"
        "    audit.record(action=action)\n    audit.record(action=f'a.{ok}')\n"
    )
    names = _assignments(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.keywords]
    read = [_actions_of(c.keywords[0].value, names) for c in calls]
    assert read == [{"a.lit"}, {"a.t", "a.f"}, {"a.x", "a.y"}, {"a.k"}, set(), None]


# ----------------------------------------------------------------- sentences from real events


def test_a_round_carried_to_a_project_is_told_entirely_in_words(app, make, monkeypatch):
    """Every event a whole round records — the call, its fund, applications, reviews, decisions,
    the notice, the project, payments, activities — has its sentence (none falls back)."""
    r = funded_round(make, monkeypatch, amounts=(25_000_00,))
    (project,) = r["projects"]
    sign(project, r["admin"])
    pay(project.tranches[0], r["admin"], reference="BK-2026-07")
    activities.record_activity(
        project=project,
        values=values(held_on=local_today(), title="长者课堂第一课", participants=42),
        photos=[],
        sign_in_sheet=None,
        actor=owner_of(project),
    )
    reviewed = eligible_round(make, applications_count=1, reviewers=1, code="HIST-2")
    (assignment,) = [
        reviews.assign(
            application=reviewed["applications"][0],
            reviewer=reviewed["pool"][0],
            due_on=due(),
            actor=reviewed["admin"],
        )
    ]
    reviews.sign_declaration(assignment=assignment, actor=reviewed["pool"][0])
    org = make.organization(street=r["street"], status=VerificationStatus.PENDING)
    organizations.set_verification(
        organization=org, status=VerificationStatus.VERIFIED, reason="", actor=r["admin"]
    )
    events = db.session.scalars(select(AuditEvent)).all()
    assert {e.action for e in events} >= {
        "fund.created",
        "fund.contribution_recorded",
        "call.created",
        "call.published",
        "application.submitted",
        "review.assigned",
        "review.declaration_signed",
        "decision.recommended",
        "call.notice_published",
        "call.finalized",
        "project.created",
        "tranche.paid",
        "activity.recorded",
        "organization.verified",
        "user.role_granted",
    }
    untold = sorted({e.action for e in events if history.describe(e) is None})
    assert untold == []


def test_sentences_give_money_in_yuan_states_by_label_and_dates(app):
    with app.test_request_context(), force_locale("en"):
        submitted = AuditEvent(
            action="application.submitted",
            object_type="applications",
            object_id=1,
            before={"status": "draft"},
            after={"status": "submitted", "reference": "NC-1", "version": 1, "requested": 2700000},
        )
        assert history.describe(submitted) == "Submitted as NC-1, requesting ¥27,000.00."
        moved = AuditEvent(
            action="application.recommended",
            object_type="applications",
            object_id=1,
            before={"status": "in_review"},
            after={"status": "recommended", "amount": 2500000},
        )
        assert history.describe(moved) == (
            "Status changed from “In review” to “Recommended for funding”."
        )
        notice = AuditEvent(
            action="call.notice_published",
            object_type="calls",
            object_id=1,
            before={"status": "reviewing"},
            after={"status": "notice", "starts_on": "2026-04-20", "ends_on": "2026-04-24"},
        )
        assert "from 2026-04-20 to 2026-04-24" in history.describe(notice)
    with app.test_request_context(), force_locale("zh_CN"):
        assert "¥27,000.00" in history.describe(submitted)
        assert "“评审中”" in history.describe(moved) and "“拟资助”" in history.describe(moved)


# ------------------------------------------------------------------------------------ pages


def _history(page: str) -> str:
    return page.split('id="audit"', 1)[1]


def test_the_applicant_reads_their_application_in_words_without_the_reviewers(
    client, login_as, make
):
    r = eligible_round(make, applications_count=1, reviewers=1)
    (application,) = r["applications"]
    reviews.assign(application=application, reviewer=r["pool"][0], due_on=due(), actor=r["admin"])
    owner = next(m.user for m in application.organization.members if m.is_owner)

    login_as(owner)
    page = _history(client.get(f"/applications/{application.id}?lang=en").get_data(as_text=True))
    assert f"Submitted as {application.reference}, requesting ¥" in page
    assert "Screening: the application is eligible." in page
    assert "The application went to the reviewers." in page
    assert "reviewer was assigned" not in page and "review.assigned" not in page
    assert r["pool"][0].name not in page  # who reviews is not the applicant's to know
    assert "<code>" not in page and "{&#39;" not in page and "None" not in page

    login_as(r["admin"])
    page = _history(client.get(f"/applications/{application.id}?lang=en").get_data(as_text=True))
    assert "A reviewer was assigned, due on" in page
    zh = _history(client.get(f"/applications/{application.id}?lang=zh_CN").get_data(as_text=True))
    assert "<code>" not in zh and "¥" in zh


def test_call_fund_organisation_and_user_histories_read_in_words(client, login_as, make):
    street = make.street()
    admin = make.user(role=Role.DISTRICT_ADMIN)
    fund = make_fund(actor=admin, street=street, raised=300_000_00)
    call = make_call(actor=admin, fund=fund, required_attachments=[])
    owner = make.user()
    org = make.organization(street=street, owner=owner, status=VerificationStatus.PENDING)
    organizations.set_verification(
        organization=org, status=VerificationStatus.VERIFIED, reason="", actor=admin
    )
    organizations.add_exclusion(
        organization=org,
        kind=ExclusionKind.ABNORMAL,
        starts_on=local_today(),
        ends_on=None,
        reason="年报未报送",
        actor=admin,
    )
    login_as(admin)
    pages = {
        f"/admin/calls/{call.id}": ["The call was published.", "with a budget of ¥"],
        f"/admin/funds/{fund.id}": ["A contribution of ¥300,000.00 from 爱心企业 was recorded."],
        f"/organizations/{org.id}": [
            "Verification changed from “Awaiting verification” to “Verified”.",
            "Put on the Abnormal activity list from",
        ],
        f"/admin/users/{admin.id}": ["Role granted: District admin."],
    }
    for url, sentences in pages.items():
        page = client.get(f"{url}?lang=en").get_data(as_text=True)
        told = page.split('<ol class="list-group list-group-flush small">', 1)[1]
        for sentence in sentences:
            assert sentence in told, (url, sentence)
        assert "<code>" not in told.split("</ol>", 1)[0], url


def test_the_project_history_reads_as_sentences(client, login_as, make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00,))
    (project,) = r["projects"]
    sign(project, r["admin"])
    pay(project.tranches[0], r["admin"], reference="BK-2026-07")
    activities.record_activity(
        project=project,
        values=values(held_on=local_today(), title="长者课堂第一课", participants=42),
        photos=[],
        sign_in_sheet=None,
        actor=owner_of(project),
    )
    audit.record(action="project.something_new", obj=project, actor=r["admin"], after={"x": 1})

    login_as(owner_of(project))
    page = _history(client.get(f"/projects/{project.id}?lang=en").get_data(as_text=True))
    assert "Tranche 1 (¥12,500.00) was paid on" in page and "reference BK-2026-07" in page
    assert "Activity “长者课堂第一课”" in page and "42 participants" in page
    assert "a grant of ¥25,000.00 in 3 tranches" in page
    assert "The agreement was signed: the project is active." in page
    assert "<code>" not in page  # an event without a sentence is not shown to the applicant
    zh = _history(client.get(f"/projects/{project.id}?lang=zh_CN").get_data(as_text=True))
    assert "BK-2026-07" in zh

    login_as(r["admin"])  # the administration sees it as it was recorded
    page = _history(client.get(f"/projects/{project.id}?lang=en").get_data(as_text=True))
    assert "<code>project.something_new</code>" in page and "{&#39;x&#39;: 1}" in page


def test_a_malformed_event_falls_back_to_the_raw_record():
    event = AuditEvent(
        action="tranche.paid", object_type="projects", object_id=1, after={"tranche": "x"}
    )
    assert history.describe(event) is None
    assert history.readable([event], internal=False) == []
    assert history.readable([event], internal=True) == [event]
