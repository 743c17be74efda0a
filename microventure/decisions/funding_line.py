"""The funding line (资助线): walk the ranking best-first and fund each application in full until
the call's budget runs out. A proposal only; nothing is written."""

from dataclasses import dataclass
from functools import cached_property

from flask_babel import lazy_gettext as _l

from microventure.core.models import LabelledEnum, labels
from microventure.reviews.ranking import RankRow


class Basis(LabelledEnum):
    REQUESTED = "requested"
    SUGGESTED = "suggested"


labels(
    Basis,
    {
        Basis.REQUESTED: _l("Amounts requested"),
        Basis.SUGGESTED: _l("Reviewers' suggested amounts"),
    },
)


@dataclass(frozen=True)
class LineEntry:
    row: RankRow
    amount: int  # what the line proposes for this application, in fen
    funded: bool


@dataclass(frozen=True)
class FundingLine:
    budget: int
    entries: list[LineEntry]

    @cached_property
    def funded_total(self) -> int:
        return sum(e.amount for e in self.entries if e.funded)

    @cached_property
    def remainder(self) -> int:
        return self.budget - self.funded_total

    @cached_property
    def funded_count(self) -> int:
        return sum(1 for e in self.entries if e.funded)


def proposed_amount(row: RankRow, basis: Basis) -> int:
    """The requested amount, or the mean of the reviewers' suggestions (never above the request;
    the request when no reviewer suggested an amount)."""
    if basis is Basis.SUGGESTED and row.suggested:
        return min(row.requested, round(sum(row.suggested) / len(row.suggested)))
    return row.requested


def propose(rows: list[RankRow], budget: int, basis: Basis = Basis.REQUESTED) -> FundingLine:
    """Fund scored applications best-first, each in full, until one no longer fits: that one and
    everything below it fall under the line. Withdrawn and unscored applications are left out."""
    entries, left, open_line = [], budget, True
    for row in rows:
        if row.aggregate is None:
            continue
        amount = proposed_amount(row, basis)
        funded = open_line and amount <= left
        if funded:
            left -= amount
        else:
            open_line = False
        entries.append(LineEntry(row, amount, funded))
    return FundingLine(budget, entries)
