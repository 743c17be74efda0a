"""The shape of the code, checked: what a newcomer must be able to rely on."""

import ast
import pathlib
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from microventure.calls.models import Call, CallStatus
from microventure.core.forms import Done, perform
from microventure.core.models import LabelledEnum
from microventure.extensions import db
from microventure.projects.models import ProjectStatus, Report, ReportStatus
from microventure.reviews.models import Assignment, AssignmentStatus

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "microventure"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_perform_returns_what_the_service_returned(app):
    with app.test_request_context():
        done = perform(lambda: 42)
        assert isinstance(done, Done) and done.value == 42
        assert perform(lambda: None)  # a service that returns nothing still succeeded


def test_no_view_smuggles_a_result_out_of_perform_in_a_list():
    smuggled = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "perform"
                and node.args
                and isinstance(node.args[0], ast.Lambda)
            ):
                body = node.args[0].body
                if isinstance(body, ast.Call) and getattr(body.func, "attr", "") in (
                    "append",
                    "extend",
                ):
                    smuggled.append(f"{name}:{node.lineno}")
    assert smuggled == [], "use perform()'s result: done = perform(...); done.value"


def _imports(name: str, tree: ast.AST) -> set[str]:
    """The microventure modules ``name`` imports, anywhere in it (a function's import too)."""
    here = "microventure." + name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")[: -node.level]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("microventure")} - {here}


def test_no_import_cycles():
    modules = {}
    for name, tree in _modules():
        dotted = "microventure." + name.removesuffix(".py").replace("/", ".")
        modules[dotted.removesuffix(".__init__")] = _imports(name, tree)
    graph = {
        m: {i for i in deps if i in modules and i != "microventure"} for m, deps in modules.items()
    }
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(m: str) -> None:  # Tarjan's strongly connected components
        index[m] = low[m] = len(index)
        stack.append(m)
        on_stack.add(m)
        for n in graph[m]:
            if n not in index:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in on_stack:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            component = set()
            while True:
                n = stack.pop()
                on_stack.discard(n)
                component.add(n)
                if n == m:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for m in graph:
        if m not in index:
            visit(m)
    assert cycles == [], "modules that import each other (directly or round a circle)"


def test_links_are_built_from_endpoints_outside_views(app):
    """A path written by hand breaks silently when its route changes; outside views and
    templates, links come from ``core.links.path(endpoint, …)``."""
    segments = {r.rule.split("/")[1] for r in app.url_map.iter_rules() if r.rule.count("/") >= 1}
    segments -= {"", "static"}
    found = []
    for name, tree in _modules():
        is_view = any(  # a module that defines a blueprint is a views module
            isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Blueprint"
            for n in ast.walk(tree)
        )
        if is_view or name.endswith("views.py") or name == "__init__.py":
            continue
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                text = first.value if isinstance(first, ast.Constant) else None
            if text and text.startswith("/") and text[1:].split("/")[0].split("#")[0] in segments:
                found.append(f"{name}:{node.lineno}: {text}")
    assert found == []


MAX_FUNCTION_LINES = 50  # from the def line to the last, docstring included


def _function_lengths(tree: ast.AST, prefix: str = ""):
    """(qualified name, lines) of every function in ``tree``, nested ones and methods too."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            yield name, node.end_lineno - node.lineno + 1
            yield from _function_lengths(node, name + ".")
        elif isinstance(node, ast.ClassDef):
            yield from _function_lengths(node, prefix + node.name + ".")
        else:
            yield from _function_lengths(node, prefix)


def test_no_function_is_longer_than_fifty_lines():
    lengths = {
        f"{module}:{function}": lines
        for module, tree in _modules()
        for function, lines in _function_lengths(tree)
    }
    long = {name: n for name, n in lengths.items() if n > MAX_FUNCTION_LINES}
    assert long == {}, (
        "split it where a part has a name; a service's inline validation goes to rules.py"
    )


TEMPLATES = PACKAGE.parent / "templates"
# A state compared with a string: `x.status.value == 'draft'`, `role.value in ('a', …)`,
# `status != 'open'`, `selectattr('status.value', 'equalto', 'due')`.
STATE_LITERAL = re.compile(
    r"""\.value\s*(?:==|!=|(?:not\s+)?in\s*\(\s*)\s*['"]"""
    r"""|status\s*(?:==|!=)\s*['"]"""
    r"""|selectattr\(\s*['"][\w.]*(?:status|value)['"]\s*,\s*['"](?:equalto|eq|==|ne|!=)"""
)


def _templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path.relative_to(TEMPLATES).as_posix(), path.read_text(encoding="utf-8")


def test_no_template_compares_a_state_with_a_string():
    """Templates name states (``status.is_returned``) and rules (``report.is_overdue(today)``,
    ``status.is_closed``, ``can(…)``); the rule itself is written once, in Python."""
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for name, text in _templates()
        for m in STATE_LITERAL.finditer(text)
    ]
    assert found == []


def test_every_state_a_template_names_exists(app):
    """``x.is_<name>`` in a template is a state of some enum or a predicate defined in the app: a
    misspelt one would be silently false in Jinja, so it fails here."""
    known = {"is_authenticated", "is_anonymous"}  # Flask-Login's
    for _name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                known.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                known.add(node.target.id)
    enums, stack = [], [LabelledEnum]
    while stack:
        enums.append(cls := stack.pop())
        stack.extend(cls.__subclasses__())
    known |= {f"is_{member.value}" for cls in enums for member in cls}
    used = {
        f"{name}: {m.group(1)}"
        for name, text in _templates()
        for m in re.finditer(r"\.(is_\w+)", text)
        if m.group(1) not in known
    }
    assert used == set()


def test_a_state_is_asked_by_name_and_only_states_answer():
    assert ReportStatus.RETURNED.is_returned and not ReportStatus.DRAFT.is_returned
    with pytest.raises(AttributeError):
        ReportStatus.DRAFT.is_retruned  # noqa: B018 -- a misspelt state is no state
    assert ReportStatus.RETURNED.is_open and not ReportStatus.SUBMITTED.is_open
    assert ProjectStatus.TERMINATED.is_closed and not ProjectStatus.SUSPENDED.is_closed


def _in_sql(hybrid, today, **columns) -> bool:
    """The SQL side of a hybrid rule evaluated by the database on one row of ``columns``."""
    row = select(*(sa.literal(v).label(k) for k, v in columns.items())).subquery()
    return bool(db.session.scalar(select(hybrid.expr(row.c, today)).select_from(row)))


@pytest.mark.parametrize(
    ("model", "states"),
    [(Report, ReportStatus), (Assignment, AssignmentStatus), (Call, CallStatus)],
)
def test_rules_written_for_python_and_sql_agree(app, model, states):
    """``is_overdue`` (reports, assignments) and ``is_upcoming`` (calls) are each one rule with
    a Python and an SQL side; for every state either side of the date they give one answer."""
    today = date(2026, 6, 1)
    name, column, at = (
        ("is_upcoming", "opens_at", datetime(2026, 6, 1, tzinfo=UTC))
        if model is Call
        else ("is_overdue", "due_on", today)
    )
    hybrid = model.__dict__[name]
    for state in states:
        for when in (at - timedelta(days=1), at, at + timedelta(days=1)):
            obj = SimpleNamespace(status=state, **{column: when})
            in_python = hybrid.func(obj, at)
            assert _in_sql(hybrid, at, status=state.value, **{column: when}) == in_python, (
                state,
                when,
            )
