"""What recording a tranche's payment must satisfy: a due tranche of a project that may be
paid, a date of payment, a bank or voucher reference. The payment service refuses on the first
problem."""

from datetime import date

from flask_babel import lazy_gettext as _l

from microventure.core.errors import DomainError
from microventure.core.timeutil import local_today
from microventure.projects.models import ProjectStatus, Tranche, TrancheStatus

PAYABLE_PROJECT = {ProjectStatus.ACTIVE, ProjectStatus.COMPLETED}
REFERENCE_LIMIT = 80


def check_payment(tranche: Tranche, paid_on: date | None, reference: str) -> None:
    """``reference`` is already stripped."""
    check_payable(tranche)
    check_paid_on(tranche, paid_on)
    if not reference:
        raise DomainError(_l("Enter the payment's bank or voucher reference."), field="reference")
    if len(reference) > REFERENCE_LIMIT:
        raise DomainError(
            _l("Use at most %(count)s characters.", count=REFERENCE_LIMIT), field="reference"
        )


def check_payable(tranche: Tranche) -> None:
    """Only a due tranche is paid, and only while its project runs or has completed."""
    if tranche.status is not TrancheStatus.DUE:
        raise DomainError(
            _l(
                "Only a due tranche can be paid; this one is %(status)s.",
                status=tranche.status.title,
            )
        )
    project = tranche.project
    if project.status not in PAYABLE_PROJECT:
        raise DomainError(
            _l("The project is %(status)s: no payments now.", status=project.status.title)
        )


def check_paid_on(tranche: Tranche, paid_on: date | None) -> None:
    """Paid today or earlier, not before the agreement was signed."""
    if paid_on is None:
        raise DomainError(_l("Enter the date of payment."), field="paid_on")
    if paid_on > local_today():
        raise DomainError(_l("The payment date cannot be in the future."), field="paid_on")
    signed_on = tranche.project.signed_on
    if signed_on and paid_on < signed_on:
        raise DomainError(
            _l("The payment date cannot be before the agreement was signed."), field="paid_on"
        )
