"""A report's content in one shape: what a submitted version stores (its snapshot) and what the
report's live page shows, so both pages render one partial (projects/reports/_content.html)."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from microventure.applications.models import OutcomeIndicator
from microventure.extensions import db
from microventure.projects.models import Expenditure, IndicatorActual, Report


def declared(report: Report) -> list[Expenditure]:
    """The report's expenditures in the order shown, with budget lines and receipts (one query)."""
    return list(
        db.session.scalars(
            select(Expenditure)
            .options(joinedload(Expenditure.budget_line), joinedload(Expenditure.receipt))
            .where(Expenditure.report_id == report.id)
            .order_by(Expenditure.spent_on, Expenditure.id)
        )
    )


def content(
    report: Report,
    indicators: Iterable[tuple[OutcomeIndicator, IndicatorActual | None]],
    expenditures: Sequence[Expenditure],
) -> dict[str, Any]:
    """The report self-contained: its text, each indicator of ``indicators`` with its name,
    target and actual figure (None while not entered), each expenditure with its budget line
    and receipt (``expenditures`` with budget lines and receipts loaded)."""
    return {
        "kind": report.kind.value,
        "narrative": report.narrative,
        "self_assessment": report.self_assessment,
        "actuals": [
            {
                "indicator_id": indicator.id,
                "name": indicator.name,
                "target": indicator.target,
                "unit": indicator.unit,
                "actual": actual.actual if actual else None,
                "note": actual.note if actual else "",
            }
            for indicator, actual in indicators
        ],
        "expenditures": [
            {
                "id": e.id,
                "budget_line_id": e.budget_line_id,
                "category": e.budget_line.category.value,
                "item": e.budget_line.item,
                "amount": e.amount,
                "spent_on": e.spent_on.isoformat(),
                "payee": e.payee,
                "receipt_file_id": e.receipt_file_id,
                "receipt_name": e.receipt.original_name if e.receipt else None,
            }
            for e in expenditures
        ],
        "total_spent": sum(e.amount for e in expenditures),
    }
