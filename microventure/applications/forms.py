"""Forms for the applicant's pages: the whole application with its repeatable rows, attachments."""

from dataclasses import dataclass

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from microventure.applications.models import Application
from microventure.applications.row_forms import (
    RANGE,
    ActivityForm,
    BudgetLineForm,
    CountField,
    IndicatorForm,
    RowForm,
    TeamMemberForm,
    strip_text,
)
from microventure.applications.rules import Problems
from microventure.applications.services import TEXT_FIELDS, ApplicationContent
from microventure.calls.models import AttachmentKind, Domain
from microventure.core.forms import BaseForm, MultiCheckboxField, find_field

MAX_ROWS = 100  # per list; far above any real application, low enough to refuse abuse
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"

TEXT = {"rows": 5}


class OptionalSelectField(SelectField):
    """A select whose empty answer ("" or nothing posted) means "not chosen yet": a draft."""

    def pre_validate(self, form) -> None:
        if self.data not in (None, ""):
            super().pre_validate(form)


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
# How the list of problems atop the page names a row ("Activity 2: Give the month, e.g. …").
ROW_TITLES = {
    "activities": _l("Activity %(n)s"),
    "indicators": _l("Indicator %(n)s"),
    "team": _l("Team member %(n)s"),
    "budget_lines": _l("Budget line %(n)s"),
}


@dataclass(frozen=True)
class Section:
    """A part of the long form: its anchor, its heading, and the fields (problem names) in it."""

    anchor: str
    title: str
    fields: tuple[str, ...]


SECTIONS = (
    Section(
        "section-basics",
        _l("Basics"),
        (
            "title",
            "domain",
            "community_ids",
            "beneficiary_groups",
            "direct_beneficiaries",
            "indirect_beneficiaries",
        ),
    ),
    Section("section-design", _l("The project"), ("summary", "need_analysis", "objectives")),
    Section("section-activities", _l("Planned activities"), ("activities",)),
    Section("section-indicators", _l("Outcome indicators"), ("indicators",)),
    Section("section-risks", _l("Risks and sustainability"), ("risks", "sustainability")),
    Section("section-team", _l("Project team"), ("team",)),
    Section("budget", _l("Budget"), ("budget_lines", "requested", "matching")),
    Section("attachments", _l("Attachments"), ("attachments",)),
)


