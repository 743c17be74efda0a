"""Forms of check-in: opening a session, linking it to a record, and the phone's check-in."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from microventure.accounts.forms import optional_int
from microventure.attendance.models import CheckInKind
from microventure.core.forms import BaseForm

MINUTE = "%Y-%m-%dT%H:%M"
FORMATS = [MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class SessionForm(BaseForm):
    title = StringField(
        _l("Activity"),
        validators=[InputRequired(message=_l("Give the activity's name.")), Length(max=200)],
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    opens_at = DateTimeLocalField(
        _l("Check-in opens at"),
        description=_l("Beijing time, to the minute."),
        format=FORMATS,
        validators=[InputRequired()],
    )
    closes_at = DateTimeLocalField(
        _l("Check-in closes at"),
        description=_l("Beijing time, to the minute."),
        format=FORMATS,
        validators=[InputRequired()],
    )
    expected = IntegerField(
        _l("Expected participants"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    activity_id = HiddenField(filters=[optional_int])
    planned_activity_id = HiddenField(filters=[optional_int])


class LinkForm(BaseForm):
    activity_id = SelectField(
        _l("Activity record"),
        coerce=optional_int,
        invalid_choice_message=_l("Choose one of the project's activity records."),
    )


class CheckInForm(BaseForm):
    kind = RadioField(
        _l("I am"),
        choices=[(k.value, k.label) for k in CheckInKind],
        default=CheckInKind.PARTICIPANT.value,
    )
    name = StringField(
        _l("Name or nickname"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "name", "maxlength": 40},
    )
    digits = StringField(
        _l("Last four digits of your mobile number"),
        validators=[Optional()],  # the service says what is wrong
        render_kw={
            "inputmode": "numeric",
            "pattern": "[0-9]{4}",
            "maxlength": 4,
            "autocomplete": "off",
        },
    )


class OneTapForm(BaseForm):
    kind = HiddenField(default=CheckInKind.PARTICIPANT.value)


class CheckOutForm(BaseForm):
    name = StringField(_l("Name or nickname"), validators=[Optional(), Length(max=40)])
    digits = StringField(
        _l("Last four digits of your mobile number"),
        validators=[Optional()],  # the service says what is wrong
        render_kw={"inputmode": "numeric", "pattern": "[0-9]{4}", "maxlength": 4},
    )
