"""The state machines: one mechanism, one table each, and no state set anywhere else."""

import ast
import pathlib

import pytest
from flask_babel import force_locale

from microventure import create_app  # noqa: F401  (imports every feature's models)
from microventure.accounts.models import VERIFICATION, Organization, VerificationStatus
from microventure.applications.models import APPLICATION, ApplicationStatus
from microventure.calls.models import CALL
from microventure.core.errors import DomainError
from microventure.core.states import MACHINES
from microventure.decisions.models import OBJECTION
from microventure.projects.models import ACTIVITY, PROJECT, REPORT, TRANCHE
from microventure.reviews.models import ASSIGNMENT
from microventure.stats.models import EXPORT_JOB

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "microventure"
# Attributes named like a state that are not stored states.
NOT_A_STATE = {
    "reviews/pool/excel_import.py": "a spreadsheet row's import outcome",
    "demo/seed_story.py": "the 2020 round written as it ended (services refuse past dates)",
}


def test_every_stateful_model_has_one_machine():
    machines = [APPLICATION, PROJECT, TRANCHE, REPORT, ACTIVITY, VERIFICATION, CALL, ASSIGNMENT]
    machines += [OBJECTION, EXPORT_JOB]
    assert sorted(m.model.__name__ for m in MACHINES) == sorted(m.model.__name__ for m in machines)
    for machine in MACHINES:
        for (before, to), action in machine.moves.items():
            assert isinstance(before, machine.states) and isinstance(to, machine.states)
            assert action.count(".") == 1, f"{machine.model.__name__}: {action}"


def _state_writes(tree: ast.AST, columns: set[str]) -> list[int]:
    """Lines that assign a state column (``x.status = …``) or set it in an UPDATE
    (``.values(status=…)`` / ``.values({"status": …})``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                parts = target.elts if isinstance(target, ast.Tuple) else [target]
                if any(isinstance(t, ast.Attribute) and t.attr in columns for t in parts):
                    lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "values"
        ):
            named = {k.arg for k in node.keywords}
            for arg in node.args:
                if isinstance(arg, ast.Dict):
                    named |= {k.value for k in arg.keys if isinstance(k, ast.Constant)}
            if named & columns:
                lines.append(node.lineno)
    return sorted(lines)


def test_no_state_is_set_outside_its_machine():
    columns = {m.column for m in MACHINES}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "core/states.py" or name in NOT_A_STATE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{name}:{line}" for line in _state_writes(tree, columns)]
    assert found == [], "move states with their StateMachine (core/states.py)"


def test_the_guard_sees_a_state_written_by_hand():
    code = (
        "a.status = S.X\nupdate(T).values(status=1)\nupdate(T).values({'status': 2})\n"
        "a.status, a.at = S.Y, now\n"
    )
    assert _state_writes(ast.parse(code), {"status"}) == [1, 2, 3, 4]


def test_allowed_lists_the_moves_open_now():
    org = Organization(verification_status=VerificationStatus.VERIFIED)
    assert VERIFICATION.allowed(org) == [VerificationStatus.SUSPENDED]
    assert VERIFICATION.may(org, VerificationStatus.SUSPENDED)
    assert not VERIFICATION.may(org, VerificationStatus.REJECTED)


def test_a_move_the_table_lacks_is_refused_in_words(app):
    from microventure.applications.models import Application

    with app.test_request_context(), force_locale("en"):
        application = Application(status=ApplicationStatus.APPROVED)
        with pytest.raises(DomainError) as refused:
            APPLICATION.check(application, ApplicationStatus.DRAFT)
        assert str(refused.value) == "An application that is Approved cannot become Draft."
