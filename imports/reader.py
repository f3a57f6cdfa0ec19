"""Reading an uploaded workbook: the file's checks, then its rows, streamed.

The file is refused before any XML is parsed when it is too big, not a workbook, a
macro-enabled or encrypted file, or a zip whose members would inflate too far. Rows are
read one at a time, so memory does not grow with the file: openpyxl's read-only workbook,
whose sheets' values are parsed here with lxml (:class:`_ValuesParser`, the values
openpyxl gives, faster). A formula cell gives its cached value (what Excel last computed and saved); a
formula saved without one (written by a program, never calculated) is refused: nothing
here evaluates a formula.
"""

import csv
import difflib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    DATA_TAG,
    DIMENSION_TAG,
    INLINE_STRING,
    ROW_TAG,
    VALUE_TAG,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from imports import workbook as fmt

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted OOXML file
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
DIMENSION_TAG_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension[\s>/]")


class FileRefused(Exception):
    """The whole file is refused; the message says why, in Chinese."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str
    value: str = ""

    def __str__(self):
        place = f"{self.sheet}!{self.row}" if self.row else self.sheet
        column = f" {self.column}" if self.column else ""
        return f"{place}{column}：{self.message}"


@dataclass
class SheetRows:
    """A sheet's header (column key → index) and its data rows as they stream."""

    sheet: fmt.Sheet
    positions: dict[str, int]
    rows: Iterator[tuple[int, tuple]]  # (row number in the sheet, the raw cells)


@dataclass
class Source:
    """What was read: the file's sheets in the format's order, and the problems found
    in their headers and names."""

    sheets: list[SheetRows] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_size(size: int) -> None:
    if size > fmt.MAX_FILE_BYTES:
        raise FileRefused(
            _("文件大小 %(size).1f MB，超过 20 MB 的上限；请拆分为多个文件分批导入。")
            % {"size": size / 1024 / 1024}
        )


def open_source(data: bytes, filename: str) -> Source:
    """Check ``data`` (a whole file: .xlsx, or one sheet as .csv named after the sheet)
    and return its sheets. Raises :class:`FileRefused`."""
    check_size(len(data))
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsm" or suffix == ".xltm":
        raise FileRefused(_("不接受含宏的工作簿（.xlsm），请另存为 .xlsx 后再导入。"))
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise FileRefused(_("文件已加密（设置了打开密码），请取消密码后另存为 .xlsx 再导入。"))
        raise FileRefused(_("不接受旧版 Excel 文件（.xls），请另存为 .xlsx 后再导入。"))
    if data.startswith(XLSX_MAGIC):
        return _open_xlsx(data)
    if suffix == ".csv":
        return _open_csv(data, filename)
    raise FileRefused(_("只能导入 .xlsx 工作簿或 .csv 文件。"))


def _check_zip(archive: zipfile.ZipFile) -> None:
    names = archive.namelist()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(_("不接受含宏的工作簿（.xlsm），请另存为 .xlsx 后再导入。"))
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRefused(_("文件不是有效的 .xlsx 工作簿。"))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > fmt.MAX_UNCOMPRESSED_BYTES or (
            info.file_size > 1024 * 1024 and ratio > fmt.MAX_COMPRESSION_RATIO
        ):
            raise FileRefused(_("文件解压后异常巨大（疑似压缩炸弹），已拒绝。"))
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise FileRefused(_("不接受含宏的工作簿（.xlsm），请另存为 .xlsx 后再导入。"))


def _has_formulas(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether a sheet's XML holds a formula element, scanned in a stream (when the
    sheet's part is unknown, assume it may)."""
    if member not in archive.namelist():
        return True
    with archive.open(member) as stream:
        return _mentions(stream, FORMULA_TAG)


def _mentions(stream, pattern: re.Pattern) -> bool:
    """Whether ``pattern`` (a tag's start, 16 bytes at most) occurs in ``stream``."""
    tail = b""
    while chunk := stream.read(1 << 20):
        if pattern.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def _open_xlsx(data: bytes) -> Source:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_zip(archive)
        values = _load_values(data)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError) as exc:
        raise FileRefused(_("文件已损坏或不是有效的 .xlsx 工作簿。")) from exc
    source = Source()
    known = {}
    members = _sheet_members(archive, values)
    for name in values.sheetnames:
        sheet = fmt.BY_NAME.get(name.strip())
        if sheet is None:
            if name.strip() != fmt.GUIDE_SHEET:
                source.problems.append(_unknown_sheet(name))
            continue
        known[sheet.name] = name
    for sheet in fmt.SHEETS:
        if sheet.name not in known:
            continue
        name = known[sheet.name]
        if _has_formulas(archive, members.get(name, "")):
            rows = values[name].iter_rows(values_only=True)
            formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            rows = _with_formulas(sheet, rows, formulas[name].iter_rows(values_only=True))
        else:
            rows = values[name].iter_rows(values_only=True)
        _add_sheet(source, sheet, rows)
    return source


