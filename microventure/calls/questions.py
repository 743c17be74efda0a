"""A call's own questions (自定义申报问题) and the district's question library: defining,
ordering, copying. Services flush; the caller commits."""

from dataclasses import dataclass, field, fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from microventure.accounts.models import User
from microventure.applications.models import Application
from microventure.calls.models import (
    Call,
    CallQuestion,
    CallStatus,
    FormSection,
    QuestionFields,
    QuestionKind,
    QuestionTemplate,
)
from microventure.core import audit
from microventure.core.errors import DomainError, collect
from microventure.extensions import db

MAX_QUESTIONS = 50  # per call
MAX_CHOICES = 30
OPEN = (CallStatus.DRAFT, CallStatus.PUBLISHED)


@dataclass(frozen=True, kw_only=True)
class QuestionSpec:
    """What an admin says about a question (a call's, or a library template)."""

    kind: QuestionKind
    label_zh: str
    label_en: str = ""
    help: str = ""
    required: bool = False
    section: FormSection = FormSection.PROJECT
    choices: list[str] = field(default_factory=list)
    unit: str = ""
    min_value: int | None = None
    max_value: int | None = None
    identifying: bool = False


def spec_of(question: QuestionFields) -> QuestionSpec:
    return QuestionSpec(**{f.name: getattr(question, f.name) for f in fields(QuestionSpec)})


def _clean(spec: QuestionSpec) -> dict:
    values = {f.name: getattr(spec, f.name) for f in fields(QuestionSpec)}
    for name in ("label_zh", "label_en", "help", "unit"):
        values[name] = (values[name] or "").strip()
    values["choices"] = (
        [c.strip() for c in spec.choices if c.strip()] if spec.kind.has_choices else []
    )
    if spec.kind is not QuestionKind.NUMBER:
        values.update(unit="", min_value=None, max_value=None)
    return values


def check_spec(spec: QuestionSpec) -> None:
    """Every problem with a question's definition, all together, each by its field."""
    values = _clean(spec)

    def label() -> None:
        if not values["label_zh"] or len(values["label_zh"]) > 200:
            raise DomainError(
                _l("Give the question in Chinese, at most 200 characters."), field="label_zh"
            )

    def label_en() -> None:
        if len(values["label_en"]) > 200:
            raise DomainError(_l("Keep the English to 200 characters."), field="label_en")

    def choices() -> None:
        offered = values["choices"]
        if not spec.kind.has_choices:
            return
        if len(offered) < 2 or len(offered) > MAX_CHOICES or len(set(offered)) != len(offered):
            raise DomainError(
                _l("Give from 2 to %(n)s different options, one a line.", n=MAX_CHOICES),
                field="choices",
            )
        if any(len(c) > 100 for c in offered):
            raise DomainError(_l("Keep each option to 100 characters."), field="choices")

    def bounds() -> None:
        if len(values["unit"]) > 20:
            raise DomainError(_l("Keep the unit to 20 characters."), field="unit")
        low, high = values["min_value"], values["max_value"]
        if low is not None and high is not None and low > high:
            raise DomainError(
                _l("The smallest number cannot be above the largest."), field="max_value"
            )

    collect([label, label_en, choices, bounds])


# ---------------------------------------------------------------------------------- call rules


def has_submissions(call: Call) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(Application.call_id == call.id, Application.reference.is_not(None))
            )
        )
    )


def questions_editable(call: Call) -> bool:
    """Questions may be changed, moved and removed on a draft or published call that nobody has
    submitted to yet; after that, only optional questions may be added."""
    return call.status in OPEN and not has_submissions(call)


def _check_may_add(call: Call, spec: QuestionSpec) -> None:
    if call.status not in OPEN:
        raise DomainError(_l("Questions can be added only while the call is a draft or open."))
    if len(call.questions) >= MAX_QUESTIONS:
        raise DomainError(_l("A call asks at most %(n)s questions.", n=MAX_QUESTIONS))
    if spec.required and has_submissions(call):
        raise DomainError(
            _l("Applications have been submitted: a question added now must be optional."),
            field="required",
        )


def _check_editable(call: Call) -> None:
    if not questions_editable(call):
        raise DomainError(
            _l(
                "Applications have been submitted (or the call is closed to changes): its "
                "questions can no longer be changed, only optional ones added."
            )
        )


