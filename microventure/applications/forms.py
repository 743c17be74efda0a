"""Forms for the applicant's pages: the whole application with its repeatable rows, attachments."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from microventure.applications.models import FundingSource
from microventure.applications.services import (
    ActivityRow,
    ApplicationContent,
    BudgetRow,
    IndicatorRow,
    TeamRow,
)
from microventure.calls.models import AttachmentKind, BudgetCategory, Domain
from microventure.core.forms import BaseForm, BaseSubForm
from microventure.core.money import MoneyField

MAX_ROWS = 100  # per list; far above any real application, low enough to refuse abuse
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"

REQUIRED = _l("Fill this in.")
TEXT = {"rows": 5}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CountField(IntegerField):
    """A whole number typed on a phone: spaces and thousands separators are forgiven, and a wrong
    entry gets our translatable message (WTForms' own is not in our catalogues)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip().replace(",", "").replace("，", "")
        self.data = None
        if raw:
            try:
                self.data = int(raw)  # int() also reads full-width digits (１２)
            except ValueError as exc:
                raise ValueError(_l("Enter a whole number.")) from exc

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # "not a number" says it all; no range message on top


class OptionalSelectField(SelectField):
    """A select whose empty answer ("" or nothing posted) means "not chosen yet": a draft."""

    def pre_validate(self, form) -> None:
        if self.data not in (None, ""):
            super().pre_validate(form)


_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def _month(value):
    """'2027-1', '2027/01' or '2027年1月' → '2027-01' (browsers without a month picker)."""
    if not isinstance(value, str):
        return value
    match = _MONTH.match(value.strip())
    return f"{match[1]}-{int(match[2]):02d}" if match else value.strip()


def at_most(limit: int, message):
    def validator(form, field) -> None:
        if field.data is not None and field.data > limit:  # None: MoneyField already said why
            raise ValidationError(message)

    return validator


RANGE = _l("Enter a number from %(min)s to %(max)s.")


def valid_month(form, field) -> None:
    if field.data and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", field.data):
        raise ValidationError(_l("Choose a month, e.g. 2027-01."))


class RowForm(BaseSubForm):
    """One repeatable row. A row left entirely empty is not a row: it is dropped, not refused."""

    # Selects always send a value, so they do not make a row count as typed in.
    always_filled: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        def typed(field) -> bool:
            if field.raw_data is not None:
                return any(str(v).strip() for v in field.raw_data)
            return field.data not in (None, "")

        return not any(
            typed(field) for name, field in self._fields.items() if name not in self.always_filled
        )


def _count(label, *, minimum: int, maximum: int = 1_000_000):
    return CountField(
        label,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                min=minimum,
                max=maximum,
                message=RANGE,
            ),
        ],
        render_kw={"min": minimum, "inputmode": "numeric"},
    )


