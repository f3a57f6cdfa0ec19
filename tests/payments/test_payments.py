"""Payments: only finance posts them, only on approved installments, never more than is
payable, once per form; a reversal corrects one; a posted payment is never edited or
deleted, by the model or the database, and a test database holding some can still be
emptied."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Bureau
from payments import services
from payments.models import Installment, Payment, PostedPaymentError
from tests.factories import ContractFactory
from tests.helpers import approve, pay

pytestmark = pytest.mark.django_db
S = Installment.Status


# --- posting --------------------------------------------------------------------------


def test_a_payment_on_an_unapproved_installment_is_refused(schedule, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        pay(schedule[0], "1.00", by=finance_user, on=datetime.date(2024, 1, 10), voucher="记-1")
    assert "只有已审批的分期款才能付款" in excinfo.value.messages[0]
    assert not Payment.objects.exists()


def test_overpaying_is_refused(approved, finance_user):
    with pytest.raises(ValidationError) as excinfo:
        pay(approved, "405600.01", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-1")
    assert "超过本期尚未支付的应付净额 405,600.00 元" in excinfo.value.message_dict["amount"][0]
    assert not Payment.objects.exists()
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED


def test_only_finance_pays(approved, manager_user, staff_user):
    for user in (manager_user, staff_user):
        with pytest.raises(PermissionDenied):
            pay(approved, "1.00", by=user, on=datetime.date(2024, 3, 20), voucher="记-1")
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
    pay(approved, "400000.00", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-18")
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED


# --- the payment form -----------------------------------------------------------------


def _pay_form(amount, voucher, key="7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f"):
    return {
        "payment-paid_on": "2024-03-20",
        "payment-amount": amount,
        "payment-voucher_number": voucher,
        "payment-request_key": key,
    }


def test_finance_pays_and_a_second_submission_of_the_form_changes_nothing(
    client_for, finance_user, approved
):
    client = client_for(finance_user)
    page = client.get(f"/payments/installments/{approved.pk}/").content.decode()
    assert 'name="payment-request_key"' in page
    form = _pay_form("405600.00", "记-18")
    response = client.post(f"/payments/installments/{approved.pk}/pay/", form, follow=True)
    assert "已登记付款 405,600.00 元，凭证号 记-18。" in response.content.decode()
    response = client.post(f"/payments/installments/{approved.pk}/pay/", form)
    assert "这笔付款已经登记过了（重复提交），未再次登记。" in response.content.decode()
    assert Payment.objects.count() == 1


def test_an_overpayment_through_the_page_shows_the_limit(client_for, finance_user, approved):
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/pay/",
        _pay_form("500000", "记-18"),
    )
    assert "超过本期尚未支付的应付净额 405,600.00 元" in response.content.decode()
    assert not Payment.objects.exists()


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


def _payment_form(paid_on):
    return {
        "payment-paid_on": paid_on,
        "payment-amount": "405600.00",
        "payment-voucher_number": "记-1",
        "payment-request_key": "7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f",
    }


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        ("0001-01-01", "日期应在 2000 年至 2100 年之间。"),
        ("1999-12-31", "日期应在 2000 年至 2100 年之间。"),
        ("2023-07-24", "支付日期不能早于合同签订日期（2023-07-25）。"),
        ("tomorrow", "支付日期不能晚于今天。"),
    ],
    ids=["year-1", "1999", "day-before-signing", "tomorrow"],
)
def test_a_payment_dated_before_the_signing_or_after_today_is_refused_on_the_form(
    client_for, approved, finance_user, paid_on, message
):
    if paid_on == "tomorrow":
        paid_on = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/pay/", _payment_form(paid_on)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"paid_on": [message]}
    assert Payment.objects.count() == 0
    assert Installment.objects.get(pk=approved.pk).status == S.APPROVED


def test_a_payment_on_the_signing_date_before_the_service_starts_is_accepted(
    client_for, approved, finance_user
):
    # Advance payments happen: the seed paid a first installment before the service began.
    assert approved.contract.signed_on < approved.contract.start
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/pay/", _payment_form("2023-07-25")
    )
    assert response.status_code == 302
    assert Payment.objects.get().paid_on == datetime.date(2023, 7, 25)


# --- reversals ------------------------------------------------------------------------


def test_a_reversal_corrects_a_payment_and_reopens_the_installment(approved, finance_user):
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-18"
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


def test_a_reversal_reopens_the_installment_under_its_old_payment_deadline(approved, finance_user):
    Installment.objects.filter(pk=approved.pk).update(approved_on=datetime.date(2024, 2, 1))
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 4, 6), voucher="记-1"
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


# --- posted payments cannot be edited or deleted, on SQLite as on PostgreSQL ----------


def test_a_posted_payment_cannot_be_edited_even_behind_the_services_back(approved, finance_user):
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-18"
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


def test_a_posted_payment_cannot_be_deleted_or_saved_again(approved, finance_user):
    payment = pay(approved, "405600.00", by=finance_user)
    message = ["已过账的支付不能修改或删除，请登记冲销。"]
    with pytest.raises(PostedPaymentError) as excinfo:
        payment.delete()
    assert excinfo.value.messages == message
    with pytest.raises(PostedPaymentError):
        Payment.objects.filter(pk=payment.pk).delete()
    with pytest.raises(PostedPaymentError):
        Payment.objects.update(voucher_number="记-99")
    with pytest.raises(PostedPaymentError):
        Payment.objects.get(pk=payment.pk).save(update_fields=["voucher_number"])
    # A new object carrying a posted payment's id would be an UPDATE in disguise.
    copy = Payment.objects.get(pk=payment.pk)
    copy._state.adding = True
    with pytest.raises(PostedPaymentError):
        copy.save()
    assert list(Payment.objects.values_list("pk", "amount", "voucher_number")) == [
        (payment.pk, Decimal("405600.00"), "记-1")
    ]


def test_the_database_refuses_to_delete_a_posted_payment(approved, finance_user):
    payment = pay(approved, "405600.00", by=finance_user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payment WHERE id = %s", [payment.pk])
    assert Payment.objects.filter(pk=payment.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_holding_payments_can_still_be_flushed(bureau, staff_user, finance_user):
    # Transactional tests end with a flush: on SQLite it must set the trigger aside (and
    # put it back), as PostgreSQL's TRUNCATE passes over it.
    contract = ContractFactory(award__project__bureau=bureau, amount=Decimal("1000.00"))
    [installment] = services.schedule_generate(
        actor=finance_user, contract=contract, percents=[Decimal(100)]
    )
    approve(installment, staff=staff_user, finance=finance_user)
    pay(installment, "1000.00", by=finance_user)
    call_command("flush", interactive=False, verbosity=0)
    assert Payment.objects.count() == 0
    # The triggers are back.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'payments_payment' ORDER BY name"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'payments_payment'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
        assert [name for (name,) in cursor.fetchall()] == [
            "payments_payment_no_delete",
            "payments_payment_no_update",
        ]


@pytest.mark.django_db(transaction=True)
def test_a_flush_answered_no_empties_nothing(bureau, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    out = io.StringIO()
    call_command("flush", verbosity=0, stdout=out)
    assert "Flush cancelled." in out.getvalue()
    assert Bureau.objects.filter(pk=bureau.pk).exists()
