"""Forms for creating a fund and recording a contribution to it."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from microventure.accounts import queries as account_queries
from microventure.accounts.forms import optional_int
from microventure.core.forms import BaseForm
from microventure.core.money import MoneyField
from microventure.core.policy import is_district_admin
from microventure.funds.models import FundKind


class FundForm(BaseForm):
    name = StringField(_l("Fund name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind of fund"), choices=FundKind.choices)
    street_id = SelectField(
        _l("Street / town"),
        description=_l("District-wide funds pay for calls in any street."),
        coerce=optional_int,
        validate_choice=False,  # the service decides which streets an admin may use
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("Where the money comes from and what it is for."),
        validators=[Optional(), Length(max=2000)],
    )


class ContributionForm(BaseForm):
    donor = StringField(_l("Donor"), validators=[DataRequired(), Length(max=120)])
    amount = MoneyField(
        _l("Amount (yuan)"),
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


def street_choices_for(user) -> list[tuple]:
    """District admins choose any street or district-wide; street admins their own street(s)."""
    streets = account_queries.street_choices()
    if is_district_admin(user):
        return [("", _l("District-wide")), *streets]
    own = user.street_ids()
    return [(street_id, name) for street_id, name in streets if street_id in own]
