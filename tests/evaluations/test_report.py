"""The generated Word report, opened and read back (and converted by LibreOffice): the
seed's structure and figures from the records, its typography, a document of the bureau
(bureau and 成文日期, zh-CN, caption, draft mark, exact amounts, the seed's own slips),
who may download it, and its bounded queries."""

import datetime
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from evaluations.models import Evaluation
from tests.factories import ContractFactory
from tests.helpers import create_evaluation, reopen

pytestmark = pytest.mark.django_db

REPORT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker, demo_snapshot):
    """The demo evaluation's report as staff downloads it, built once for the tests that only
    read it (the demo and everything the request wrote are rolled back)."""
    from accounts.models import User

    cache.clear()  # as each test starts: nothing another test cached may answer
    with django_db_blocker.unblock(), transaction.atomic():
        demo_snapshot.restore()
        client = Client()
        client.force_login(User.objects.get(username="staff"))
        response = client.get(f"/evaluations/{Evaluation.objects.get(year=2024).pk}/report.docx")
        transaction.set_rollback(True)
    assert response.status_code == 200
    assert response["Content-Type"] == REPORT_TYPE
    return response.content


@pytest.fixture(scope="module")
def libreoffice_profile(tmp_path_factory):
    """One LibreOffice user profile for the module: the first conversion creates it."""
    return tmp_path_factory.mktemp("libreoffice-profile")


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


# --- structure and figures ------------------------------------------------------------


def test_the_report_has_the_seeds_structure_and_scoring_table(report):
    document = Document(io.BytesIO(report))
    text = _text(document)
    headings = [
        "一、基本情况",
        "二、绩效评价工作开展情况",
        "三、综合评价情况及评价结论",
        "四、绩效评价指标分析",
        "五、主要经验及做法",
        "六、存在的问题及原因分析",
        "七、有关建议",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    table = document.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标内容",
        "指标值",
        "分值",
        "评价得分",
    ]
    scored = [row for row in cells[1:] if not row[0].endswith("小计") and row[0] != "合计"]
    assert len(scored) == 18
    assert [row[5] for row in scored] == ["5"] * 11 + ["10", "5", "5", "5", "7", "7", "6"]
    assert [row[6] for row in scored] == ["5"] * 7 + ["4"] + ["5"] * 3 + [
        "10",
        "5",
        "5",
        "5",
        "5",
        "5",
        "6",
    ]
    subtotals = {row[0]: (row[5], row[6]) for row in cells if row[0].endswith("小计")}
    assert subtotals == {
        "决策小计": ("30", "30"),
        "过程小计": ("25", "24"),
        "产出小计": ("25", "25"),
        "效益小计": ("20", "16"),
    }
    assert cells[-1][0] == "合计" and cells[-1][5:] == ["100", "95"]
    assert "最终得分为95分，评价等级为“优”" in text


def test_the_reports_figures_come_from_the_records(report):
    text = _text(Document(io.BytesIO(report)))
    assert "年初预算233.6万元" in text and "实际下达预算233.6万元" in text
    assert (
        "2024年3月，支付2023-2024年度合同第二期款93.44万元；"
        "2024年7-8月，支付2024年8-12月合同第一期款48.5万元；"
        "2024年11月，支付助残社工服务项目2024年8-12月合同第二期款9.42万元；"
        "2024年12月，支付2023-2024年度合同第三期款66.35万元。全年合计支付217.71万元。"
    ) in text
    assert "扣减2.2万元" in text and "扣减1.52万元" in text and "合计扣减3.72万元" in text
    assert "预算执行率93.20%" in text
    assert "项目总分88分，评估等级良好" in text
    assert "服务机构提交资料不及时导致财务封账" in text
    assert "94.31" not in text.split("附：数字核对说明")[0]
    note = text.split("附：数字核对说明")[1].strip().splitlines()
    assert note[0] == (
        "预算执行率：自评报告“一、基本情况”及“四、（二）资金到位率及预算执行率”陈述 94.31%，"
        "按记录计算为 93.20%，相差 1.11 个百分点。本报告采用按记录计算的数字。"
    )


