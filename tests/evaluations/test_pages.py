"""The evaluation pages: the 产出 + 效益 warning, the computed notes, the findings list
and the menu, the Excel table, refusals of a locked evaluation, the database's own
refusal, and query counts of the lists and exports."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from evaluations import services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    Finding,
    IndicatorTemplate,
    OutputIndicator,
    Rectification,
    StatedFigure,
)
from payments.models import Installment, Payment
from tests.factories import BudgetFactory, ContractFactory, ProjectFactory

pytestmark = pytest.mark.django_db
E = Evaluation.Status


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    return {u.username: u for u in User.objects.all()}, Evaluation.objects.get(year=2024)


def _create(staff_user, bureau, project, kind="self", template=None, title="2024 年绩效评价"):
    return services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title=title,
        kind=kind,
        template=template or IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[project],
    )


@pytest.fixture
def project(bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    BudgetFactory(project=contract.award.project, year=2024)
    return contract.award.project


# --- 产出 + 效益 < 60 --------------------------------------------------------------------------


def test_the_outcome_weight_warning_names_the_types_it_applies_to():
    rows = [
        EvaluationRow(level1="决策", weight=Decimal("50")),
        EvaluationRow(level1="产出", weight=Decimal("50")),
    ]
    assert services.outcome_weight_warning("department", rows) == (
        "部门评价和第三方评价（视同财政评价）中，产出、效益指标的分值合计一般不低于 60 分；"
        "本评价为部门评价，当前为 50 分。"
    )
    assert "本评价为第三方评价，当前为 50 分" in services.outcome_weight_warning(
        "third_party", rows
    )
    assert services.outcome_weight_warning("self", rows) == ""


def test_the_warning_stays_on_the_page_while_it_applies(bureau, staff_user, project, client_for):
    # The seed's table gives 产出 25 + 效益 20 = 45.
    department = _create(staff_user, bureau, project, kind="department")
    own = _create(staff_user, bureau, project, kind="self", title="自评")
    client = client_for(staff_user)
    warning = (
        "部门评价和第三方评价（视同财政评价）中，产出、效益指标的分值合计一般不低于 60 分；"
        "本评价为部门评价，当前为 45 分。"
    )
    for _visit in range(2):
        page = client.get(f"/evaluations/{department.pk}/").content.decode()
        assert 'id="outcome-weight-warning"' in page and warning in page
    assert (
        'id="outcome-weight-warning"' not in client.get(f"/evaluations/{own.pk}/").content.decode()
    )


# --- computed notes ---------------------------------------------------------------------------


def test_a_computed_rows_source_is_printed_under_its_value(demo, client):
    users, evaluation = demo
    client.force_login(users["auditor"])
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    row = page[page.index('data-source="execution_rate"') :]
    row = row[: row.index("</tr>")]
    assert (
        '<div class="text-muted computed-note small-note">'
        "截至 2024-12-31 支付 2177100.00 元 ÷ 实际下达预算 2336000.00 元（分母：实际到位资金）</div>"
    ) in row
    assert "调整理由：按自评报告评分：项目支出进度落后" in row
    timeliness = page[page.index('data-source="timeliness"') :]
    timeliness = timeliness[: timeliness.index("</tr>")]
    assert '<span class="computed-value">87.50%</span>' in timeliness
    assert "分期款按期支付 7/8 期（87.50%）" in timeliness


# --- the findings list and the menu ------------------------------------------------------------


def test_the_findings_list_filters_by_year_status_and_overdue(demo, client, monkeypatch):
    users, evaluation = demo
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2025, 4, 15))
    client.force_login(users["manager"])

    def rows(query=""):
        page = client.get(f"/evaluations/findings/{query}").content.decode()
        assert 'id="rectification-table"' in page
        body = page[page.index('id="rectification-table"') :]
        body = body[body.index("<tbody>") : body.index("</tbody>")]
        return [r for r in body.split("<tr")[1:] if "<td" in r and "colspan" not in r]

    assert len(rows()) == 4
    overdue = rows("?overdue=true")
    assert len(overdue) == 2  # due 2025-01-31 and 2025-03-31
    assert "根据项目进展督促服务机构及时提交资料" in overdue[0] and "逾期 74 天" in overdue[0]
    assert "优化活动设计，降低参与门槛" in overdue[1] and "逾期 15 天" in overdue[1]
    assert rows("?year=2023") == []
    assert len(rows("?year=2024&status=open")) == 4
    rectification = Rectification.objects.get(recommendation__startswith="根据项目进展督促")
    services.rectification_save(
        actor=users["staff"],
        finding=rectification.finding,
        rectification=rectification,
        status="done",
        completed_on=datetime.date(2025, 1, 20),
        evidence="已建立资料提交提醒。",
    )
    assert len(rows("?status=done")) == 1
    assert len(rows("?overdue=true")) == 1


def test_the_findings_list_is_scoped_to_the_bureau(demo, client, make_user, other_bureau):
    _users, _evaluation = demo
    client.force_login(make_user("manager", other_bureau))
    page = client.get("/evaluations/findings/").content.decode()
    assert "根据项目进展督促" not in page and "没有符合条件的问题与整改。" in page
    client.force_login(make_user("finance", other_bureau))
    assert client.get("/evaluations/findings/").status_code == 200


def test_the_menu_links_findings_and_the_assessments(demo, client):
    users, _evaluation = demo
    client.force_login(users["auditor"])
    nav = client.get("/evaluations/").content.decode().split("</nav>")[0]
    assert 'href="/evaluations/findings/"' in nav and "问题与整改" in nav
    assert 'href="/payments/audits/?kind=assessment"' in nav
    page = client.get("/payments/audits/?kind=assessment").content.decode()
    assert "深圳市盐田区汇研社会工作标准事务所" in page
    assert "深圳诚安会计师事务所" not in page


# --- the Excel table ----------------------------------------------------------------------------


def test_the_evaluation_table_export_has_the_computed_columns_and_no_filter(demo, client):
    users, evaluation = demo
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


# --- refusals ---------------------------------------------------------------------------------


def test_the_database_refuses_a_score_above_the_weight(bureau, staff_user, project):
    row = _create(staff_user, bureau, project).rows.get(order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRow.objects.filter(pk=row.pk).update(score=Decimal("6"))
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRow.objects.filter(pk=row.pk).update(score=Decimal("-1"))
    row.refresh_from_db()
    assert row.score is None


def _lock(evaluation, staff_user, manager_user):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(actor=staff_user, row=row, score=row.weight, override_reason="佐证")
    services.evaluation_transition(actor=staff_user, evaluation=evaluation, to_status=E.SUBMITTED)
    services.evaluation_transition(actor=manager_user, evaluation=evaluation, to_status=E.APPROVED)
    services.evaluation_transition(actor=manager_user, evaluation=evaluation, to_status=E.LOCKED)


def test_a_locked_evaluation_refuses_changes_over_http(
    bureau, staff_user, manager_user, project, client_for
):
    evaluation = _create(staff_user, bureau, project)
    _lock(evaluation, staff_user, manager_user)
    row = evaluation.rows.get(order=1)
    client = client_for(staff_user)
    message = "评价当前为“已锁定”，不能再修改。"
    for url, data in (
        (f"/evaluations/rows/{row.pk}/", {"score": "1", "evidence": "改"}),
        (f"/evaluations/{evaluation.pk}/edit/", {"title": "改标题"}),
        (
            f"/evaluations/{evaluation.pk}/stated/",
            {"key": "execution_rate", "value": "90", "source": "x"},
        ),
        (f"/evaluations/{evaluation.pk}/findings/new/", {"order": 1, "problem": "新问题"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, url
        assert message in response.content.decode(), url
    response = client.post(f"/evaluations/{evaluation.pk}/refresh/", follow=True)
    assert message in response.content.decode()
    row.refresh_from_db()
    evaluation.refresh_from_db()
    assert (row.score, row.evidence) == (Decimal("5.00"), "")
    assert (evaluation.title, evaluation.status) == ("2024 年绩效评价", E.LOCKED)
    assert not StatedFigure.objects.exists() and not Finding.objects.exists()
    # A locked evaluation cannot go back.
    client = client_for(manager_user)
    response = client.post(
        f"/evaluations/{evaluation.pk}/transition/", {"to_status": "draft", "reason": "重评"}
    )
    assert "评价不能从“已锁定”变为“草稿”。" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == E.LOCKED


# --- query counts -----------------------------------------------------------------------------


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
    small = _create(staff_user, bureau, project)
    big_template = IndicatorTemplate.objects.create(name="60 项")
    for order in range(1, 61):
        big_template.rows.create(
            order=order,
            level1=["决策", "过程", "产出", "效益"][order % 4],
            level2="二级",
            level3=f"指标{order}",
            weight=Decimal("41") if order == 60 else Decimal("1"),
        )
    big = _create(staff_user, bureau, project, template=big_template, title="大")
    client = client_for(staff_user)
    client.get(f"/evaluations/{small.pk}/table.xlsx")
    assert _count(client, f"/evaluations/{small.pk}/table.xlsx") == _count(
        client, f"/evaluations/{big.pk}/table.xlsx"
    )


def test_the_evaluation_output_and_findings_lists_run_a_bounded_number_of_queries(
    bureau, staff_user, client_for
):
    urls = ["/evaluations/", "/evaluations/outputs/", "/evaluations/findings/"]

    def add(n, start):
        for i in range(start, start + n):
            project = ProjectFactory(bureau=bureau)
            BudgetFactory(project=project, year=2024)
            evaluation = _create(staff_user, bureau, project, title=f"评价{i}")
            finding = services.finding_save(
                actor=staff_user, evaluation=evaluation, order=1, problem=f"问题{i}"
            )
            services.rectification_save(
                actor=staff_user, finding=finding, recommendation=f"建议{i}", owner="科室"
            )
            indicator = services.output_save(
                actor=staff_user,
                project=project,
                year=2024,
                name=f"产出{i}",
                kind="quantity",
                unit="次",
                comparator="gte",
                target=Decimal("10"),
                actual=None,
            )
            services.output_record(
                actor=staff_user,
                indicator=indicator,
                date=datetime.date(2024, 5, 1),
                amount=Decimal("4"),
            )

    add(2, 0)
    client = client_for(staff_user)
    for url in urls:
        client.get(url)
    few = [_count(client, url) for url in urls]
    add(20, 2)
    assert OutputIndicator.objects.count() == 22
    assert [_count(client, url) for url in urls] == few
