"""Regressions of the payments and reminders found by the second review: the payment
deadline after a reversal, full deductions, stale schedules and reopened notices."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from payments import reminders, services
from payments.models import Installment, Notice
from tests.payments.conftest import approve

pytestmark = pytest.mark.django_db
S = Installment.Status


# --- payments -------------------------------------------------------------------------------


def test_a_reversal_reopens_the_installment_under_its_old_payment_deadline(approved, finance_user):
    Installment.objects.filter(pk=approved.pk).update(approved_on=datetime.date(2024, 2, 1))
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 4, 6),
        amount=Decimal("405600.00"),
        voucher_number="记-1",
    )
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=timezone.localdate(),
        voucher_number="记-2",
        reason="错付",
    )
    approved.refresh_from_db()
    assert approved.status == S.APPROVED
    assert approved.approved_on == datetime.date(2024, 2, 1)


def test_an_installment_deducted_in_full_is_settled(schedule, staff_user, finance_user):
    from tests.factories import AuditFactory

    installment = approve(schedule[2], staff=staff_user, finance=finance_user)
    audit = AuditFactory(
        bureau=installment.bureau,
        project=installment.contract.award.project,
        started_on=datetime.date(2024, 6, 1),
    )
    services.deduction_record(
        actor=finance_user,
        installment=installment,
        audit=audit,
        amount=installment.planned_amount,
        decided_on=datetime.date(2024, 7, 1),
        reason="服务未实施",
    )
    installment.refresh_from_db()
    assert installment.status == S.PAID
    assert installment.transitions.latest("at").reason == "全额扣减，无须支付"


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


# --- reminders ------------------------------------------------------------------------------


def _at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_a_reopened_notice_tells_what_is_true_now(approved, finance_user):
    reminders.run(now=_at(datetime.date(2024, 4, 5)))
    late = Notice.objects.get(key=f"late:{approved.pk}:2024-03-31:L1")
    first_body, first_title = late.body, late.title
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 4, 6),
        amount=Decimal("405600.00"),
        voucher_number="记-1",
    )
    reminders.run(now=_at(datetime.date(2024, 4, 8)))
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 4, 9),
        voucher_number="记-2",
        reason="错付",
    )
    reminders.run(now=_at(datetime.date(2024, 4, 12)))
    late.refresh_from_db()
    assert late.resolved_at is None
    assert (late.title, late.body) != (first_title, first_body)
    assert late.data["days_late"] == 12
    assert late.data["recipients"]