def _sheet_members(archive: zipfile.ZipFile, book) -> dict[str, str]:
    """The zip member of each sheet name (read-only sheets know their own path)."""
    found = {}
    for name in book.sheetnames:
        path = getattr(book[name], "_worksheet_path", None)
        if path:
            found[name] = path.lstrip("/")
    return found


def _with_formulas(sheet, values, formulas):
    """Pair each row's cached values with its formulas: a formula's cached value stands
    in for it; one without a cached value is marked for refusal."""
    for cached, raw in zip(values, formulas, strict=False):
        row = list(cached)
        for index, formula in enumerate(raw):
            is_formula = isinstance(formula, str) and formula.startswith("=")
            if is_formula and index < len(row) and row[index] is None:
                row[index] = FormulaWithoutValue(formula)
        yield tuple(row)


def _load_values(data: bytes):
    """``load_workbook(…, read_only=True, data_only=True)``, its sheets :class:`_ValuesSheet`."""
    reader = _ValuesReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


class _ValuesReader(ExcelReader):
    def read_worksheets(self):
        """ExcelReader.read_worksheets (openpyxl 3.1) of a read-only workbook."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _ValuesSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


class _ValuesSheet(ReadOnlyWorksheet):
    """A read-only sheet whose values are read by :class:`_ValuesParser`: the same rows
    and values as openpyxl's own (tests/imports/test_reader.py compares them), in less
    time (reading the import of 50,000 installments took ~19 s). Its size (the
    ``dimension`` element, or none, when the whole sheet has been looked through for it,
    as openpyxl does) is read when first asked, by lxml."""

    _sized = False

    def _get_size(self):
        pass  # when first asked

    def _size(self):
        if self._sized:
            return
        self._sized = True
        with self._get_source() as src:
            if not _mentions(src, DIMENSION_TAG_TEXT):
                return  # no dimension element anywhere (write-only workbooks have none)
        with self._get_source() as src:
            found = etree.iterparse(
                src,
                events=("end",),
                tag=(DIMENSION_TAG, ROW_TAG, DATA_TAG),
                resolve_entities=False,
                no_network=True,
            )
            for _event, element in found:
                if element.tag == DIMENSION_TAG:
                    boundaries = range_boundaries(element.get("ref"))
                    self._min_column, self._min_row, self._max_column, self._max_row = boundaries
                    return
                if element.tag == DATA_TAG:
                    return
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]

    @property
    def min_row(self):
        self._size()
        return self._min_row

    @property
    def max_row(self):
        self._size()
        return self._max_row

    @property
    def min_column(self):
        self._size()
        return self._min_column

    @property
    def max_column(self):
        self._size()
        return self._max_column

    def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
        """ReadOnlyWorksheet._cells_by_row (openpyxl 3.1), with the values parser."""
        if not values_only or not self.parent.data_only:
            yield from super()._cells_by_row(min_col, min_row, max_col, max_row, values_only)
            return
        max_col = max_col or self.max_column
        max_row = max_row or self.max_row
        empty_row = []
        if max_col is not None:
            empty_row = (None,) * (max_col + 1 - min_col)
        counter = min_row
        idx = 1
        with self._get_source() as src:
            parser = _ValuesParser(
                src,
                self._shared_strings,
                epoch=self.parent.epoch,
                date_formats=self.parent._date_formats,
                timedelta_formats=self.parent._timedelta_formats,
            )
            for idx, row in parser.parse():
                if max_row is not None and idx > max_row:
                    break
                for _skipped in range(counter, idx):  # rows missing from the file
                    counter += 1
                    yield empty_row
                if counter <= idx:
                    row = self._get_row(row, min_col, max_col, values_only)
                    counter += 1
                    yield row
        if max_row is not None and max_row < idx:
            for _skipped in range(counter, max_row + 1):
                yield empty_row


TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"


class _ValuesParser:
    """openpyxl's WorkSheetParser (3.1) for a workbook opened with ``data_only``, of its
    rows' values alone: each row's cells as ``{"column", "value"}``, their values cast as
    ``WorkSheetParser.parse_cell`` casts them. lxml finds the rows (no Python call per XML
    element); entities are not resolved, nothing is fetched."""

    def __init__(self, src, shared_strings, *, epoch, date_formats, timedelta_formats):
        self.source = src
        self.shared_strings = shared_strings
        self.epoch = epoch
        self.date_formats = date_formats
        self.timedelta_formats = timedelta_formats
        self.columns: dict[str, int] = {}

    def parse(self):
        row_counter = 0
        rows = etree.iterparse(
            self.source, events=("end",), tag=ROW_TAG, resolve_entities=False, no_network=True
        )
        for _event, element in rows:
            number = element.get("r")
            if number is not None:
                try:
                    row_counter = int(number)
                except ValueError:
                    value = float(number)
                    if not value.is_integer():
                        raise ValueError(f"{number} is not a valid row number") from None
                    row_counter = int(value)
            else:
                row_counter += 1
            cells = self.parse_cells(element)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            yield row_counter, cells

    def parse_cells(self, row) -> list[dict]:
        cells = []
        column = 0
        for element in row:
            if not isinstance(element.tag, str):
                continue  # a comment or processing instruction: not a cell
            data_type = element.get("t", "n")
            coordinate = element.get("r")
            style_id = element.get("s", 0)
            if style_id:
                style_id = int(style_id)
            value = None if data_type == "inlineStr" else element.findtext(VALUE_TAG) or None
            column = self.column(coordinate) if coordinate else column + 1
            if value is not None:
                if data_type == "n":
                    value = _cast_number(value)
                    if style_id in self.date_formats:
                        try:
                            value = from_excel(
                                value, self.epoch, timedelta=style_id in self.timedelta_formats
                            )
                        except (OverflowError, ValueError):
                            value = "#VALUE!"
                elif data_type == "s":
                    value = self.shared_strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "d":
                    value = from_ISO8601(value)
            elif data_type == "inlineStr":
                child = element.find(INLINE_STRING)
                if child is not None:
                    if len(child) == 1 and child[0].tag == TEXT_TAG:
                        value = child[0].text or ""  # Text.content of plain text
                    else:
                        value = Text.from_tree(child).content
            cells.append({"column": column, "value": value})
        return cells

    def column(self, coordinate: str) -> int:
        letters = coordinate.rstrip("0123456789")
        found = self.columns.get(letters)
        if found is None:
            found = self.columns[letters] = column_index_from_string(letters)
        return found


class FormulaWithoutValue(str):
    """A formula saved without its computed value; cells.py refuses it."""


def _unknown_sheet(name: str) -> Problem:
    close = difflib.get_close_matches(name.strip(), list(fmt.BY_NAME), n=1, cutoff=0.3)
    hint = _("，是否应为“%(name)s”？") % {"name": close[0]} if close else "。"
    return Problem(
        name,
        0,
        "",
        _("无法识别的工作表名称“%(name)s”%(hint)s工作表名称须与模板一致。")
        % {"name": name, "hint": hint},
    )


def _add_sheet(source: Source, sheet: fmt.Sheet, rows: Iterator[tuple]) -> None:
    try:
        header = next(rows)
    except StopIteration:
        return  # an empty sheet
    header = ["" if h is None else str(h).strip().rstrip("*").strip() for h in header]
    positions = {}
    for column in sheet.columns:
        if column.header in header:
            positions[column.key] = header.index(column.header)
        elif column.required:
            source.problems.append(
                Problem(sheet.name, 1, column.header, _("缺少必填列，请使用导入模板的表头。"))
            )
    if any(c.required and c.key not in positions for c in sheet.columns):
        return
    source.sheets.append(SheetRows(sheet, positions, _numbered(rows)))


def _numbered(rows: Iterator[tuple]) -> Iterator[tuple[int, tuple]]:
    for number, row in enumerate(rows, start=2):
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        yield number, row


def _open_csv(data: bytes, filename: str) -> Source:
    name = Path(filename).stem.strip()
    sheet = fmt.BY_NAME.get(name)
    source = Source()
    if sheet is None:
        problem = _unknown_sheet(name)
        source.problems.append(
            Problem(name, 0, "", problem.message + _("（CSV 文件以工作表名称命名，如“支付.csv”）"))
        )
        return source
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_("CSV 文件编码无法识别，请以 UTF-8 编码保存。"))
    reader = csv.reader(io.StringIO(text, newline=""))
    _add_sheet(source, sheet, (tuple(v if v != "" else None for v in row) for row in reader))
    return source
