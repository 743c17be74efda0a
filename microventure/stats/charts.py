"""The dashboard's charts as data: categories and series, drawn by ECharts in the browser
(static/stats-charts.js reads them from a JSON block), shown as a table under each chart and as
plain SVG bars in the PDF report."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from microventure.core.money import format_fen
from microventure.stats import tables
from microventure.stats.board import Dashboard
from microventure.stats.queries import Measures


@dataclass(frozen=True)
class Series:
    name: str
    kind: str  # "bar" or "line"
    values: list  # counts, or fen when the chart is of money


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    dimension: str  # the header of the categories' column
    categories: list[str]
    series: list[Series]
    money: bool = False

    def text(self, value) -> str:
        return format_fen(value) if self.money else f"{value:,}"

    def as_json(self) -> dict:
        """What the browser needs: money in yuan (ECharts has no fen)."""
        scale = 100 if self.money else 1
        return {
            "key": self.key,
            "title": self.title,
            "money": self.money,
            "categories": self.categories,
            "series": [
                {"name": s.name, "type": s.kind, "data": [v / scale for v in s.values]}
                for s in self.series
            ],
        }

    @property
    def peak(self) -> int:
        return max((v for s in self.series for v in s.values), default=0) or 1


def _chart(key, title, dim, rows, measures, *, money=False, kinds=None) -> Chart:
    return Chart(
        key,
        str(title),
        str(tables.DIMENSION_TITLES[dim]),
        [label for label, _row in rows],
        [
            Series(str(name), (kinds or {}).get(measure, "bar"), [row[measure] for _l, row in rows])
            for measure, name in measures
        ],
        money,
    )


def charts(board: Dashboard, locale: str) -> list[Chart]:
    """Trend by month, split by service domain and by street, and money raised vs committed vs
    paid per street."""

    def labelled(dim: str, source=None) -> list[tuple[str, Measures]]:
        found = source if source is not None else tables.rows(board, dim, tables.GROUPS[0])
        return [(tables.row_label(board, dim, key, locale), row) for key, row in found]

    counts = (
        ("received", _l("Applications received")),
        ("approved", _l("Approved")),
        ("activities", _l("Activities held")),
    )
    money_rows = labelled("street", tables.rows(board, "street", tables.FUNDS))
    return [
        _chart(
            "month",
            _l("Trend by month"),
            "month",
            labelled("month"),
            counts,
            kinds={"activities": "line"},
        ),
        _chart("domain", _l("By service domain"), "domain", labelled("domain"), counts),
        _chart("street", _l("By street"), "street", labelled("street"), counts),
        _chart(
            "money",
            _l("Money raised, committed and paid"),
            "street",
            money_rows,
            (
                ("raised", _l("Raised")),
                ("committed", _l("Committed")),
                ("disbursed", _l("Disbursed")),
            ),
            money=True,
        ),
    ]