class ActivityForm(RowForm):
    name = StringField(
        _l("Activity"), filters=[_strip], validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    month = StringField(
        _l("Month"),
        filters=[_month],
        validators=[InputRequired(REQUIRED), valid_month],
        render_kw={"type": "month", "placeholder": "2027-01"},
    )
    sessions = _count(_l("Sessions"), minimum=1, maximum=10_000)
    participants = _count(_l("Participants (person-times)"), minimum=0)


class IndicatorForm(RowForm):
    name = StringField(
        _l("Indicator"), filters=[_strip], validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    target = _count(_l("Target"), minimum=0, maximum=100_000_000)
    unit = StringField(
        _l("Unit"), filters=[_strip], validators=[InputRequired(REQUIRED), Length(max=20)]
    )


class TeamMemberForm(RowForm):
    name = StringField(
        _l("Name"), filters=[_strip], validators=[InputRequired(REQUIRED), Length(max=60)]
    )
    role = StringField(
        _l("Role in the project"),
        filters=[_strip],
        validators=[InputRequired(REQUIRED), Length(max=60)],
    )
    qualification = StringField(
        _l("Qualification"), filters=[_strip], validators=[Optional(), Length(max=120)]
    )


class BudgetLineForm(RowForm):
    always_filled = ("category", "source")

    category = SelectField(_l("Category"), choices=BudgetCategory.choices)
    item = StringField(
        _l("Item"), filters=[_strip], validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    unit_price = MoneyField(
        _l("Unit price (yuan)"),
        validators=[
            InputRequired(REQUIRED),
            at_most(100_000_000_00, _l("Enter a realistic unit price.")),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    quantity = _count(_l("Quantity"), minimum=1)
    source = SelectField(_l("Paid from"), choices=FundingSource.choices)


def _rows(form_class):
    return FieldList(FormField(form_class), max_entries=MAX_ROWS)


class ProblemSlot:
    """Where a submission problem that belongs to no input lands (the call, the organisation, the
    amounts, the attachments): ``core.forms.show_domain_error`` finds it by name like a field."""

    def __init__(self) -> None:
        self.errors: list[str] = []


# Problems that belong to no input, and the part of the page that shows each.
UNPLACED = {
    "call": "problems",
    "organization": "problems",
    "requested": "budget",
    "matching": "budget",
    "attachments": "attachments",
}
ROW_FORMS = {
    "activities": ActivityForm,
    "indicators": IndicatorForm,
    "team": TeamMemberForm,
    "budget_lines": BudgetLineForm,
}


class ApplicationForm(BaseForm):
    """Everything the applicant writes. A draft may leave anything empty; what a submission needs
    is checked by the service, whose problems are shown next to these fields."""

    title = StringField(_l("Project title"), filters=[_strip], validators=[Length(max=200)])
    domain = OptionalSelectField(_l("Service domain"), choices=[])
    community_ids = SelectMultipleField(
        _l("Communities served"),
        coerce=int,
        choices=[],
        description=_l("On a computer, hold Ctrl (⌘ on a Mac) to choose several."),
    )
    beneficiary_groups = StringField(
        _l("Beneficiary groups"),
        filters=[_strip],
        validators=[Length(max=200)],
        description=_l("For example: elderly people living alone, children of migrant workers."),
    )
    direct_beneficiaries = CountField(
        _l("Direct beneficiaries (people)"),
        validators=[Optional(), NumberRange(min=0, max=100_000_000, message=RANGE)],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    indirect_beneficiaries = CountField(
        _l("Indirect beneficiaries (people)"),
        validators=[Optional(), NumberRange(min=0, max=100_000_000, message=RANGE)],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    summary = TextAreaField(_l("Project summary"), validators=[Length(max=10_000)], render_kw=TEXT)
    need_analysis = TextAreaField(
        _l("Need analysis"), validators=[Length(max=10_000)], render_kw=TEXT
    )
    objectives = TextAreaField(_l("Objectives"), validators=[Length(max=10_000)], render_kw=TEXT)
    activities = _rows(ActivityForm)
    indicators = _rows(IndicatorForm)
    risks = TextAreaField(
        _l("Risks and how they are handled"), validators=[Length(max=10_000)], render_kw=TEXT
    )
    sustainability = TextAreaField(
        _l("Sustainability"), validators=[Length(max=10_000)], render_kw=TEXT
    )
    team = _rows(TeamMemberForm)
    budget_lines = _rows(BudgetLineForm)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in UNPLACED:
            setattr(self, name, ProblemSlot())

    def row_lists(self) -> list[FieldList]:
        return [self[name] for name in ROW_FORMS]

    def drop_blank_rows(self) -> None:
        """Forget rows with nothing typed in, so row i of the form is row i the service sees."""
        for rows in self.row_lists():
            for index in reversed(range(len(rows.entries))):
                if rows.entries[index].form.is_blank():
                    rows.pop_entry(index)

    def pad_rows(self) -> None:
        """Show one empty row in an empty list, inviting the first entry."""
        for rows in self.row_lists():
            if not rows.entries:
                rows.append_entry()

    @staticmethod
    def blank_row(name: str) -> RowForm:
        """The fields of a new row, named ``name-__index__-…`` for rows.js's <template>."""
        return ROW_FORMS[name](prefix=f"{name}-__index__-")

    def content(self) -> ApplicationContent:
        """The typed content for ``services.save_draft`` (call after ``drop_blank_rows``)."""

        def rows(name):
            return [entry.form for entry in self[name].entries]

        return ApplicationContent(
            title=self.title.data or "",
            domain=Domain(self.domain.data) if self.domain.data else None,
            community_ids=list(self.community_ids.data or []),
            beneficiary_groups=self.beneficiary_groups.data or "",
            direct_beneficiaries=self.direct_beneficiaries.data,
            indirect_beneficiaries=self.indirect_beneficiaries.data,
            summary=self.summary.data or "",
            need_analysis=self.need_analysis.data or "",
            objectives=self.objectives.data or "",
            risks=self.risks.data or "",
            sustainability=self.sustainability.data or "",
            activities=[
                ActivityRow(
                    name=r.name.data,
                    month=r.month.data,
                    sessions=r.sessions.data,
                    participants=r.participants.data,
                )
                for r in rows("activities")
            ],
            indicators=[
                IndicatorRow(name=r.name.data, target=r.target.data, unit=r.unit.data)
                for r in rows("indicators")
            ],
            team=[
                TeamRow(
                    name=r.name.data, role=r.role.data, qualification=r.qualification.data or ""
                )
                for r in rows("team")
            ],
            budget_lines=[
                BudgetRow(
                    category=BudgetCategory(r.category.data),
                    item=r.item.data,
                    unit_price=r.unit_price.data,
                    quantity=r.quantity.data,
                    source=FundingSource(r.source.data),
                )
                for r in rows("budget_lines")
            ],
        )

    def problems(self) -> list[tuple[str, str]]:
        """Every message on the form as (anchor, message), for the list atop a long page."""
        found: list[tuple[str, str]] = []
        for field in self:
            if isinstance(field, FieldList):
                found += [(field.id, e) for e in field.errors if isinstance(e, str)]
                for entry in field.entries:
                    for sub in entry.form:
                        found += [(sub.id, e) for e in sub.errors]
            else:
                found += [(field.id, e) for e in field.errors]
        for name, anchor in UNPLACED.items():
            found += [(anchor, e) for e in getattr(self, name).errors]
        return found


class AttachmentForm(BaseForm):
    kind = SelectField(_l("Kind of document"), choices=AttachmentKind.choices)
    file = FileField(_l("File"), render_kw={"accept": ACCEPTED_FILES})

    def chosen(self) -> bool:
        return bool(self.file.data and getattr(self.file.data, "filename", ""))


class StartForm(BaseForm):
    organization_id = SelectField(_l("Apply for"), coerce=int, choices=[])
