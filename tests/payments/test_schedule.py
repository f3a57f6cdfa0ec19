"""The payment schedule of a contract: generated from a template, adding up to the
contract amount to the fen, saved only from a fresh page, and never below what was paid
and deducted."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import services
from payments.models import Installment, Payment
from tests.factories import AuditFactory, ContractFactory
from tests.helpers import pay

pytestmark = pytest.mark.django_db
S = Installment.Status


# --- generating a schedule ------------------------------------------------------------


def test_a_30_40_30_schedule_adds_up_to_the_contract_amount_exactly(schedule, contract):
    assert [i.planned_amount for i in schedule] == [
        Decimal("304200.00"),
        Decimal("405600.00"),
        Decimal("304200.00"),
    ]
    assert [i.label for i in schedule] == ["第一期", "第二期", "第三期"]
    assert [d.get_kind_display() for d in schedule[0].documents.all()] == ["发票", "服务报告"]


def test_the_rounding_remainder_goes_to_the_last_installment(finance_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau, amount=Decimal("1000.01"))
    parts = services.schedule_generate(
        actor=finance_user, contract=contract, percents=[Decimal(30), Decimal(40), Decimal(30)]
    )
    assert [p.planned_amount for p in parts] == [
        Decimal("300.00"),
        Decimal("400.00"),
        Decimal("300.01"),
    ]
    assert parts[-1].due_date == contract.end


def test_a_template_must_total_100(finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.parse_template("30/40/20")
    assert "合计为 90%" in excinfo.value.messages[0]
    assert services.parse_template("30，40，30") == [Decimal(30), Decimal(40), Decimal(30)]


def test_a_nonsense_template_is_a_message(client_for, finance_user, contract):
    response = client_for(finance_user).post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {"generate": "1", "template": "NaN", "due_dates": ""},
    )
    assert response.status_code == 200
    assert "分期比例格式应为“30/40/30”，每期大于 0。" in response.content.decode()


# --- the schedule adds up -------------------------------------------------------------


def test_a_schedule_that_does_not_add_up_is_refused_and_says_by_how_much(
    schedule, contract, finance_user
):
    rows = [
        services.ScheduleRow(
            pk=i.pk, number=i.number, planned_amount=i.planned_amount, due_date=i.due_date
        )
        for i in schedule
    ]
    rows[2].planned_amount = Decimal("304000.00")
    with pytest.raises(ValidationError) as excinfo:
        services.schedule_save(actor=finance_user, contract=contract, rows=rows)
    assert (
        "各期金额合计 1,013,800.00 元，与合同金额 1,014,000.00 元相差 200.00 元"
        in excinfo.value.messages[0]
    )
    assert Installment.objects.get(pk=schedule[2].pk).planned_amount == Decimal("304200.00")


def test_the_schedule_form_says_when_installments_do_not_add_up(client_for, finance_user, contract):
    client = client_for(finance_user)
    response = client.post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-0-number": "1",
            "form-0-planned_amount": "500000.00",
            "form-0-due_date": "2023-12-31",
            "form-1-number": "2",
            "form-1-planned_amount": "500000.00",
            "form-1-due_date": "2024-07-31",
        },
    )
    assert (
        "各期金额合计 1,000,000.00 元，与合同金额 1,014,000.00 元相差 14,000.00 元，必须完全相等。"
        in response.content.decode()
    )
    assert not Installment.objects.exists()
    response = client.post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {"generate": "1", "template": "30/40/30", "due_dates": ""},
    )
    assert response.status_code == 302
    assert list(Installment.objects.values_list("planned_amount", flat=True)) == [
        Decimal("304200.00"),
        Decimal("405600.00"),
        Decimal("304200.00"),
    ]


# --- a stale page ---------------------------------------------------------------------


def test_a_stale_schedule_form_cannot_double_the_contract(schedule, contract, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.schedule_save(
            actor=finance_user,
            contract=contract,
            rows=[
                services.ScheduleRow(
                    pk=None,
                    number=4,
                    planned_amount=contract.amount,
                    due_date=datetime.date(2024, 7, 31),
                )
            ],
        )
    assert "分期计划已被修改" in excinfo.value.messages[0]
    assert contract.installments.count() == 3


def test_a_schedule_saved_from_a_stale_page_is_refused(
    client_for, finance_user, contract, schedule
):
    client = client_for(finance_user)
    page = client.get(f"/payments/contracts/{contract.pk}/schedule/")
    token = page.context["schedule_token"]
    # Someone else moves the third due date meanwhile.
    rows = [
        services.ScheduleRow(
            pk=i.pk, number=i.number, planned_amount=i.planned_amount, due_date=i.due_date
        )
        for i in schedule
    ]
    rows[2].due_date = datetime.date(2024, 8, 31)
    services.schedule_save(actor=finance_user, contract=contract, rows=rows)
    form = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "3",
        "schedule_token": token,
    }
    for n, i in enumerate(schedule):
        form.update(
            {
                f"form-{n}-pk": i.pk,
                f"form-{n}-number": i.number,
                f"form-{n}-planned_amount": str(i.planned_amount),
                f"form-{n}-due_date": i.due_date.isoformat(),
            }
        )
    response = client.post(f"/payments/contracts/{contract.pk}/schedule/", form)
    assert response.status_code == 200
    assert "分期计划已被修改，请刷新页面后重新编辑。" in response.content.decode()
    assert Installment.objects.get(pk=schedule[2].pk).due_date == datetime.date(2024, 8, 31)


# --- installments under way -----------------------------------------------------------


def test_an_installment_under_way_cannot_be_deleted_from_the_schedule(
    schedule, contract, finance_user, staff_user
):
    services.installment_transition(
        actor=staff_user, installment=schedule[0], to_status=S.AWAITING_DOCUMENTS
    )
    rows = [
        services.ScheduleRow(
            pk=i.pk,
            number=i.number,
            planned_amount=i.planned_amount,
            due_date=i.due_date,
            delete=i == schedule[0],
        )
        for i in schedule
    ]
    rows.append(
        services.ScheduleRow(
            pk=None,
            number=4,
            planned_amount=schedule[0].planned_amount,
            due_date=datetime.date(2024, 7, 31),
        )
    )
    with pytest.raises(ValidationError) as excinfo:
        services.schedule_save(actor=finance_user, contract=contract, rows=rows)
    assert "第一期 已开始办理，不能删除" in excinfo.value.messages[0]


def _schedule_post(schedule, amounts):
    data = {"form-TOTAL_FORMS": str(len(schedule)), "form-INITIAL_FORMS": str(len(schedule))}
    for index, (installment, amount) in enumerate(zip(schedule, amounts, strict=True)):
        data |= {
            f"form-{index}-pk": str(installment.pk),
            f"form-{index}-number": str(installment.number),
            f"form-{index}-planned_amount": amount,
            f"form-{index}-due_date": installment.due_date.isoformat(),
        }
    return data


def test_an_installment_on_hold_cannot_be_lowered_below_what_was_paid(
    client_for, schedule, approved, contract, finance_user
):
    pay(approved, "400000.00", by=finance_user)
    services.installment_transition(
        actor=finance_user, installment=approved, to_status=S.ON_HOLD, reason="审计未完成"
    )
    before = list(Installment.objects.order_by("number").values_list("planned_amount", "status"))
    # The contract total still adds up: only the paid amount stands in the way.
    response = client_for(finance_user).post(
        f"/payments/contracts/{contract.pk}/schedule/",
        _schedule_post(schedule, ["304200.00", "100000.00", "609800.00"]),
    )
    assert response.status_code == 200
    assert (
        "第二期 已支付 400,000.00 元、已扣减 0.00 元，计划金额不能低于 400,000.00 元。"
        in response.content.decode()
    )
    after = list(Installment.objects.order_by("number").values_list("planned_amount", "status"))
    assert (
        after
        == before
        == [
            (Decimal("304200.00"), S.PLANNED),
            (Decimal("405600.00"), S.ON_HOLD),
            (Decimal("304200.00"), S.PLANNED),
        ]
    )


def test_a_schedule_counts_deductions_in_force_and_payments_net_of_reversals(
    schedule, approved, contract, finance_user, bureau
):
    payment = pay(approved, "400000.00", by=finance_user)
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 3, 21),
        voucher_number="记-2",
        reason="错付",
    )
    pay(approved, "300000.00", by=finance_user, voucher="记-3")
    services.deduction_record(
        actor=finance_user,
        installment=approved,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("5600.00"),
        decided_on=datetime.date(2024, 8, 10),
        reason="审计扣减",
    )
    services.installment_transition(
        actor=finance_user, installment=approved, to_status=S.ON_HOLD, reason="审计未完成"
    )

    def rows(second):
        first, _second, third = schedule
        return [
            services.ScheduleRow(
                pk=first.pk, number=1, planned_amount=first.planned_amount, due_date=first.due_date
            ),
            services.ScheduleRow(
                pk=approved.pk, number=2, planned_amount=second, due_date=approved.due_date
            ),
            services.ScheduleRow(
                pk=third.pk,
                number=3,
                planned_amount=contract.amount - first.planned_amount - second,
                due_date=third.due_date,
            ),
        ]

    with pytest.raises(ValidationError) as excinfo:
        services.schedule_save(
            actor=finance_user, contract=contract, rows=rows(Decimal("305599.99"))
        )
    assert excinfo.value.messages == [
        "第二期 已支付 300,000.00 元、已扣减 5,600.00 元，计划金额不能低于 305,600.00 元。"
    ]
    services.schedule_save(actor=finance_user, contract=contract, rows=rows(Decimal("305600.00")))
    assert Installment.objects.get(pk=approved.pk).planned_amount == Decimal("305600.00")
    assert Payment.objects.count() == 3
