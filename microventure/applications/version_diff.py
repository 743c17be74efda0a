"""What changed between two submitted versions of an application, as plain data to render.

Texts are compared token by token, a token being one CJK character, one Latin word or number, or
one run of spaces: Chinese has no spaces, so words would make a whole paragraph one change. Row
lists (activities, indicators, team, budget lines) are matched on their name or item. Everything
here is plain strings; the template escapes them, so nothing an applicant typed becomes markup.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from flask_babel import lazy_gettext as _l

from microventure.applications.answers import display as answer_text
from microventure.applications.answers import label_of
from microventure.applications.models import FundingSource
from microventure.calls.models import BudgetCategory, Domain
from microventure.core.i18n import current_language
from microventure.core.money import format_fen

TEXTS = {
    "title": _l("Project title"),
    "beneficiary_groups": _l("Beneficiary groups"),
    "summary": _l("Summary"),
    "need_analysis": _l("Need analysis"),
    "objectives": _l("Objectives"),
    "risks": _l("Risks"),
    "sustainability": _l("Sustainability"),
}

# list name → (heading, the column that identifies a row, the columns shown)
ROW_LISTS: dict[str, tuple[Any, str, list[tuple[str, Any]]]] = {
    "activities": (
        _l("Planned activities"),
        "name",
        [
            ("name", _l("Activity")),
            ("month", _l("Month")),
            ("sessions", _l("Sessions")),
            ("participants", _l("Participants")),
        ],
    ),
    "indicators": (
        _l("Outcome indicators"),
        "name",
        [("name", _l("Indicator")), ("target", _l("Target")), ("unit", _l("Unit"))],
    ),
    "team": (
        _l("Team"),
        "name",
        [("name", _l("Name")), ("role", _l("Role")), ("qualification", _l("Qualification"))],
    ),
    "budget_lines": (
        _l("Budget lines"),
        "item",
        [
            ("category", _l("Category")),
            ("item", _l("Item")),
            ("unit_price", _l("Unit price")),
            ("quantity", _l("Quantity")),
            ("source", _l("Source")),
            ("amount", _l("Amount")),
        ],
    ),
}

FIELDS = {
    "domain": _l("Service domain"),
    "community_ids": _l("Communities served"),
    "direct_beneficiaries": _l("Direct beneficiaries"),
    "indirect_beneficiaries": _l("Indirect beneficiaries"),
}

TOTALS = {
    "requested": _l("Grant requested"),
    "matching": _l("Matching funds and in kind"),
    "total": _l("Total budget"),
}

NUMERIC = {"sessions", "participants", "target", "unit_price", "quantity", "amount"}

_TOKEN = re.compile(r"[A-Za-z0-9_.,'-]+|\s+|.", re.DOTALL)
_SHORT_EQUAL = 2  # an unchanged run this short between two changes is shown as changed


def display(column: str, value: Any) -> str:
    """A snapshot value as shown: money as yuan, enum values by their titles, blanks as a dash."""
    if value is None or value == "":
        return "—"
    if column in ("unit_price", "amount"):
        return format_fen(value)
    enum_cls = {"category": BudgetCategory, "source": FundingSource, "domain": Domain}.get(column)
    if enum_cls is not None:
        return enum_cls(value).title if value in enum_cls._value2member_map_ else str(value)
    return str(value)


# ----------------------------------------------------------------------------------------- texts


@dataclass(frozen=True)
class TextDiff:
    name: str
    label: Any
    segments: list[tuple[str, str]]  # ("equal" | "del" | "ins", text)


def inline_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` → ``after`` as segments of unchanged, deleted and inserted text."""
    a, b = _TOKEN.findall(before or ""), _TOKEN.findall(after or "")
    chunks: list[list] = []  # [tag, before_text, after_text]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        chunks.append([tag, "".join(a[i1:i2]), "".join(b[j1:j2])])
    # A character or two left "unchanged" inside a rewritten sentence (的, 。) makes the
    # diff unreadable: fold such slivers into the change around them.
    merged: list[list] = []
    for index, chunk in enumerate(chunks):
        sliver = (
            chunk[0] == "equal"
            and len(chunk[1]) <= _SHORT_EQUAL
            and 0 < index < len(chunks) - 1
            and chunks[index + 1][0] != "equal"
        )
        tag = "replace" if sliver else chunk[0]
        if merged and tag != "equal" and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1] + chunk[1], merged[-1][2] + chunk[2]]
        else:
            merged.append([tag, chunk[1], chunk[2]])
    segments: list[tuple[str, str]] = []
    for tag, old, new in merged:
        if tag == "equal":
            segments.append(("equal", old))
            continue
        if old:
            segments.append(("del", old))
        if new:
            segments.append(("ins", new))
    return segments


# ------------------------------------------------------------------------------------------ rows


@dataclass(frozen=True)
class RowChange:
    kind: str  # "added" | "removed" | "changed"
    before: list[str] | None
    after: list[str] | None
    changed_columns: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ListDiff:
    name: str
    label: Any
    columns: list[Any]
    changes: list[RowChange]
    numeric: frozenset[int] = frozenset()  # columns shown right-aligned on one line


