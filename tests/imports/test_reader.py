"""The values of a sheet are read by imports.reader's own parser (lxml, rows only): the
same rows and values, cell for cell, as openpyxl's read-only sheet gives."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from bench.import_run import workbook as bench_workbook
from imports.reader import _load_values, _ValuesSheet
from tests.imports import books


def both(data: bytes) -> list[tuple[str, list, list]]:
    """Each sheet's rows as openpyxl reads them, and as imports.reader does."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    own = _load_values(data)
    assert own.sheetnames == book.sheetnames
    found = []
    for name in book.sheetnames:
        sheet, own_sheet = book[name], own[name]
        assert isinstance(own_sheet, _ValuesSheet)
        rows = list(own_sheet.iter_rows(values_only=True))
        assert (own_sheet.max_row, own_sheet.max_column) == (sheet.max_row, sheet.max_column)
        found.append((name, list(sheet.iter_rows(values_only=True)), rows))
    return found


def assert_same(data: bytes) -> None:
    for name, openpyxl_rows, own_rows in both(data):
        assert own_rows == openpyxl_rows, name
        assert [type(v) for r in own_rows for v in r] == [
            type(v) for r in openpyxl_rows for v in r
        ], name


def test_the_books_read_the_same():
    assert_same(books.xlsx(books.valid_sheets()))


def test_the_benchmark_books_read_the_same():
    assert_same(bench_workbook(40))


def kinds_of_cells() -> bytes:
    """Every kind of cell a person's workbook holds, with gaps and rows left out."""
    book = Workbook()
    sheet = book.active
    sheet.title = "分期"
    sheet.append(["合同编号", "期次", "金额", "日期", "是否", "备注"])
    sheet.append(["A&B <1>", 1, 40000.5, datetime.date(2024, 3, 31), True, None])
    morning = datetime.datetime(2024, 3, 31, 8, 30)  # noqa: DTZ001 (a workbook's times have no zone)
    sheet.append([None, 2.0, Decimal("12.30"), morning, False, " "])
    sheet["C7"] = "第 7 行，之间空了几行"
    sheet["H7"] = datetime.time(9, 15)
    sheet["B9"] = 1e20
    sheet["D9"] = "=1+1"
    sheet["A10"] = "换行\n与\t制表"
    sheet["D10"].number_format = "yyyy-mm-dd"
    sheet["D10"] = 45000
    sheet["E10"].number_format = "[h]:mm:ss"
    sheet["E10"] = 1.25
    sheet["F10"] = "#N/A"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, changes: dict, added: dict) -> bytes:
    """``data`` with the members of ``changes`` passed through their function, and the
    members of ``added`` added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in changes:
                content = changes[info.filename](content.decode()).encode()
            target.writestr(info, content)
        for name, content in added.items():
            target.writestr(name, content)
    return out.getvalue()


SHARED_STRINGS = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
    'uniqueCount="2"><si><t>共享 &amp; 文字</t></si><si><r><t>富</t></r><r><t>文本</t></r></si>'
    "</sst>"
)


def test_every_kind_of_cell_reads_the_same():
    assert_same(kinds_of_cells())


def test_cells_other_programs_write_read_the_same():
    """Shared strings (rich text too), a comment among the cells, cells and rows without
    their reference, errors, as Excel and other programs save them."""

    def sheet(xml: str) -> str:
        xml = re.sub(
            r'<c r="A2" t="inlineStr">.*?</c>',
            '<!-- a comment --><c r="A2" t="s"><v>0</v></c>',
            xml,
            count=1,
        )
        xml = xml.replace('<c r="E2" t="b">', '<c r="F2" t="s"><v>1</v></c><c r="E2" t="b">', 1)
        xml = re.sub(r'<row r="3"([^>]*)>', r"<row\1>", xml)  # row 3 without its number
        xml = re.sub(r'(<row[^>]*>)<c r="B3"', r'\1<c t="e"><v>#REF!</v></c><c r="B3"', xml)
        return xml

    def relations(xml: str) -> str:
        return xml.replace(
            "</Relationships>",
            '<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
            "</Relationships>",
        )

    def types(xml: str) -> str:
        return xml.replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )

    data = rewritten(
        kinds_of_cells(),
        {
            "xl/worksheets/sheet1.xml": sheet,
            "xl/_rels/workbook.xml.rels": relations,
            "[Content_Types].xml": types,
        },
        {"xl/sharedStrings.xml": SHARED_STRINGS},
    )
    rows = both(data)[0][2]
    assert rows[1][0] == "共享 & 文字" and rows[1][5] == "富文本"
    assert rows[2][0] == "#REF!"
    assert_same(data)
