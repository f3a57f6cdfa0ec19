"""The life of an installment: the moves it may make, who may make them and why, the
documents it waits for, the audits that gate it, and its history."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments import services
from payments.models import Installment, InstallmentTransition
from tests.factories import AuditFactory, contracts_in_bulk
from tests.helpers import pay, submit_for_review

pytestmark = pytest.mark.django_db
S = Installment.Status


# --- moves ----------------------------------------------------------------------------


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
    installment = submit_for_review(schedule[0], staff=staff_user, reviewer=staff_user)
    with pytest.raises(PermissionDenied):
        services.installment_transition(
            actor=staff_user, installment=installment, to_status=S.APPROVED
        )
    services.installment_transition(
        actor=manager_user, installment=installment, to_status=S.APPROVED
    )


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


def test_an_open_gate_blocks_approval_until_its_report(
    schedule, staff_user, finance_user, manager_user, bureau
):
    installment = submit_for_review(schedule[2], staff=staff_user, reviewer=staff_user)
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
            actor=manager_user, installment=installment, to_status=S.APPROVED
        )
    assert "须待以下审计/评估出具报告后才能审批" in excinfo.value.messages[0]
    audit.closed_on = datetime.date(2024, 10, 31)
    audit.save()
    services.installment_transition(
        actor=manager_user, installment=installment, to_status=S.APPROVED
    )


def test_returning_holding_and_cancelling_need_a_reason(schedule, staff_user, finance_user):
    installment = submit_for_review(schedule[0], staff=staff_user, reviewer=staff_user)
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


def test_an_installment_whose_payments_were_all_reversed_can_be_cancelled(approved, finance_user):
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 3, 20), voucher="记-1"
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


# --- the installment's page -----------------------------------------------------------


def test_a_transition_from_the_page_records_who_and_why(client_for, staff_user, schedule):
    client = client_for(staff_user)
    installment = schedule[0]
    client.post(
        f"/payments/installments/{installment.pk}/transition/",
        {"to_status": S.AWAITING_DOCUMENTS, "reason": "请机构提交发票"},
    )
    content = client.get(f"/payments/installments/{installment.pk}/").content.decode()
    assert "计划 → 待交资料" in content and "请机构提交发票" in content
    response = client.post(
        f"/payments/installments/{installment.pk}/transition/", {"to_status": S.DOCUMENTS_SUBMITTED}
    )
    assert "以下资料尚未收到：发票、服务报告。" in response.content.decode()
    assert Installment.objects.get(pk=installment.pk).status == S.AWAITING_DOCUMENTS


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
    # The entry stamp is the row's own time, not a change.
    assert "<div>状态：计划 → 待交资料</div>" in history
    assert "状态变更时间" not in history
    assert re.findall(r'<td class="text-nowrap">([^<]*)</td>', history) == [
        "2024-12-03 14:05",
        "2024-12-03 09:02",
    ]
    assert "+00:00" not in history and ".123456" not in history


# --- the list -------------------------------------------------------------------------


def _installments(bureau, n, first=0):
    contracts = contracts_in_bulk(bureau, (f"L-{i}" for i in range(first, first + n)))
    Installment.objects.bulk_create(
        Installment(
            bureau=bureau,
            contract=contract,
            number=1,
            planned_amount=Decimal("100.00"),
            due_date=datetime.date(2024, 5, 1),
        )
        for contract in contracts
    )


def test_the_installment_list_runs_a_fixed_number_of_queries(client_for, finance_user, bureau):
    client = client_for(finance_user)
    _installments(bureau, 5)
    client.get("/payments/installments/")
    with CaptureQueriesContext(connection) as few:
        client.get("/payments/installments/?year=2024&status=planned")
    _installments(bureau, 60, first=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/payments/installments/?year=2024&status=planned")
    assert response.status_code == 200
    assert len(many) == len(few) <= 10


def test_all_documents_are_marked_received_in_one_step(client_for, schedule, staff_user):
    installment = schedule[0]
    assert installment.documents.filter(received_on__isnull=True).count() >= 2
    client = client_for(staff_user)
    page = client.get(installment.get_absolute_url()).content.decode()
    assert 'id="receive-all-form"' in page
    response = client.post(
        f"/payments/installments/{installment.pk}/documents/receive-all/",
        {"received_on": "2024-01-05"},
        follow=True,
    )
    count = installment.documents.count()
    assert [str(m) for m in response.context["messages"]] == [f"已登记收到 {count} 项资料。"]
    assert set(installment.documents.values_list("received_on", flat=True)) == {
        datetime.date(2024, 1, 5)
    }
    assert 'id="receive-all-form"' not in response.content.decode()
