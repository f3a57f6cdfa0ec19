"""The scored table: the demo's 95 (优), rows computed from the records beside what the
report states, scores within their weight (by the service, the form and the database),
the 产出 + 效益 warning, and the page and API in a bounded number of queries."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from evaluations import selectors, services
from evaluations.indicators import MOF_TEMPLATE, SEED_TEMPLATE
from evaluations.models import EvaluationRow, IndicatorTemplate, TemplateRow
from tests.factories import ContractFactory
from tests.helpers import create_evaluation

pytestmark = pytest.mark.django_db


# --- the demo's table -----------------------------------------------------------------


def test_the_demo_evaluation_reproduces_the_report(demo_evaluation):
    evaluation = demo_evaluation
    table = selectors.evaluation_table(evaluation)
    assert [(g.name, g.weight, g.score) for g in table.groups] == [
        ("决策", Decimal("30.00"), Decimal("30.00")),
        ("过程", Decimal("25.00"), Decimal("24.00")),
        ("产出", Decimal("25.00"), Decimal("25.00")),
        ("效益", Decimal("20.00"), Decimal("16.00")),
    ]
    assert len(table.rows) == 18
    assert (table.total, table.grade) == (Decimal("95.00"), "优")
    execution = table.row_for("execution_rate")
    assert (execution.computed_value, execution.computed_score, execution.score) == (
        Decimal("93.20"),
        Decimal("4.66"),
        Decimal("4.00"),
    )
    assert execution.score_overridden and "扣 1 分" in execution.override_reason
    [flag] = table.flags
    assert (flag.key, flag.stated, flag.computed) == (
        "execution_rate",
        Decimal("94.31"),
        Decimal("93.20"),
    )


def test_the_page_shows_the_computed_rate_beside_the_stated_one_with_a_flag(
    demo, demo_evaluation, client
):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["auditor"])
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    row = page[page.index('data-source="execution_rate"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="computed-value">93.20%</span>' in row
    assert "报告陈述 94.31%，与记录不符" in row and "hidden" not in row
    assert 'id="reconciliation-flags"' in page
    assert '<td class="money" id="evaluation-total">95</td>' in page
    assert '<span id="evaluation-grade">优</span>' in page


def test_a_computed_rows_source_is_printed_under_its_value(demo, demo_evaluation, client):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["auditor"])
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    row = page[page.index('data-source="execution_rate"') :]
    row = row[: row.index("</tr>")]
    assert (
        '<div class="text-muted computed-note small-note">'
        "截至 2024-12-31 支付 2,177,100.00 元 ÷ 实际下达预算 2,336,000.00 元（分母：实际到位资金）</div>"
    ) in row
    assert "调整理由：按自评报告评分：项目支出进度落后" in row
    timeliness = page[page.index('data-source="timeliness"') :]
    timeliness = timeliness[: timeliness.index("</tr>")]
    assert '<span class="computed-value">87.50%</span>' in timeliness
    assert "分期款按期支付 7/8 期（87.50%）" in timeliness


def test_the_api_gives_rows_subtotals_total_grade_and_flags(demo, demo_evaluation, client):
    users, evaluation = demo, demo_evaluation
    client.force_login(users["manager"])
    data = client.get(f"/api/v1/evaluations/{evaluation.pk}/").json()
    assert [(g["name"], g["score"]) for g in data["groups"]] == [
        ("决策", "30.00"),
        ("过程", "24.00"),
        ("产出", "25.00"),
        ("效益", "16.00"),
    ]
    assert (data["total"], data["grade"], data["weight"]) == ("95.00", "优", "100.00")
    assert sum(len(g["rows"]) for g in data["groups"]) == 18
    assert data["reconciliation"] == [
        {
            "figure": "execution_rate",
            "label": "预算执行率（%）",
            "stated": "94.31",
            "computed": "93.20",
            "difference": "1.11",
            "differs": True,
            "source": "自评报告“一、基本情况”及“四、（二）资金到位率及预算执行率”",
        }
    ]


def test_another_bureau_gets_404(demo_evaluation, client, make_user, other_bureau):
    evaluation = demo_evaluation
    client.force_login(make_user("manager", other_bureau))
    assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 404
    assert client.get(f"/api/v1/evaluations/{evaluation.pk}/").status_code == 404
    row = evaluation.rows.first()
    assert client.get(f"/evaluations/rows/{row.pk}/").status_code == 404


# --- scores ---------------------------------------------------------------------------


def test_a_score_above_its_weight_is_refused(draft, staff_user, client_for):
    row = draft.rows.get(order=1)
    with pytest.raises(ValidationError) as excinfo:
        services.row_score(actor=staff_user, row=row, score=Decimal("5.5"))
    assert excinfo.value.message_dict["score"] == ["得分应在 0 到 5 分之间。"]
    response = client_for(staff_user).post(
        f"/evaluations/rows/{row.pk}/", {"score": "6", "evidence": "x"}
    )
    assert "得分应在 0 到 5 分之间。" in response.content.decode()
    row.refresh_from_db()
    assert (row.score, row.evidence) == (None, "")


def test_the_database_refuses_a_score_above_the_weight(bureau, staff_user, project):
    row = create_evaluation(staff_user, bureau, project).rows.get(order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRow.objects.filter(pk=row.pk).update(score=Decimal("6"))
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRow.objects.filter(pk=row.pk).update(score=Decimal("-1"))
    row.refresh_from_db()
    assert row.score is None


def test_a_computed_value_cannot_be_typed_and_a_changed_score_needs_a_reason(draft, staff_user):
    row = draft.rows.get(source="funds_in_place")
    assert (row.computed_value, row.score) == (Decimal("100.00"), Decimal("5.00"))
    with pytest.raises(ValidationError) as excinfo:
        services.row_score(actor=staff_user, row=row, score=Decimal("3"))
    assert "调整为其他分数须说明理由" in excinfo.value.message_dict["override_reason"][0]
    services.row_score(
        actor=staff_user,
        row=row,
        score=Decimal("3"),
        actual_value="99%",
        override_reason="资金已于次年初到位",
    )
    row.refresh_from_db()
    assert (row.score, row.score_overridden, row.actual_value) == (Decimal("3.00"), True, "100.00%")
    assert row.computed_value == Decimal("100.00")
    assert row.history.first().history_change_reason == "人工调整计算得分"


# --- 产出 + 效益 < 60 ---------------------------------------------------------------------


def test_department_evaluations_warn_when_outcomes_weigh_under_60():
    rows = [
        EvaluationRow(level1="决策", weight=Decimal("50")),
        EvaluationRow(level1="产出", weight=Decimal("50")),
    ]
    assert "不低于 60 分；本评价为部门评价，当前为 50 分" in services.outcome_weight_warning(
        "department", rows
    )
    assert services.outcome_weight_warning("self", rows) == ""
    mof = IndicatorTemplate.objects.get(name=MOF_TEMPLATE)
    assert services.outcome_weight_warning("department", mof.rows.all()) == ""
    assert sum(r.weight for r in mof.rows.all()) == Decimal("100")


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
    department = create_evaluation(staff_user, bureau, project, kind="department")
    own = create_evaluation(staff_user, bureau, project, kind="self", title="自评")
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


# --- bounded queries ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/evaluations/{pk}/", "/api/v1/evaluations/{pk}/"])
def test_the_evaluation_page_and_api_run_a_bounded_number_of_queries(
    bureau, staff_user, client_for, url
):
    contract = ContractFactory(award__project__bureau=bureau)
    small = services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="小",
        kind="self",
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[contract.award.project],
    )
    big_template = IndicatorTemplate.objects.create(name="60 项")
    for order in range(1, 61):
        TemplateRow.objects.create(
            template=big_template,
            order=order,
            level1=["决策", "过程", "产出", "效益"][order % 4],
            level2="二级",
            level3=f"指标{order}",
            weight=Decimal("41") if order == 60 else Decimal("1"),
        )
    big = services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="大",
        kind="self",
        template=big_template,
        projects=[contract.award.project],
    )
    client = client_for(staff_user)
    client.get(url.format(pk=small.pk))
    with CaptureQueriesContext(connection) as eighteen:
        assert client.get(url.format(pk=small.pk)).status_code == 200
    with CaptureQueriesContext(connection) as sixty:
        assert client.get(url.format(pk=big.pk)).status_code == 200
    assert len(sixty) == len(eighteen)
