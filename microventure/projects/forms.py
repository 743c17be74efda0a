"""Forms of the project page's admin actions. They only parse; the services decide (a missing
date, a future date, a file that is not a PDF or scan, a missing reason)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from microventure.core.forms import BaseForm


class SignForm(BaseForm):
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    agreement = FileField(
        _l("Scanned, signed agreement"),
        description=_l("A PDF, or a JPEG/PNG photo of the signed pages."),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"},
    )


class PaymentForm(BaseForm):
    paid_on = DateField(_l("Paid on"), validators=[Optional()])
    reference = StringField(
        _l("Bank or voucher reference"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off"},
    )


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The organisation reads it."),
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
    )


class TerminateForm(ReasonForm):
    confirm = BooleanField(
        _l("I understand: the project ends and its unpaid tranches return to the fund."),
        validators=[DataRequired(message=_l("Tick the box to confirm the termination."))],
    )


def payment_form(tranche_id: int, **kwargs) -> PaymentForm:
    return PaymentForm(prefix=f"pay-{tranche_id}", **kwargs)


def withhold_form(tranche_id: int, **kwargs) -> ReasonForm:
    return ReasonForm(prefix=f"withhold-{tranche_id}", **kwargs)


def state_form(action: str, **kwargs) -> ReasonForm:
    """The reason form of ``suspend``, ``resume`` or ``terminate`` (prefixed by the action)."""
    cls = TerminateForm if action == "terminate" else ReasonForm
    return cls(prefix=action, **kwargs)
