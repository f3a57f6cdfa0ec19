"""Deductions: an audit or assessment of the bureau cuts what an installment pays, never
below zero, dated no earlier than its report and no later than today; an installment
deducted to nothing or to what was paid is settled."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from payments import services
from payments.models import Deduction, Installment, Payment
from tests.factories import AuditFactory
from tests.helpers import approve, approver_of, pay

pytestmark = pytest.mark.django_db
S = Installment.Status


# --- what a deduction takes off -------------------------------------------------------


def test_deductions_reduce_what_is_payable_and_never_below_zero(
    schedule, finance_user, staff_user, bureau
):
    installment = schedule[2]
    audit = AuditFactory(bureau=bureau, closed_on=datetime.date(2024, 10, 31))
    services.deduction_record(
        actor=finance_user,
        installment=installment,
        audit=audit,
        amount=Decimal("22000.00"),
        decided_on=datetime.date(2024, 11, 15),
        reason="审计扣减",
    )
    assert services.net_payable(installment) == Decimal("282200.00")
    with pytest.raises(ValidationError) as excinfo:
        services.deduction_record(
            actor=finance_user,
            installment=installment,
            audit=audit,
            amount=Decimal("282200.01"),
            decided_on=datetime.date(2024, 11, 15),
            reason="再扣",
        )
    assert "超过本期尚未支付的应付金额 282,200.00 元" in excinfo.value.message_dict["amount"][0]
    assert installment.deductions.count() == 1
    approve(installment, staff=staff_user, finance=finance_user)
    with pytest.raises(ValidationError):
        pay(
            installment,
            "304200.00",
            by=finance_user,
            on=datetime.date(2024, 12, 18),
            voucher="记-27",
        )
    pay(installment, "282200.00", by=finance_user, on=datetime.date(2024, 12, 18), voucher="记-27")
    assert Installment.objects.get(pk=installment.pk).status == S.PAID


def test_a_deduction_needs_an_audit_of_the_same_bureau(schedule, finance_user, other_bureau):
    with pytest.raises(ValidationError):
        services.deduction_record(
            actor=finance_user,
            installment=schedule[0],
            audit=AuditFactory(bureau=other_bureau),
            amount=Decimal("1.00"),
            decided_on=datetime.date(2024, 1, 1),
            reason="x",
        )


# --- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        ("0001-01-01", "日期应在 2000 年至 2100 年之间。"),
        ("2024-07-31", "扣减日期不能早于所依据审计/评估的日期（2024-08-01）。"),
        ("tomorrow", "扣减日期不能晚于今天。"),
    ],
    ids=["year-1", "day-before-audit", "tomorrow"],
)
def test_a_deduction_dated_before_its_audit_or_after_today_is_refused_on_the_form(
    client_for, approved, finance_user, bureau, decided_on, message
):
    audit = AuditFactory(bureau=bureau, started_on=datetime.date(2024, 8, 1))
    if decided_on == "tomorrow":
        decided_on = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/deductions/",
        {
            "deduction-audit": audit.pk,
            "deduction-amount": "5600.00",
            "deduction-decided_on": decided_on,
            "deduction-reason": "审计扣减",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"decided_on": [message]}
    assert Deduction.objects.count() == 0


def test_a_deduction_goes_by_the_reports_date_once_the_audit_has_one(
    approved, finance_user, bureau
):
    audit = AuditFactory(
        bureau=bureau, started_on=datetime.date(2024, 8, 5), closed_on=datetime.date(2024, 10, 31)
    )

    def deduct(day):
        return services.deduction_record(
            actor=finance_user,
            installment=approved,
            audit=audit,
            amount=Decimal("5600.00"),
            decided_on=day,
            reason="审计扣减",
        )

    with pytest.raises(ValidationError) as excinfo:
        deduct(datetime.date(2024, 10, 30))
    assert excinfo.value.message_dict == {
        "decided_on": ["扣减日期不能早于所依据审计/评估的日期（2024-10-31）。"]
    }
    assert deduct(datetime.date(2024, 10, 31)).decided_on == datetime.date(2024, 10, 31)


def test_a_withdrawal_cannot_be_dated_before_its_deduction_or_after_today(
    approved, finance_user, bureau
):
    deduction = services.deduction_record(
        actor=finance_user,
        installment=approved,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("5600.00"),
        decided_on=datetime.date(2024, 8, 10),
        reason="审计扣减",
    )
    for day, message in (
        (datetime.date(2024, 8, 9), "撤销日期不能早于扣减日期。"),
        (timezone.localdate() + datetime.timedelta(days=1), "撤销日期不能晚于今天。"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.deduction_withdraw(
                actor=finance_user, deduction=deduction, withdrawn_on=day, reason="复核"
            )
        assert excinfo.value.message_dict == {"withdrawn_on": [message]}
    deduction.refresh_from_db()
    assert deduction.withdrawn_on is None


# --- an installment settled by a deduction --------------------------------------------


def test_a_deduction_that_settles_the_rest_marks_the_installment_paid(
    approved, finance_user, bureau
):
    pay(approved, "400000.00", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-1")
    services.deduction_record(
        actor=finance_user,
        installment=approved,
        audit=AuditFactory(bureau=bureau, started_on=datetime.date(2024, 3, 1)),
        amount=Decimal("5600.00"),
        decided_on=datetime.date(2024, 3, 25),
        reason="审计扣减",
    )
    assert Installment.objects.get(pk=approved.pk).status == S.PAID


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


def test_an_installment_deducted_in_full_under_review_is_settled_when_approved(
    schedule, staff_user, finance_user, manager_user, bureau
):
    installment = schedule[2]
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    for document in installment.documents.all():
        services.document_receive(
            actor=staff_user, document=document, received_on=datetime.date(2024, 8, 5)
        )
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.DOCUMENTS_SUBMITTED
    )
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.UNDER_REVIEW
    )
    services.deduction_record(
        actor=finance_user,
        installment=installment,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("304200.00"),
        decided_on=datetime.date(2024, 8, 10),
        reason="服务未实施，全额扣减",
    )
    assert Installment.objects.get(pk=installment.pk).status == S.UNDER_REVIEW
    returned = services.installment_transition(
        actor=manager_user, installment=installment, to_status=S.APPROVED
    )
    assert returned.status == S.PAID
    assert Installment.objects.get(pk=installment.pk).status == S.PAID
    assert [(t.from_status, t.to_status, t.reason) for t in installment.transitions.order_by("pk")][
        -2:
    ] == [(S.UNDER_REVIEW, S.APPROVED, ""), (S.APPROVED, S.PAID, "全额扣减，无须支付")]
    assert Payment.objects.count() == 0


def test_an_installment_paid_then_deducted_for_the_rest_on_hold_is_settled_when_approved_again(
    approved, finance_user, bureau
):
    manager = approver_of(approved)
    pay(approved, "400000.00", by=finance_user)
    services.installment_transition(
        actor=finance_user, installment=approved, to_status=S.ON_HOLD, reason="审计未完成"
    )
    services.deduction_record(
        actor=finance_user,
        installment=approved,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("5600.00"),
        decided_on=datetime.date(2024, 8, 10),
        reason="审计扣减",
    )
    services.installment_transition(
        actor=finance_user, installment=approved, to_status=S.UNDER_REVIEW
    )
    services.installment_transition(actor=manager, installment=approved, to_status=S.APPROVED)
    settled = Installment.objects.get(pk=approved.pk)
    assert settled.status == S.PAID
    assert settled.transitions.latest("pk").reason == "扣减后已付清"
