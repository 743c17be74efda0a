"""The form a district admin fills from the State Council's notice: the source, holiday ranges
and make-up working days (repeatable rows)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, Form, FormField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from microventure.core.forms import BaseForm, BaseSubForm
from microventure.workcalendar.queries import HolidayRange
from microventure.workcalendar.services import Holiday, YearSchedule

# The statutory holidays every notice lists, in its order: a new year's form starts from them.
STATUTORY_HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
MAX_ROWS = 40
BLANK_MAKEUP_ROWS = 6


def _typed(field) -> bool:
    """Something was typed in ``field`` (a date that did not parse counts: it gets its error)."""
    return any((value or "").strip() for value in field.raw_data or ())


class HolidayForm(BaseSubForm):
    name = StringField(_l("Holiday"), validators=[Optional(), Length(max=40)])
    first = DateField(_l("First day off"), validators=[Optional()])
    last = DateField(_l("Last day off"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not (_typed(self.first) or _typed(self.last))


class MakeupDayForm(BaseSubForm):
    day = DateField(_l("Make-up working day (调休上班)"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not _typed(self.day)


class CalendarYearForm(BaseForm):
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(), NumberRange(min=2000, max=2100)],
        render_kw={"inputmode": "numeric"},
    )
    source_title = StringField(
        _l("State Council notice (name and number)"),
        description=_l("e.g. 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）"),
        validators=[Length(max=200)],
    )
    source_published_on = DateField(_l("Published on"), validators=[Optional()])
    holidays = FieldList(FormField(HolidayForm), max_entries=MAX_ROWS)
    makeup_days = FieldList(FormField(MakeupDayForm), max_entries=MAX_ROWS)

    def drop_blank_rows(self) -> None:
        """Rows without dates are left out, so a row's position is its index for the service's
        refusals (``holidays-2-first``)."""
        for rows in (self.holidays, self.makeup_days):
            rows.entries = [e for e in rows.entries if not e.form.is_blank()]

    def schedule(self) -> YearSchedule:
        return YearSchedule(
            year=self.year.data,
            source_title=self.source_title.data or "",
            source_published_on=self.source_published_on.data,
            holidays=[
                Holiday(e.form.name.data or "", e.form.first.data, e.form.last.data)
                for e in self.holidays.entries
            ],
            makeup_days=[e.form.day.data for e in self.makeup_days.entries],
        )


def new_year_form(year: int) -> CalendarYearForm:
    form = CalendarYearForm(formdata=None, year=year)
    for name in STATUTORY_HOLIDAYS:
        form.holidays.append_entry({"name": name})
    _pad_makeup_rows(form)
    return form


def entered_year_form(entry, ranges: list[HolidayRange], makeup_days) -> CalendarYearForm:
    form = CalendarYearForm(
        formdata=None,
        year=entry.year,
        source_title=entry.source_title,
        source_published_on=entry.source_published_on,
    )
    for r in ranges:
        form.holidays.append_entry({"name": r.name, "first": r.first, "last": r.last})
    for day in makeup_days:
        form.makeup_days.append_entry({"day": day})
    _pad_makeup_rows(form)
    return form


def _pad_makeup_rows(form: CalendarYearForm) -> None:
    while len(form.makeup_days.entries) < BLANK_MAKEUP_ROWS:
        form.makeup_days.append_entry()


def blank_row(form_class: type[Form], list_name: str) -> Form:
    """An empty row named ``<list>-__index__-<field>``, the template rows.js copies."""
    return form_class(formdata=None, prefix=f"{list_name}-__index__-")