def _keyed(rows: list[dict], key: str) -> dict[tuple, dict]:
    """Rows by (identifying value, occurrence), so two rows with one name still pair up."""
    seen: Counter = Counter()
    keyed = {}
    for row in rows:
        value = str(row.get(key, "")).strip()
        keyed[(value, seen[value])] = row
        seen[value] += 1
    return keyed


def row_diff(name: str, before: list[dict], after: list[dict]) -> ListDiff:
    label, key, columns = ROW_LISTS[name]
    names = [column for column, _label in columns]

    def cells(row: dict) -> list[str]:
        return [display(column, row.get(column)) for column in names]

    old, new = _keyed(before or [], key), _keyed(after or [], key)
    changes = []
    for row_key, row in new.items():
        if row_key not in old:
            changes.append(RowChange("added", None, cells(row)))
            continue
        previous = old[row_key]
        differing = frozenset(
            i for i, column in enumerate(names) if previous.get(column) != row.get(column)
        )
        if differing:
            changes.append(RowChange("changed", cells(previous), cells(row), differing))
    changes += [RowChange("removed", cells(row), None) for k, row in old.items() if k not in new]
    return ListDiff(
        name, label, [column_label for _c, column_label in columns], changes, numeric_columns(name)
    )


def numeric_columns(name: str) -> frozenset[int]:
    _heading, _key, columns = ROW_LISTS[name]
    return frozenset(i for i, (column, _label) in enumerate(columns) if column in NUMERIC)


# --------------------------------------------------------------------------------- the whole diff


@dataclass(frozen=True)
class Change:
    label: Any
    before: str
    after: str


@dataclass
class VersionDiff:
    texts: list[TextDiff] = field(default_factory=list)
    fields: list[Change] = field(default_factory=list)
    lists: list[ListDiff] = field(default_factory=list)
    totals: list[Change] = field(default_factory=list)
    attachments_added: list[str] = field(default_factory=list)
    attachments_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.texts
            or self.fields
            or any(d.changes for d in self.lists)
            or any(t.before != t.after for t in self.totals)
            or self.attachments_added
            or self.attachments_removed
        )


def community_list(ids, names: dict[int, str]) -> str:
    return "、".join(names.get(int(i), f"#{i}") for i in ids or []) or "—"


def _field_text(name: str, value: Any, community_names: dict[int, str]) -> str:
    if name == "community_ids":
        return community_list(value, community_names)
    return display(name, value)


def diff_snapshots(before: dict, after: dict, community_names: dict[int, str]) -> VersionDiff:
    """Every difference between two snapshots (see ``services.snapshot`` for their keys)."""
    diff = VersionDiff()
    for name, label in TEXTS.items():
        old, new = before.get(name) or "", after.get(name) or ""
        if old != new:
            diff.texts.append(TextDiff(name, label, inline_diff(old, new)))
    for name, label in FIELDS.items():
        if before.get(name) != after.get(name):
            diff.fields.append(
                Change(
                    label,
                    _field_text(name, before.get(name), community_names),
                    _field_text(name, after.get(name), community_names),
                )
            )
    diff.fields += answer_changes(before.get("answers") or [], after.get("answers") or [])
    diff.lists = [row_diff(name, before.get(name), after.get(name)) for name in ROW_LISTS]
    old_totals, new_totals = before.get("totals") or {}, after.get("totals") or {}
    diff.totals = [
        Change(label, format_fen(old_totals.get(name, 0)), format_fen(new_totals.get(name, 0)))
        for name, label in TOTALS.items()
    ]
    old_files = {(a["kind"], a["sha256"]): a["name"] for a in before.get("attachments") or []}
    new_files = {(a["kind"], a["sha256"]): a["name"] for a in after.get("attachments") or []}
    diff.attachments_added = [n for k, n in new_files.items() if k not in old_files]
    diff.attachments_removed = [n for k, n in old_files.items() if k not in new_files]
    return diff


def answer_changes(before: list[dict], after: list[dict]) -> list[Change]:
    """The answers to the call's own questions that differ, each under its question."""
    old = {a["question_id"]: a for a in before}
    changes = []
    for entry in after:
        previous = old.get(entry["question_id"]) or {"value": None}
        if previous["value"] != entry["value"]:
            unit = entry.get("unit", "")
            changes.append(
                Change(
                    label_of(entry, current_language()),
                    answer_text(entry["kind"], previous["value"], unit),
                    answer_text(entry["kind"], entry["value"], unit),
                )
            )
    return changes


def snapshot_rows(name: str, rows: list[dict]) -> tuple[list[Any], list[list[str]]]:
    """A row list of one snapshot as column labels and display cells."""
    _heading, _key, columns = ROW_LISTS[name]
    return (
        [label for _c, label in columns],
        [[display(column, row.get(column)) for column, _label in columns] for row in rows or []],
    )
