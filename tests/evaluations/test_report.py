"""The generated report and the Excel exports, opened and read back."""

import io
import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn

from accounts.models import User
from evaluations.models import Evaluation
from payments import selectors as payment_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    return {u.username: u for u in User.objects.all()}, Evaluation.objects.get(year=2024)


@pytest.fixture
def report(demo, client):
    users, evaluation = demo
    client.force_login(users["staff"])
    response = client.get(f"/evaluations/{evaluation.pk}/report.docx")
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return response.content


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


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
    assert "年初预算233.60万元" in text and "实际下达预算233.60万元" in text
    assert (
        "2024年3月，支付2023-2024年度合同第二期款93.44万元；"
        "2024年7-8月，支付2024年8-12月合同第一期款48.50万元；"
        "2024年11月，支付助残社工服务项目2024年8-12月合同第二期款9.42万元；"
        "2024年12月，支付2023-2024年度合同第三期款66.35万元。全年合计支付217.71万元。"
    ) in text
    assert "扣减2.20万元" in text and "扣减1.52万元" in text and "合计扣减3.72万元" in text
    assert "预算执行率93.20%" in text
    assert "项目总分88分，评估等级良好" in text
    assert "服务机构提交资料不及时导致财务封账" in text
    assert "94.31" not in text.split("附：数字核对说明")[0]
    note = text.split("附：数字核对说明")[1]
    assert "陈述为94.31，按记录计算为93.20（相差1.11）。本报告采用按记录计算的数字。" in note


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


def test_libreoffice_opens_the_report(report, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice is required (REQUIRE_LIBREOFFICE=1)")
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "report.docx"
    source.write_bytes(report)
    result = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "report.txt"
    assert converted.exists(), result.stdout + result.stderr
    text = converted.read_text(encoding="utf-8-sig")
    assert "2024 年购买社工服务项目支出绩效评价报告" in text
    assert "全年合计支付217.71万元" in text


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_the_bureau_downloads_and_another_bureau_gets_404(
    demo, client, make_user, other_bureau, role
):
    users, evaluation = demo
    client.force_login(users[role])
    assert client.get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 200
    assert client.get(f"/evaluations/{evaluation.pk}/table.xlsx").status_code == 200
    client.force_login(make_user(role, other_bureau))
    assert client.get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 404
    assert client.get(f"/evaluations/{evaluation.pk}/table.xlsx").status_code == 404


def _workbook(response):
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_ledger_export_gives_the_dashboards_totals(demo, client):
    users, _evaluation = demo
    client.force_login(users["finance"])
    workbook = _workbook(client.get("/payments/installments/export/?year=2024"))
    assert workbook.sheetnames == ["分期款", "支付", "扣减"]
    payments = workbook["支付"]
    assert [c.value for c in payments[1]][:7] == [
        "支付日期",
        "凭证号",
        "类型",
        "合同编号",
        "服务项目",
        "期次",
        "金额（元）",
    ]
    assert payments.freeze_panes == "A2"
    assert payments["G2"].number_format == "#,##0.00"
    paid = sum(_money(row[6]) for row in payments.iter_rows(min_row=2, values_only=True))
    deducted = sum(
        _money(row[6]) for row in workbook["扣减"].iter_rows(min_row=2, values_only=True)
    )
    import datetime

    dashboard = payment_selectors.execution(
        user=users["finance"], year=2024, as_of=datetime.date(2024, 12, 31)
    ).total
    assert (
        (paid, deducted)
        == (dashboard.paid, dashboard.deducted)
        == (Decimal("2177100.00"), Decimal("37200.00"))
    )
    installments = list(workbook["分期款"].iter_rows(min_row=2, values_only=True))
    assert len(installments) == 8  # due in 2024
    assert [r[4] for r in installments if r[11] == "待交资料"] == ["第二期"]


def test_exports_respect_the_filters_and_the_bureau(demo, client, make_user, other_bureau):
    users, _evaluation = demo
    client.force_login(users["staff"])
    rows = list(
        _workbook(client.get("/contracts/export/?q=助残")).active.iter_rows(
            min_row=2, values_only=True
        )
    )
    assert sorted(r[0] for r in rows) == ["DEMO-YTMZ-2023-02", "DEMO-YTMZ-2024-02"]
    assert sorted(_money(r[9]) for r in rows) == [Decimal("304200.00"), Decimal("1014000.00")]
    client.force_login(make_user("finance", other_bureau))
    assert (
        list(
            _workbook(client.get("/contracts/export/")).active.iter_rows(
                min_row=2, values_only=True
            )
        )
        == []
    )
    workbook = _workbook(client.get("/payments/installments/export/?year=2024"))
    assert [ws.max_row for ws in workbook] == [1, 1, 1]


def test_the_execution_and_evaluation_exports(demo, client):
    users, evaluation = demo
    client.force_login(users["manager"])
    sheet = _workbook(client.get("/payments/execution/export/?year=2024&as_of=2024-12-31")).active
    total = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"][0]
    assert (_money(total[3]), _money(total[4]), total[6]) == (
        Decimal("2336000.00"),
        Decimal("2177100.00"),
        0.932,
    )
    assert sheet["G2"].number_format == "0.00%"
    workbook = _workbook(client.get(f"/evaluations/{evaluation.pk}/table.xlsx"))
    rows = list(workbook["评分表"].iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][7] == 95 and rows[-1][6] == "等级：优"
    assert [r for r in workbook["数字核对"].iter_rows(min_row=2, values_only=True)][0][1:3] == (
        94.31,
        93.2,
    )


def test_the_report_and_the_ledger_run_a_bounded_number_of_queries(demo, client):
    from payments.models import Installment, Payment
    from tests.factories import ContractFactory

    users, evaluation = demo
    client.force_login(users["finance"])
    urls = [f"/evaluations/{evaluation.pk}/report.docx", "/payments/installments/export/?year=2024"]
    before = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        before.append(len(queries))
    # More contracts, installments and payments of the same projects.
    import datetime

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
