"""Regressions found by the third review of the payments app: schedules below what was
paid, deletable payments, the time-progress target before the first checkpoint, as-of
figures moved by later deductions, absurd dates, approvals of fully deducted installments."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Bureau
from payments import selectors, services
from payments.models import Deduction, Installment, Payment, PostedPaymentError, ProgressCheckpoint
from tests.factories import AuditFactory, ContractFactory
from tests.payments.conftest import approve

pytestmark = pytest.mark.django_db
S = Installment.Status


def _pay(installment, amount, *, by, on=datetime.date(2024, 3, 20), voucher="记-1"):
    return services.payment_post(
        actor=by,
        installment=installment,
        paid_on=on,
        amount=Decimal(amount),
        voucher_number=voucher,
    )


# --- a schedule cannot go below what was paid and deducted -----------------------------------


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
    _pay(approved, "400000.00", by=finance_user)
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
    payment = _pay(approved, "400000.00", by=finance_user)
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 3, 21),
        voucher_number="记-2",
        reason="错付",
    )
    _pay(approved, "300000.00", by=finance_user, voucher="记-3")
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


# --- posted payments cannot be deleted, on SQLite as on PostgreSQL ---------------------------


def test_a_posted_payment_cannot_be_deleted_or_saved_again(approved, finance_user):
    payment = _pay(approved, "405600.00", by=finance_user)
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
    payment = _pay(approved, "405600.00", by=finance_user)
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
    _pay(installment, "1000.00", by=finance_user)
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


# --- the time-progress target before, at and between checkpoints ---------------------------


@pytest.fixture
def checkpoints(bureau):
    return [
        ProgressCheckpoint.objects.create(
            bureau=bureau, year=2024, month=month, target_percent=Decimal(target)
        )
        for month, target in ((6, "50"), (9, "75"), (11, "90"))
    ]


@pytest.mark.parametrize(
    ("as_of", "target"),
    [
        # Before the first checkpoint: the elapsed share of the year (whole months / 12).
        (datetime.date(2024, 1, 15), "0.00"),
        (datetime.date(2024, 1, 31), "8.33"),
        (datetime.date(2024, 5, 31), "41.67"),
        (datetime.date(2024, 6, 15), "41.67"),
        # From a checkpoint's date on, its target until the next one.
        (datetime.date(2024, 6, 30), "50.00"),
        (datetime.date(2024, 8, 31), "50.00"),
        (datetime.date(2024, 9, 30), "75.00"),
        (datetime.date(2024, 11, 29), "75.00"),
        (datetime.date(2024, 11, 30), "90.00"),
        (datetime.date(2024, 12, 30), "90.00"),
        (datetime.date(2024, 12, 31), "100.00"),
    ],
)
def test_the_target_follows_the_checkpoints_and_the_default_before_the_first(
    bureau, checkpoints, as_of, target
):
    found = selectors.time_progress_target(bureau=bureau, year=2024, as_of=as_of)
    assert found.percent == Decimal(target)


def test_before_a_first_checkpoint_below_the_elapsed_share_the_checkpoint_caps_the_target(
    bureau,
):
    lenient = [
        ProgressCheckpoint(bureau=bureau, year=2024, month=9, target_percent=Decimal("50.00"))
    ]
    target = selectors.time_progress_target(
        bureau=bureau, year=2024, as_of=datetime.date(2024, 8, 31), checkpoints=lenient
    )
    assert target.percent == Decimal("50.00")  # the default would ask 66.67
    assert target.source == "默认：按时间均衡（已过月份 ÷ 12），不超过9月底节点 50.00%"


def test_the_default_target_at_mid_month_counts_the_months_completed(bureau):
    target = selectors.time_progress_target(
        bureau=bureau, year=2024, as_of=datetime.date(2024, 6, 15)
    )
    assert (target.percent, target.source) == (
        Decimal("41.67"),
        "默认：按时间均衡（已过月份 ÷ 12）",
    )


def test_the_gap_before_the_first_checkpoint_is_measured_against_the_elapsed_share(
    client_for, manager_user, approved, finance_user, checkpoints
):
    _pay(approved, "405600.00", by=finance_user)  # 40% of the 1,014,000.00 issued
    data = client_for(manager_user).get("/api/v1/execution/?year=2024&as_of=2024-05-31").json()
    assert (
        data["execution_rate"],
        data["time_progress_target"],
        data["gap_percentage_points"],
    ) == (
        "40.00",
        "41.67",
        "-1.67",
    )


def test_the_charts_target_line_follows_the_same_rule(bureau, checkpoints):
    assert selectors.progress_line(bureau=bureau, year=2024) == [
        Decimal(v)
        for v in (
            "8.33",
            "16.67",
            "25.00",
            "33.33",
            "41.67",
            "50.00",
            "50.00",
            "50.00",
            "75.00",
            "75.00",
            "90.00",
            "100.00",
        )
    ]


# --- as-of figures do not move when a later deduction settles an installment ----------------


def test_a_later_full_deduction_does_not_change_what_was_late_as_of_an_earlier_date(
    manager_user, schedule, approved, staff_user, finance_user, bureau
):
    third = approve(schedule[2], staff=staff_user, finance=finance_user)  # due 2024-07-31
    as_of = datetime.date(2024, 8, 15)

    def late_total_and_list():
        report = selectors.execution(user=manager_user, year=2024, as_of=as_of)
        late = selectors.late_installments(user=manager_user, year=2024, as_of=as_of)
        return report.total.late, sum(i.outstanding for i in late), [i.label for i in late]

    before = late_total_and_list()
    assert before == (Decimal("709800.00"), Decimal("709800.00"), ["第二期", "第三期"])
    services.deduction_record(
        actor=finance_user,
        installment=third,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("304200.00"),
        decided_on=datetime.date(2024, 9, 1),
        reason="服务未按合同提供，全额扣减",
    )
    assert Installment.objects.get(pk=third.pk).status == S.PAID
    assert late_total_and_list() == before


# --- absurd dates ----------------------------------------------------------------------------


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
        ("0001-01-01", "支付日期不能早于合同签订日期（2023-07-25）。"),
        ("1999-12-31", "支付日期不能早于合同签订日期（2023-07-25）。"),
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


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        ("0001-01-01", "扣减日期不能早于所依据审计/评估的日期（2024-08-01）。"),
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


# --- an installment deducted in full before its approval settles on approval ----------------


def test_an_installment_deducted_in_full_under_review_is_settled_when_approved(
    schedule, staff_user, finance_user, bureau
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
        actor=finance_user, installment=installment, to_status=S.APPROVED
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
    _pay(approved, "400000.00", by=finance_user)
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
    services.installment_transition(actor=finance_user, installment=approved, to_status=S.APPROVED)
    settled = Installment.objects.get(pk=approved.pk)
    assert settled.status == S.PAID
    assert settled.transitions.latest("pk").reason == "扣减后已付清"


# --- the installment's change history reads in local time -----------------------------------


def test_the_change_history_shows_local_times_to_the_minute(
    client_for, monkeypatch, contract, finance_user, staff_user, manager_user
):
    def at(*moment):
        # In UTC, with microseconds, as the database stores them.
        instant = datetime.datetime(*moment, tzinfo=datetime.UTC)
        monkeypatch.setattr(timezone, "now", lambda: instant)

    at(2024, 12, 3, 1, 2, 3, 456789)  # 09:02:03 in Shanghai
    [installment] = services.schedule_generate(
        actor=finance_user, contract=contract, percents=[Decimal(100)]
    )
    at(2024, 12, 3, 6, 5, 0, 123456)  # 14:05 in Shanghai
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    monkeypatch.undo()
    content = client_for(manager_user).get(f"/payments/installments/{installment.pk}/")
    history = content.content.decode().split('id="history"')[1]
    # (The first value is the model's default, the real now: only its format is known.)
    assert re.search(
        r"<div>状态变更时间：\d{4}-\d\d-\d\d \d\d:\d\d → 2024-12-03 14:05</div>", history
    )
    assert re.findall(r'<td class="text-nowrap">([^<]*)</td>', history) == [
        "2024-12-03 14:05",
        "2024-12-03 09:02",
    ]
    assert "+00:00" not in history and ".123456" not in history
