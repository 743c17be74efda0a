"""The call form (every setting, rubric and tranche rows) and its conversion to CallSettings."""

from datetime import datetime
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from microventure.accounts.forms import optional_int
from microventure.accounts.models import OrganizationKind
from microventure.calls.models import (
    Aggregation,
    AttachmentKind,
    BudgetCategory,
    Call,
    Domain,
    LineRule,
    TrancheTrigger,
)
from microventure.calls.services import CallSettings, Criterion, Tranche, settings_of
from microventure.core.forms import BaseForm, BaseSubForm, MultiCheckboxField
from microventure.core.money import MoneyField
from microventure.core.timeutil import local_datetime, local_today, to_local

MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows

# The example rubric and payment plan of DESIGN.md, which a new call starts from.
DEFAULT_RUBRIC = [
    (_l("Community need"), _l("Is the need real, evidenced and important to residents?"), 20),
    (_l("Project design"), _l("Do the activities lead to the objectives?"), 25),
    (_l("Feasibility"), _l("Can it be done with this team, time and place?"), 15),
    (_l("Budget"), _l("Are the costs reasonable and clearly explained?"), 15),
    (_l("Organisational capacity"), _l("Has the organisation done similar work well?"), 10),
    (_l("Innovation"), _l("Does it try something new for the community?"), 10),
    (_l("Sustainability"), _l("Will something last after the grant ends?"), 5),
]
DEFAULT_TRANCHES = [
    (50, TrancheTrigger.ON_SIGNING),
    (30, TrancheTrigger.MIDTERM_ACCEPTED),
    (20, TrancheTrigger.FINAL_ACCEPTED),
]
DEFAULT_CAPS = {BudgetCategory.PERSONNEL: 30, BudgetCategory.ADMINISTRATION: 10}


def min_rating_choices() -> list[tuple]:
    return [("", _l("No minimum"))] + [(str(n), _l("%(n)sA or better", n=n)) for n in range(1, 6)]


def _percent(label, **kwargs) -> IntegerField:
    return IntegerField(label, render_kw={"min": 0, "max": 100, "inputmode": "numeric"}, **kwargs)


class CriterionForm(BaseSubForm):
    name = StringField(_l("Criterion"), validators=[InputRequired(), Length(max=80)])
    description = StringField(_l("What reviewers look for"), validators=[Optional()])
    max_points = IntegerField(
        _l("Max points"),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        render_kw={"min": 1, "max": 100, "inputmode": "numeric"},
    )


class TrancheForm(BaseSubForm):
    percent = _percent(_l("Share of the grant (%)"), validators=[InputRequired()])
    trigger = SelectField(_l("Paid"), choices=TrancheTrigger.choices)


