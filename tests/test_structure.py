"""The shape of the code, checked: what a newcomer must be able to rely on."""

import ast
import pathlib

from microventure.core.forms import Done, perform

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
