"""Forms for a call's own questions and the district's question library."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from microventure.calls.models import FormSection, QuestionKind
from microventure.calls.questions import QuestionSpec
from microventure.core.forms import BaseForm

BOUND = 10**12  # whole numbers a number question's bounds may take


class QuestionForm(BaseForm):
    kind = SelectField(_l("Kind of answer"), choices=QuestionKind.choices)
    label_zh = StringField(_l("Question (Chinese)"), validators=[Length(max=200)])
    label_en = StringField(_l("Question (English, optional)"), validators=[Length(max=200)])
    help = TextAreaField(_l("Help text"), validators=[Length(max=2000)], render_kw={"rows": 2})
    section = SelectField(_l("Section of the form"), choices=FormSection.choices)
    choices = TextAreaField(
        _l("Options (one a line)"),
        validators=[Length(max=4000)],
        render_kw={"rows": 4},
        description=_l("For a question with one or several choices."),
    )
    unit = StringField(
        _l("Unit"), validators=[Length(max=20)], description=_l("For a number, e.g. households.")
    )
    min_value = IntegerField(
        _l("Smallest number"), validators=[Optional(), NumberRange(min=-BOUND, max=BOUND)]
    )
    max_value = IntegerField(
        _l("Largest number"), validators=[Optional(), NumberRange(min=-BOUND, max=BOUND)]
    )
    required = BooleanField(_l("An answer is required to submit"))
    identifying = BooleanField(
        _l("The answer identifies the organisation (hidden from reviewers in blind review)")
    )

    def spec(self) -> QuestionSpec:
        return QuestionSpec(
            kind=QuestionKind(self.kind.data),
            label_zh=self.label_zh.data or "",
            label_en=self.label_en.data or "",
            help=self.help.data or "",
            required=bool(self.required.data),
            section=FormSection(self.section.data),
            choices=(self.choices.data or "").splitlines(),
            unit=self.unit.data or "",
            min_value=self.min_value.data,
            max_value=self.max_value.data,
            identifying=bool(self.identifying.data),
        )

    @staticmethod
    def data_of(spec: QuestionSpec) -> dict:
        return {
            **vars(spec),
            "kind": spec.kind.value,
            "section": spec.section.value,
            "choices": "\n".join(spec.choices),
        }


class LibraryPickForm(BaseForm):
    template_id = SelectField(_l("Question from the library"), coerce=int, choices=[])
