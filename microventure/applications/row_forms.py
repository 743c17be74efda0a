"""The repeatable rows of the application form (planned activities, indicators, team, budget
lines) and the typed numbers and months in them."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from microventure.applications.models import FundingSource
from microventure.applications.rules import is_month
from microventure.applications.services import ActivityRow, BudgetRow, IndicatorRow, TeamRow
from microventure.calls.models import BudgetCategory
from microventure.core.forms import BaseSubForm
from microventure.core.money import MoneyField

REQUIRED = _l("Fill this in.")


def strip_text(value):
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


# 2027-03, 2027-3, 2027/03, 2027.3, 2027 3, 202703, 2027年3月 (full-width digits too)
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*|\s)?(\d{1,2})\s*月?$")


def _month(value):
    """What people type for a month → ``2027-03``; anything else is kept as typed (and refused
    by ``valid_month``). A text input, because ``<input type="month">`` cannot be typed into in
    some browsers and is missing in others."""
    if not isinstance(value, str):
        return value
    typed = unicodedata.normalize("NFKC", value).strip()
    match = _MONTH.match(typed)
    if match and 1 <= int(match[2]) <= 12:
        return f"{match[1]}-{int(match[2]):02d}"
    return typed


def at_most(limit: int, message):
    def validator(form, field) -> None:
        if field.data is not None and field.data > limit:  # None: MoneyField already said why
            raise ValidationError(message)

    return validator


RANGE = _l("Enter a number from %(min)s to %(max)s.")


def valid_month(form, field) -> None:
    if field.data and not is_month(field.data):
        raise ValidationError(_l("Type the month as 2027-03 or 2027年3月."))


class RowForm(BaseSubForm):
    """One repeatable row. A row left entirely empty is not a row: it is dropped, not refused.
    A draft keeps a row whose numbers and choices are valid (its ``essential`` cells: the
    database cannot hold them empty); an empty or wrong text cell is saved empty and marked.
    What a submitted row must give is in ``rules.ROW_CELLS``."""

    # Selects always send a value, so they do not make a row count as typed in.
    always_filled: tuple[str, ...] = ()
    essential: tuple[str, ...] = ()
    unsaved = False  # set when the draft was saved without this row

    def is_blank(self) -> bool:
        def typed(field) -> bool:
            if field.raw_data is not None:
                return any(str(v).strip() for v in field.raw_data)
            return field.data not in (None, "")

        return not any(
            typed(field) for name, field in self._fields.items() if name not in self.always_filled
        )

    def storable(self) -> bool:
        return all(not self[name].errors and self[name].data is not None for name in self.essential)

    def text(self, name: str) -> str:
        field = self[name]
        return "" if field.errors else (field.data or "")


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


def _text(label, *, length: int) -> StringField:
    return StringField(label, filters=[strip_text], validators=[Length(max=length)])


class ActivityForm(RowForm):
    essential = ("sessions", "participants")

    name = _text(_l("Activity"), length=120)
    month = StringField(
        _l("Month"),
        filters=[_month],
        validators=[valid_month],
        # typed, on every browser: 2027-03 or 2027年3月 (the pattern is a hint; the server reads it)
        render_kw={
            "inputmode": "numeric",
            "pattern": r"\d{4}\s*[-/.年]?\s*\d{1,2}\s*月?",
            "placeholder": "2027-03",
            "autocomplete": "off",
        },
    )
    sessions = _count(_l("Sessions"), minimum=1, maximum=10_000)
    participants = _count(_l("Participants (person-times)"), minimum=0)

    def row(self) -> ActivityRow:
        return ActivityRow(
            name=self.text("name"),
            month=self.text("month"),
            sessions=self.sessions.data,
            participants=self.participants.data,
        )


class IndicatorForm(RowForm):
    essential = ("target",)

    name = _text(_l("Indicator"), length=120)
    target = _count(_l("Target"), minimum=0, maximum=100_000_000)
    unit = _text(_l("Unit"), length=20)

    def row(self) -> IndicatorRow:
        return IndicatorRow(name=self.text("name"), target=self.target.data, unit=self.text("unit"))


class TeamMemberForm(RowForm):
    name = _text(_l("Name"), length=60)
    role = _text(_l("Role in the project"), length=60)
    qualification = StringField(
        _l("Qualification"), filters=[strip_text], validators=[Optional(), Length(max=120)]
    )

    def row(self) -> TeamRow:
        return TeamRow(
            name=self.text("name"), role=self.text("role"), qualification=self.text("qualification")
        )


class BudgetLineForm(RowForm):
    always_filled = ("category", "source")
    essential = ("category", "unit_price", "quantity", "source")

    category = SelectField(_l("Category"), choices=BudgetCategory.choices)
    item = _text(_l("Item"), length=120)
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

    def row(self) -> BudgetRow:
        return BudgetRow(
            category=BudgetCategory(self.category.data),
            item=self.text("item"),
            unit_price=self.unit_price.data,
            quantity=self.quantity.data,
            source=FundingSource(self.source.data),
        )
