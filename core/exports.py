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


@dataclass
class Column:
    header: str
    width: int = 14
    number_format: str | None = None


def add_sheet(workbook: Workbook, title: str, columns: list[Column], rows, *, first: bool = False):
    """A sheet with a bold, frozen header row; Decimals stay numbers, dates stay dates."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([for_documents(str(c.header)) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in rows:
        sheet.append([_cell(v) for v in values])
        for cell in sheet[sheet.max_row]:
            # openpyxl stores a string starting with "=" as a formula; a provider or a
            # note typed that way must stay text, never run in the reader's Excel.
            if cell.data_type == "f":
                cell.data_type = "s"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


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
