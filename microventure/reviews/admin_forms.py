"""Forms of the review admin pages: reviewers, conflicts, the import, assignment and reopening."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from microventure.accounts import services as accounts
from microventure.accounts.forms import _via, optional_int
from microventure.calls.models import Domain
from microventure.core.forms import BaseForm, MultiCheckboxField, email_address
from microventure.core.timeutil import local_today

DUE_IN_DAYS = 14


def default_due_on() -> date:
    """Two weeks from today (Beijing time): the due date every assign form starts with."""
    return local_today() + timedelta(days=DUE_IN_DAYS)


def _offered(form, field) -> None:
    """A choice set by the view must be one of those it offered (blank allowed)."""
    if field.data is not None and field.data not in {v for v, _label in field.choices if v != ""}:
        raise ValidationError(_l("Choose one of the options offered."))


def _not_past(form, field) -> None:
    if field.data and field.data < local_today():
        raise ValidationError(_l("The due date has passed."))


class ReviewerFields(BaseForm):
    """What the pool keeps about a reviewer; field names match the services' arguments."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), _via(accounts.check_mobile)])
    expertise = MultiCheckboxField(_l("Expertise"), choices=Domain.choices)
    affiliation = StringField(
        _l("Affiliation"),
        description=_l("Where the reviewer works, e.g. a university or an agency."),
        validators=[Optional(), Length(max=120)],
    )
    organization_id = SelectField(
        _l("Organisation in the district"),
        description=_l(
            "If the reviewer works for or belongs to one: they never review its applications."
        ),
        coerce=optional_int,
        validators=[_offered],
        validate_choice=False,
    )
    street_id = SelectField(
        _l("Street / town"), coerce=optional_int, validators=[_offered], validate_choice=False
    )

    def domains(self) -> list[Domain]:
        return [Domain(v) for v in self.expertise.data or () if v in Domain._value2member_map_]


class ReviewerForm(ReviewerFields):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), email_address])
    password = PasswordField(
        _l("Initial password (for a new account)"),
        description=_l("Not needed when the person already has an account."),
        validators=[Optional(), _via(accounts.check_password)],
    )


class ReviewerEditForm(ReviewerFields):
    active = BooleanField(_l("In the pool: may be given new applications"))


class ConflictForm(BaseForm):
    organization_id = SelectField(
        _l("Organisation"),
        coerce=optional_int,
        validators=[InputRequired(message=_l("Choose the organisation.")), _offered],
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why there is a conflict of interest.")),
            Length(max=1000),
        ],
        render_kw={"rows": 2},
    )


class ImportForm(BaseForm):
    file = FileField(
        _l("Excel workbook (.xlsx)"),
        validators=[FileRequired(message=_l("Choose the .xlsx file to upload."))],
    )


class AssignForm(BaseForm):
    """One reviewer for one or several applications of the call, with a due date."""

    reviewer_id = SelectField(
        _l("Reviewer"),
        coerce=optional_int,
        validators=[InputRequired(message=_l("Choose a reviewer."))],
        validate_choice=False,
    )
    application_ids = MultiCheckboxField(
        _l("Applications"),
        coerce=int,
        validate_choice=False,
        description=_l(
            "Tick those to give this reviewer. If one cannot be given to the reviewer, none is, "
            "and the reason is shown."
        ),
    )
    due_on = DateField(
        _l("Due on"), default=default_due_on, validators=[InputRequired(), _not_past]
    )
    # which form on the page was sent, so a refusal is shown where it was typed
    origin = HiddenField(default="application")

    def validate_application_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one application."))


class AutoApplyForm(BaseForm):
    due_on = DateField(
        _l("Due on"), default=default_due_on, validators=[InputRequired(), _not_past]
    )
    plan = HiddenField()  # the digest of the previewed plan


class ReassignForm(BaseForm):
    due_on = DateField(_l("Due on"), default=default_due_on, validators=[Optional(), _not_past])


class ReopenForm(BaseForm):
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why the review is reopened.")),
            Length(max=1000),
        ],
    )
