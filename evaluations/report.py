"""The yearly evaluation report (绩效评价报告) as a Word document, built from live records.

Every figure — budgets, issued and paid amounts, each payment of the year, deductions and
their sources, the execution rate and its denominator, the outputs, the assessment
scores, the scored table and its total — is read from the records when the document is
generated. Narrative only a person can write comes from the evaluation and its findings.
Where a figure stated by hand differs from the records, the report uses the records and
says so in a reconciliation note at the end.

Typography follows GB/T 9704 (党政机关公文格式): A4 with 37/35/28/26 mm margins; title in
方正小标宋简体 (宋体 where it is missing) at 二号; level-1 headings in 黑体, level-2 in 楷体,
body in 仿宋 at 三号 with 28-point line spacing; tables in 仿宋 at 小四; page numbers in
the footer as "— n —". Every run sets its East Asian font (``w:eastAsia``), or Word and
LibreOffice would fall back to a Latin font for Chinese.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.db.models import Q
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from accounts.models import User
from contracts.models import AnnualGoal, Award, Contract
from contracts.money import to_wan
from evaluations import selectors
from evaluations.models import Evaluation, OutputIndicator
from payments import selectors as payment_selectors
from payments.models import Audit, Deduction, Payment

TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "宋体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_SMALL_4 = Pt(12)  # 小四
LINE = Pt(28)
ORDINALS = "一二三四五六七八九十"


def wan(value) -> str:
    return f"{to_wan(Decimal(value)):.2f}"


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


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
        set_run_font(paragraph.add_run(text), font, size, bold=bold)
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
        self._page_numbers(section)

    def _page_numbers(self, section):
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(paragraph.add_run("— "), TITLE_FALLBACK, SIZE_4)
        run = paragraph.add_run()
        set_run_font(run, TITLE_FALLBACK, SIZE_4)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._element.append(element)
        set_run_font(paragraph.add_run(" —"), TITLE_FALLBACK, SIZE_4)

    def title(self, text):
        paragraph = _paragraph(self.document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing = Pt(36)
        run = paragraph.add_run(text)
        set_run_font(run, TITLE_FONT, SIZE_2, bold=True)
        # Where 方正小标宋简体 is not installed, Word and LibreOffice take 宋体.
        run._element.rPr.rFonts.set(qn("w:hint"), "eastAsia")
        _paragraph(self.document, indent=False)

    def heading1(self, text):
        _paragraph(self.document, text, font=HEADING1_FONT)

    def heading2(self, text):
        _paragraph(self.document, text, font=HEADING2_FONT)

    def body(self, text):
        for line in (text or "").splitlines() or [""]:
            if line.strip():
                _paragraph(self.document, line.strip())

    def table(self, header, rows, *, widths=None, bold_rows=()):
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            self._cell(cell, text, bold=True)
        for index, values in enumerate(rows):
            cells = table.add_row().cells
            for cell, text in zip(cells, values, strict=True):
                self._cell(cell, text, bold=index in bold_rows)
        if widths:
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Mm(width)
        _paragraph(self.document, indent=False)
        return table

    @staticmethod
    def _cell(cell, text, *, bold=False):
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        set_run_font(paragraph.add_run(str(text)), BODY_FONT, SIZE_SMALL_4, bold=bold)

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
    in_projects = Q(installment__contract__award__project_id__in=project_ids)
    payments = list(
        Payment.objects.filter(in_projects, bureau=evaluation.bureau, paid_on__year=year)
        .select_related("installment__contract__award__project")
        .order_by("paid_on", "pk")
    )
    deductions = list(
        Deduction.objects.filter(
            in_projects, bureau=evaluation.bureau, decided_on__year=year, withdrawn_on__isnull=True
        )
        .select_related("installment__contract__award__project", "audit")
        .order_by("decided_on", "pk")
    )
    audits = list(
        Audit.objects.filter(bureau=evaluation.bureau, year=year)
        .filter(Q(project_id__in=project_ids) | Q(project__isnull=True))
        .select_related("project")
        .order_by("started_on", "pk")
    )
    late = [
        i
        for i in payment_selectors.late_installments(user=user, year=year, as_of=as_of)
        if i.contract.award.project_id in project_ids
    ]
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
        f"{year}年度项目年初预算{wan(t.initial)}万元，全年预算{wan(t.full_year)}万元，"
        f"实际下达预算{wan(t.issued)}万元，全年实际支出{wan(t.paid)}万元，"
        f"预算执行率{_rate(t.rate)}（全年实际支出 ÷ 实际下达预算）。"
    )
    if records.late:
        reasons = "；".join(
            f"{_installment_name(i)}{wan(i.outstanding)}万元未付"
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
            f"{_months([p.paid_on for p in payments])}，支付{who}{title}{label}款{wan(amount)}万元"
        )
    total = sum((p.amount for p in records.payments), Decimal(0))
    return "；".join(parts) + f"。全年合计支付{wan(total)}万元。"


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
        f"依据{d.audit.firm}{d.audit.get_kind_display()}报告"
        + (f"（{d.audit.report_number}）" if d.audit.report_number else "")
        + f"，{_installment_name(d.installment)}扣减{wan(d.amount)}万元"
        for d in records.deductions
    ]
    total = sum((d.amount for d in records.deductions), Decimal(0))
    return "；".join(parts) + f"，合计扣减{wan(total)}万元。"


def audits_paragraph(records: Records) -> str:
    parts = []
    for a in records.audits:
        scope = a.project.name if a.project else "各项目"
        text = f"{a.started_on.year}年{a.started_on.month}月，委托{a.firm}对{scope}进行{a.get_kind_display()}"
        if a.findings:
            text += f"，结论：{a.findings.rstrip('。')}"
        parts.append(text)
    return "。".join(parts) + "。" if parts else ""


def output_lines(records: Records) -> list[str]:
    by_project: dict[str, list[OutputIndicator]] = {}
    for output in records.outputs:
        by_project.setdefault(output.project.name, []).append(output)
    lines = []
    for index, (name, outputs) in enumerate(by_project.items()):
        items = []
        for o in outputs:
            actual = selectors.actual_of(o)
            shown = "—" if actual is None else f"{actual.normalize():f}{o.unit}"
            items.append(
                f"{o.name}{shown}（目标{o.get_comparator_display()}{o.target.normalize():f}{o.unit}）"
            )
        lines.append(f"{index + 1}. {name}。完成" + "，".join(items) + "。")
    return lines


def assessment_lines(records: Records) -> list[str]:
    lines = []
    for a in records.audits:
        if a.kind != Audit.Kind.ASSESSMENT or a.score is None:
            continue
        scope = a.project.name if a.project else "项目"
        line = f"根据{a.firm}出具的{scope}质量评估报告"
        if a.report_number:
            line += f"（{a.report_number}）"
        line += f"，项目总分{a.score.normalize():f}分"
        if a.grade:
            line += f"，评估等级{a.grade}"
        if a.satisfaction:
            line += f"；满意度方面，{a.satisfaction}"
        lines.append(line + "。")
    return lines


FROZEN_FIGURES = [
    ("issued", "实际下达预算", "元"),
    ("paid", "全年实际支出", "元"),
    ("execution_rate", "预算执行率", "%"),
]


def reconciliation_lines(records: Records) -> list[str]:
    lines = []
    frozen = records.evaluation.computed_figures or {}
    if not records.evaluation.is_editable:
        # The scores were given on the figures of the day they were computed; say so when
        # the records have moved since.
        live = {
            "issued": records.total.issued,
            "paid": records.total.paid,
            "execution_rate": records.total.rate,
        }
        for key, label, unit in FROZEN_FIGURES:
            then, now = frozen.get(key), live[key]
            if then is not None and now is not None and Decimal(then) != now:
                lines.append(
                    f"{label}：评分时按记录计算为{then}{unit}，生成本报告时记录为{now:.2f}{unit}"
                    "（评价审定后记录有变化，本报告正文采用生成时的记录）。"
                )
    for r in records.table.flags:
        if r.computed is None:
            lines.append(
                f"{r.label}：{r.source}陈述为{r.stated}，记录中无对应数据，本报告未采用该陈述值。"
            )
            continue
        lines.append(
            f"{r.label}：{r.source}陈述为{r.stated}，按记录计算为{r.computed}（相差{abs(r.difference)}）。"
            "本报告采用按记录计算的数字。"
        )
    return lines


# --- the document -----------------------------------------------------------------------------


def build(evaluation: Evaluation, *, user: User) -> bytes:
    records = gather(evaluation, user=user)
    e, t, w = evaluation, records.total, Writer()
    w.title(f"{e.title}报告")

    w.heading1("一、基本情况")
    w.heading2("（一）项目概况。")
    w.body(e.background)
    w.body(budget_paragraph(records))
    w.body(payments_paragraph(records))
    for index, project in enumerate(records.projects, start=1):
        award_text = "".join(
            f"{a.award_date.year}年{a.award_date.month}月由{a.provider.name}中标，中标期{a.term_months}个月，"
            f"项目总金额为{wan(a.annual_amount)}万元/年。"
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
    _score_table(w, records)
    w.body(
        f"该评分指标按照《项目支出绩效评价指标体系框架》设立，对比项目实施情况和日常工作开展情况进行打分，"
        f"最终得分为{records.table.total.normalize():f}分，评价等级为“{records.table.grade}”。"
    )
    w.body(e.conclusion)

    w.heading1("四、绩效评价指标分析")
    w.heading2("（一）项目决策情况。")
    w.body(e.decision_analysis)
    w.heading2("（二）项目过程情况。")
    fip = t.funds_in_place_rate
    w.body(
        "1. 资金到位率及预算执行率："
        f"资金到位率{fip:.2f}%（实际下达预算{wan(t.issued)}万元 ÷ 全年预算{wan(t.full_year)}万元）。"
        f"截至{e.year}年度，预算执行率为{t.rate:.2f}%（全年实际支出{wan(t.paid)}万元 ÷ 实际下达预算{wan(t.issued)}万元）。"
        if fip is not None and t.rate is not None
        else "1. 资金到位率及预算执行率：本年度无预算记录。"
    )
    if records.payments:
        w.body(f"{e.year}年度各期款支付明细如下（单位：万元）：")
        w.table(
            ["支付日期", "服务项目", "合同及期次", "凭证号", "金额"],
            payment_rows(records),
            widths=[28, 44, 44, 30, 20],
            bold_rows={len(records.payments)},
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
    for index, finding in enumerate(records.findings):
        text = f"{ORDINALS[index] if index < 10 else index + 1}是{finding.problem}"
        if finding.cause:
            text += f"原因：{finding.cause}"
        w.body(text)

    w.heading1("七、有关建议")
    recommendations = [r for f in records.findings for r in f.rectifications.all()]
    for index, r in enumerate(recommendations):
        w.body(f"{ORDINALS[index] if index < 10 else index + 1}是{r.recommendation}")

    notes = reconciliation_lines(records)
    if notes:
        w.heading1("附：数字核对说明")
        for note in notes:
            w.body(note)
    return w.save()


def _score_table(w: Writer, records: Records) -> None:
    header = ["一级指标", "二级指标", "三级指标", "指标内容", "指标值", "分值", "评价得分"]
    rows, bold = [], []
    for group in records.table.groups:
        for index, row in enumerate(group.rows):
            rows.append(
                [
                    group.name if index == 0 else "",
                    row.level2,
                    row.level3,
                    row.content,
                    row.target_value,
                    f"{row.weight.normalize():f}",
                    "" if row.score is None else f"{row.score.normalize():f}",
                ]
            )
        bold.append(len(rows))
        rows.append(
            [
                f"{group.name}小计",
                "",
                "",
                "",
                "",
                f"{group.weight.normalize():f}",
                f"{group.score.normalize():f}",
            ]
        )
    bold.append(len(rows))
    rows.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            f"{records.table.weight.normalize():f}",
            f"{records.table.total.normalize():f}",
        ]
    )
    w.table(header, rows, widths=[14, 18, 24, 50, 20, 12, 16], bold_rows=set(bold))
