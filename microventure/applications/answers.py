"""Answers to a call's own questions: stored typed (one row per question answered), checked
for a submission, written into the snapshot and read back in the reader's language."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.applications.models import Application, ApplicationAnswer, Attachment
from microventure.calls.models import Call, CallQuestion, QuestionKind
from microventure.core.money import format_fen
from microventure.core.timeutil import utcnow
from microventure.extensions import db

K = QuestionKind
Problems = list[tuple[str, str]]


def field_name(question: CallQuestion | int) -> str:
    """The form field (and problem name) of a question: ``q_12``."""
    return f"q_{getattr(question, 'id', question)}"


def value_of(answer: ApplicationAnswer | None, kind: QuestionKind) -> Any:
    """An answer's typed value (None when unanswered)."""
    if answer is None:
        return None
    if kind in (K.SHORT_TEXT, K.LONG_TEXT, K.SINGLE_CHOICE):
        return answer.text or None
    if kind is K.NUMBER:
        return answer.number
    if kind is K.MONEY:
        return answer.money
    if kind is K.DATE:
        return answer.day
    if kind is K.MULTIPLE_CHOICE:
        return list(answer.choices or []) or None
    if kind is K.YES_NO:
        return answer.yes
    attachment = answer.attachment
    return attachment if attachment is not None and attachment.removed_at is None else None


def _store(answer: ApplicationAnswer, kind: QuestionKind, value: Any) -> None:
    answer.text = value if kind in (K.SHORT_TEXT, K.LONG_TEXT, K.SINGLE_CHOICE) else None
    answer.number = value if kind is K.NUMBER else None
    answer.money = value if kind is K.MONEY else None
    answer.day = value if kind is K.DATE else None
    answer.choices = list(value) if kind is K.MULTIPLE_CHOICE else None
    answer.yes = value if kind is K.YES_NO else None


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def save_answers(application: Application, answers: dict[int, Any]) -> None:
    """Keep ``answers`` (question id → typed value) for the call's questions, files aside: a
    blank answer removes the row."""
    rows = {a.question_id: a for a in application.answers}
    for question in application.call.questions:
        if question.kind is K.FILE or question.id not in answers:
            continue
        value = answers[question.id]
        if isinstance(value, str):
            value = value.strip()
        row = rows.get(question.id)
        if _blank(value):
            if row is not None:
                application.answers.remove(row)
            continue
        if row is None:
            row = ApplicationAnswer(question_id=question.id)
            application.answers.append(row)
        _store(row, question.kind, value)


def attach_answer(application: Application, question: CallQuestion, attachment: Attachment):
    """A file question answered with an uploaded file (``services.answer_with_file``)."""
    row = next((a for a in application.answers if a.question_id == question.id), None)
    if row is None:
        row = ApplicationAnswer(question_id=question.id)
        application.answers.append(row)
    replaced = row.attachment
    if replaced is not None and replaced.removed_at is None:
        replaced.removed_at = utcnow()  # kept: an earlier submitted version may name it
    row.attachment = attachment


def answer_values(application: Application) -> dict[int, Any]:
    rows = {a.question_id: a for a in application.answers}
    return {q.id: value_of(rows.get(q.id), q.kind) for q in application.call.questions}


# ----------------------------------------------------------------------------------- checking


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def question_problems(question: CallQuestion, value: Any) -> list[str]:
    """What is wrong with one answer for a submission (the same check, whatever calls it)."""
    if _blank(value):
        if question.required:
            return [_l("Answer this question: %(question)s", question=question.label_zh)]
        return []
    if question.kind is K.NUMBER:
        number = _number(value)
        low, high = question.min_value, question.max_value
        if number is None:
            return [_l("Enter a number.")]
        if (low is not None and number < low) or (high is not None and number > high):
            return [_bounds_message(question)]
    if question.kind is K.SINGLE_CHOICE and value not in question.choices:
        return [_l("Choose one of the options offered.")]
    if question.kind is K.MULTIPLE_CHOICE and not set(value) <= set(question.choices):
        return [_l("Choose among the options offered.")]
    return []


def _bounds_message(question: CallQuestion) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _l("Enter a number from %(min)s to %(max)s.", min=low, max=high)
    if low is not None:
        return _l("Enter a number of at least %(min)s.", min=low)
    return _l("Enter a number of at most %(max)s.", max=high)


def answer_problems(application: Application) -> Problems:
    values = answer_values(application)
    return [
        (field_name(q), message)
        for q in application.call.questions
        for message in question_problems(q, values[q.id])
    ]


# ---------------------------------------------------------------------------- snapshot, reading


def tidy(number: Decimal | None) -> Decimal | None:
    """1200.0000 → 1200, 12.5000 → 12.5 (never 1.2E+3)."""
    if number is None:
        return None
    whole = number.to_integral_value()
    return whole if number == whole else number.normalize()


