"""The ranking as an Excel sheet in the street offices' format (``core.sheets``: a merged title
row, 序号, a 合计 row): a column per reviewer, the figures and the rubric's criteria.

The headers are the office sheet's fixed vocabulary, so like the reviewer-pool import
(``excel_import.COLUMNS``) they are kept as Chinese/English pairs chosen by the user's language
rather than as catalogue messages: a Chinese office gets its usual headers whatever the state of
the translations."""

from microventure.calls.models import Call, RubricCriterion
from microventure.core import sheets
from microventure.core.i18n import current_language
from microventure.core.sheets import MONEY, POINTS, SUM, TWO, Col
from microventure.reviews.ranking.queries import RankRow, Reviewer

# key → (中文, English)
WORDS: dict[str, tuple[str, str]] = {
    "sheet": ("评审排名", "Ranking"),
    "title": ("{title} 评审排名", "{title}: review ranking"),
    "reference": ("申报编号", "Reference"),
    "project": ("项目名称", "Project"),
    "organization": ("申报机构", "Organisation"),
    "requested": ("申请金额（元）", "Grant requested (yuan)"),
    "reviews": ("评审份数", "Reviews"),
    "aggregate": ("综合得分（{method}）", "Score ({method})"),
    "normalised": ("标准分", "Normalised score"),
    "stdev": ("标准差", "Standard deviation"),
    "spread": ("极差", "Spread"),
    "disagreement": ("分歧", "Disagreement"),
    "criterion": ("{name}（{max}分）", "{name} ({max} pts)"),
    "suggested": ("建议资助金额均值（元）", "Mean suggested amount (yuan)"),
    "yes": ("是", "Yes"),
}


def word(key: str, **values: object) -> str:
    zh, en = WORDS[key]
    return (zh if current_language() == "zh_CN" else en).format(**values)


def workbook(
    *,
    call: Call,
    rows: list[RankRow],
    reviewers: "list[Reviewer]",
    criteria: list[RubricCriterion],
) -> bytes:
    """The .xlsx bytes of ``rows`` in the given order; 序号 numbers them 1..n."""
    columns = [
        Col(word("reference"), lambda r: r.reference, width=18),
        Col(word("project"), lambda r: r.title, width=32, wrap=True),
        Col(word("organization"), lambda r: r.organization, width=26),
        Col(word("requested"), lambda r: int(r.requested), MONEY, 14, SUM),
    ]
    columns += [
        Col(reviewer.name, lambda r, rid=reviewer.id: r.totals.get(rid), POINTS, 10)
        for reviewer in reviewers
    ]
    columns += [
        Col(word("reviews"), lambda r: r.reviews, width=8, total=SUM),
        Col(word("aggregate", method=call.aggregation.title), lambda r: r.aggregate, TWO),
        Col(word("normalised"), lambda r: r.normalised, TWO, 9),
        Col(word("stdev"), lambda r: r.stdev, TWO, 9),
        Col(word("spread"), lambda r: r.spread, POINTS, 8),
        Col(word("disagreement"), lambda r: word("yes") if r.disagreement else None, width=7),
    ]
    columns += [
        Col(
            word("criterion", name=c.name, max=c.max_points),
            lambda r, cid=c.id: r.criterion_means.get(cid),
            TWO,
            11,
        )
        for c in criteria
    ]
    columns.append(Col(word("suggested"), _mean_suggested, MONEY, 14))
    book = sheets.new_workbook()
    sheets.add_sheet(
        book, name=word("sheet"), title=word("title", title=call.title), columns=columns, rows=rows
    )
    return sheets.to_bytes(book)


def _mean_suggested(row: RankRow) -> int | None:
    if not row.suggested:
        return None
    return round(sum(row.suggested) / len(row.suggested))