class CallForm(BaseForm):
    # Field names are the CallSettings attribute names, so the service's refusals land next to them.
    fund_id = SelectField(_l("Fund"), coerce=optional_int, validate_choice=False)
    street_id = SelectField(
        _l("Open to organisations in"),
        description=_l("A street's fund pays for calls in that street only."),
        coerce=optional_int,
        validate_choice=False,
    )
    code = StringField(
        _l("Code"),
        description=_l("Capital letters, digits and dashes, e.g. NC-2026-MCT."),
        validators=[Length(max=24)],
    )
    title = StringField(_l("Title"), validators=[Length(max=200)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    description = TextAreaField(
        _l("Description"),
        description=_l("What the call is for, who it serves and how to apply."),
        render_kw={"rows": 5},
    )
    budget = MoneyField(
        _l("Budget (yuan)"), validators=[InputRequired()], render_kw={"inputmode": "decimal"}
    )

    domains = MultiCheckboxField(_l("Service domains"), choices=Domain.choices)
    eligible_kinds = MultiCheckboxField(
        _l("Kinds of organisation that may apply"), choices=OrganizationKind.choices
    )
    min_rating = SelectField(
        _l("Minimum evaluation rating"), choices=min_rating_choices, coerce=optional_int
    )
    max_applications_per_org = IntegerField(
        _l("Applications per organisation"),
        validators=[InputRequired(), NumberRange(max=50)],
        render_kw={"min": 1, "inputmode": "numeric"},
    )

    grant_min = MoneyField(
        _l("Smallest grant (yuan)"),
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal"},
    )
    grant_max = MoneyField(
        _l("Largest grant (yuan)"), validators=[InputRequired()], render_kw={"inputmode": "decimal"}
    )
    max_grant_share = _percent(
        _l("Grant share of the total project budget, at most (%)"), validators=[InputRequired()]
    )
    # cap_<category> fields are added below, one per BudgetCategory
    required_attachments = MultiCheckboxField(
        _l("Required attachments"), choices=AttachmentKind.choices
    )

    criteria = FieldList(FormField(CriterionForm), label=_l("Rubric"))
    reviewers_per_application = IntegerField(
        _l("Reviewers per application"),
        validators=[InputRequired(), NumberRange(max=20)],
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
    )
    aggregation = SelectField(_l("Combining the reviewers' scores"), choices=Aggregation.choices)
    funding_line_rule = SelectField(
        _l("Below an application that does not fit the budget, the funding line"),
        choices=LineRule.choices,
    )
    blind_review = BooleanField(_l("Blind review: reviewers do not see the organisation's name"))
    reviewers_see_others_after_submit = BooleanField(
        _l("Reviewers may see the other reviews after submitting their own")
    )
    disagreement_threshold = IntegerField(
        _l("Flag disagreement when scores differ by (points)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    reviewer_names_in_notice = BooleanField(_l("Publish the reviewers' names in the public notice"))
    notice_working_days = IntegerField(
        _l("Public notice length (working days)"),
        validators=[InputRequired(), NumberRange(max=60)],
        render_kw={"min": 1, "max": 60, "inputmode": "numeric"},
    )

    project_starts_on = DateField(_l("Projects start on"), validators=[InputRequired()])
    project_ends_on = DateField(_l("Projects end on"), validators=[InputRequired()])
    midterm_report_due_on = DateField(_l("Mid-term report due on"), validators=[Optional()])
    final_report_due_on = DateField(_l("Final report due on"), validators=[InputRequired()])
    overspend_tolerance = _percent(
        _l("Overspend tolerance per budget category (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    attendance_tolerance = _percent(
        _l("Check-in tolerance (%)"),
        validators=[Optional(), NumberRange(min=0, max=100)],  # left empty: 20
    )
    attendance_keeps_names = BooleanField(_l("Check-ins keep the name typed"))
    tranches = FieldList(FormField(TrancheForm), label=_l("Payment in tranches"))

    opens_at = DateTimeLocalField(
        _l("Opens at"),
        description=_l("Beijing time, to the minute."),
        format=[MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired()],
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        description=_l("Beijing time, to the minute."),
        format=[MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired()],
    )

    def cap_fields(self) -> list[tuple[BudgetCategory, Any]]:
        return [(category, self[f"cap_{category.value}"]) for category in BudgetCategory]


for _category in BudgetCategory:
    # the label is the category's title, looked up in the reader's language when shown
    setattr(
        CallForm,
        f"cap_{_category.value}",
        _percent(LazyString(lambda c=_category: c.title), validators=[Optional()]),
    )


def blank_row(form_class: type[Form], list_name: str) -> Form:
    """An empty row named ``<list>-__index__-<field>``, the template rows.js copies."""
    return form_class(formdata=None, prefix=f"{list_name}-__index__-")


def _local(moment: datetime) -> datetime:
    return to_local(moment).replace(tzinfo=None, second=0, microsecond=0)


def _utc(naive_local: datetime) -> datetime:
    return local_datetime(naive_local.date(), naive_local.time())


def _data_from(settings: CallSettings) -> dict[str, Any]:
    data = {
        name: getattr(settings, name)
        for name in CallSettings.__dataclass_fields__
        if name not in ("criteria", "tranches", "extra", "category_caps")
    }
    data |= {
        "domains": [d.value for d in settings.domains],
        "eligible_kinds": [k.value for k in settings.eligible_kinds],
        "required_attachments": [a.value for a in settings.required_attachments],
        "aggregation": settings.aggregation.value,
        "funding_line_rule": settings.funding_line_rule.value,
        "opens_at": _local(settings.opens_at),
        "closes_at": _local(settings.closes_at),
        "criteria": [
            {"name": c.name, "description": c.description, "max_points": c.max_points}
            for c in settings.criteria
        ],
        "tranches": [{"percent": t.percent, "trigger": t.trigger.value} for t in settings.tranches],
    }
    data |= {f"cap_{c.value}": settings.category_caps.get(c) for c in BudgetCategory}
    return data


def form_data_for(call: Call) -> dict[str, Any]:
    """The edit form's starting values: the call's current settings, times in Shanghai."""
    return _data_from(settings_of(call))


def new_call_data(*, fund_id: int | None, street_id: int | None) -> dict[str, Any]:
    """A new call's starting values: the DESIGN.md example rubric, tranches and limits."""
    return {
        "fund_id": fund_id,
        "street_id": street_id,
        "year": local_today().year,
        "eligible_kinds": [k.value for k in OrganizationKind],
        "max_applications_per_org": 1,
        "max_grant_share": 60,
        "required_attachments": [
            AttachmentKind.PROJECT_PLAN.value,
            AttachmentKind.BUDGET_SHEET.value,
        ],
        "criteria": [
            {"name": str(name), "description": str(description), "max_points": points}
            for name, description, points in DEFAULT_RUBRIC
        ],
        "reviewers_per_application": 3,
        "aggregation": Aggregation.MEAN.value,
        "funding_line_rule": LineRule.STOP.value,
        "disagreement_threshold": 20,
        "notice_working_days": 5,
        "overspend_tolerance": 10,
        "attendance_tolerance": 20,
        "tranches": [{"percent": p, "trigger": t.value} for p, t in DEFAULT_TRANCHES],
    } | {f"cap_{c.value}": DEFAULT_CAPS.get(c) for c in BudgetCategory}


def _attendance_settings(form: CallForm) -> dict[str, Any]:
    tolerance = form.attendance_tolerance.data
    return {
        "attendance_tolerance": 20 if tolerance is None else tolerance,
        "attendance_keeps_names": bool(form.attendance_keeps_names.data),
    }


def settings_from(form: CallForm) -> CallSettings:
    """What the admin typed, as the settings the services check."""
    return CallSettings(
        fund_id=form.fund_id.data or 0,
        street_id=form.street_id.data,
        code=(form.code.data or "").strip().upper(),
        title=form.title.data or "",
        year=form.year.data,
        description=(form.description.data or "").strip(),
        budget=form.budget.data,
        domains=[Domain(v) for v in form.domains.data],
        eligible_kinds=[OrganizationKind(v) for v in form.eligible_kinds.data],
        min_rating=form.min_rating.data,
        max_applications_per_org=form.max_applications_per_org.data,
        grant_min=form.grant_min.data,
        grant_max=form.grant_max.data,
        max_grant_share=form.max_grant_share.data,
        category_caps={c: f.data for c, f in form.cap_fields() if f.data is not None},
        required_attachments=[AttachmentKind(v) for v in form.required_attachments.data],
        criteria=[
            Criterion(
                name=row.form.name.data or "",
                description=row.form.description.data or "",
                max_points=row.form.max_points.data or 0,
            )
            for row in form.criteria
        ],
        reviewers_per_application=form.reviewers_per_application.data,
        aggregation=Aggregation(form.aggregation.data),
        funding_line_rule=LineRule(form.funding_line_rule.data),
        blind_review=form.blind_review.data,
        reviewers_see_others_after_submit=form.reviewers_see_others_after_submit.data,
        disagreement_threshold=form.disagreement_threshold.data,
        reviewer_names_in_notice=form.reviewer_names_in_notice.data,
        notice_working_days=form.notice_working_days.data,
        project_starts_on=form.project_starts_on.data,
        project_ends_on=form.project_ends_on.data,
        midterm_report_due_on=form.midterm_report_due_on.data,
        final_report_due_on=form.final_report_due_on.data,
        overspend_tolerance=form.overspend_tolerance.data,
        **_attendance_settings(form),
        tranches=[
            Tranche(
                percent=row.form.percent.data or 0, trigger=TrancheTrigger(row.form.trigger.data)
            )
            for row in form.tranches
        ],
        opens_at=_utc(form.opens_at.data),
        closes_at=_utc(form.closes_at.data),
    )
