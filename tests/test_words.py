"""The words on the pages: every message reaches the catalogues (none is built where extraction
cannot see it), and the few that read wrongly to a new user now read rightly."""

import ast
import pathlib
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from microventure.calls.models import BudgetCategory
from microventure.extensions import db
from tests.helpers_decisions import closed_round
from tests.test_decisions_world import decision_world
from tests.test_notice_public import K, notice_world
from tests.test_projects_support import funded_round, owner_of, sign

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "microventure"
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "N_"}
PLURAL = {"ngettext", "lazy_ngettext"}
MESSAGES = {"flash", "DomainError", "ValidationError", "StopValidation", "MoneyError"}


def _name(func: ast.expr | None) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """What Babel's extraction finds (the command in the README), by message id."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"),
            *("-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_message_marked_for_translation_is_extracted(extracted):
    """A ``_("…")`` inside an f-string or a format call is invisible to extraction and stays
    English on a Chinese page (the decisions page's "not ranked" heading once did)."""
    marked = {}
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in GETTEXT | PLURAL and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    marked.setdefault(first.value, f"{name}:{node.lineno}")
    assert len(marked) > 500  # the scan saw the package's messages
    missed = {where: message for message, where in marked.items() if message not in extracted}
    assert missed == {}, "build the message outside the f-string: label = _(…), then use it"


def _built(node: ast.expr) -> bool:
    """Text put together in code: an f-string, "…".format(…), "…" % …, or "…" + …."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return isinstance(node.func.value, ast.Constant)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(_is_text(side) for side in (node.left, node.right))
    return False


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


HTML = re.compile(r"</?(?:a|b|i|s|p|td|th|tr|li|ul|ol|em|div|span|small|strong|label|button)\b")
PATH = re.compile(r"[\w{}/.#?=&-]*/[\w{}/.#?=&-]*")  # an address, not words
TAG_OR_FIELD = re.compile(r"<[^>]*>|\{[^}]*\}|&#?\w+;|%\(\w+\)s")
WORDS = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _literal(node: ast.expr) -> str | None:
    """The text written in a string, an f-string or a format string (fields as {})."""
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return _literal(node.func.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _words(text: str | None) -> str | None:
    shown = TAG_OR_FIELD.sub(" ", text or "")
    return shown.strip() if WORDS.search(shown) else None


def _html_words(node: ast.expr) -> str | None:
    """The words an HTML fragment built in code shows (outside its tags and fields), if any."""
    text = _literal(node) if isinstance(node, ast.JoinedStr | ast.Constant) else None
    return _words(text) if text and HTML.search(text) else None


def _template_words(call: ast.Call) -> list[str]:
    """Words built into a value handed to a template (addresses aside)."""
    built = [_literal(k.value) for k in call.keywords if _built(k.value)]
    return [w for text in built if not PATH.fullmatch(text or "") and (w := _words(text))]


def test_no_message_is_built_outside_gettext():
    """What a user reads comes from a catalogue: the message given to gettext is written out
    (fields are filled in by gettext); flash messages and refusals are translated messages;
    HTML built in code carries no words of its own."""
    found = []
    for name, tree in _modules():
        if name.startswith("demo/"):  # the demo's content is data, in Chinese on purpose
            continue
        # an f-string's literal pieces are read with it, as one text, not each on its own
        pieces = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if id(node) in pieces:
                continue
            if isinstance(node, ast.Call) and node.args:
                first, called = node.args[0], _name(node.func)
                if called in GETTEXT | PLURAL and _built(first):
                    found.append(f"{name}:{node.lineno}: {called}() of built text")
                if called == "render_template" and _template_words(node):
                    found.append(f"{name}:{node.lineno}: a template given {_template_words(node)}")
                if called in MESSAGES and (
                    _built(first) or (isinstance(first, ast.Constant) and str(first.value).strip())
                ):
                    found.append(f"{name}:{node.lineno}: {called}() of untranslated text")
            words = _html_words(node) if isinstance(node, ast.JoinedStr | ast.Constant) else None
            if words:
                found.append(f"{name}:{getattr(node, 'lineno', '?')}: HTML with words {words!r}")
    assert found == []


def _line(node: ast.expr) -> int:
    return node.lineno


def test_the_check_sees_built_messages():
    tree = ast.parse(
        "flash(f'saved {n}')\nflash('Saved')\nflash(_('Saved'))\nDomainError('x %s' % n)\n"
        "_('a' + b)\nx = f'<td>Total {n}</td>'\ny = f'<td>{label}</td>'\n"
        "render_template('t.html', title=f'{n} projects', link=f'/calls/{n}', label=label)\n"
    )
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in MESSAGES]
    assert [_built(c.args[0]) for c in calls] == [True, False, False, True]
    strings = sorted((n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)), key=_line)
    assert [_html_words(s) for s in strings[:3]] == [None, "Total", None]
    (template,) = [
        n for n in ast.walk(tree) if _name(getattr(n, "func", None)) == "render_template"
    ]
    assert _template_words(template) == ["projects"]


# ------------------------------------------------------------------------------ the words


def test_the_unranked_heading_is_translated(client, make, login_as):
    world = decision_world(make, requests=[40 * K, 20 * K], scores=[90, None])
    world["admin"].locale = "zh_CN"
    login_as(world["admin"])
    html = client.get(f"/admin/calls/{world['call'].id}/decisions?lang=zh_CN").get_data(
        as_text=True
    )
    assert "尚无已提交的评审（不参与排名）" in html
    assert "Without a submitted review" not in html


def test_budget_categories_are_named_alike(app, client, login_as, make):
    with app.test_request_context(), force_locale("zh_CN"):
        titles = {c: c.title for c in BudgetCategory}
    assert titles[BudgetCategory.ACTIVITIES] == "活动费"
    assert titles[BudgetCategory.MATERIALS] == "材料费"
    assert titles[BudgetCategory.ADMINISTRATION] == "管理费"
    assert all(t.endswith(("费", "费用")) for t in titles.values()), titles
    with app.test_request_context(), force_locale("en"):
        assert all(str(c.title).endswith(" costs") for c in BudgetCategory)

    r = closed_round(make, applications_count=1)
    (application,) = r["applications"]
    login_as(r["admin"])
    page = client.get(f"/applications/{application.id}?lang=zh_CN").get_data(as_text=True)
    budget = page.split('id="budget"', 1)[1].split("</section>", 1)[0]
    assert "活动费" in budget


def test_volunteer_hours_carry_their_unit(client, login_as, make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00,))
    (project,) = r["projects"]
    sign(project, r["admin"])
    login_as(owner_of(project))
    page = client.get(f"/projects/{project.id}?lang=zh_CN").get_data(as_text=True)
    totals = page.split('data-testid="activity-totals"', 1)[1].split("</section>", 1)[0]
    assert "志愿服务时长（小时）" in totals


def test_an_ended_notice_says_so(client, make, login_as):
    world = notice_world(make, code="END-2026", days_ago=30)
    for url in ("/notices", f"/notices/{world['call'].id}"):
        html = client.get(f"{url}?lang=zh_CN").get_data(as_text=True)
        assert 'data-state="closed">公示期已结束<' in html, url
    login_as(world["admin"])
    html = client.get(f"/admin/calls/{world['call'].id}/notice?lang=zh_CN").get_data(as_text=True)
    assert 'data-state="closed">公示期已结束<' in html


def test_the_objection_form_names_the_office_that_published_the_notice(client, make):
    street_notice = notice_world(make, code="ST-2026")
    html = client.get(f"/notices/{street_notice['call'].id}?lang=zh_CN").get_data(as_text=True)
    form = html.split('id="objection"', 1)[1]
    assert f"仅发布本公示的{street_notice['street'].name}可见" in form
    assert "镇街" not in form

    district_notice = notice_world(make, code="DI-2026")
    district_notice["call"].street_id = None  # a district-wide call: the bureau published it
    db.session.flush()
    db.session.expire(district_notice["call"])
    html = client.get(f"/notices/{district_notice['call'].id}?lang=zh_CN").get_data(as_text=True)
    assert 'data-testid="publisher">区民政局<' in html
    form = html.split('id="objection"', 1)[1]
    assert "仅区民政局可见" in form and "仅发布本公示的区民政局可见" in form
    assert "镇街" not in form


def test_the_notices_give_a_count_and_a_total(client, make):
    world = notice_world(make, code="SUM-2026", projects=3)  # ¥10,000 + ¥11,000 + ¥12,000
    html = client.get("/notices?lang=zh_CN").get_data(as_text=True)
    item = html.split(f'data-call="{world["call"].id}"', 1)[1].split("</li>", 1)[0]
    assert "3 个项目，合计 ¥33,000.00" in item
    html = client.get(f"/notices/{world['call'].id}?lang=zh_CN").get_data(as_text=True)
    total = html.split('data-testid="total"', 1)[1].split("</tr>", 1)[0]
    assert "合计：3 个项目" in total and "¥33,000.00" in total
