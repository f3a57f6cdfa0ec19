"""The yearly evaluation report (绩效评价报告) as a Word document, built from live records.

Every figure — budgets, issued and paid amounts, each payment of the year, deductions and
their sources, the execution rate and its denominator, the outputs, the assessment
scores, the scored table and its total — is read from the records when the document is
generated. Narrative only a person can write comes from the evaluation and its findings.
Where a figure stated by hand differs from the records, the report uses the records and
says so in a reconciliation note at the end.

Typography follows GB/T 9704 (党政机关公文格式): A4 with 37/35/28/26 mm margins; title in
方正小标宋简体 at 二号, not bold (the typeface carries the weight); level-1 headings in
黑体, level-2 in 楷体, body in 仿宋 at 三号 with 28-point line spacing; the score table
under the seed's caption; tables in 仿宋 at 小四; page numbers in 宋体 in the
footer as "— n —". Every run sets its East Asian font (``w:eastAsia``), or Word and
LibreOffice would fall back to a Latin font for Chinese; and every run, the default style
and the document defaults declare East Asian text as zh-CN (``w:lang w:eastAsia``), or
Writer and WPS pick a Japanese font for it.

It is a document of the bureau: the issuing bureau and the date (成文日期, in Chinese
numerals) close it, and until the evaluation is approved every page is marked 草稿 and no
grade is printed while a row is unscored. An approved evaluation's report is generated
once, at approval, and stored (see ``services.evaluation_transition``).

A run names one East Asian font; there is no fallback list. The title names
方正小标宋简体, which bureaus install for official documents, and the document's font
table declares it a GB2312 serif font with 宋体 as its alternative (``w:altName``), which
is where Word looks when the font is missing; LibreOffice substitutes through its own
font configuration (a CJK serif).

Amounts are written as the seed writes them, in 万元 without trailing zeros in the
narrative (233.6万元, 2.2万元) and with two decimals in tables, but never rounded: an
amount that needs more decimals keeps them (12,960 元 is 1.296万元, never 1.3万元).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.utils import timezone, translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from accounts.models import User
from contracts.models import AnnualGoal, Award, Contract
from core.inputs import for_documents
from core.money import to_yuan, wan_text
from evaluations import selectors
from evaluations.models import Evaluation, OutputIndicator
from payments import selectors as payment_selectors
from payments.models import Audit, Payment

TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "宋体"  # the title font's declared alternative (font table)
PAGE_NUMBER_FONT = "宋体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_SMALL_4 = Pt(12)  # 小四
LINE = Pt(28)
EAST_ASIAN_LANGUAGE = "zh-CN"
DRAFT_MARK = "草稿"
DIGITS = "零一二三四五六七八九"
# The East Asian fonts the document uses: how the font table describes them to a reader
# that lacks them (GB2312 charset; serif, sans or script), and an alternative.
FONT_TABLE = {
    TITLE_FONT: ("roman", TITLE_FALLBACK),
    HEADING1_FONT: ("modern", None),
    HEADING2_FONT: ("script", None),
    BODY_FONT: ("modern", None),
    PAGE_NUMBER_FONT: ("roman", None),
}


def wan(value) -> str:
    """万元 for tables: two decimals, more where the amount needs them (never rounded)."""
    return wan_text(value, places=2)


def number_text(value: Decimal) -> str:
    """A count or score without trailing zeros (88.00 → 88, 7.50 → 7.5)."""
    return format(Decimal(value).normalize(), "f")


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 23 → 二十三 (up to 99)."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return text + (DIGITS[units] if units else "")


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_written_date(day: datetime.date) -> str:
    """成文日期 in Chinese numerals: 2025-01-15 → 二〇二五年一月十五日."""
    year = "".join("〇一二三四五六七八九"[int(d)] for d in str(day.year))
    return f"{year}年{cn_number(day.month)}月{cn_number(day.day)}日"


# --- typography ------------------------------------------------------------------------------


def set_run_font(run, east_asian: str, size: Pt, *, bold: bool = False) -> None:
    run.font.name = LATIN_FONT
    run.font.size = size
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    set_language(r_pr)


def set_language(r_pr) -> None:
    """Declare East Asian text as zh-CN in run properties (``w:lang w:eastAsia``)."""
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)


def _paragraph(
    document, text="", *, font=BODY_FONT, size=SIZE_3, bold=False, indent=True, align=None
):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        paragraph.alignment = align
    if text:
        set_run_font(paragraph.add_run(for_documents(text)), font, size, bold=bold)
    return paragraph


class Writer:
    """The document with the styles of GB/T 9704."""

    def __init__(self):
        self.document = Document()
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.document.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = SIZE_3
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        set_language(normal.element.get_or_add_rPr())
        # The template's document defaults say East Asian text is Japanese (ja-JP).
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        for r_pr in defaults.iter(qn("w:rPr")) if defaults is not None else ():
            set_language(r_pr)
        self._page_numbers(section)
        self._declare_fonts()

    def mark_draft(self):
        """草稿 in the header, so every page says so."""
        header = self.document.sections[0].header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_run_font(paragraph.add_run(DRAFT_MARK), HEADING1_FONT, SIZE_3, bold=True)

    def _declare_fonts(self):
        """Describe the Chinese fonts in the font table, with the title's alternative."""
        part = next(
            rel.target_part
            for rel in self.document.part.rels.values()
            if rel.reltype == RT.FONT_TABLE
        )
        fonts = parse_xml(part.blob)
        for name, (family, alternative) in FONT_TABLE.items():
            font = OxmlElement("w:font")
            font.set(qn("w:name"), name)
            if alternative:
                alt = OxmlElement("w:altName")
                alt.set(qn("w:val"), alternative)
                font.append(alt)
            for tag, value in (("w:charset", "86"), ("w:family", family), ("w:pitch", "variable")):
                element = OxmlElement(tag)
                element.set(qn("w:val"), value)
                font.append(element)
            fonts.append(font)
        # python-docx keeps the font table as an opaque part: replace its bytes.
        part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _page_numbers(self, section):
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, SIZE_4)
        run = paragraph.add_run()
        set_run_font(run, PAGE_NUMBER_FONT, SIZE_4)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._element.append(element)
        set_run_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, SIZE_4)

    def title(self, text):
        paragraph = _paragraph(self.document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing = Pt(36)
        set_run_font(paragraph.add_run(for_documents(text)), TITLE_FONT, SIZE_2)
        _paragraph(self.document, indent=False)

    def caption(self, text):
        _paragraph(self.document, text, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)

    def signature(self, bureau: str, day: datetime.date):
        """The issuing bureau and the 成文日期 at the end, right-aligned."""
        _paragraph(self.document, indent=False)
        for text in (bureau, cn_written_date(day)):
            _paragraph(self.document, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)

    def heading1(self, text):
        _paragraph(self.document, text, font=HEADING1_FONT)

    def heading2(self, text):
        _paragraph(self.document, text, font=HEADING2_FONT)

    def body(self, text):
        for line in (text or "").splitlines() or [""]:
            if line.strip():
                _paragraph(self.document, line.strip())

    def table(self, header, rows, *, widths, numeric=(), bold_rows=(), merges=()):
        """A table laid out for Word and LibreOffice alike.

        ``widths`` in mm go to the grid (``w:gridCol``) and to every cell, with a fixed
        layout, so no reader re-balances the columns; the header row repeats on each page
        and no row splits across pages; ``numeric`` columns are right-aligned.
        ``merges`` are (first row, first column, last row, last column) of the body,
        inclusive: the first cell's text fills the merged cell.
        """
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = OxmlElement("w:tblW")
        total.set(qn("w:w"), str(sum(Mm(w) for w in widths) // 635))  # EMU → twips
        total.set(qn("w:type"), "dxa")
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblW")):
            tbl_pr.remove(old)
        tbl_pr.append(total)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
        covered = {
            (r, c)
            for r1, c1, r2, c2 in merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }
        for index, row in enumerate(table.rows):
            flag = OxmlElement("w:tblHeader" if index == 0 else "w:cantSplit")
            flag.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(flag)
        for c, (cell, text) in enumerate(zip(table.rows[0].cells, header, strict=True)):
            self._cell(cell, text, widths[c], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for r, values in enumerate(rows):
            cells = table.rows[r + 1].cells
            for c, (cell, text) in enumerate(zip(cells, values, strict=True)):
                align = WD_ALIGN_PARAGRAPH.RIGHT if c in numeric else None
                text = None if (r, c) in covered else text
                self._cell(cell, text, widths[c], bold=r in bold_rows, align=align)
        for r1, c1, r2, c2 in merges:
            table.cell(r1 + 1, c1).merge(table.cell(r2 + 1, c2))
        _paragraph(self.document, indent=False)
        return table

    @staticmethod
    def _cell(cell, text, width, *, bold=False, align=None):
        cell.width = Mm(width)
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align is not None:
            paragraph.alignment = align
        if text is not None:  # a covered cell stays empty, so merging adds nothing
            run = paragraph.add_run(for_documents(str(text)))
            set_run_font(run, BODY_FONT, SIZE_SMALL_4, bold=bold)

    def save(self) -> bytes:
        buffer = BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# --- the records ------------------------------------------------------------------------------


@dataclass
class Records:
    """Everything the report reads, fetched in a bounded number of queries."""

    evaluation: Evaluation
    table: selectors.Table
    projects: list
    awards: dict
    goals: dict
    total: payment_selectors.ExecutionRow
    payments: list
    deductions: list
    audits: list
    late: list
    outputs: list
    findings: list
    shares: list


def gather(evaluation: Evaluation, *, user: User) -> Records:
    year = evaluation.year
    projects = list(evaluation.projects.order_by("pk"))
    project_ids = [p.pk for p in projects]
    as_of = min(timezone.localdate(), datetime.date(year, 12, 31))
    awards: dict[int, list[Award]] = {}
    for award in (
        Award.objects.filter(project_id__in=project_ids)
        .select_related("provider")
        .order_by("award_date")
    ):
        awards.setdefault(award.project_id, []).append(award)
    goals = dict(
        AnnualGoal.objects.filter(project_id__in=project_ids, year=year).values_list(
            "project_id", "goals"
        )
    )
    total = payment_selectors.execution_of_projects(
        user=user, project_ids=project_ids, year=year, as_of=as_of
    )
    of_projects = {"bureau_id": evaluation.bureau_id, "project_ids": project_ids, "year": year}
    payments = payment_selectors.payments_of_projects(**of_projects)
    deductions = payment_selectors.deductions_of_projects(**of_projects)
    audits = selectors.with_grades(payment_selectors.audits_of_projects(**of_projects))
    late = [
        i
        for i in payment_selectors.late_installments(user=user, year=year, as_of=as_of)
        if i.contract.award.project_id in project_ids and not i.arrears
    ]
    # One keyword a field, as ruff lays a long call out: reads like other such calls.
    return Records(
        evaluation=evaluation,
        table=selectors.evaluation_table(evaluation),
        projects=projects,
        awards=awards,
        goals=goals,
        total=total,
        payments=payments,
        deductions=deductions,
        audits=audits,
        late=late,
        outputs=selectors.outputs_of(project_ids=project_ids, year=year),
        findings=selectors.findings_of(evaluation),
        # Installments stated as a share of their contract, for the contracts of the year.
        shares=payment_selectors.stated_share_installments(project_ids=project_ids, year=year),
    )


# --- the text ---------------------------------------------------------------------------------


def _installment_name(installment) -> str:
    contract: Contract = installment.contract
    return f"{contract.award.project.name}{contract.title}{installment.label}"


def _rate(value) -> str:
    return "—" if value is None else f"{value:.2f}%"


def budget_paragraph(records: Records) -> str:
    t, year = records.total, records.evaluation.year
    text = (
        f"{year}年度项目年初预算{wan_text(t.initial)}万元，全年预算{wan_text(t.full_year)}万元，"
        f"实际下达预算{wan_text(t.issued)}万元，全年实际支出{wan_text(t.paid)}万元，"
        f"预算执行率{_rate(t.rate)}（全年实际支出 ÷ 实际下达预算）。"
    )
    if records.late:
        reasons = "；".join(
            f"{_installment_name(i)}{wan_text(i.outstanding)}万元未付"
            + (f"，原因是{i.delay_reason}" if i.delay_reason else "")
            for i in records.late
        )
        text += f"截至年末仍有逾期未付款项：{reasons}。"
    return text


def _months(days: list[datetime.date]) -> str:
    first, last = min(days), max(days)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.year}年{first.month}月"
    if first.year == last.year:
        return f"{first.year}年{first.month}-{last.month}月"
    return f"{first.year}年{first.month}月至{last.year}年{last.month}月"


def payments_paragraph(records: Records) -> str:
    """The year's payments grouped as the report groups them: by contract and installment."""
    if not records.payments:
        return f"{records.evaluation.year}年度未发生支付。"
    groups: dict[tuple[str, str], list[Payment]] = {}
    for p in records.payments:
        groups.setdefault((p.installment.contract.title, p.installment.label), []).append(p)
    parts = []
    for (title, label), payments in groups.items():
        projects = {p.installment.contract.award.project.name for p in payments}
        who = f"{projects.pop()}" if len(projects) == 1 and len(records.projects) > 1 else ""
        amount = sum((p.amount for p in payments), Decimal(0))
        parts.append(
            f"{_months([p.paid_on for p in payments])}，支付{who}{title}{label}款{wan_text(amount)}万元"
        )
    total = sum((p.amount for p in records.payments), Decimal(0))
    return "；".join(parts) + f"。全年合计支付{wan_text(total)}万元。"


def payment_rows(records: Records) -> list[list[str]]:
    rows = [
        [
            cn_date(p.paid_on),
            p.installment.contract.award.project.name,
            f"{p.installment.contract.title}{p.installment.label}",
            p.voucher_number,
            wan(p.amount),
        ]
        for p in records.payments
    ]
    rows.append(["合计", "", "", "", wan(sum((p.amount for p in records.payments), Decimal(0)))])
    return rows


def deductions_paragraph(records: Records) -> str:
    if not records.deductions:
        return ""
    parts = [
        (
            f"依据{d.audit.firm}{d.audit.get_kind_display()}报告"
            + (f"（{d.audit.report_number}）" if d.audit.report_number else "")
            if d.audit_id
            else f"依据{d.basis}"
        )
        + f"，{_installment_name(d.installment)}扣减{wan_text(d.amount)}万元"
        for d in records.deductions
    ]
    total = sum((d.amount for d in records.deductions), Decimal(0))
    return "；".join(parts) + f"，合计扣减{wan_text(total)}万元。"


def audits_paragraph(records: Records) -> str:
    """Who audited and assessed what. An audit's findings are its conclusion; an
    assessment's result is its score and grade, given in the benefit section."""
    parts = []
    for a in records.audits:
        scope = a.project.name if a.project else "各项目"
        text = f"{a.started_on.year}年{a.started_on.month}月，委托{a.firm}对{scope}进行{a.get_kind_display()}"
        if a.kind == Audit.Kind.AUDIT and a.findings:
            text += f"，结论：{a.findings.rstrip('。')}"
        parts.append(text)
    return "。".join(parts) + "。" if parts else ""


def output_lines(records: Records) -> list[str]:
    """The outputs by project, numbered in the evaluation's project order (as in 一)."""
    by_project: dict[int, list[OutputIndicator]] = {}
    for output in records.outputs:
        by_project.setdefault(output.project_id, []).append(output)
    lines = []
    for project in records.projects:
        outputs = by_project.get(project.pk)
        if not outputs:
            continue
        items = []
        for o in outputs:
            actual = selectors.actual_of(o)
            shown = "—" if actual is None else f"{number_text(actual)}{o.unit}"
            items.append(
                f"{o.name}{shown}（目标{o.get_comparator_display()}{number_text(o.target)}{o.unit}）"
            )
        lines.append(f"{len(lines) + 1}. {project.name}。完成" + "，".join(items) + "。")
    return lines


def assessment_lines(records: Records) -> list[str]:
    """Each assessment's score and the grade that score gives (bands stored as data)."""
    lines = []
    for a in records.audits:
        if a.kind != Audit.Kind.ASSESSMENT or a.score is None:
            continue
        scope = a.project.name if a.project else "项目"
        line = f"根据{a.firm}出具的{scope}质量评估报告"
        if a.report_number:
            line += f"（{a.report_number}）"
        line += f"，项目总分{number_text(a.score)}分"
        grade = a.derived_grade or a.grade
        if grade:
            line += f"，评估等级{grade}"
        if a.satisfaction:
            line += f"；满意度方面，{a.satisfaction}"
        lines.append(line + "。")
    return lines


# key → (name, kind): "rate" figures are percentages, "money" figures yuan shown in 万元.
FIGURES = {
    "issued": ("实际下达预算", "money"),
    "paid": ("全年实际支出", "money"),
    "execution_rate": ("预算执行率", "rate"),
    "funds_in_place": ("资金到位率", "rate"),
}
FROZEN_FIGURES = ["issued", "paid", "execution_rate"]


def figure_text(value, kind: str) -> str:
    """94.31 → "94.31%"; 2177100 → "217.71 万元"."""
    value = Decimal(value)
    return f"{value:.2f}%" if kind == "rate" else f"{wan_text(value)} 万元"


def difference_text(difference, kind: str) -> str:
    """The gap in the figure's own unit: percentage points for rates."""
    difference = abs(Decimal(difference))
    return f"{difference:.2f} 个百分点" if kind == "rate" else f"{wan_text(difference)} 万元"


def reconciliation_lines(records: Records) -> list[str]:
    lines = []
    evaluation = records.evaluation
    frozen = evaluation.computed_figures or {}
    if not evaluation.is_editable:
        # The scores were given on the figures of the day they were computed; say so when
        # the records have moved since.
        live = {
            "issued": records.total.issued,
            "paid": records.total.paid,
            "execution_rate": records.total.rate,
        }
        for key in FROZEN_FIGURES:
            name, kind = FIGURES[key]
            then, now = frozen.get(key), live[key]
            if then is not None and now is not None and Decimal(then) != now:
                lines.append(
                    f"{name}：评分时按记录计算为 {figure_text(then, kind)}，"
                    f"生成本报告时记录为 {figure_text(now, kind)}，相差 {difference_text(Decimal(then) - now, kind)}"
                    "（评价审定后记录有变化，本报告正文采用生成时的记录）。"
                )
    for a in records.audits:
        if getattr(a, "grade_differs", False):
            lines.append(
                f"{a.firm}质量评估：登记的评估等级为“{a.grade}”，按评估得分 {number_text(a.score)} 分"
                f"及评估等级标准应为“{a.derived_grade}”，本报告采用按得分确定的等级。"
            )
    for r in records.table.flags:
        name, kind = FIGURES.get(r.key, (str(r.label), "rate"))
        if r.computed is None:
            lines.append(
                f"{name}：{r.source}陈述 {figure_text(r.stated, kind)}，记录中无对应数据，本报告未采用该陈述值。"
            )
            continue
        lines.append(
            f"{name}：{r.source}陈述 {figure_text(r.stated, kind)}，"
            f"按记录计算为 {figure_text(r.computed, kind)}，相差 {difference_text(r.difference, kind)}。"
            "本报告采用按记录计算的数字。"
        )
    return lines + term_lines(records) + share_lines(records)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """Calendar months from ``first``'s month to ``last``'s, both counted (Aug 2021 to
    Dec 2024 is 41)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def term_lines(records: Records) -> list[str]:
    """An award whose term in months does not count the months from the award to the
    end of its term (the seed: won in August 2021, to December 2024, "40 months")."""
    lines = []
    for project in records.projects:
        for a in records.awards.get(project.pk, []):
            counted = months_between(a.award_date, a.term_end)
            if counted != a.term_months:
                lines.append(
                    f"{project.name}：中标期登记为{a.term_months}个月，但自中标"
                    f"（{a.award_date.year}年{a.award_date.month}月）至中标期止"
                    f"（{a.term_end.year}年{a.term_end.month}月）共{counted}个月"
                    f"（中标期起为{cn_date(a.term_start)}），请核对。"
                )
    return lines


def share_lines(records: Records) -> list[str]:
    """An installment whose planned amount is not its stated share of the contract (the
    seed rounds: 30% of 101.4万元 is 30.42万元, the installment 30.43万元)."""
    lines = []
    for i in records.shares:
        share = to_yuan(i.contract.amount * i.percent / Decimal(100))
        if share != i.planned_amount:
            lines.append(
                f"{_installment_name(i)}：约定为合同金额{wan_text(i.contract.amount)}万元的"
                f"{number_text(i.percent)}%，即{wan_text(share)}万元，计划金额为"
                f"{wan_text(i.planned_amount)}万元，相差{abs(i.planned_amount - share).normalize():,f}元。"
            )
    return lines


# --- the document -----------------------------------------------------------------------------


FINAL = (Evaluation.Status.APPROVED, Evaluation.Status.LOCKED)


def build(evaluation: Evaluation, *, user: User, issued_on: datetime.date | None = None) -> bytes:
    """The report as a .docx. It is an official Chinese document whatever language the
    person downloading it reads the pages in, so every label comes out in Chinese.

    ``issued_on`` is the 成文日期 (the approval's date; today for a draft)."""
    with translation.override("zh-hans"):
        return _build(evaluation, user=user, issued_on=issued_on or timezone.localdate())


def conclusion_sentence(table: selectors.Table) -> str:
    """The total and the grade; no grade while a row is unscored."""
    text = "该评分指标按照《项目支出绩效评价指标体系框架》设立，对比项目实施情况和日常工作开展情况进行打分，"
    if table.unscored:
        return text + f"目前尚有{table.unscored}项指标未评分，暂不评定等级。"
    return text + f"最终得分为{number_text(table.total)}分，评价等级为“{table.grade}”。"


def _build(evaluation: Evaluation, *, user: User, issued_on: datetime.date) -> bytes:
    records = gather(evaluation, user=user)
    e, t, w = evaluation, records.total, Writer()
    if e.status not in FINAL:
        w.mark_draft()
    w.title(f"{e.title}报告")

    w.heading1("一、基本情况")
    w.heading2("（一）项目概况。")
    w.body(e.background)
    w.body(budget_paragraph(records))
    w.body(payments_paragraph(records))
    for index, project in enumerate(records.projects, start=1):
        award_text = "".join(
            f"{a.award_date.year}年{a.award_date.month}月由{a.provider.name}中标，中标期{a.term_months}个月，"
            f"项目总金额为{wan_text(a.annual_amount)}万元/年。"
            for a in records.awards.get(project.pk, [])
        )
        w.body(f"{index}. {project.name}。{project.description}{award_text}")
    w.heading2("（二）项目绩效目标。")
    w.body(
        "1. 中长期目标。"
        + "".join(f"{p.name}：{p.long_term_goals}" for p in records.projects if p.long_term_goals)
    )
    w.body(
        f"2. {e.year}年年度目标。"
        + "".join(
            f"{p.name}：{records.goals[p.pk]}" for p in records.projects if p.pk in records.goals
        )
    )

    w.heading1("二、绩效评价工作开展情况")
    w.heading2("（一）绩效评价目的、对象和范围。")
    w.body(e.purpose)
    w.heading2("（二）绩效评价原则、评价指标体系、评价方法、评价标准等。")
    w.body(e.method)
    w.heading2("（三）绩效评价工作过程。")
    w.body(e.process)

    w.heading1("三、综合评价情况及评价结论")
    w.caption(f"（{e.year}年政府购买社工服务项目）")
    _score_table(w, records)
    w.body(conclusion_sentence(records.table))
    w.body(e.conclusion)

    w.heading1("四、绩效评价指标分析")
    w.heading2("（一）项目决策情况。")
    w.body(e.decision_analysis)
    w.heading2("（二）项目过程情况。")
    fip = t.funds_in_place_rate
    w.body(
        "1. 资金到位率及预算执行率："
        f"资金到位率{fip:.2f}%（实际下达预算{wan_text(t.issued)}万元 ÷ 全年预算{wan_text(t.full_year)}万元）。"
        f"截至{e.year}年度，预算执行率为{t.rate:.2f}%（全年实际支出{wan_text(t.paid)}万元 ÷ 实际下达预算{wan_text(t.issued)}万元）。"
        if fip is not None and t.rate is not None
        else "1. 资金到位率及预算执行率：本年度无预算记录。"
    )
    if records.payments:
        w.body(f"{e.year}年度各期款支付明细如下（单位：万元）：")
        w.table(
            ["支付日期", "服务项目", "合同及期次", "凭证号", "金额"],
            payment_rows(records),
            widths=[34, 38, 38, 28, 18],
            numeric={4},
            bold_rows={len(records.payments)},
            merges=[(len(records.payments), 0, len(records.payments), 3)],
        )
    compliance = audits_paragraph(records) + deductions_paragraph(records)
    if compliance:
        w.body(f"2. 资金使用合规性：{compliance}")
    w.body(f"3. {e.process_analysis}" if e.process_analysis else "")
    w.heading2("（三）项目产出情况。")
    for line in output_lines(records):
        w.body(line)
    w.heading2("（四）项目效益情况。")
    w.body(e.benefit_analysis)
    for line in assessment_lines(records):
        w.body(line)

    w.heading1("五、主要经验及做法")
    w.body(e.experience)

    w.heading1("六、存在的问题及原因分析")
    for index, finding in enumerate(records.findings, start=1):
        text = f"{cn_number(index)}是{finding.problem}"
        if finding.cause:
            text += f"原因：{finding.cause}"
        w.body(text)

    w.heading1("七、有关建议")
    recommendations = [r for f in records.findings for r in f.rectifications.all()]
    for index, r in enumerate(recommendations, start=1):
        w.body(f"{cn_number(index)}是{r.recommendation}")

    notes = reconciliation_lines(records)
    if notes:
        w.heading1("附：数字核对说明")
        for note in notes:
            w.body(note)
    w.signature(e.bureau.name, issued_on)
    return w.save()


def _score_table(w: Writer, records: Records) -> None:
    """The scored table as the seed lays it out: each group's 一级 cell spans its rows, a
    二级 (三级, content) shared by consecutive rows spans them, then subtotals and total."""
    header = ["一级指标", "二级指标", "三级指标", "指标内容", "指标值", "分值", "评价得分"]
    rows, bold, merges = [], [], []
    for group in records.table.groups:
        first = len(rows)
        for row in group.rows:
            rows.append(
                [
                    group.name,
                    row.level2,
                    row.level3,
                    row.content,
                    row.target_value,
                    number_text(row.weight),
                    "" if row.score is None else number_text(row.score),
                ]
            )
        merges += _runs(rows, first, len(rows) - 1)
        bold.append(len(rows))
        merges.append((len(rows), 0, len(rows), 4))
        rows.append(
            [
                f"{group.name}小计",
                "",
                "",
                "",
                "",
                number_text(group.weight),
                number_text(group.score),
            ]
        )
    bold.append(len(rows))
    merges.append((len(rows), 0, len(rows), 4))
    rows.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            number_text(records.table.weight),
            number_text(records.table.total),
        ]
    )
    w.table(
        header,
        rows,
        widths=[14, 22, 26, 40, 24, 14, 16],
        numeric={5, 6},
        bold_rows=set(bold),
        merges=merges,
    )


def _runs(rows: list[list[str]], first: int, last: int, columns: int = 4) -> list[tuple]:
    """Vertical merges of rows[first..last]: column c merges a run of rows that agree on
    columns 0..c (so a 二级 run never crosses a 一级 boundary), for c < ``columns``."""
    merges = []
    for column in range(columns):
        start = first
        for index in range(first + 1, last + 2):
            same = index <= last and rows[index][: column + 1] == rows[start][: column + 1]
            if not same:
                if index - 1 > start:
                    merges.append((start, column, index - 1, column))
                start = index
    return merges
