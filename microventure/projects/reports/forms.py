"""Forms of the report page: the report itself (one actual figure and note per outcome
indicator, added per project), an expenditure, and the admin's review."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from microventure.accounts.forms import optional_int
from microventure.core.forms import BaseForm
from microventure.core.money import MoneyField
from microventure.projects.reports.rules import PAYEE_LIMIT
from microventure.projects.reports.services import ACTUAL_LIMIT, TEXT_LIMIT


class ReportForm(BaseForm):
    narrative = TextAreaField(
        _l("What the project has done"),
        description=_l("Activities held, who took part, what changed in the community."),
        validators=[Length(max=TEXT_LIMIT)],
        render_kw={"rows": 8},
    )
    self_assessment = TextAreaField(
        _l("Self-assessment"),
        description=_l("What went well, what did not, and what you will do about it."),
        validators=[Length(max=TEXT_LIMIT)],
        render_kw={"rows": 5},
    )

    def indicator_fields(self, indicator_id: int) -> tuple:
        return getattr(self, f"actual_{indicator_id}"), getattr(self, f"note_{indicator_id}")

    def actuals(self, indicator_ids) -> dict[int, tuple[int | None, str]]:
        return {
            i: (self.indicator_fields(i)[0].data, self.indicator_fields(i)[1].data or "")
            for i in indicator_ids
        }


def report_form(rows, report=None) -> ReportForm:
    """A report form with an actual figure and a note for each indicator of ``rows`` (the
    report page's indicator rows); filled from ``report`` and the rows' actuals when given (a
    page shown without a post), else from the posted data."""

    class Form(ReportForm):
        pass

    for indicator in (row.indicator for row in rows):
        setattr(
            Form,
            f"actual_{indicator.id}",
            IntegerField(
                _l("Actual"),
                validators=[Optional(), NumberRange(min=0, max=ACTUAL_LIMIT)],
                render_kw={"inputmode": "numeric", "autocomplete": "off"},
            ),
        )
        setattr(
            Form, f"note_{indicator.id}", StringField(_l("Note"), validators=[Length(max=1000)])
        )
    if report is None:
        return Form()
    given = [row.actual for row in rows if row.actual is not None]
    return Form(
        formdata=None,
        narrative=report.narrative,
        self_assessment=report.self_assessment,
        **{f"actual_{a.indicator_id}": a.actual for a in given},
        **{f"note_{a.indicator_id}": a.note for a in given},
    )


class ExpenditureForm(BaseForm):
    budget_line_id = SelectField(
        _l("Budget line"),
        coerce=optional_int,
        validate_choice=False,  # the service checks the line is one of the project's
    )
    amount = MoneyField(
        _l("Amount (yuan)"),
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    spent_on = DateField(_l("Spent on"), validators=[InputRequired()])
    payee = StringField(_l("Paid to"), validators=[InputRequired(), Length(max=PAYEE_LIMIT)])
    receipt = FileField(
        _l("Receipt"),
        description=_l("A PDF, or a photo (JPEG/PNG) of the invoice or receipt."),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"},
    )


def expenditure_form(grant_lines, **kwargs) -> ExpenditureForm:
    form = ExpenditureForm(**kwargs)
    form.budget_line_id.choices = [("", "—")] + [
        (line.id, f"{line.category.title} · {line.item}") for line in grant_lines
    ]
    return form


class ReviewForm(BaseForm):
    """Accept (with an optional comment), return or fail (with a reason)."""

    reason = TextAreaField(
        _l("Comment or reason"),
        description=_l(
            "Optional when accepting; needed to return or fail the report. "
            "The organisation reads it."
        ),
        validators=[Length(max=4000)],
        render_kw={"rows": 3},
    )
    confirm_withhold = BooleanField(
        _l("I understand that failing the evaluation withholds the tranche that depends on it.")
    )
