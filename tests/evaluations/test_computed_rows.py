"""The rows records compute: 产出数量 from the outputs, 完成及时性 from the installments'
payments and the outputs' dates (when an output reached its target, and whether in time)."""

import datetime
from decimal import Decimal

import pytest

from evaluations import selectors, services
from evaluations.models import OutputIndicator
from payments.models import Installment, Payment
from tests.helpers import create_evaluation, create_output

pytestmark = pytest.mark.django_db
D = datetime.date


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


# --- 产出数量 -----------------------------------------------------------------------------


def test_an_output_at_half_its_target_gives_half_the_weight(bureau, staff_user, project):
    create_output(staff_user, project, actual=Decimal("40"))
    evaluation = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
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
    create_output(staff_user, project, "入户走访", actual=Decimal("120"))  # 150%, counted as 100%
    create_output(staff_user, project, "建档", target=Decimal("60"), actual=Decimal("15"))  # 25%
    create_output(
        staff_user,
        project,
        "满意度",
        kind="satisfaction",
        unit="%",
        target=Decimal("90"),
        actual=Decimal("10"),
    )
    row = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评").rows.get(
        source="output_quantity"
    )
    assert (row.computed_value, row.computed_score) == (Decimal("62.50"), Decimal("6.25"))


# --- 完成及时性 ----------------------------------------------------------------------------


def test_a_late_installment_lowers_timeliness(bureau, staff_user, finance_user, project):
    _installment(project, finance_user, 1, D(2024, 3, 31), D(2024, 3, 20))
    _installment(project, finance_user, 2, D(2024, 9, 30), D(2024, 10, 15))  # paid late
    row = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评").rows.get(
        source="timeliness"
    )
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
    row = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评").rows.get(
        source="timeliness"
    )
    assert (row.computed_value, row.computed_score) == (Decimal("66.67"), Decimal("3.33"))


def test_timeliness_combines_installments_with_dated_outputs(
    bureau, staff_user, finance_user, project
):
    _installment(project, finance_user, 1, D(2024, 3, 31), D(2024, 3, 20))
    # Reached its target by dated updates within the year: on time.
    visits = create_output(staff_user, project, "入户走访")
    for day, amount in ((D(2024, 3, 1), "40"), (D(2024, 9, 1), "45")):
        services.output_record(actor=staff_user, indicator=visits, date=day, amount=Decimal(amount))
    # Reached after its planned date: late.
    create_output(
        staff_user,
        project,
        "建档",
        target=Decimal("60"),
        actual=Decimal("65"),
        due_on=D(2024, 6, 30),
        completed_on=D(2024, 8, 15),
    )
    # Below its target at the year's end: late, dates or not.
    create_output(staff_user, project, "个案管理", target=Decimal("5"), actual=Decimal("4"))
    # At its target but nothing says when: left out.
    create_output(staff_user, project, "主题活动", target=Decimal("8"), actual=Decimal("9"))
    evaluation = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
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
    indicator = create_output(staff_user, project, actual=Decimal("85"))
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "undated"
    indicator.completed_on = D(2024, 11, 30)
    indicator.save()
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "on_time"
    row = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评").rows.get(
        source="timeliness"
    )
    assert (row.computed_value, row.computed_score) == (Decimal("100.00"), Decimal("5.00"))


def test_an_output_short_of_its_target_before_its_deadline_is_pending(staff_user, project):
    create_output(staff_user, project, actual=Decimal("10"))
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.timeliness_of(loaded, as_of=D(2024, 6, 30)) == "pending"
    assert selectors.timeliness_of(loaded, as_of=D(2024, 12, 31)) == "late"


def test_the_date_an_output_reached_its_target_is_the_last_crossing(staff_user, project):
    indicator = create_output(staff_user, project)
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
