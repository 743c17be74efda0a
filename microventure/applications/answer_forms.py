"""The application form with the call's own questions: one field per question (``q_<id>``),
typed by its kind, shown in the section the admin chose."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length, StopValidation

from microventure.applications.answers import field_name, tidy
from microventure.applications.forms import (
    ACCEPTED_FILES,
    SECTIONS,
    TEXT,
    ApplicationForm,
    OptionalSelectField,
)
from microventure.applications.models import Application
from microventure.applications.row_forms import strip_text
from microventure.applications.rules import Problems
from microventure.applications.services import ApplicationContent
from microventure.calls.models import Call, CallQuestion, FormSection, QuestionKind
from microventure.core.forms import MultiCheckboxField
from microventure.core.i18n import current_language
from microventure.core.money import MoneyField

K = QuestionKind
# the section of the page each FormSection is shown in (forms.SECTIONS' anchors)
ANCHORS = {
    FormSection.BASICS: "section-basics",
    FormSection.PROJECT: "section-design",
    FormSection.RISKS: "section-risks",
    FormSection.TEAM: "section-team",
    FormSection.BUDGET: "budget",
    FormSection.ATTACHMENTS: "attachments",
}
CHOOSE = _l("Choose…")


class _Typed(StringField):
    """A text input read into a typed value; what cannot be read is refused with a message and
    kept on the page as typed."""

    message = _l("Enter a number.")

    def parse(self, raw: str) -> Any:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            try:
                self.data = self.parse(self.raw)
            except (ValueError, InvalidOperation):
                self.process_errors.append(str(self.message))

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None:
            return self.raw
        return "" if self.data is None else self.show(self.data)

    def show(self, value: Any) -> str:
        return str(value)

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


class NumberAnswerField(_Typed):
    def parse(self, raw: str) -> Decimal:
        number = Decimal(raw.replace(",", "").replace("，", ""))
        if not number.is_finite() or abs(number) >= 10**14:
            raise ValueError(raw)
        return number.quantize(Decimal("0.0001"))

    def show(self, value: Any) -> str:
        return str(tidy(Decimal(value)))


class DateAnswerField(_Typed):
    message = _l("Type the date as 2027-03-15.")

    def parse(self, raw: str) -> date:
        return date.fromisoformat(raw.replace("/", "-").replace(".", "-"))

    def show(self, value: Any) -> str:
        return value.isoformat()


def _yes_no_data(value: Any) -> Any:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value


def question_field(question: CallQuestion) -> Field:
    label = question.label_in(current_language())
    options = {"description": question.help or None}
    kind = question.kind
    if kind is K.SHORT_TEXT:
        return StringField(label, filters=[strip_text], validators=[Length(max=500)], **options)
    if kind is K.LONG_TEXT:
        return TextAreaField(label, validators=[Length(max=10_000)], render_kw=TEXT, **options)
    if kind is K.NUMBER:
        unit = f"{label}（{question.unit}）" if question.unit else label
        return NumberAnswerField(unit, render_kw={"inputmode": "decimal"}, **options)
    if kind is K.MONEY:
        return MoneyField(
            _l("%(question)s (yuan)", question=label), render_kw={"inputmode": "decimal"}, **options
        )
    if kind is K.DATE:
        return DateAnswerField(label, render_kw={"placeholder": "2027-03-15"}, **options)
    if kind is K.SINGLE_CHOICE:
        choices = [("", CHOOSE)] + [(c, c) for c in question.choices]
        return OptionalSelectField(label, choices=choices, **options)
    if kind is K.MULTIPLE_CHOICE:
        return MultiCheckboxField(label, choices=[(c, c) for c in question.choices], **options)
    if kind is K.YES_NO:
        choices = [("", CHOOSE), ("yes", _l("Yes")), ("no", _l("No"))]
        return OptionalSelectField(label, choices=choices, **options)
    return FileField(label, render_kw={"accept": ACCEPTED_FILES}, **options)


class QuestionsForm(ApplicationForm):
    """The application form of one call: the fixed fields and the call's questions."""

    call_questions: list[CallQuestion] = []

    def questions_in(self, section: str) -> list[tuple[CallQuestion, Field]]:
        wanted = FormSection(section)
        return [(q, self[field_name(q)]) for q in self.call_questions if q.section is wanted]

    def typed_answers(self) -> dict[int, Any]:
        """The valid answers typed (a field with an error keeps its stored answer)."""
        found = {}
        for q in self.call_questions:
            f = self[field_name(q)]
            if q.kind is K.FILE or f.errors:
                continue
            value = f.data
            if q.kind is K.YES_NO:
                value = {"yes": True, "no": False}.get(value)
            elif q.kind is K.MULTIPLE_CHOICE:
                value = list(value or [])
            found[q.id] = value
        return found

    def uploads(self) -> list[tuple[CallQuestion, Any]]:
        """The file questions a file was chosen for."""
        return [
            (q, self[field_name(q)].data)
            for q in self.call_questions
            if q.kind is K.FILE and getattr(self[field_name(q)].data, "filename", "")
        ]

    def content(self, stored: Application) -> ApplicationContent:
        content = super().content(stored)
        return ApplicationContent(**{**vars(content), "answers": self.typed_answers()})

    def sections(self, problems: Problems):
        names = self._marked() | {self.on_page(name) for name, _message in problems}
        counted = []
        for section in SECTIONS:
            extra = {
                field_name(q) for q in self.call_questions if ANCHORS[q.section] == section.anchor
            }
            fields = set(section.fields) | extra
            counted.append((section, sum(1 for n in names if n.partition("-")[0] in fields)))
        return counted


def form_class_for(call: Call) -> type[QuestionsForm]:
    """The form class of a call: ``QuestionsForm`` with a field per question."""
    questions = list(call.questions)
    attrs: dict[str, Any] = {field_name(q): question_field(q) for q in questions}
    attrs["call_questions"] = questions
    return type("CallApplicationForm", (QuestionsForm,), attrs)


def stored_answers(values: dict[int, Any]) -> dict[str, Any]:
    """Stored answers as the form's initial data (``q_<id>`` → value)."""
    return {
        field_name(qid): _yes_no_data(value)
        for qid, value in values.items()
        if not hasattr(value, "storage_key")
    }