# ---------------------------------------------------------------------------------- operations


def add_question(
    *, call: Call, spec: QuestionSpec, actor: User, template: QuestionTemplate | None = None
) -> CallQuestion:
    collect([lambda: check_spec(spec), lambda: _check_may_add(call, spec)])
    position = max((q.position for q in call.questions), default=-1) + 1
    question = CallQuestion(position=position, template_id=template.id if template else None)
    for name, value in _clean(spec).items():
        setattr(question, name, value)
    call.questions.append(question)
    db.session.flush()
    audit.record(
        action="call.question_added",
        obj=call,
        actor=actor,
        after={"question_id": question.id, "label": question.label_zh, "kind": question.kind},
    )
    return question


def update_question(*, question: CallQuestion, spec: QuestionSpec, actor: User) -> None:
    collect([lambda: check_spec(spec), lambda: _check_editable(question.call)])
    before = {"label": question.label_zh, "kind": question.kind}
    for name, value in _clean(spec).items():
        setattr(question, name, value)
    db.session.flush()
    audit.record(
        action="call.question_changed",
        obj=question.call,
        actor=actor,
        before=before,
        after={"question_id": question.id, "label": question.label_zh, "kind": question.kind},
    )


def remove_question(*, question: CallQuestion, actor: User) -> None:
    call = question.call
    _check_editable(call)
    label = question.label_zh
    call.questions.remove(question)
    db.session.flush()
    audit.record(action="call.question_removed", obj=call, actor=actor, before={"label": label})


def move_question(*, question: CallQuestion, up: bool, actor: User) -> None:
    """Swap the question with its neighbour above (or below); at either end, nothing moves."""
    call = question.call
    _check_editable(call)
    ordered = list(call.questions)
    index = ordered.index(question)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    neighbour = ordered[other]
    # the unique (call_id, position) is checked row by row, and a flush orders its UPDATEs by
    # id: park one out of the way, then move each in a flush of its own
    mine, theirs = question.position, neighbour.position
    for row, position in ((question, -1), (neighbour, mine), (question, theirs)):
        row.position = position
        db.session.flush()
    db.session.expire(call, ["questions"])
    audit.record(
        action="call.question_moved",
        obj=call,
        actor=actor,
        after={"label": question.label_zh, "position": theirs + 1},
    )


def copy_questions(*, source: Call, target: Call) -> None:
    """A copied call asks the same questions (``calls.services.copy_call``)."""
    for q in source.questions:
        copy = CallQuestion(position=q.position, template_id=q.template_id)
        for name, value in _clean(spec_of(q)).items():
            setattr(copy, name, value)
        target.questions.append(copy)
    db.session.flush()


# --------------------------------------------------------------------------------- the library


def add_template(*, spec: QuestionSpec, actor: User) -> QuestionTemplate:
    check_spec(spec)
    template = QuestionTemplate(created_by_id=actor.id)
    for name, value in _clean(spec).items():
        setattr(template, name, value)
    db.session.add(template)
    db.session.flush()
    audit.record(
        action="question_template.created",
        obj=template,
        actor=actor,
        after={"label": template.label_zh, "kind": template.kind},
    )
    return template


def archive_template(*, template: QuestionTemplate, actor: User) -> None:
    """Take a question out of the library; calls that asked it keep their copy."""
    template.archived = True
    db.session.flush()
    audit.record(
        action="question_template.archived",
        obj=template,
        actor=actor,
        before={"label": template.label_zh},
    )


def add_from_library(*, call: Call, template: QuestionTemplate, actor: User) -> CallQuestion:
    if template.archived:
        raise DomainError(_l("This question is no longer in the library."))
    spec = spec_of(template)
    if spec.required and has_submissions(call):
        spec = QuestionSpec(**{**_clean(spec), "required": False})
    return add_question(call=call, spec=spec, actor=actor, template=template)


def library(*, include_archived: bool = False) -> list[QuestionTemplate]:
    stmt = select(QuestionTemplate).order_by(QuestionTemplate.id)
    if not include_archived:
        stmt = stmt.where(QuestionTemplate.archived.is_(False))
    return list(db.session.scalars(stmt))
