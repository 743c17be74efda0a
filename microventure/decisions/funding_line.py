"""The funding line (资助线): walk the ranking best-first and fund each application in full until
one no longer fits the call's budget; below it, the call's rule says whether those that still fit
are funded too. A proposal only; nothing is written."""

from dataclasses import dataclass
from functools import cached_property

from flask_babel import lazy_gettext as _l

from microventure.calls.models import LineRule
from microventure.core.models import LabelledEnum, labels
from microventure.reviews.ranking.queries import RankRow


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
    rule: LineRule = LineRule.STOP

    @cached_property
    def funded_total(self) -> int:
        return sum(e.amount for e in self.entries if e.funded)

    @cached_property
    def remainder(self) -> int:
        return self.budget - self.funded_total

    @cached_property
    def funded_count(self) -> int:
        return sum(1 for e in self.entries if e.funded)

    @cached_property
    def line_at(self) -> int:
        """How many entries stand above the line: those before the first that does not fit."""
        return next((n for n, e in enumerate(self.entries) if not e.funded), len(self.entries))

    @cached_property
    def funded_below(self) -> int:
        """Entries below the line that still fit (the fill rule)."""
        return self.funded_count - self.line_at


def proposed_amount(row: RankRow, basis: Basis) -> int:
    """The requested amount, or the mean of the reviewers' suggestions (never above the request;
    the request when no reviewer suggested an amount)."""
    if basis is Basis.SUGGESTED and row.suggested:
        return min(row.requested, round(sum(row.suggested) / len(row.suggested)))
    return row.requested


def propose(
    rows: list[RankRow],
    budget: int,
    basis: Basis = Basis.REQUESTED,
    rule: LineRule = LineRule.STOP,
) -> FundingLine:
    """Fund scored applications best-first, each in full, until one no longer fits: the line
    falls there. Below it, the stop rule funds nothing more; the fill rule goes on down the
    ranking, funding each that still fits what is left. Unscored applications are left out."""
    entries, left, open_line = [], budget, True
    for row in rows:
        if row.aggregate is None:
            continue
        amount = proposed_amount(row, basis)
        funded = (open_line or rule is LineRule.FILL) and amount <= left
        if funded:
            left -= amount
        else:
            open_line = False
        entries.append(LineEntry(row, amount, funded))
    return FundingLine(budget, entries, rule)
