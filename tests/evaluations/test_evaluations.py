"""Evaluations: the scored table, computed rows, reconciliation, the life of an evaluation,
outputs and rectification."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from evaluations import selectors, services
from evaluations.indicators import MOF_TEMPLATE, SEED_TEMPLATE
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    IndicatorTemplate,
    Rectification,
    TemplateRow,
)
from tests.factories import BudgetFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db
E = Evaluation.Status


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    users = {u.username: u for u in User.objects.all()}
    return users, Evaluation.objects.get(year=2024)


def test_the_demo_evaluation_reproduces_the_report(demo):
    _users, evaluation = demo
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


def test_the_page_shows_the_computed_rate_beside_the_stated_one_with_a_flag(demo, client):
    users, evaluation = demo
    client.force_login(users["auditor"])
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    row = page[page.index('data-source="execution_rate"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="computed-value">93.20%</span>' in row
    assert "报告陈述 94.31%，与记录不符" in row and "hidden" not in row
    assert 'id="reconciliation-flags"' in page
    assert '<td class="money" id="evaluation-total">95</td>' in page
    assert '<span id="evaluation-grade">优</span>' in page


def test_the_api_gives_rows_subtotals_total_grade_and_flags(demo, client):
    users, evaluation = demo
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


def test_another_bureau_gets_404(demo, client, make_user, other_bureau):
    _users, evaluation = demo
    client.force_login(make_user("manager", other_bureau))
    assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 404
    assert client.get(f"/api/v1/evaluations/{evaluation.pk}/").status_code == 404
    row = evaluation.rows.first()
    assert client.get(f"/evaluations/rows/{row.pk}/").status_code == 404


@pytest.fixture
def draft(bureau, staff_user):
    contract = ContractFactory(award__project__bureau=bureau)
    BudgetFactory(project=contract.award.project, year=2024)
    return services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="2024 年绩效自评",
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[contract.award.project],
    )


def test_an_evaluation_keeps_a_frozen_copy_of_its_template(draft):
    template = IndicatorTemplate.objects.get(name=SEED_TEMPLATE)
    template.rows.filter(order=1).update(weight=Decimal("4"), level3="改名")
    row = draft.rows.get(order=1)
    assert (row.weight, row.level3) == (Decimal("5.00"), "立项依据充分性")


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


def test_a_template_must_total_100():
    with pytest.raises(ValidationError) as excinfo:
        services.template_check([Decimal("30"), Decimal("25"), Decimal("25"), Decimal("19")])
    assert excinfo.value.messages == ["指标分值合计为 99 分，应为 100 分。"]


def test_an_evaluation_cannot_start_from_a_template_not_totalling_100(bureau, staff_user):
    template = IndicatorTemplate.objects.create(name="不完整模板")
    TemplateRow.objects.create(
        template=template, order=1, level1="决策", level2="x", weight=Decimal("40")
    )
    contract = ContractFactory(award__project__bureau=bureau)
    with pytest.raises(ValidationError):
        services.evaluation_create(
            actor=staff_user,
            bureau=bureau,
            year=2024,
            title="x",
            kind="self",
            template=template,
            projects=[contract.award.project],
        )
    assert not Evaluation.objects.exists()


def test_the_admin_refuses_a_template_not_totalling_100(client_for, db):
    # Shared templates are kept by the platform's superuser (SharedDataPermissions).
    client = client_for(UserFactory(username="root", bureau=None, is_superuser=True, is_staff=True))
    form = {
        "name": "新模板",
        "description": "",
        "is_active": "on",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-order": "1",
        "rows-0-level1": "决策",
        "rows-0-level2": "项目立项",
        "rows-0-weight": "60",
        "rows-0-source": "manual",
        "rows-1-order": "2",
        "rows-1-level1": "产出",
        "rows-1-level2": "产出数量",
        "rows-1-weight": "30",
        "rows-1-source": "manual",
    }
    response = client.post("/admin/evaluations/indicatortemplate/add/", form)
    assert "指标分值合计为 90 分，应为 100 分。" in response.content.decode()
    assert not IndicatorTemplate.objects.filter(name="新模板").exists()
    form["rows-1-weight"] = "40"
    client.post("/admin/evaluations/indicatortemplate/add/", form)
    assert IndicatorTemplate.objects.get(name="新模板").rows.count() == 2


def test_a_superuser_without_a_role_maintains_the_shared_templates_rows_included(client, db):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from evaluations.models import GradeScale

    root = UserFactory(username="root-operator", bureau=None, is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = root
    for model in (IndicatorTemplate, GradeScale):
        for inline in site._registry[model].get_inline_instances(request):
            assert inline.has_add_permission(request, None), inline
            assert inline.has_change_permission(request), inline
            assert inline.has_delete_permission(request), inline
    staff = UserFactory(username="bureau-admin", is_staff=True)
    staff.groups.add(Group.objects.get(name="admin"))
    request.user = staff
    for inline in site._registry[IndicatorTemplate].get_inline_instances(request):
        assert not inline.has_change_permission(request), inline


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


def _score_all(evaluation, user):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(
            actor=user,
            row=row,
            score=row.weight,
            evidence="ok",
            override_reason="无记录，按佐证评分",
        )


def test_submit_needs_every_row_scored_approval_needs_a_manager_then_it_is_read_only(
    draft, staff_user, manager_user, finance_user
):
    with pytest.raises(ValidationError) as excinfo:
        services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    assert "项指标未评分，不能提交" in excinfo.value.messages[0]
    _score_all(draft, staff_user)
    services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    for user in (staff_user, finance_user):
        with pytest.raises(PermissionDenied):
            services.evaluation_transition(actor=user, evaluation=draft, to_status=E.APPROVED)
    services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.APPROVED)
    row = draft.rows.get(order=1)
    before = (row.score, row.evidence)
    with pytest.raises(ValidationError) as excinfo:
        services.row_score(actor=staff_user, row=row, score=Decimal("1"))
    assert excinfo.value.messages == ["评价当前为“已审定”，不能再修改。"]
    with pytest.raises(ValidationError):
        services.evaluation_update(actor=staff_user, evaluation=draft, title="改标题")
    with pytest.raises(ValidationError):
        services.evaluation_refresh(actor=staff_user, evaluation=draft)
    row.refresh_from_db()
    draft.refresh_from_db()
    assert (row.score, row.evidence) == before and draft.title == "2024 年绩效自评"
    services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.LOCKED)
    with pytest.raises(ValidationError):
        services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.DRAFT)


def test_a_return_to_draft_needs_a_reason(draft, staff_user, manager_user):
    _score_all(draft, staff_user)
    services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    with pytest.raises(ValidationError):
        services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.DRAFT)
    services.evaluation_transition(
        actor=manager_user, evaluation=draft, to_status=E.DRAFT, reason="补充佐证"
    )
    assert draft.transitions.latest("pk").reason == "补充佐证"


def test_outputs_add_up_their_dated_records(bureau, staff_user):
    contract = ContractFactory(award__project__bureau=bureau)
    indicator = services.output_save(
        actor=staff_user,
        project=contract.award.project,
        year=2024,
        name="入户走访",
        kind="quantity",
        unit="人次",
        comparator="gte",
        target=Decimal("80"),
        actual=None,
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=datetime.date(2024, 3, 1), amount=Decimal("40")
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=datetime.date(2024, 9, 1), amount=Decimal("45")
    )
    with pytest.raises(ValidationError):
        services.output_record(
            actor=staff_user,
            indicator=indicator,
            date=datetime.date(2025, 1, 2),
            amount=Decimal("1"),
        )
    [loaded] = selectors.outputs_of(project_ids=[contract.award.project_id], year=2024)
    assert selectors.actual_of(loaded) == Decimal("85.00")
    assert selectors.completion(loaded) == Decimal("100")


def test_an_overdue_rectification_shows_on_the_managers_dashboard(demo, client):
    users, evaluation = demo
    client.force_login(users["manager"])
    page = client.get("/payments/dashboard/").content.decode()
    panel = page[page.index('id="overdue-rectifications"') :]
    assert "根据项目进展督促服务机构及时提交资料" in panel
    assert "整改期限 2025-01-31" in panel
    rectification = Rectification.objects.get(recommendation__startswith="根据项目进展督促")
    with pytest.raises(ValidationError) as excinfo:
        services.rectification_save(
            actor=users["staff"],
            finding=rectification.finding,
            rectification=rectification,
            status="done",
        )
    assert set(excinfo.value.message_dict) == {"completed_on", "evidence"}
    services.rectification_save(
        actor=users["staff"],
        finding=rectification.finding,
        rectification=rectification,
        status="done",
        completed_on=datetime.date(2025, 1, 20),
        evidence="已建立资料提交提醒，2025 年第一期款按时支付。",
    )
    page = client.get("/payments/dashboard/").content.decode()
    assert (
        "根据项目进展督促服务机构及时提交资料"
        not in page[page.index('id="overdue-rectifications"') :]
    )


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