def test_the_narrative_writes_amounts_as_the_seed_does(report):
    text = _text(Document(io.BytesIO(report)))
    for expected in (
        "233.6万",
        "93.44万",
        "48.5万",
        "9.42万",
        "66.35万",
        "217.71万",
        "2.2万",
        "1.52万",
        "93.20%",
        "88",
        "良好",
    ):
        assert expected in text, expected
    assert "项目总金额为132.2万元/年" in text and "项目总金额为101.4万元/年" in text
    for padded in ("233.60万", "48.50万", "2.20万", "132.20万"):
        assert padded not in text, padded


def test_the_outputs_follow_the_evaluations_project_order(report):
    text = _text(Document(io.BytesIO(report)))
    overview = text[text.index("（一）项目概况") : text.index("（二）项目绩效目标")]
    outputs = text[text.index("（三）项目产出情况") : text.index("（四）项目效益情况")]
    assert overview.index("1. 社会事务及福利保障社工服务项目") < overview.index(
        "2. 助残社工服务项目"
    )
    assert "1. 社会事务及福利保障社工服务项目。完成咨询服务80次" in outputs
    assert "2. 助残社工服务项目。完成入户走访85人次" in outputs


def test_an_assessment_is_not_given_its_description_as_a_conclusion(report):
    text = _text(Document(io.BytesIO(report)))
    compliance = text[text.index("2. 资金使用合规性") :].split("\n")[0]
    assert (
        "委托深圳诚安会计师事务所对各项目进行专项审计，结论：经费使用基本符合合同约定" in compliance
    )
    assert (
        "委托深圳市盐田区汇研社会工作标准事务所对社会事务及福利保障社工服务项目进行质量评估。"
        in compliance
    )
    assert "结论：2024 年盐田区社会事务及福利保障社工服务质量评估" not in text


def test_chinese_numerals_go_past_ten():
    from evaluations.report import cn_number

    assert [cn_number(n) for n in (1, 9, 10, 11, 12, 19, 20, 21, 35, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "十二",
        "十九",
        "二十",
        "二十一",
        "三十五",
        "九十九",
    ]


def test_the_report_is_chinese_for_a_user_who_reads_the_pages_in_english(
    demo, demo_evaluation, client
):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["staff"])
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get(f"/evaluations/{evaluation.pk}/").text
    text = _text(
        Document(io.BytesIO(client.get(f"/evaluations/{evaluation.pk}/report.docx").content))
    )
    assert "依据深圳诚安会计师事务所专项审计报告" in text
    assert "Special audit" not in text and "Quality assessment" not in text


# --- typography and layout ------------------------------------------------------------


def test_every_run_sets_its_east_asian_font_and_the_page_is_a4(report):
    document = Document(io.BytesIO(report))
    runs = [run for p in document.paragraphs for run in p.runs]
    runs += [
        run
        for t in document.tables
        for row in t.rows
        for cell in row.cells
        for p in cell.paragraphs
        for run in p.runs
    ]
    assert len(runs) > 100
    fonts = {run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in runs}
    assert None not in fonts
    assert fonts == {"方正小标宋简体", "黑体", "楷体", "仿宋"}
    body = [p for p in document.paragraphs if p.text.startswith("文件依据")][0]
    assert body.runs[0].font.size.pt == 16 and body.paragraph_format.line_spacing.pt == 28
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    footer = section.footer.paragraphs[0]._element.xml
    assert "PAGE" in footer