class ApplicationForm(BaseForm):
    """Everything the applicant writes. A draft may leave anything empty and saves whatever is
    valid (``content``); what a submission needs is checked by ``rules``, whose problems are
    shown next to these fields."""

    title = StringField(_l("Project title"), filters=[strip_text], validators=[Length(max=200)])
    domain = OptionalSelectField(_l("Service domain"), choices=[])
    community_ids = MultiCheckboxField(
        _l("Communities served"),
        coerce=int,
        choices=[],
        description=_l("Tick every community the project serves."),
    )
    beneficiary_groups = StringField(
        _l("Beneficiary groups"),
        filters=[strip_text],
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
        # for each list, the form row each saved row came from (rows not saved are skipped)
        self.saved_rows: dict[str, list[int]] = {}

    def row_lists(self) -> list[FieldList]:
        return [self[name] for name in ROW_FORMS]

    def drop_blank_rows(self) -> None:
        """Forget rows with nothing typed in: they are not rows, and nothing marks them."""
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

    def _kept(self, stored: Application, name: str, typed):
        """What a draft saves of one field: what was typed, or what was stored if it is wrong."""
        return getattr(stored, name) if self[name].errors else typed

    def content(self, stored: Application) -> ApplicationContent:
        """Whatever is valid of the typed content, for ``services.save_draft`` (call after
        ``validate``): a field with an error keeps its stored value; a row is saved if it can be
        (``RowForm.storable``), else it stays on the page only, marked ``unsaved``."""
        rows = {}
        for name in ROW_FORMS:
            forms = [entry.form for entry in self[name].entries]
            for form in forms:
                form.unsaved = not form.storable()
            self.saved_rows[name] = [i for i, form in enumerate(forms) if not form.unsaved]
            rows[name] = [form.row() for form in forms if not form.unsaved]
        # a value outside the choices is no Domain: the field's error keeps the stored one
        domain = Domain(self.domain.data) if self.domain.data and not self.domain.errors else None
        return ApplicationContent(
            **{name: self._kept(stored, name, self[name].data or "") for name in TEXT_FIELDS},
            domain=self._kept(stored, "domain", domain),
            community_ids=self._kept(stored, "community_ids", list(self.community_ids.data or [])),
            direct_beneficiaries=self._kept(
                stored, "direct_beneficiaries", self.direct_beneficiaries.data
            ),
            indirect_beneficiaries=self._kept(
                stored, "indirect_beneficiaries", self.indirect_beneficiaries.data
            ),
            **rows,
        )

    def on_page(self, name: str) -> str:
        """A problem's field name with a saved row's number turned into the form's row."""
        head, _, rest = name.partition("-")
        index, _, cell = rest.partition("-")
        saved = self.saved_rows.get(head)
        if saved is None or not index.isdigit() or int(index) >= len(saved):
            return name
        return f"{head}-{saved[int(index)]}-{cell}"

    def place(self, problems: Problems) -> None:
        """Show problems found on the saved draft next to their fields. A field the form has
        already marked (a month it could not read) keeps just its own message."""
        for name, message in problems:
            field = find_field(self, self.on_page(name))
            if field is None:
                flash(str(message), "danger")
            elif isinstance(field, FieldList | ProblemSlot) or not field.errors:
                field.errors = [*field.errors, str(message)]

    def problems(self) -> list[tuple[str, str]]:
        """Every message on the form as (anchor, message), for the list atop a long page; a
        row's messages say which row."""
        found: list[tuple[str, str]] = []
        for field in self:
            if isinstance(field, FieldList):
                found += [(field.id, e) for e in field.errors if isinstance(e, str)]
                for number, entry in enumerate(field.entries, start=1):
                    row = ROW_TITLES[field.name] % {"n": number}
                    for sub in entry.form:
                        found += [
                            (sub.id, _l("%(row)s: %(problem)s", row=row, problem=e))
                            for e in sub.errors
                        ]
            else:
                found += [(field.id, e) for e in field.errors]
        for name, anchor in UNPLACED.items():
            found += [(anchor, e) for e in getattr(self, name).errors]
        return found

    def _marked(self) -> set[str]:
        """The names of the fields the form shows a message at, rows as ``team-0-role``."""
        names = {name for name in UNPLACED if getattr(self, name).errors}
        for field in self:
            if isinstance(field, FieldList):
                if any(isinstance(e, str) for e in field.errors):
                    names.add(field.name)
                for index, entry in enumerate(field.entries):
                    names |= {
                        f"{field.name}-{index}-{sub.short_name}" for sub in entry.form if sub.errors
                    }
            elif field.errors:
                names.add(field.name)
        return names

    def sections(self, problems: Problems) -> list[tuple[Section, int]]:
        """Each section with how many of its fields still need something: those the form marks
        and those ``problems`` (the rules, on the saved draft) name."""
        names = self._marked() | {self.on_page(name) for name, _message in problems}
        return [
            (section, sum(1 for name in names if name.partition("-")[0] in section.fields))
            for section in SECTIONS
        ]


class AttachmentForm(BaseForm):
    kind = SelectField(_l("Kind of document"), choices=AttachmentKind.choices)
    file = FileField(_l("File"), render_kw={"accept": ACCEPTED_FILES})

    def chosen(self) -> bool:
        return bool(self.file.data and getattr(self.file.data, "filename", ""))


class StartForm(BaseForm):
    organization_id = SelectField(_l("Apply for"), coerce=int, choices=[])
