"""Excel exports: real numbers with number formats, Chinese headers, a frozen header row.

Each export takes the rows its list page shows (the same selector and filters), so an
export never reaches further than the page: the user's bureau, the chosen filters.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.inputs import for_documents

YUAN_FORMAT = "#,##0.00"
WAN_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
MONEY_FORMATS = frozenset({YUAN_FORMAT, WAN_FORMAT})
TOTAL_LABEL = "合计"


@dataclass
class Column:
    header: str
    width: int = 14
    number_format: str | None = None


def add_sheet(workbook: Workbook, title: str, columns: list[Column], rows, *, first: bool = False):
    """A sheet with a bold, frozen header row; Decimals stay numbers, dates stay dates.

    A sheet of money (a column in 元 or 万元) ends with a 合计 row of its money columns:
    values summed here, not formulas, so the file reads the same in any program (unless
    the rows given end with a 合计 of their own)."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([for_documents(str(c.header)) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    money = [i for i, c in enumerate(columns) if c.number_format in MONEY_FORMATS]
    sums = dict.fromkeys(money, Decimal("0"))
    last = None
    for values in rows:
        values = [_cell(v) for v in values]
        sheet.append(values)
        last = values
        for index in money:
            if isinstance(values[index], int | Decimal):
                sums[index] += values[index]
        for cell in sheet[sheet.max_row]:
            # openpyxl stores a string starting with "=" as a formula; a provider or a
            # note typed that way must stay text, never run in the reader's Excel.
            if cell.data_type == "f":
                cell.data_type = "s"
    if money and last is not None and last[0] != TOTAL_LABEL:
        total = [None] * len(columns)
        total[0 if 0 not in sums else len(columns) - 1] = TOTAL_LABEL
        for index, value in sums.items():
            total[index] = value
        sheet.append(total)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


def caption(workbook: Workbook, text: str) -> None:
    """Put ``text`` (the filters an export used) on a line above every sheet's header."""
    for sheet in workbook.worksheets:
        filtered = sheet.auto_filter.ref
        sheet.insert_rows(1)
        sheet["A1"] = for_documents(text)
        sheet["A1"].font = Font(italic=True)
        sheet.freeze_panes = "A3"
        if filtered:
            first, _sep, last = filtered.partition(":")
            sheet.auto_filter.ref = f"{_shift(first)}:{_shift(last)}"


def _shift(cell: str) -> str:
    letters = cell.rstrip("0123456789")
    return f"{letters}{int(cell[len(letters) :]) + 1}"


def _cell(value):
    if isinstance(value, Promise):  # a lazily translated label
        return str(value)
    if isinstance(value, str):
        # A control character stored before inputs were cleaned must not break the file.
        return for_documents(value)
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimals as numbers
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def workbook_response(workbook: Workbook, filename: str) -> HttpResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{_quote(filename)}-{stamp}.xlsx"
    )
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)