def test_the_title_font_declares_its_alternative(report):
    document = Document(io.BytesIO(report))
    title = next(p for p in document.paragraphs if p.text.endswith("绩效评价报告"))
    run = title.runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert not run.font.bold and run.font.size.pt == 22
    part = next(
        rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    fonts = {f.get(qn("w:name")): f for f in parse_xml(part.blob).findall(qn("w:font"))}
    declared = fonts["方正小标宋简体"]
    assert declared.find(qn("w:altName")).get(qn("w:val")) == "宋体"
    assert declared.find(qn("w:charset")).get(qn("w:val")) == "86"
    assert {"黑体", "楷体", "仿宋", "宋体"} <= set(fonts)


def _widths(table) -> list[int]:
    return [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_the_tables_are_laid_out_for_libreoffice(report):
    document = Document(io.BytesIO(report))
    scores, payments = document.tables
    # Column widths are in the grid (LibreOffice reads it), not only in the cells.
    assert _widths(scores) == [794, 1247, 1474, 2268, 1361, 794, 907]
    assert _widths(payments) == [1928, 2154, 2154, 1587, 1020]
    for table in (scores, payments):
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout.get(qn("w:type")) == "fixed"
        header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
        assert header is not None and header.get(qn("w:val")) == "true"
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    # 一级 spans its group's rows; a 二级 shared by consecutive rows spans them.
    first = [row._tr.tc_lst[0] for row in scores.rows[1:8]]
    assert [tc.vMerge for tc in first] == ["restart", *["continue"] * 5, None]
    assert [scores.cell(r, 0).text for r in range(1, 7)] == ["决策"] * 6
    second = [row._tr.tc_lst[1].vMerge for row in scores.rows[1:7]]
    assert second == ["restart", "continue"] * 3
    # 效益: the two 社会效益 rows share 二级, 三级 and content.
    benefit = next(
        r for r, row in enumerate(scores.rows) if row.cells[4].text == "提升政府民政服务效能"
    )
    for column in (1, 2, 3):
        assert scores.rows[benefit]._tr.tc_lst[column].vMerge == "restart"
        assert scores.rows[benefit + 1]._tr.tc_lst[column].vMerge == "continue"
    # Subtotals and the total span the text columns; numbers are right-aligned.
    total = scores.rows[-1]
    assert total._tr.tc_lst[0].grid_span == 5 and total.cells[0].text == "合计"
    assert [c.paragraphs[0].alignment for c in total.cells[5:]] == [WD_ALIGN_PARAGRAPH.RIGHT] * 2
    assert payments.rows[1].cells[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT


def _tool(name: str) -> str:
    """The path of a LibreOffice or Poppler tool; skip without it (fail when required)."""
    path = shutil.which(name) or (shutil.which("libreoffice") if name == "soffice" else None)
    if path is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"{name} is required (REQUIRE_LIBREOFFICE=1)")
        pytest.skip(f"{name} is not installed")
    return path


def _convert(content: bytes, tmp_path, profile, target: str):
    """The .docx converted by LibreOffice to ``target`` (pdf, txt:Text): the new file."""
    source = tmp_path / "report.docx"
    source.write_bytes(content)
    result = subprocess.run(
        [
            _tool("soffice"),
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / f"report.{target.split(':')[0]}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def _pdf_pages(content: bytes, tmp_path, profile) -> list[str]:
    pdftotext = _tool("pdftotext")
    pdf = _convert(content, tmp_path, profile, "pdf")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture(scope="module")
def report_pages(report, tmp_path_factory, libreoffice_profile):
    """The report as LibreOffice lays it out: the text of each page of its PDF (converted
    once for the module's tests)."""
    return _pdf_pages(report, tmp_path_factory.mktemp("report-pdf"), libreoffice_profile)


def test_the_report_converts_to_pdf_with_the_table_header_on_every_page(report_pages):
    pages = report_pages
    names = ["立项依据充分性", "预算编制科学性", "制度执行有效性", "服务内容的满意度"]
    names += ["决策小计", "过程小计", "产出小计", "效益小计"]
    with_table = [p for p in pages if any(name in p for name in names)]
    # The 18-row table runs over more than one page; its header repeats on each.
    assert len(with_table) >= 2
    assert all("三级指标" in p and "指标内容" in p for p in with_table)
    assert not any("草稿" in p for p in pages)


def test_libreoffice_opens_the_report(report_pages):
    # Its text as laid out, whatever the line breaks and the columns' spaces.
    text = "".join("".join(report_pages).split())
    assert "2024年购买社工服务项目支出绩效评价报告" in text
    assert "全年合计支付217.71万元" in text


# --- a document of the bureau ------------------------------------------------------------


@pytest.fixture(scope="module")
def draft_report(django_db_setup, django_db_blocker):
    """A draft's report, built once: a project paid 34,560 元 with a 12,960 元 deduction,
    its manual rows left unscored (everything written is rolled back)."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from evaluations import report as report_module
    from payments import services as payment_services
    from tests.factories import AuditFactory, BudgetFactory, BureauFactory, UserFactory
    from tests.helpers import approve, pay

    with django_db_blocker.unblock(), transaction.atomic():
        bureau = BureauFactory(name="深圳市某区民政局", division_code="440399")
        staff, finance = (
            UserFactory(username=f"doc-{role}", bureau=bureau) for role in ("staff", "finance")
        )
        staff.groups.add(Group.objects.get(name=str(Role.STAFF)))
        finance.groups.add(Group.objects.get(name=str(Role.FINANCE)))
        contract = ContractFactory(
            award__project__bureau=bureau, owner=staff, amount=Decimal("115200.00")
        )
        BudgetFactory(project=contract.award.project, year=2024)
        first, second = payment_services.schedule_generate(
            actor=finance,
            contract=contract,
            percents=[Decimal(30), Decimal(70)],
            due_dates=[datetime.date(2024, 3, 31), datetime.date(2024, 9, 30)],
        )
        pay(approve(first, staff=staff, finance=finance), "34560.00", by=finance)
        payment_services.deduction_record(
            actor=finance,
            installment=second,
            audit=AuditFactory(bureau=bureau, project=contract.award.project),
            amount=Decimal("12960.00"),
            decided_on=datetime.date(2024, 8, 20),
            reason="专项审计扣减",
        )
        evaluation = create_evaluation(staff, bureau, contract.award.project, title="文书评价")
        content = report_module.build(evaluation, user=staff)
        transaction.set_rollback(True)
    return content


def test_the_report_ends_with_the_bureau_and_the_date_in_chinese(report):
    from evaluations.report import cn_written_date

    assert cn_written_date(datetime.date(2025, 1, 15)) == "二〇二五年一月十五日"
    paragraphs = [p for p in Document(io.BytesIO(report)).paragraphs if p.text.strip()]
    # The demo's evaluation was approved on 31 December 2024.
    assert [p.text for p in paragraphs[-2:]] == ["深圳市盐田区民政局", "二〇二四年十二月三十一日"]
    assert {p.alignment for p in paragraphs[-2:]} == {WD_ALIGN_PARAGRAPH.RIGHT}


def test_east_asian_text_is_declared_chinese_not_japanese(report):
    document = Document(io.BytesIO(report))
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    normal = document.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert b"ja-JP" not in styles.xml.encode()
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for c in t._cells for p in c.paragraphs for r in p.runs]
    assert {r._element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) for r in runs} == {"zh-CN"}


def test_the_score_table_has_the_seeds_caption(report):
    document = Document(io.BytesIO(report))
    table = document.tables[0]._tbl
    caption = table.getprevious()
    paragraph = next(p for p in document.paragraphs if p._p is caption)
    assert paragraph.text == "（2024年政府购买社工服务项目）"
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_an_approved_report_is_not_a_draft(report):
    document = Document(io.BytesIO(report))
    assert all("草稿" not in p.text for p in document.sections[0].header.paragraphs)


def test_the_seeds_own_inconsistencies_are_in_the_reconciliation_note(report):
    note = _text(Document(io.BytesIO(report))).split("附：数字核对说明")[1]
    assert (
        "助残社工服务项目：中标期登记为40个月，但自中标（2021年8月）至中标期止（2024年12月）"
        "共41个月（中标期起为2021年9月1日），请核对。"
    ) in note
    assert (
        "助残社工服务项目2023-2024年度合同第一期：约定为合同金额101.4万元的30%，即30.42万元，"
        "计划金额为30.43万元，相差100元。"
    ) in note
    assert (
        "助残社工服务项目2023-2024年度合同第三期：约定为合同金额101.4万元的30%，即30.42万元，"
        "计划金额为30.41万元，相差100元。"
    ) in note
    # 40% of 101.4万 is 40.56万: the second installment is its share and is not listed.
    assert "合同第二期：约定" not in note


def test_a_draft_is_marked_on_every_page_and_has_no_grade_until_every_row_is_scored(
    draft_report,
):
    document = Document(io.BytesIO(draft_report))
    [section] = document.sections
    assert section.header.paragraphs[0].text == "草稿"
    assert not section.different_first_page_header_footer
    text = _text(document)
    assert "暂不评定等级" in text and "评价等级为" not in text


def test_every_page_of_a_draft_says_so_in_libreoffice(draft_report, tmp_path, libreoffice_profile):
    pages = _pdf_pages(draft_report, tmp_path, libreoffice_profile)
    assert len(pages) >= 3
    assert all("草稿" in page for page in pages)
    assert "深圳市某区民政局" in pages[-1]


def test_amounts_in_the_narrative_keep_their_precision(draft_report):
    from core.money import wan_text

    assert [wan_text(Decimal(v)) for v in ("12960", "34560", "2336000", "12345.67")] == [
        "1.296",
        "3.456",
        "233.6",
        "1.234567",
    ]
    document = Document(io.BytesIO(draft_report))
    text = _text(document)
    assert "支付2023-2024年度合同第一期款3.456万元" in text
    assert "全年合计支付3.456万元" in text
    assert "扣减1.296万元" in text and "合计扣减1.296万元" in text
    for rounded in ("1.3万", "3.46万", "1.30万"):
        assert rounded not in text, rounded
    payments = document.tables[1]
    assert [row.cells[4].text for row in payments.rows[1:]] == ["3.456", "3.456"]


# --- the grade of an assessment ---------------------------------------------------------


def _report_text(client, evaluation) -> str:
    response = client.get(f"/evaluations/{evaluation.pk}/report.docx")
    return _text(Document(io.BytesIO(response.content)))


def test_the_grade_comes_from_the_score_by_the_bands_stored_as_data(demo, demo_evaluation, client):
    from evaluations.models import GradeBand
    from payments.models import Audit

    users, evaluation = demo, demo_evaluation
    reopen(evaluation, users["manager"])  # an approved one's report is the stored file
    Audit.objects.filter(kind="assessment").update(grade="优秀")  # typed wrong: 88 is 良好
    client.force_login(users["auditor"])
    text = _report_text(client, evaluation)
    assert "项目总分88分，评估等级良好" in text and "评估等级优秀" not in text
    assert (
        "深圳市盐田区汇研社会工作标准事务所质量评估：登记的评估等级为“优秀”，按评估得分 88 分"
        "及评估等级标准应为“良好”，本报告采用按得分确定的等级。"
    ) in text.split("附：数字核对说明")[1]
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    cell = page[page.index('class="assessment-grade"') :]
    cell = cell[: cell.index("</td>")]
    assert "良好" in cell and "登记为“优秀”，与得分不符" in cell
    # The bands are data: moving the cut-off moves the grade.
    GradeBand.objects.filter(scale__name="深圳市社会工作服务评估等级", label="优秀").update(
        lower=Decimal("85")
    )
    GradeBand.objects.filter(scale__name="深圳市社会工作服务评估等级", label="良好").update(
        upper=Decimal("85")
    )
    assert "项目总分88分，评估等级优秀" in _report_text(client, evaluation)


# --- who downloads it, and its queries ------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_the_bureau_downloads_and_another_bureau_gets_404(
    demo, demo_evaluation, client, make_user, other_bureau, role
):
    users, evaluation = demo, demo_evaluation
    client.force_login(users[role])
    assert client.get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 200
    assert client.get(f"/evaluations/{evaluation.pk}/table.xlsx").status_code == 200
    client.force_login(make_user(role, other_bureau))
    assert client.get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 404
    assert client.get(f"/evaluations/{evaluation.pk}/table.xlsx").status_code == 404


def test_the_report_of_a_project_without_a_budget_downloads(client_for, staff_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    evaluation = create_evaluation(staff_user, bureau, contract.award.project, title="无预算")
    assert (
        client_for(staff_user).get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 200
    )


def test_the_report_and_the_ledger_run_a_bounded_number_of_queries(demo, demo_evaluation, client):
    from payments.models import Installment, Payment
    from tests.factories import ContractFactory

    users, evaluation = demo, demo_evaluation
    reopen(evaluation, users["manager"])  # a draft's report is generated on each download
    client.force_login(users["finance"])
    urls = [f"/evaluations/{evaluation.pk}/report.docx", "/payments/installments/export/?year=2024"]
    before = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        before.append(len(queries))
    # More contracts, installments and payments of the same projects.

    project = evaluation.projects.first()
    award = project.awards.first()
    for i in range(30):
        contract = ContractFactory(
            award=award,
            bureau=award.project.bureau,
            number=f"X-{i}",
            start=datetime.date(2024, 1, 1),
            end=datetime.date(2024, 6, 30),
            amount=Decimal("100.00"),
        )
        installment = Installment.objects.create(
            bureau=contract.bureau,
            contract=contract,
            number=1,
            planned_amount=Decimal("100.00"),
            due_date=datetime.date(2024, 6, 1),
            status="paid",
        )
        Payment.objects.create(
            bureau=contract.bureau,
            installment=installment,
            paid_on=datetime.date(2024, 5, 1),
            amount=Decimal("100.00"),
            voucher_number=f"V-{i}",
            posted_by=users["finance"],
        )
    after = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        after.append(len(queries))
    assert after == before
