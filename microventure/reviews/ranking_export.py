"""The ranking as an Excel sheet in the street offices' format: a merged title row, a header row
starting with 序号, a column per reviewer, the figures, and a 合计 row.

The headers are the office sheet's fixed vocabulary, so like the reviewer-pool import
(``excel_import.COLUMNS``) they are kept as Chinese/English pairs chosen by the user's language
rather than as catalogue messages: a Chinese office gets its usual headers whatever the state of
the translations."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from microventure.calls.models import Call, RubricCriterion
from microventure.core.i18n import current_language
from microventure.core.money import fen_to_yuan
from microventure.reviews.ranking import RankRow, Reviewer

MONEY = "#,##0.00"
POINTS = "0.0"
TWO = "0.00"

# key → (中文, English)
WORDS: dict[str, tuple[str, str]] = {
    "sheet": ("评审排名", "Ranking"),
    "title": ("{title} 评审排名", "{title}: review ranking"),
    "number": ("序号", "No."),
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
    "total": ("合计", "Total"),
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
    book = Workbook()
    sheet = book.active
    sheet.title = word("sheet")

    # (header, width, number format, value of a row)
    columns: list[tuple[str, float, str | None, object]] = [
        (word("number"), 6, None, None),
        (word("reference"), 18, None, lambda r: r.reference),
        (word("project"), 32, None, lambda r: r.title),
        (word("organization"), 26, None, lambda r: r.organization),
        (word("requested"), 14, MONEY, lambda r: fen_to_yuan(int(r.requested))),
    ]
    columns += [
        (reviewer.name, 10, POINTS, lambda r, rid=reviewer.id: r.totals.get(rid))
        for reviewer in reviewers
    ]
    columns += [
        (word("reviews"), 8, None, lambda r: r.reviews),
        (word("aggregate", method=call.aggregation.title), 12, TWO, lambda r: r.aggregate),
        (word("normalised"), 9, TWO, lambda r: r.normalised),
        (word("stdev"), 9, TWO, lambda r: r.stdev),
        (word("spread"), 8, POINTS, lambda r: r.spread),
        (word("disagreement"), 7, None, lambda r: word("yes") if r.disagreement else None),
    ]
    columns += [
        (
            word("criterion", name=c.name, max=c.max_points),
            11,
            TWO,
            lambda r, cid=c.id: r.criterion_means.get(cid),
        )
        for c in criteria
    ]
    columns.append((word("suggested"), 14, MONEY, _mean_suggested_yuan))

    width = len(columns)
    sheet.append([word("title", title=call.title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28

    sheet.append([header for header, _w, _f, _v in columns])
    _style_header(sheet, width)

    for number, row in enumerate(rows, 1):
        sheet.append([number] + [value(row) for _h, _w, _f, value in columns[1:]])
    last = 2 + len(rows)

    total_row = [None] * width
    total_row[0] = word("total")
    total_row[4] = fen_to_yuan(sum(int(r.requested) for r in rows))
    total_row[5 + len(reviewers)] = sum(r.reviews for r in rows)
    sheet.append(total_row)
    sheet.merge_cells(start_row=last + 1, start_column=1, end_row=last + 1, end_column=4)
    for cell in sheet[last + 1]:
        cell.font = Font(bold=True)
    sheet.cell(last + 1, 1).alignment = Alignment(horizontal="center")

    for index, (_header, column_width, number_format, _value) in enumerate(columns, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column_width
        if number_format:
            for (cell,) in sheet.iter_rows(
                min_row=3, max_row=last + 1, min_col=index, max_col=index
            ):
                cell.number_format = number_format
    for (cell,) in sheet.iter_rows(min_row=3, max_row=last, min_col=3, max_col=3):
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    sheet.freeze_panes = "C3"  # title and header rows, 序号 and 申报编号 stay in view
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _mean_suggested_yuan(row: RankRow):
    if not row.suggested:
        return None
    return fen_to_yuan(round(sum(row.suggested) / len(row.suggested)))


def _style_header(sheet, width: int) -> None:
    thin = Side(style="thin", color="999999")
    for cell in sheet[2][:width]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    sheet.row_dimensions[2].height = 32