def plain(kind: QuestionKind, value: Any) -> Any:
    """A typed value as JSON for the snapshot."""
    if value is None:
        return None
    if kind is K.NUMBER:
        return str(tidy(Decimal(value)))
    if kind is K.DATE:
        return value.isoformat()
    if kind is K.FILE:
        return {"id": value.id, "name": value.original_name, "sha256": value.sha256}
    return value


def snapshot_answers(application: Application) -> list[dict]:
    values = answer_values(application)
    return [
        {
            "question_id": q.id,
            "label": q.label_zh,
            "label_en": q.label_en,
            "kind": q.kind.value,
            "unit": q.unit,
            "identifying": q.identifying,
            "value": plain(q.kind, values[q.id]),
        }
        for q in application.call.questions
    ]


def identifying_files(snapshot: dict) -> set[int]:
    """The attachments a snapshot's identifying file questions were answered with."""
    return {
        e["value"]["id"]
        for e in snapshot.get("answers") or []
        if e["kind"] == K.FILE.value and e.get("identifying") and e["value"]
    }


def display(kind: str, value: Any, unit: str = "") -> str:
    """A snapshot's answer as the reader reads it (— when unanswered)."""
    if value is None or value == []:
        return "—"
    kind = QuestionKind(kind)
    if kind is K.MONEY:
        return format_fen(int(value))
    if kind is K.YES_NO:
        return _("Yes") if value else _("No")
    if kind is K.MULTIPLE_CHOICE:
        return "、".join(value)
    if kind is K.FILE:
        return value.get("name", "")
    if kind is K.NUMBER:
        return f"{value} {unit}".strip()
    if kind is K.DATE:
        return date.fromisoformat(value).isoformat()
    return str(value)


def label_of(entry: dict, locale: str) -> str:
    return entry.get("label_en") if locale == "en" and entry.get("label_en") else entry["label"]


def _blind_text(entry: dict) -> str:
    """An answer as a blind review shows it: identifying ones hidden, and no file's name
    (names often carry the organisation's, as with attachments)."""
    if entry.get("identifying"):
        return _("(hidden in blind review)")
    if entry["kind"] == K.FILE.value and entry["value"]:
        return _("A file is uploaded.")
    return display(entry["kind"], entry["value"], entry.get("unit", ""))


def readable_answers(entries: list[dict], *, locale: str, blind: bool = False) -> list[dict]:
    """A snapshot's answers with their label and text; in blind review, identifying answers are
    left out (their question is shown, its answer hidden)."""
    return [
        e
        | {
            "title": label_of(e, locale),
            "text": _blind_text(e) if blind else display(e["kind"], e["value"], e.get("unit", "")),
            "hidden": bool(blind and e.get("identifying")),
        }
        | ({"value": None} if blind and e.get("identifying") else {})
        for e in entries
    ]


# ------------------------------------------------------------------------- lists and exports


def cell(kind: QuestionKind, row) -> Any:
    """One answer row's value for a list or a sheet: typed where a sheet can use the type."""
    if kind is K.MONEY:
        return row.money
    if kind is K.NUMBER:
        return tidy(row.number)
    if kind is K.DATE:
        return row.day
    if kind is K.YES_NO:
        return None if row.yes is None else (_("Yes") if row.yes else _("No"))
    if kind is K.MULTIPLE_CHOICE:
        return "、".join(row.choices or [])
    if kind is K.FILE:
        return row.file_name if row.removed_at is None else None
    return row.text


def answer_table(call: Call, application_ids: list[int] | None = None) -> dict[int, dict[int, Any]]:
    """Application id → question id → answer value, for the call's submitted applications (or
    ``application_ids``), in one query whatever the number of questions."""
    kinds = {q.id: q.kind for q in call.questions}
    if not kinds:
        return {}
    stmt = (
        select(
            ApplicationAnswer.application_id,
            ApplicationAnswer.question_id,
            ApplicationAnswer.text,
            ApplicationAnswer.number,
            ApplicationAnswer.money,
            ApplicationAnswer.day,
            ApplicationAnswer.choices,
            ApplicationAnswer.yes,
            Attachment.original_name.label("file_name"),
            Attachment.removed_at,
        )
        .outerjoin(Attachment, Attachment.id == ApplicationAnswer.attachment_id)
        .where(ApplicationAnswer.question_id.in_(kinds))
    )
    if application_ids is not None:
        stmt = stmt.where(ApplicationAnswer.application_id.in_(application_ids or [0]))
    table: dict[int, dict[int, Any]] = {}
    for row in db.session.execute(stmt):
        table.setdefault(row.application_id, {})[row.question_id] = cell(
            kinds[row.question_id], row
        )
    return table
