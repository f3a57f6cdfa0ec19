"""The rules of money: schedules add up, installments move by the rules, payments are
immutable and never exceed what is payable."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from payments import services
from payments.models import Installment, InstallmentTransition, Payment, PostedPaymentError
from tests.factories import AuditFactory, ContractFactory
from tests.payments.conftest import approve

pytestmark = pytest.mark.django_db
S = Installment.Status


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


def test_a_template_must_total_100(finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.parse_template("30/40/20")
    assert "合计为 90%" in excinfo.value.messages[0]
    assert services.parse_template("30，40，30") == [Decimal(30), Decimal(40), Decimal(30)]


def test_an_illegal_move_is_refused(schedule, staff_user, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.installment_transition(
            actor=finance_user, installment=schedule[0], to_status=S.APPROVED
        )
    assert "不能从“计划”变为“已审批”" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        services.installment_transition(
            actor=finance_user, installment=schedule[0], to_status=S.PAID
        )
    assert Installment.objects.get(pk=schedule[0].pk).status == S.PLANNED
    assert not InstallmentTransition.objects.exists()


def test_moves_need_the_right_role(schedule, staff_user, auditor_user, manager_user):
    with pytest.raises(PermissionDenied):
        services.installment_transition(
            actor=auditor_user, installment=schedule[0], to_status=S.AWAITING_DOCUMENTS
        )
    installment = approve_until_review(schedule[0], staff_user, manager_user)
    with pytest.raises(PermissionDenied):
        services.installment_transition(
            actor=staff_user, installment=installment, to_status=S.APPROVED
        )
    services.installment_transition(
        actor=manager_user, installment=installment, to_status=S.APPROVED
    )


def approve_until_review(installment, staff, reviewer):
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    for document in installment.documents.all():
        services.document_receive(
            actor=staff, document=document, received_on=datetime.date(2024, 1, 5)
        )
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.DOCUMENTS_SUBMITTED
    )
    services.installment_transition(actor=staff, installment=installment, to_status=S.UNDER_REVIEW)
    return installment


def test_documents_must_all_be_in_before_submission(schedule, staff_user):
    installment = schedule[0]
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    with pytest.raises(ValidationError) as excinfo:
        services.installment_transition(
            actor=staff_user, installment=installment, to_status=S.DOCUMENTS_SUBMITTED
        )
    assert "以下资料尚未收到：发票、服务报告" in excinfo.value.messages[0]


def test_an_open_gate_blocks_approval_until_its_report(schedule, staff_user, finance_user, bureau):
    installment = approve_until_review(schedule[2], staff_user, finance_user)
    audit = AuditFactory(bureau=bureau, closed_on=None)
    services.installment_set_details(
        actor=finance_user,
        installment=installment,
        delay_reason="",
        documents_due=None,
        gates=[audit],
    )
    with pytest.raises(ValidationError) as excinfo:
        services.installment_transition(
            actor=finance_user, installment=installment, to_status=S.APPROVED
        )
    assert "须待以下审计/评估出具报告后才能审批" in excinfo.value.messages[0]
    audit.closed_on = datetime.date(2024, 10, 31)
    audit.save()
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.APPROVED
    )


def test_returning_holding_and_cancelling_need_a_reason(schedule, staff_user, finance_user):
    installment = approve_until_review(schedule[0], staff_user, finance_user)
    with pytest.raises(ValidationError):
        services.installment_transition(
            actor=finance_user, installment=installment, to_status=S.ON_HOLD
        )
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.ON_HOLD, reason="专项审计未完成"
    )
    last = InstallmentTransition.objects.latest("pk")
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        S.UNDER_REVIEW,
        S.ON_HOLD,
        finance_user,
        "专项审计未完成",
    )


def test_a_payment_on_an_unapproved_installment_is_refused(schedule, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.payment_post(
            actor=finance_user,
            installment=schedule[0],
            paid_on=datetime.date(2024, 1, 10),
            amount=Decimal("1.00"),
            voucher_number="记-1",
        )
    assert "只有已审批的分期款才能付款" in excinfo.value.messages[0]
    assert not Payment.objects.exists()


def test_overpaying_is_refused(approved, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        services.payment_post(
            actor=finance_user,
            installment=approved,
            paid_on=datetime.date(2024, 3, 20),
            amount=Decimal("405600.01"),
            voucher_number="记-1",
        )
    assert "超过本期尚未支付的应付净额 405,600.00 元" in excinfo.value.message_dict["amount"][0]
    assert not Payment.objects.exists()
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED


def test_only_finance_pays(approved, manager_user, staff_user):
    for user in (manager_user, staff_user):
        with pytest.raises(PermissionDenied):
            services.payment_post(
                actor=user,
                installment=approved,
                paid_on=datetime.date(2024, 3, 20),
                amount=Decimal("1.00"),
                voucher_number="记-1",
            )
    assert not Payment.objects.exists()


def test_paying_in_full_marks_the_installment_paid_and_a_resubmission_is_refused(
    approved, finance_user
):
    key = uuid.uuid4()
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("405600.00"),
        voucher_number="记-18",
        request_key=key,
    )
    installment = Installment.objects.get(pk=approved.pk)
    assert installment.status == S.PAID
    assert installment.transitions.latest("pk").reason == "付清，凭证号 记-18"
    with pytest.raises(ValidationError) as excinfo:
        services.payment_post(
            actor=finance_user,
            installment=approved,
            paid_on=datetime.date(2024, 3, 20),
            amount=Decimal("405600.00"),
            voucher_number="记-18",
            request_key=key,
        )
    assert "重复提交" in excinfo.value.messages[0]
    assert list(Payment.objects.all()) == [payment]


def test_a_partial_payment_leaves_the_installment_approved(approved, finance_user):
    services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("400000.00"),
        voucher_number="记-18",
    )
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED


def test_a_posted_payment_cannot_be_edited_even_behind_the_services_back(approved, finance_user):
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("405600.00"),
        voucher_number="记-18",
    )
    with pytest.raises(PostedPaymentError):
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1.00"))
    with pytest.raises(PostedPaymentError):
        payment.voucher_number = "记-99"
        payment.save()
    # Beneath the model, the database refuses too.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE payments_payment SET amount = 1 WHERE id = %s", [payment.pk])
    payment.refresh_from_db()
    assert (payment.amount, payment.voucher_number) == (Decimal("405600.00"), "记-18")


def test_a_reversal_corrects_a_payment_and_reopens_the_installment(approved, finance_user):
    payment = services.payment_post(
        actor=finance_user,
        installment=approved,
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("405600.00"),
        voucher_number="记-18",
    )
    reversal = services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 3, 22),
        voucher_number="记-21",
        reason="金额录错",
    )
    assert reversal.amount == Decimal("-405600.00")
    assert reversal.reverses == payment
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED
    with pytest.raises(ValidationError) as excinfo:
        services.payment_reverse(
            actor=finance_user,
            payment=payment,
            reversed_on=datetime.date(2024, 3, 22),
            voucher_number="记-22",
            reason="again",
        )
    assert "已经冲销" in excinfo.value.messages[0]
    assert Payment.objects.count() == 2


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
        services.payment_post(
            actor=finance_user,
            installment=installment,
            paid_on=datetime.date(2024, 12, 18),
            amount=Decimal("304200.00"),
            voucher_number="记-27",
        )
    services.payment_post(
        actor=finance_user,
        installment=installment,
        paid_on=datetime.date(2024, 12, 18),
        amount=Decimal("282200.00"),
        voucher_number="记-27",
    )
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
