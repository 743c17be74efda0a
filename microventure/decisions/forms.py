"""Forms of the decision pages and of the public objection form. The services check the rules
(budget, reasons, the notice window); the forms only parse what was typed."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length

from microventure.core.forms import BaseForm
from microventure.core.money import MoneyField
from microventure.decisions.funding_line import Basis
from microventure.decisions.rules import OBJECTION_LIMITS

RECOMMEND, NOT_RECOMMEND = "recommend", "not_recommend"
APPLY_LINE, NOT_RECOMMEND_SELECTED = "line", "selected"


class DecisionForm(BaseForm):
    """One application's decision; the button pressed (``action``) says which."""

    action = StringField(validators=[AnyOf([RECOMMEND, NOT_RECOMMEND])])
    amount = MoneyField(_l("Amount (yuan)"))
    conditions = TextAreaField(
        _l("Conditions (optional)"),
        description=_l("e.g. reduce the personnel costs; the applicant reads them."),
        validators=[Length(max=2000)],
    )
    reason = TextAreaField(
        _l("Reason it is not recommended"),
        description=_l("The applicant reads it."),
        validators=[Length(max=2000)],
    )


class BulkDecisionForm(BaseForm):
    """Apply the funding line to every application, or turn down the ticked ones."""

    mode = StringField(validators=[AnyOf([APPLY_LINE, NOT_RECOMMEND_SELECTED])])
    basis = HiddenField(default=Basis.REQUESTED.value)
    reason = TextAreaField(
        _l("Reason for those not recommended"),
        description=_l("The same reason goes to every application not recommended here."),
        validators=[Length(max=2000)],
    )
    application_ids = SelectMultipleField(coerce=int, validate_choice=False)

    def chosen_basis(self) -> Basis:
        return (
            Basis(self.basis.data)
            if self.basis.data in Basis._value2member_map_
            else Basis.REQUESTED
        )


class ResolveForm(BaseForm):
    upheld = RadioField(
        _l("Outcome"),
        choices=[
            ("0", _l("Dismiss: the notice stands")),
            ("1", _l("Uphold: withdraw the project's recommendation")),
        ],
        validators=[InputRequired(message=_l("Choose whether to dismiss or uphold it."))],
    )
    resolution = TextAreaField(
        _l("Resolution"),
        description=_l("How the objection was looked into and what was decided."),
        validators=[Length(max=4000)],
    )


def _project(value):
    return None if value in (None, "", "None") else int(value)


class ObjectionForm(BaseForm):
    """A member of the public objecting to the notice (异议)."""

    application_id = SelectField(_l("Project"), coerce=_project, validate_choice=False)
    name = StringField(_l("Your name"), validators=[Length(max=OBJECTION_LIMITS["name"])])
    contact = StringField(
        _l("Telephone or e-mail"),
        description=_l("Only the office that published the notice sees it, to reply to you."),
        validators=[Length(max=OBJECTION_LIMITS["contact"])],
    )
    text = TextAreaField(
        _l("Your objection"),
        description=_l("Say what is wrong and, if you can, how you know."),
        validators=[Length(max=OBJECTION_LIMITS["text"])],
    )
