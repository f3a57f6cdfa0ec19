"""The Excel exports, opened and read back: the ledgers give the dashboard's totals, every
export follows the list's filters and the bureau, refuses an invalid filter, writes text
that looks like a formula as text, and runs a bounded number of queries."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.models import IndicatorTemplate
from payments import selectors as payment_selectors
from payments.models import Installment, Payment
from tests.factories import BudgetFactory, ContractFactory
from tests.helpers import create_evaluation

pytestmark = pytest.mark.django_db


def _workbook(response):
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _rows(sheet) -> list[tuple]:
    """The data rows of an export's sheet: below the filter line and the header, above a
    合计 row."""
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    return rows[:-1] if rows and rows[-1][0] == "合计" else rows


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the ledgers ----------------------------------------------------------------------


def test_the_ledger_export_gives_the_dashboards_totals(demo, client):
    users = demo
    client.force_login(users["finance"])
    workbook = _workbook(client.get("/payments/installments/export/?year=2024"))
    assert workbook.sheetnames == ["分期款", "支付", "扣减"]
    payments = workbook["支付"]
    assert [c.value for c in payments[2]][:7] == [
        "支付日期",
        "凭证号",
        "类型",
        "合同编号",
        "服务项目",
        "期次",
        "金额（元）",
    ]
    assert payments.freeze_panes == "A3"
    assert payments["A1"].value == "筛选条件：年度：2024"
    # The 合计 row: values, not formulas.
    total = list(payments.iter_rows(values_only=True))[-1]
    assert total[:7] == ("合计", None, None, None, None, None, 2177100)
    assert payments["G3"].number_format == "#,##0.00"
    paid = sum(_money(row[6]) for row in _rows(payments))
    deducted = sum(_money(row[6]) for row in _rows(workbook["扣减"]))
    import datetime

    dashboard = payment_selectors.execution(
        user=users["finance"], year=2024, as_of=datetime.date(2024, 12, 31)
    ).total
    assert (
        (paid, deducted)
        == (dashboard.paid, dashboard.deducted)
        == (Decimal("2177100.00"), Decimal("37200.00"))
    )
    installments = _rows(workbook["分期款"])
    assert len(installments) == 8  # due in 2024
    assert [r[4] for r in installments if r[11] == "待交资料"] == ["第二期"]


def test_the_payment_ledger_page_exports_what_it_lists(demo, client, make_user, other_bureau):
    users = demo
    client.force_login(users["finance"])
    page = client.get("/payments/payments/?year=2024").text
    assert 'href="/payments/payments/export/?year=2024"' in page
    sheet = _workbook(client.get("/payments/payments/export/?year=2024"))["支付台账"]
    rows = _rows(sheet)
    assert sum(_money(r[6]) for r in rows) == Decimal("2177100.00")
    assert sheet.freeze_panes == "A3"
    only = _workbook(client.get("/payments/payments/export/?year=2024&q=助残"))["支付台账"]
    projects = {r[4] for r in _rows(only)}
    assert projects == {"助残社工服务项目"}
    assert client.get("/payments/payments/export/?year=abc").status_code == 400
    client.force_login(make_user("finance", other_bureau, "other-finance"))
    other = _workbook(client.get("/payments/payments/export/?year=2024"))["支付台账"]
    assert other.max_row == 2  # the filters and the header alone


def test_the_ledger_export_limits_payments_and_deductions_to_the_filtered_installments(
    demo, client
):
    users = demo
    client.force_login(users["finance"])
    workbook = _workbook(client.get("/payments/installments/export/?year=2024&q=助残"))
    installments = _rows(workbook["分期款"])
    assert {r[2] for r in installments} == {"助残社工服务项目"} and len(installments) == 4
    payments = _rows(workbook["支付"])
    assert [(r[4], _money(r[6])) for r in payments] == [
        ("助残社工服务项目", Decimal("405600.00")),
        ("助残社工服务项目", Decimal("210000.00")),
        ("助残社工服务项目", Decimal("94200.00")),
        ("助残社工服务项目", Decimal("282100.00")),
    ]
    deductions = _rows(workbook["扣减"])
    assert [(r[2], _money(r[6])) for r in deductions] == [("助残社工服务项目", Decimal("22000.00"))]
    # The status and late filters choose installments too: the one left unpaid has
    # neither payments nor deductions.
    for query in ("status=awaiting_documents", "late=true"):
        workbook = _workbook(client.get(f"/payments/installments/export/?year=2024&{query}"))
        rows = _rows(workbook["分期款"])
        assert [(r[0], r[4]) for r in rows] == [("DEMO-YTMZ-2024-01", "第二期")], query
        assert (workbook["支付"].max_row, workbook["扣减"].max_row) == (2, 2), query
    # The year alone keeps the dashboard's totals (see the ledger test above).
    workbook = _workbook(client.get("/payments/installments/export/?year=2024"))
    paid = sum(_money(r[6]) for r in _rows(workbook["支付"]))
    deducted = sum(_money(r[6]) for r in _rows(workbook["扣减"]))
    assert (paid, deducted) == (Decimal("2177100.00"), Decimal("37200.00"))


# --- filters and the bureau -----------------------------------------------------------


def test_exports_respect_the_filters_and_the_bureau(demo, client, make_user, other_bureau):
    users = demo
    client.force_login(users["staff"])
    rows = list(_rows(_workbook(client.get("/contracts/export/?q=助残")).active))
    assert sorted(r[0] for r in rows) == ["DEMO-YTMZ-2023-02", "DEMO-YTMZ-2024-02"]
    assert sorted(_money(r[9]) for r in rows) == [Decimal("304200.00"), Decimal("1014000.00")]
    client.force_login(make_user("finance", other_bureau))
    assert list(_rows(_workbook(client.get("/contracts/export/")).active)) == []
    workbook = _workbook(client.get("/payments/installments/export/?year=2024"))
    assert [ws.max_row for ws in workbook] == [2, 2, 2]


@pytest.mark.parametrize(
    ("list_url", "export_url"),
    [
        ("/contracts/", "/contracts/export/"),
        ("/payments/installments/", "/payments/installments/export/"),
    ],
)
def test_an_invalid_filter_exports_nothing(
    client_for, staff_user, finance_user, bureau, list_url, export_url
):
    ContractFactory(award__project__bureau=bureau, number="HT-VISIBLE")
    user = staff_user if list_url == "/contracts/" else finance_user
    client = client_for(user)
    content = client.get(list_url + "?year=abc").content.decode()
    assert 'id="export-link"' not in content
    response = client.get(export_url + "?year=abc")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "筛选条件有误，未导出：年度：输入一个数字。"
    response = client.get(export_url + "?year=2024")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_text_that_looks_like_a_formula_is_exported_as_text(client_for, staff_user, bureau):
    title = '=HYPERLINK("http://example.invalid","点此")'
    ContractFactory(award__project__bureau=bureau, title=title, number="F-1")
    response = client_for(staff_user).get("/contracts/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == title]
    assert cells and all(c.data_type == "s" for c in cells)


# --- the execution and evaluation exports ---------------------------------------------


def test_the_execution_and_evaluation_exports(demo, demo_evaluation, client):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["manager"])
    sheet = _workbook(client.get("/payments/execution/export/?year=2024&as_of=2024-12-31")).active
    total = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"][0]
    assert (_money(total[3]), _money(total[4]), total[6]) == (
        Decimal("2336000.00"),
        Decimal("2177100.00"),
        0.932,
    )
    assert sheet["G3"].number_format == "0.00%"
    assert sheet["A1"].value == "筛选条件：年度：2024；截至日期：2024-12-31"
    workbook = _workbook(client.get(f"/evaluations/{evaluation.pk}/table.xlsx"))
    rows = list(workbook["评分表"].iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][7] == 95 and rows[-1][6] == "等级：优"
    assert [r for r in workbook["数字核对"].iter_rows(min_row=2, values_only=True)][0][1:3] == (
        94.31,
        93.2,
    )


def test_the_evaluation_table_export_has_the_computed_columns_and_no_filter(
    demo, demo_evaluation, client
):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["manager"])
    response = client.get(f"/evaluations/{evaluation.pk}/table.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["评分表"]
    assert [c.value for c in sheet[1]] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标内容",
        "指标值",
        "分值",
        "实际完成值",
        "评价得分",
        "计算值（%）",
        "计算得分",
        "调整理由",
        "数据来源",
        "计算依据",
        "评分依据",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    execution = next(r for r in rows if r[2] == "预算执行率")
    assert execution[7:12] == (
        4,
        93.2,
        4.66,
        "按自评报告评分：项目支出进度落后，2024年8-12月合同第二期款延迟支付，扣 1 分。",
        "预算执行率（支付记录）",
    )
    manual = next(r for r in rows if r[2] == "立项依据充分性")
    assert manual[8:11] == (None, None, None)
    assert sheet.auto_filter.ref is None
    assert [r[0] for r in rows if r[0].endswith("小计") or r[0] == "合计"] == [
        "决策小计",
        "过程小计",
        "产出小计",
        "效益小计",
        "合计",
    ]


# --- bounded queries ------------------------------------------------------------------


def _count(client, url) -> int:
    cache.clear()  # the dashboard figures are cached; count what computing them costs
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def _more_contracts(bureau, finance_user, n=12):
    for _i in range(n):
        contract = ContractFactory(award__project__bureau=bureau)
        BudgetFactory(project=contract.award.project, year=2024)
        installment = Installment.objects.create(
            bureau=bureau,
            contract=contract,
            number=1,
            planned_amount=Decimal("100.00"),
            due_date=datetime.date(2024, 6, 1),
            status="paid",
        )
        Payment.objects.create(
            bureau=bureau,
            installment=installment,
            paid_on=datetime.date(2024, 5, 1),
            amount=Decimal("100.00"),
            voucher_number=f"V-{contract.number}",
            posted_by=finance_user,
        )


@pytest.mark.parametrize(
    "url",
    [
        "/contracts/export/",
        "/payments/execution/export/?year=2024&as_of=2024-12-31",
        "/payments/payments/export/?year=2024",
    ],
)
def test_the_contract_and_execution_exports_run_a_bounded_number_of_queries(
    bureau, manager_user, finance_user, client_for, url
):
    _more_contracts(bureau, finance_user, n=2)
    client = client_for(manager_user)
    client.get(url)
    few = _count(client, url)
    _more_contracts(bureau, finance_user, n=15)
    assert _count(client, url) == few


def test_the_evaluation_table_export_runs_a_bounded_number_of_queries(
    bureau, staff_user, project, client_for
):
    small = create_evaluation(staff_user, bureau, project)
    big_template = IndicatorTemplate.objects.create(name="60 项")
    for order in range(1, 61):
        big_template.rows.create(
            order=order,
            level1=["决策", "过程", "产出", "效益"][order % 4],
            level2="二级",
            level3=f"指标{order}",
            weight=Decimal("41") if order == 60 else Decimal("1"),
        )
    big = create_evaluation(staff_user, bureau, project, template=big_template, title="大")
    client = client_for(staff_user)
    client.get(f"/evaluations/{small.pk}/table.xlsx")
    assert _count(client, f"/evaluations/{small.pk}/table.xlsx") == _count(
        client, f"/evaluations/{big.pk}/table.xlsx"
    )
