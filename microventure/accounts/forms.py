"""Forms for sign-up, login, profile, members and the admin pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from microventure.accounts import services
from microventure.accounts.models import ExclusionKind, OrganizationKind, Role, TokenScope
from microventure.core.errors import DomainError
from microventure.core.forms import BaseForm, email_address


def _via(check, **kwargs):
    """Wrap a service validator so the form shows the same message the service would raise."""

    def validator(form, field):
        if field.data:
            try:
                check(field.data, **kwargs)
            except DomainError as exc:
                raise ValidationError(str(exc)) from exc

    return validator


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


RATINGS = [("", _l("Not rated"))] + [(str(n), f"{n}A") for n in range(1, 6)]


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address])


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), _via(services.check_password)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class SignupForm(BaseForm):
    # The applicant's own account
    owner_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)])
    owner_email = EmailField(
        _l("Your e-mail"),
        validators=[
            DataRequired(),
            email_address,
            _via(services.check_email_free, field="owner_email"),
        ],
    )
    owner_mobile = StringField(
        _l("Your mobile"), validators=[Optional(), _via(services.check_mobile)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), _via(services.check_password)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    # The organisation
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind of organisation"), choices=OrganizationKind.choices)
    credit_code = StringField(
        _l("Unified social credit code"),
        description=_l(
            "18 characters, on the registration certificate. Filed groups leave it empty."
        ),
        validators=[Optional(), Length(max=18)],
    )
    custodian_id = SelectField(
        _l("Custodian organisation"),
        description=_l(
            "Filed community groups only: the registered organisation that holds funds for you."
        ),
        coerce=optional_int,
        validate_choice=False,
    )
    street_id = SelectField(_l("Street / town"), coerce=optional_int, validate_choice=False)
    community_id = SelectField(
        _l("Community / village"), coerce=optional_int, validate_choice=False
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    legal_representative = StringField(
        _l("Legal representative / person in charge"), validators=[Optional(), Length(max=60)]
    )
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=60)])
    contact_mobile = StringField(
        _l("Contact mobile"),
        validators=[DataRequired(), _via(services.check_mobile, field="contact_mobile")],
    )
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), email_address])
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    rating = SelectField(_l("Evaluation rating"), choices=RATINGS, coerce=optional_int)
    rating_awarded_on = DateField(_l("Rating awarded on"), validators=[Optional()])
    rating_expires_on = DateField(_l("Rating valid until"), validators=[Optional()])
    description = TextAreaField(
        _l("What the organisation does"), validators=[Optional(), Length(max=2000)]
    )


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), _via(services.check_mobile)])
    locale = SelectField(_l("Language"), choices=[("zh_CN", "简体中文"), ("en", "English")])


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), _via(services.check_password)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class MemberForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address])
    name = StringField(_l("Name (for a new account)"), validators=[Optional(), Length(max=80)])
    password = PasswordField(
        _l("Initial password (for a new account)"),
        validators=[Optional(), _via(services.check_password)],
    )


class VerificationForm(BaseForm):
    status = SelectField(_l("Decision"), choices=[])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    override_credit_code = BooleanField(
        _l("I have checked the registration certificate; verify despite the failing credit code")
    )


class ExclusionForm(BaseForm):
    kind = SelectField(_l("List"), choices=ExclusionKind.choices)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (empty: until lifted)"), validators=[Optional()])


class RoleGrantForm(BaseForm):
    role = SelectField(_l("Role"), choices=Role.choices)
    street_id = SelectField(
        _l("Street (street admins only)"), coerce=optional_int, validate_choice=False
    )


def _days_choices():
    from microventure.accounts.api_tokens import DAYS_CHOICES

    return [(n, _l("%(n)s days", n=n)) for n in DAYS_CHOICES]


class ApiTokenForm(BaseForm):
    """A new personal access token: its name, what it may do and how long it works."""

    name = StringField(
        _l("Name"),
        description=_l("What uses the token, e.g. our WeChat mini-program."),
        validators=[DataRequired(), Length(max=60)],
    )
    scope = SelectField(
        _l("Access"),
        choices=[(s.value, s.title) for s in TokenScope],
        default=TokenScope.READ.value,
        description=_l(
            "Read: see through the API what you see on the site. Read and write: also save, "
            "submit and record in your name."
        ),
    )
    expires_in_days = SelectField(_l("Valid for"), coerce=int, default=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expires_in_days.choices = _days_choices()


class RevokeTokenForm(BaseForm):
    confirm = BooleanField(
        _l("I understand: programs using this token stop working at once."),
        validators=[DataRequired(message=_l("Tick the box to confirm revoking the token."))],
    )
