"""Edge cases found in review: each a scenario that once went wrong."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import reminders, selectors, services
from payments.models import Installment, Notice, Payment
from tests.factories import AuditFactory, ContractFactory
from tests.payments.conftest import approve

pytestmark = pytest.mark.django_db
S = Installment.Status


def test_a_deduction_that_settles_the_rest_marks_the_installment_paid(
    approved, finance_user, bureau
):
    services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("400000.00"),
        voucher_number="记-1",
    )
    services.deduction_record(
        actor=finance_user,
        installment=approved,
        audit=AuditFactory(bureau=bureau, started_on=datetime.date(2024, 3, 1)),
        amount=Decimal("5600.00"),
        decided_on=datetime.date(2024, 3, 25),
        reason="审计扣减",
    )
    assert Installment.objects.get(pk=approved.pk).status == S.PAID


def test_an_installment_whose_payments_were_all_reversed_can_be_cancelled(approved, finance_user):
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("405600.00"),
        voucher_number="记-1",
    )
    with pytest.raises(ValidationError):
        services.installment_transition(
            actor=finance_user, installment=approved, to_status=S.CANCELLED, reason="x"
        )
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 3, 21),
        voucher_number="记-2",
        reason="错付",
    )
    services.installment_transition(
        actor=finance_user, installment=approved, to_status=S.CANCELLED, reason="合同终止"
    )
    assert Installment.objects.get(pk=approved.pk).status == S.CANCELLED


def test_one_fen_can_be_paid_through_the_form(client_for, finance_user, bureau, staff_user):
    contract = ContractFactory(award__project__bureau=bureau, amount=Decimal("0.01"))
    [installment] = services.schedule_generate(
        actor=finance_user, contract=contract, percents=[Decimal(100)]
    )
    approve(installment, staff=staff_user, finance=finance_user)
    response = client_for(finance_user).post(
        f"/payments/installments/{installment.pk}/pay/",
        {
            "payment-paid_on": "2024-01-10",
            "payment-amount": "0.01",
            "payment-voucher_number": "记-9",
            "payment-request_key": "7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("0.01")


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


def test_a_nonsense_template_is_a_message(client_for, finance_user, contract):
    response = client_for(finance_user).post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {"generate": "1", "template": "NaN", "due_dates": ""},
    )
    assert response.status_code == 200
    assert "分期比例格式应为“30/40/30”，每期大于 0。" in response.content.decode()


def test_next_years_dashboard_has_not_started(manager_user, contract):
    report = selectors.execution(user=manager_user, year=2025, as_of=datetime.date(2024, 12, 15))
    assert report.target.percent == Decimal("0.00")
    assert report.cumulative_paid == [None] * 12


def test_an_out_of_range_year_on_the_checkpoints_page_falls_back(client_for, finance_user):
    for year in ("10000", "0", "-3", "abc"):
        assert client_for(finance_user).get(f"/payments/progress/?year={year}").status_code == 200


def _at(day, hour=10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_a_notice_comes_back_when_its_cause_does(approved, finance_user, staff_user):
    # Due 2024-03-31: late on 2024-04-05.
    reminders.run(now=_at(datetime.date(2024, 4, 5)))
    services.notifications_mark_read(user=staff_user)
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 4, 6),
        amount=Decimal("405600.00"),
        voucher_number="记-1",
    )
    reminders.run(now=_at(datetime.date(2024, 4, 8)))
    late = Notice.objects.get(key=f"late:{approved.pk}:2024-03-31:L1")
    assert late.resolved_at is not None
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 4, 9),
        voucher_number="记-2",
        reason="错付",
    )
    outcome = reminders.run(now=_at(datetime.date(2024, 4, 10)))
    late.refresh_from_db()
    assert late.resolved_at is None and late in outcome.reopened
    from payments.models import Notification

    assert Notification.objects.get(notice=late, recipient=staff_user).read_at is None


def test_due_today_keeps_the_due_soon_notice_and_late_takes_over(approved, finance_user):
    # Approved installments are due 2024-03-31.
    reminders.run(now=_at(datetime.date(2024, 3, 29)))
    reminders.run(now=_at(datetime.date(2024, 3, 31)))
    due = Notice.objects.get(rule=Notice.Rule.DUE_SOON, installment=approved)
    assert due.resolved_at is None
    reminders.run(now=_at(datetime.date(2024, 4, 1)))
    due.refresh_from_db()
    assert due.resolution == "已到期未付，转为逾期提醒"


def test_approved_but_unpaid_counts_from_the_latest_approval_and_only_while_approved(
    schedule, staff_user, finance_user
):
    installment = approve(schedule[0], staff=staff_user, finance=finance_user)
    Installment.objects.filter(pk=installment.pk).update(approved_on=datetime.date(2023, 6, 1))
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.ON_HOLD, reason="审计未完成"
    )
    reminders.run(now=_at(datetime.date(2023, 8, 1)))
    assert not Notice.objects.filter(rule=Notice.Rule.APPROVED_UNPAID).exists()
