"""What an expenditure a report declares must satisfy: every problem at once, each next to its
field (the budget service refuses on any)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from microventure.applications.models import BudgetLine, FundingSource
from microventure.core import files
from microventure.core.errors import DomainError, collect
from microventure.core.money import format_fen
from microventure.core.timeutil import local_today
from microventure.projects.models import Project

RECEIPT_KINDS = {files.FileKind.PDF, files.FileKind.IMAGE_JPEG, files.FileKind.IMAGE_PNG}
PAYEE_LIMIT = 120


def check_expenditure(
    *,
    project: Project,
    line: BudgetLine | None,
    amount: int | None,
    spent_on: date | None,
    payee: str,
    receipt: FileStorage | None,
) -> None:
    """One of the project's grant budget lines, an amount within the grant, a date within the
    project period, who was paid, a receipt that is a PDF or a photo."""
    collect(
        [
            lambda: check_budget_line(project, line),
            lambda: check_amount(project, amount),
            lambda: check_spent_on(project, spent_on),
            lambda: check_payee(payee),
            lambda: check_receipt(receipt),
        ]
    )


def check_budget_line(project: Project, line: BudgetLine | None) -> None:
    if (
        line is None
        or line.application_id != project.application_id
        or line.source is not FundingSource.GRANT
    ):
        raise DomainError(
            _l("Choose one of the project's grant budget lines."), field="budget_line_id"
        )


def check_amount(project: Project, amount: int | None) -> None:
    if amount is None or amount <= 0:
        raise DomainError(_l("Enter an amount greater than zero."), field="amount")
    if amount > project.amount:
        raise DomainError(
            _l(
                "One expenditure cannot be more than the whole grant of %(amount)s.",
                amount=format_fen(project.amount),
            ),
            field="amount",
        )


def check_spent_on(project: Project, spent_on: date | None) -> None:
    if spent_on is None:
        raise DomainError(_l("Enter the date the money was spent."), field="spent_on")
    if spent_on > local_today():
        raise DomainError(_l("The date cannot be in the future."), field="spent_on")
    if not project.starts_on <= spent_on <= project.ends_on:
        raise DomainError(
            _l(
                "The date must fall within the project period, %(start)s to %(end)s.",
                start=project.starts_on.isoformat(),
                end=project.ends_on.isoformat(),
            ),
            field="spent_on",
        )


def check_payee(payee: str) -> None:
    if not payee:
        raise DomainError(_l("Enter who was paid."), field="payee")
    if len(payee) > PAYEE_LIMIT:
        raise DomainError(_l("Use at most %(count)s characters.", count=PAYEE_LIMIT), field="payee")


def check_receipt(receipt: FileStorage | None) -> None:
    """A receipt, when one is given, is a PDF or a JPEG/PNG photo."""
    if not receipt_given(receipt):
        return
    kind = files.detect_kind(receipt.stream.read(8), receipt.filename)
    receipt.stream.seek(0)
    if kind not in RECEIPT_KINDS:
        raise DomainError(_l("Upload the receipt as a PDF or a JPEG/PNG photo."), field="receipt")


def receipt_given(receipt: FileStorage | None) -> bool:
    return receipt is not None and bool(receipt.filename)
