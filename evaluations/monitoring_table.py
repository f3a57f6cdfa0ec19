"""The monitoring table (项目支出绩效目标执行监控表) of a round, in the Ministry's layout
(财预〔2019〕136号 附件): per project its name, 主管部门 and 资金情况 (年初预算, 全年预算,
执行数, 执行率), then one row per indicator with 年度指标值, 1-N月执行情况, 全年预计完成情况,
偏差原因分析, 完成目标可能性 and 备注 (the corrective measure). As Excel and as Word.
"""

import io
from dataclasses import dataclass
from decimal import Decimal

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.inputs import for_documents
from core.money import to_wan
from evaluations.cycle import EntryView, LineView, round_view
from evaluations.models import MonitoringRound, TargetIndicator

C = TargetIndicator.Category
# 一级 and 二级 indicators of each category, as the Ministry's table names them.
LEVELS = {
    C.OUTPUT: ("产出指标", "数量指标"),
    C.EFFECT: ("效益指标", "社会效益指标"),
    C.SATISFACTION: ("满意度指标", "服务对象满意度指标"),
}
LABEL_LEVELS = {str(category.label): levels for category, levels in LEVELS.items()}
INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "{period}执行情况",
    "全年预计完成情况",
    "偏差原因分析",
    "完成目标可能性",
    "备注",
]
MONEY_HEADER = [
    "年初预算数",
    "全年预算数",
    "{period}执行数",
    "执行率",
    "序时进度",
    "全年预计执行率",
]


def period_of(monitoring: MonitoringRound) -> str:
    return f"1-{monitoring.cut_off.month}月"


def title_of(monitoring: MonitoringRound) -> str:
    return f"{monitoring.year}年项目支出绩效目标执行监控表"


def likelihood(view: LineView) -> str:
    """完成目标可能性: 确定能 / 有可能 / 完全不可能 (nothing reached yet: blank)."""
    if view.meets is None:
        return ""
    if view.meets:
        return "确定能"
    if (
        view.year_end is not None
        and view.line.target
        and view.year_end >= view.line.target * Decimal("0.8")
    ):
        return "有可能"
    return "完全不可能"


def _number(value: Decimal | None) -> int | Decimal | None:
    """A figure for a cell: a whole number as an int, otherwise the Decimal itself (money
    and values stay exact; openpyxl writes Decimals as numbers)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral() else value


def _text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{int(value)}" if value == value.to_integral() else f"{value:.2f}"


def target_text(view: LineView) -> str:
    line = view.line
    return f"{line.get_comparator_display()}{_text(line.target)}{line.unit}"


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}%"


@dataclass
class Block:
    """One project's part of the table, as values (the Excel and Word writers share it)."""

    name: str
    department: str
    money: list
    cause: str
    measure: str
    rows: list[list]


def blocks(monitoring: MonitoringRound) -> list[Block]:
    department = monitoring.bureau.name
    found = []
    for view in round_view(monitoring):
        found.append(_block(view, department))
    return found


def _block(view: EntryView, department: str) -> Block:
    entry = view.entry
    rows = []
    for line_view in view.lines:
        line = line_view.line
        level1, level2 = LABEL_LEVELS.get(line.category, (line.category, ""))
        note = f"纠偏措施：{line.measure}" if line.measure else ""
        rows.append(
            [
                level1,
                level2,
                line.name,
                target_text(line_view),
                _number(line.reached),
                _number(line_view.year_end),
                line.cause,
                likelihood(line_view),
                note,
            ]
        )
    return Block(
        name=entry.project.name,
        department=department,
        money=[
            _number(to_wan(entry.initial)),
            _number(to_wan(entry.full_year)),
            _number(to_wan(entry.paid)),
            _percent(view.rate),
            _percent(view.time_progress),
            _percent(view.projected_rate),
        ],
        cause=entry.cause,
        measure=entry.measure,
        rows=rows,
    )


def _headers(monitoring: MonitoringRound, header: list[str]) -> list[str]:
    return [h.format(period=period_of(monitoring)) for h in header]


def workbook(monitoring: MonitoringRound) -> bytes:
    """The table as an .xlsx: one sheet per project."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for number, block in enumerate(blocks(monitoring), start=1):
        sheet = book.create_sheet(f"{number}-{block.name}"[:31].replace("/", "-"))
        sheet.append([title_of(monitoring)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(
            [
                f"（截至{monitoring.cut_off.year}年{monitoring.cut_off.month}月{monitoring.cut_off.day}日）"
            ]
        )
        sheet.append(["项目名称", for_documents(block.name)])
        sheet.append(["主管部门", for_documents(block.department)])
        sheet.append(["资金情况（万元）", *_headers(monitoring, MONEY_HEADER)])
        sheet.append(["", *block.money])
        sheet.append(
            ["资金偏差原因", for_documents(block.cause), "纠偏措施", for_documents(block.measure)]
        )
        sheet.append(_headers(monitoring, INDICATOR_HEADER))
        header_row = sheet.max_row
        for row in block.rows:
            sheet.append([for_documents(v) if isinstance(v, str) else v for v in row])
        for row in (3, 4, 5, 7, header_row):
            for cell in sheet[row]:
                if row == header_row or cell.column == 1:
                    cell.font = bold
        for row in sheet.iter_rows(min_row=header_row):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        for column, width in zip("ABCDEFGHI", (14, 16, 22, 14, 14, 16, 30, 14, 30), strict=True):
            sheet.column_dimensions[column].width = width
    if not book.sheetnames:
        book.create_sheet("监控表").append([title_of(monitoring)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CELL_SIZE = Pt(10)


def _set_cell(cell, text, *, bold: bool = False, size: Pt = CELL_SIZE) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run("" if text is None else str(text))
    run.bold = bold
    run.font.size = size
    run.font.name = "仿宋"
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rFonts")
    if r_fonts is None:
        from docx.oxml import OxmlElement

        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    r_fonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "仿宋")


def document(monitoring: MonitoringRound) -> bytes:
    """The table as a .docx (landscape A4), one table per project."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    first = True
    for block in blocks(monitoring):
        if not first:
            doc.add_page_break()
        first = False
        heading = doc.add_paragraph()
        run = heading.add_run(title_of(monitoring))
        run.bold, run.font.size = True, Pt(16)
        heading.alignment = 1
        sub = doc.add_paragraph(
            f"（截至{monitoring.cut_off.year}年{monitoring.cut_off.month}月{monitoring.cut_off.day}日）"
        )
        sub.alignment = 1
        columns = len(INDICATOR_HEADER)
        table = doc.add_table(rows=0, cols=columns)
        table.style = "Table Grid"

        def row_of(values, *, bold=False, table=table):
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=False):
                _set_cell(cell, value, bold=bold)
            return cells

        cells = row_of(["项目名称", block.name], bold=False)
        cells[1].merge(cells[-1])
        cells = row_of(["主管部门", block.department])
        cells[1].merge(cells[-1])
        row_of(["资金情况（万元）", *_headers(monitoring, MONEY_HEADER)], bold=True)
        row_of(["", *[_text_value(v) for v in block.money]])
        cells = row_of(["资金偏差原因", block.cause, "", "", "纠偏措施", block.measure])
        cells[1].merge(cells[3])
        cells[5].merge(cells[-1])
        _set_cell(cells[5], block.measure)
        row_of(_headers(monitoring, INDICATOR_HEADER), bold=True)
        for values in block.rows:
            row_of([_text_value(v) for v in values])
    if first:
        doc.add_paragraph(title_of(monitoring))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _text_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
