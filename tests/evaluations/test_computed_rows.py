"""The rows records compute: 产出数量 from the outputs, 完成及时性 from the installments'
payments and the outputs' dates; and the outputs' own rules (updates versus the stored
actual, no change once an evaluation covering them is approved or locked)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations import selectors, services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import Evaluation, IndicatorTemplate, OutputIndicator
from payments.models import Installment, Payment
from tests.factories import BudgetFactory, ContractFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def project(bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    BudgetFactory(project=contract.award.project, year=2024)
    return contract.award.project


def _output(staff_user, project, name="入户走访", **data):
    values = {
        "year": 2024,
        "name": name,
        "kind": "quantity",
        "unit": "人次",
        "comparator": "gte",
        "target": Decimal("80"),
        "actual": None,
        **data,
    }
    return services.output_save(actor=staff_user, project=project, **values)


def _evaluate(staff_user, bureau, project) -> Evaluation:
    return services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="2024 年绩效自评",
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[project],
    )


def _installment(project, finance_user, number, due, paid_on):
    contract = project.awards.first().contracts.first()
    installment = Installment.objects.create(
        bureau=contract.bureau,
        contract=contract,
        number=number,
        planned_amount=Decimal("1000.00"),
        due_date=due,
        status="paid" if paid_on else "approved",
    )
    if paid_on:
        Payment.objects.create(
            bureau=contract.bureau,
            installment=installment,
            paid_on=paid_on,
            amount=Decimal("1000.00"),
            voucher_number=f"V-{number}",
            posted_by=finance_user,
        )
    return installment


# --- 产出数量 ---------------------------------------------------------------------------------


def test_an_output_at_half_its_target_gives_half_the_weight(bureau, staff_user, project):
    _output(staff_user, project, actual=Decimal("40"))
    evaluation = _evaluate(staff_user, bureau, project)
    row = evaluation.rows.get(source="output_quantity")
    assert (row.weight, row.computed_value, row.computed_score, row.score) == (
        Decimal("10.00"),
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("5.00"),
    )
    assert row.actual_value == "50.00%"
    assert row.computed_note == "1 项数量类产出指标完成率（实际 ÷ 目标，每项最高 100%）的平均值"


def test_output_quantity_averages_capped_completion_and_ignores_rates(bureau, staff_user, project):
    _output(staff_user, project, "入户走访", actual=Decimal("120"))  # 150%, counted as 100%
    _output(staff_user, project, "建档", target=Decimal("60"), actual=Decimal("15"))  # 25%
    _output(
        staff_user,
        project,
        "满意度",
        kind="satisfaction",
        unit="%",
        target=Decimal("90"),
        actual=Decimal("10"),
    )
    row = _evaluate(staff_user, bureau, project).rows.get(source="output_quantity")
    assert (row.computed_value, row.computed_score) == (Decimal("62.50"), Decimal("6.25"))


# --- 完成及时性 ---------------------------------------------------------------------------------


def test_a_late_installment_lowers_timeliness(bureau, staff_user, finance_user, project):
    _installment(project, finance_user, 1, D(2024, 3, 31), D(2024, 3, 20))
    _installment(project, finance_user, 2, D(2024, 9, 30), D(2024, 10, 15))  # paid late
    row = _evaluate(staff_user, bureau, project).rows.get(source="timeliness")
    assert (row.weight, row.computed_value, row.computed_score, row.score) == (
        Decimal("5.00"),
        Decimal("50.00"),
        Decimal("2.50"),
        Decimal("2.50"),
    )
    assert row.computed_note == (
        "分期款按期支付 1/2 期（50.00%）；无可判断完成时间的产出指标。"
        "取两项的平均值；只有一项有数据时取该项。"
    )


def test_an_unpaid_installment_past_due_is_late_and_one_paid_on_time_is_not(
    bureau, staff_user, finance_user, project
):
    _installment(project, finance_user, 1, D(2024, 3, 31), D(2024, 3, 31))
    _installment(project, finance_user, 2, D(2024, 6, 30), D(2024, 6, 1))
    _installment(project, finance_user, 3, D(2024, 12, 10), None)
    _installment(project, finance_user, 4, D(2025, 1, 31), None)  # due next year: not counted
    row = _evaluate(staff_user, bureau, project).rows.get(source="timeliness")
    assert (row.computed_value, row.computed_score) == (Decimal("66.67"), Decimal("3.33"))


def test_timeliness_combines_installments_with_dated_outputs(
    bureau, staff_user, finance_user, project
):
    _installment(project, finance_user, 1, D(2024, 3, 31), D(2024, 3, 20))
    # Reached its target by dated updates within the year: on time.
    visits = _output(staff_user, project, "入户走访")
    for day, amount in ((D(2024, 3, 1), "40"), (D(2024, 9, 1), "45")):
        services.output_record(actor=staff_user, indicator=visits, date=day, amount=Decimal(amount))
    # Reached after its planned date: late.
    _output(
        staff_user,
        project,
        "建档",
        target=Decimal("60"),
        actual=Decimal("65"),
        due_on=D(2024, 6, 30),
        completed_on=D(2024, 8, 15),
    )
    # Below its target at the year's end: late, dates or not.
    _output(staff_user, project, "个案管理", target=Decimal("5"), actual=Decimal("4"))
    # At its target but nothing says when: left out.
    _output(staff_user, project, "主题活动", target=Decimal("8"), actual=Decimal("9"))
    evaluation = _evaluate(staff_user, bureau, project)
    row = evaluation.rows.get(source="timeliness")
    # installments 1/1 = 100%, outputs 1/3 = 33.33%: (100 + 33.33) / 2
    assert (row.computed_value, row.computed_score) == (Decimal("66.67"), Decimal("3.33"))
    assert row.computed_note == (
        "分期款按期支付 1/1 期（100.00%）；产出指标按期完成 1/3 项（33.33%）；"
        "1 项已达目标但无完成日期（无分次记录或完成日期），未计入。"
        "取两项的平均值；只有一项有数据时取该项。"
    )
    figures = evaluation.computed_figures
    assert (
        figures["outputs_on_time"],
        figures["outputs_late"],
        figures["outputs_undated"],
        figures["installment_punctuality"],
        figures["output_timeliness"],
        figures["timeliness"],
    ) == (1, 2, 1, "100.00", "33.33", "66.67")


def test_an_output_without_a_date_is_no_longer_presumed_on_time(bureau, staff_user, project):
    indicator = _output(staff_user, project, actual=Decimal("85"))
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "undated"
    indicator.completed_on = D(2024, 11, 30)
    indicator.save()
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "on_time"
    row = _evaluate(staff_user, bureau, project).rows.get(source="timeliness")
    assert (row.computed_value, row.computed_score) == (Decimal("100.00"), Decimal("5.00"))


def test_an_output_short_of_its_target_before_its_deadline_is_pending(staff_user, project):
    _output(staff_user, project, actual=Decimal("10"))
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 6, 30)) == "pending"
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "late"


def test_the_date_an_output_reached_its_target_is_the_last_crossing(staff_user, project):
    indicator = _output(staff_user, project)
    for day, amount in (
        (D(2024, 3, 1), "80"),
        (D(2024, 4, 1), "-10"),  # a correction takes it back below the target
        (D(2024, 5, 1), "5"),
        (D(2024, 7, 1), "20"),
    ):
        services.output_record(
            actor=staff_user, indicator=indicator, date=day, amount=Decimal(amount)
        )
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.reached_on(loaded) == D(2024, 7, 1)
    OutputIndicator.objects.filter(pk=indicator.pk).update(due_on=D(2024, 6, 30))
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "late"


# --- outputs: updates versus the stored actual --------------------------------------------


def test_the_first_update_is_refused_while_a_stored_actual_exists(staff_user, project):
    indicator = _output(staff_user, project, actual=Decimal("85"))
    with pytest.raises(ValidationError) as excinfo:
        services.output_record(
            actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("500")
        )
    assert excinfo.value.messages == [
        "该指标已直接填写实际完成值 85人次；分次记录将取代该值。"
        "请先在“修改”中清空实际完成值，再按日期逐次记录。"
    ]
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("85.00")
    assert not indicator.updates.exists()
    # Cleared first, the updates are the actual.
    services.output_save(
        actor=staff_user,
        indicator=indicator,
        project=project,
        actual=None,
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("500")
    )
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("500.00")


def test_with_updates_the_stored_actual_cannot_be_typed(staff_user, project, client_for):
    indicator = _output(staff_user, project)
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("30")
    )
    with pytest.raises(ValidationError) as excinfo:
        services.output_save(
            actor=staff_user, indicator=indicator, project=project, actual=Decimal("85")
        )
    assert excinfo.value.message_dict == {
        "actual": ["该指标已有分次记录，实际完成值为各次记录之和，不能直接修改。"]
    }
    client = client_for(staff_user)
    page = client.get(f"/evaluations/outputs/{indicator.pk}/edit/").content.decode()
    field = page[page.index('name="actual"') - 200 : page.index('name="actual"') + 300]
    assert "disabled" in field
    assert "已有分次记录，实际完成值为各次记录之和，在指标页面按日期记录。" in page
    # The disabled field keeps its value whatever is posted.
    form = {
        "project": project.pk,
        "year": 2024,
        "order": 0,
        "name": "入户走访",
        "kind": "quantity",
        "unit": "人次",
        "comparator": "gte",
        "target": "80",
        "actual": "999",
        "note": "改说明",
    }
    response = client.post(f"/evaluations/outputs/{indicator.pk}/edit/", form)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.actual, indicator.note) == (None, "改说明")
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("30.00")


# --- outputs frozen by an approved or locked evaluation -------------------------------------


def _approve(evaluation, staff_user, manager_user, *, lock=False):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(
            actor=staff_user, row=row, score=row.weight, override_reason="按佐证评分"
        )
    services.evaluation_transition(
        actor=staff_user, evaluation=evaluation, to_status=Evaluation.Status.SUBMITTED
    )
    services.evaluation_transition(
        actor=manager_user, evaluation=evaluation, to_status=Evaluation.Status.APPROVED
    )
    if lock:
        services.evaluation_transition(
            actor=manager_user, evaluation=evaluation, to_status=Evaluation.Status.LOCKED
        )


@pytest.mark.parametrize(("lock", "status"), [(False, "已审定"), (True, "已锁定")])
def test_outputs_of_an_approved_or_locked_evaluation_cannot_change(
    bureau, staff_user, manager_user, project, client_for, lock, status
):
    indicator = _output(staff_user, project)
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("30")
    )
    evaluation = _evaluate(staff_user, bureau, project)
    _approve(evaluation, staff_user, manager_user, lock=lock)
    message = f"2024年度绩效评价“2024 年绩效自评”{status}，产出指标不能再修改。"

    with pytest.raises(ValidationError) as excinfo:
        services.output_record(
            actor=staff_user, indicator=indicator, date=D(2024, 6, 1), amount=Decimal("50")
        )
    assert excinfo.value.messages == [message]
    with pytest.raises(ValidationError) as excinfo:
        services.output_save(
            actor=staff_user, indicator=indicator, project=project, target=Decimal("20")
        )
    assert excinfo.value.messages == [message]
    with pytest.raises(ValidationError) as excinfo:
        _output(staff_user, project, "新指标")
    assert excinfo.value.messages == [message]

    client = client_for(staff_user)
    response = client.post(
        f"/evaluations/outputs/{indicator.pk}/record/", {"date": "2024-06-01", "amount": "50"}
    )
    assert message in response.content.decode()
    response = client.get(f"/evaluations/outputs/{indicator.pk}/edit/", follow=True)
    assert message in response.content.decode()
    page = client.get(f"/evaluations/outputs/{indicator.pk}/").content.decode()
    assert message in page and 'action="/evaluations/outputs/' not in page

    indicator.refresh_from_db()
    assert indicator.target == Decimal("80.00")
    assert [u.amount for u in indicator.updates.all()] == [Decimal("30.00")]
    assert not OutputIndicator.objects.filter(name="新指标").exists()


def test_a_draft_or_submitted_evaluation_leaves_the_outputs_open(bureau, staff_user, project):
    indicator = _output(staff_user, project)
    _evaluate(staff_user, bureau, project)
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 6, 1), amount=Decimal("50")
    )
    assert indicator.updates.count() == 1
