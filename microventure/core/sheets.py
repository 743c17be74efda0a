"""Excel sheets in the layout the offices file: a merged title row, an optional line saying what
the sheet covers, a header row starting with 序号, the rows numbered 1..n and a 合计 row;
amounts in 元 with two decimals, times in Asia/Shanghai. Every export builds on this."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from microventure.core.money import fen_to_yuan
from microventure.core.timeutil import to_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT, COUNT, MONEY, POINTS, TWO, HOURS, DATE, DATETIME, PERCENT = (
    "text", "count", "money", "points", "two", "hours", "date", "datetime", "percent",
)  # fmt: skip
FORMATS = {
    COUNT: "#,##0",
    MONEY: "#,##0.00",
    POINTS: "0.0",
    TWO: "0.00",
    HOURS: "#,##0.0",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
    PERCENT: "0.0%",
}
SUM = "sum"  # a column whose 合计 is the sum of its cells
PROGRESS_EVERY = 1000  # rows


@dataclass(frozen=True)
class Col:
    """One column: its header, how a row gives its value, its kind and its 合计 (``SUM``, a
    fixed value, or nothing). Money values are fen; times are UTC datetimes."""

    header: str
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: float = 12
    total: Any = None
    wrap: bool = False


def cell_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == MONEY:
        return fen_to_yuan(int(value))
    if kind == DATETIME and isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)  # Excel has no timezones: Shanghai time
    if kind == HOURS and isinstance(value, Decimal):
        return float(value)
    return value


def _total(col: Col, values: list) -> Any:
    if col.total == SUM:
        found = [v for v in values if v is not None]
        if col.kind == MONEY:
            return fen_to_yuan(sum(int(v) for v in found))
        return sum(found)
    return cell_value(col.kind, col.total)


def add_sheet(
    book: Workbook,
    *,
    name: str,
    title: str,
    columns: list[Col],
    rows: Iterable[Any],
    subtitle: str | None = None,
    freeze_columns: int = 1,
    progress: Callable[[int], None] | None = None,
) -> None:
    """A sheet named ``name`` (at most 31 characters, Excel's limit) in the office layout;
    ``freeze_columns`` columns after 序号 stay in view while scrolling sideways; ``progress``
    is told every ``PROGRESS_EVERY`` rows how many are written."""
    sheet = book.create_sheet(name[:31])
    width = len(columns) + 1
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    if subtitle:
        sheet.append([subtitle])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        sheet["A2"].alignment = Alignment(horizontal="left")
    header_row = sheet.max_row + 1
    sheet.append([_("No.")] + [c.header for c in columns])
    _style_header(sheet, header_row, width)

    values: list[list] = [[] for _c in columns]
    for number, row in enumerate(rows, 1):
        line = [c.value(row) for c in columns]
        for index, value in enumerate(line):
            values[index].append(value)
        sheet.append([number] + [cell_value(c.kind, v) for c, v in zip(columns, line, strict=True)])
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    last = sheet.max_row
    sheet.append([_("Total")] + [_total(c, v) for c, v in zip(columns, values, strict=True)])
    for cell in sheet[last + 1]:
        cell.font = Font(bold=True)
    sheet.cell(last + 1, 1).alignment = Alignment(horizontal="center")
    _format_columns(sheet, columns, header_row, last)
    sheet.freeze_panes = sheet.cell(header_row + 1, 2 + freeze_columns).coordinate
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _format_columns(sheet, columns: list[Col], header_row: int, last: int) -> None:
    sheet.column_dimensions["A"].width = 6
    for index, col in enumerate(columns, 2):
        sheet.column_dimensions[get_column_letter(index)].width = col.width
        number_format = FORMATS.get(col.kind)
        if not (number_format or col.wrap):
            continue
        for (cell,) in sheet.iter_rows(
            min_row=header_row + 1, max_row=last + 1, min_col=index, max_col=index
        ):
            if number_format:
                cell.number_format = number_format
            if col.wrap and cell.row <= last:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _style_header(sheet, row: int, width: int) -> None:
    thin = Side(style="thin", color="999999")
    for cell in sheet[row][:width]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    sheet.row_dimensions[row].height = 32


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def to_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def download(book: Workbook, filename: str):
    """The workbook as a download (send_file adds the RFC 5987 name when it is not ASCII)."""
    return send_file(
        BytesIO(to_bytes(book)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
