"""New schedules are applied through the payments' batch entry point (payments.bulk) and
new contracts through contracts.bulk: the same records, history and refusals as the
per-row services give."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import records
from accounts.roles import Role
from contracts import services as contract_services
from contracts.models import Contract
from imports import services
from payments import bulk
from payments import services as payment_services
from payments.models import (
    FiscalYearClosing,
    Installment,
    InstallmentTransition,
    Payment,
    RequiredDocument,
)
from tests import factories
from tests.imports import books

S = Installment.Status


def sheets(**changes):
    """The valid books without their reversal (so the contract goes the batch way), with
    ``changes`` (sheet → rows) applied."""
    found = books.valid_sheets()
    del found["冲销"]
    found["支付"] = found["支付"][:1]
    found.update(changes)
    return found


@pytest.fixture
def finance(bureau, make_user):
    return make_user(Role.FINANCE, bureau, "bulk-finance")


PER_ROW = ("schedule_save", "document_receive", "installment_transition", "payment_post")


def run(bureau, finance, data, *, per_row=False, monkeypatch=None):
    if per_row:
        monkeypatch.setattr(services._Importer, "_plan_bulk", lambda self, rows: None)
        return services.workbook_import(
            actor=finance, bureau=bureau, data=data, filename="台账.xlsx"
        )
    with pytest.MonkeyPatch.context() as patch:
        # The batch way calls none of the per-row services of installments.
        for name in PER_ROW:
            patch.setattr(payment_services, name, refused(name))
        patch.setattr(contract_services, "contract_create", refused("contract_create"))
        return services.workbook_import(
            actor=finance, bureau=bureau, data=data, filename="台账.xlsx"
        )


def refused(name):
    def call(**kwargs):
        raise AssertionError(f"{name} called on the batch way")

    return call


def state():
    """What was written, without keys and times."""
    installments = Installment.objects.order_by("number")
    return {
        "installments": list(
            installments.values_list("number", "planned_amount", "status", "approved_on")
        ),
        "history": [
            (h.number, h.history_type, h.status, h.history_change_reason, h.history_user_id)
            for h in Installment.history.order_by("number", "history_date", "history_id")
        ],
        "documents": sorted(
            RequiredDocument.objects.values_list("installment__number", "kind", "received_on")
        ),
        "document_history": sorted(
            (h.kind, h.history_type, h.received_on, h.history_change_reason)
            for h in RequiredDocument.history.all()
        ),
        "transitions": list(
            InstallmentTransition.objects.order_by("installment__number", "pk").values_list(
                "installment__number", "from_status", "to_status", "dated_on", "reason", "actor"
            )
        ),
        "payments": list(
            Payment.objects.values_list("voucher_number", "amount", "paid_on", "posted_by")
        ),
        "contracts": [
            (h.number, h.history_type, h.history_change_reason, h.history_user_id)
            for h in Contract.history.all()
        ],
    }


class Undo(Exception):
    pass


@pytest.mark.parametrize("spill", [20_000, 1])
def test_the_batch_writes_what_the_per_row_services_write(bureau, finance, monkeypatch, spill):
    monkeypatch.setattr(bulk, "SPILL", spill)  # 1: every record inserted as soon as it can be
    data = books.xlsx(sheets())
    # The books through the per-row services, then undone.
    with pytest.raises(Undo), monkeypatch.context() as patch, transaction.atomic():
        assert run(bureau, finance, data, per_row=True, monkeypatch=patch).applied
        per_row = state()
        raise Undo
    assert Installment.objects.count() == 0

    result = run(bureau, finance, data)
    assert result.applied, result.problems
    batch = state()
    assert batch["installments"][0][2] == Installment.Status.PAID
    assert any("导入 台账.xlsx 分期!2" in (h[3] or "") for h in batch["history"])
    assert batch == per_row
    # Again: every row unchanged, nothing written.
    again = run(bureau, finance, data)
    assert again.applied
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    assert state() == batch


REFUSALS = {
    "a schedule that does not add up": {
        "分期": [
            ["IMP-2024-01", 1, "40000.00", "2024-03-31", "发票、服务报告", "2024-03-20"],
            ["IMP-2024-01", 2, "50000.00", "2024-09-30", "", ""],
        ]
    },
    "a payment above net payable": {
        "支付": [["IMP-V-001", "IMP-2024-01", 1, "2024-03-25", "40000.01"]]
    },
    "a payment before its approval": {
        "支付": [["IMP-V-001", "IMP-2024-01", 1, "2024-03-15", "40000.00"]]
    },
    "an approval without its documents": {"付款资料": [["IMP-2024-01", 1, "发票", "2024-03-10"]]},
}


@pytest.mark.parametrize("name", [*REFUSALS, "a closed year"])
def test_the_batch_refuses_what_the_per_row_services_refuse(bureau, finance, monkeypatch, name):
    if name == "a closed year":
        FiscalYearClosing.objects.create(bureau=bureau, year=2024, closed_by=finance)
        data = books.xlsx(sheets())
    else:
        data = books.xlsx(sheets(**REFUSALS[name]))
    batch = run(bureau, finance, data)
    assert not batch.applied and batch.problems
    assert Installment.objects.count() == Contract.objects.count() == 0
    per_row = run(bureau, finance, data, per_row=True, monkeypatch=monkeypatch)
    assert [str(p) for p in batch.problems] == [str(p) for p in per_row.problems]


def test_rows_inserted_in_bulk_keep_every_character(contract, finance, monkeypatch):
    """History, moves and payments of the batch go in as plain rows (COPY on PostgreSQL):
    text with tabs, line breaks and backslashes, empty text and NULL come back as given."""
    if connection.vendor == "postgresql":  # COPY, not the INSERT it falls back to
        monkeypatch.setattr("psycopg2.extras.execute_values", refused("execute_values"))
    installment = factories.installments_in_bulk([contract])[0]
    reasons = ["制表\t换行\n回车\r反斜杠\\N 与 \\t", "", "\\", "末尾\\"]
    names = ["installment_id", "from_status", "to_status", "actor_id", "dated_on", "reason"]
    day, now = datetime.date(2024, 3, 1), timezone.now()
    records.insert_values(
        InstallmentTransition,
        [*names, "at"],
        [
            [installment.pk, "planned", S.AWAITING_DOCUMENTS, finance.pk, day, r, now]
            for r in reasons
        ],
    )
    saved = InstallmentTransition.objects.filter(installment=installment).order_by("pk")
    assert [(t.reason, t.to_status, t.dated_on, t.at) for t in saved] == [
        (r, "awaiting_documents", day, now) for r in reasons
    ]

    history = records.BulkHistory(finance)
    for reason in [*reasons, None]:
        history.saved(installment, "~", whole_reason=reason or "")
    history.write()
    rows = installment.history.filter(history_type="~").order_by("history_id")
    assert [(h.history_change_reason, h.status, h.history_user_id) for h in rows] == [
        (r or None, "under_review", finance.pk) for r in [*reasons, None]
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_copy_that_fails_meanwhile_fails_the_import(contract, finance):
    """Inside an import the COPYs are sent by a thread of their own: one that fails raises
    its error at the next statement (or at the end), as the INSERT would have, and the
    whole transaction is rolled back."""
    installment = factories.installments_in_bulk([contract])[0]
    names = ["installment_id", "from_status", "to_status", "actor_id", "dated_on", "reason", "at"]
    good = [installment.pk, "planned", S.AWAITING_DOCUMENTS, finance.pk, datetime.date(2024, 3, 1)]
    with pytest.raises(IntegrityError), transaction.atomic(), payment_services.bulk_writes():
        records.insert_values(InstallmentTransition, names, [[*good, "好的", timezone.now()]])
        records.insert_values(InstallmentTransition, names, [[*good, "没有录入时间", None]])
        records.insert_values(InstallmentTransition, names, [[*good, "之后的", timezone.now()]])
        InstallmentTransition.objects.count()  # waits for the COPYs: the second failed
    assert not InstallmentTransition.objects.exists()

    with pytest.raises(IntegrityError), transaction.atomic(), payment_services.bulk_writes():
        records.insert_values(InstallmentTransition, names, [[*good, "好的", timezone.now()]])
        records.insert_values(InstallmentTransition, names, [[*good, "没有录入时间", None]])
    assert not InstallmentTransition.objects.exists()

    # Left early, as a dry run leaves by rolling back: the failed COPY is still the error.
    class DryRun(Exception):
        pass

    with pytest.raises(IntegrityError), transaction.atomic(), payment_services.bulk_writes():
        records.insert_values(InstallmentTransition, names, [[*good, "没有录入时间", None]])
        raise DryRun
    assert not InstallmentTransition.objects.exists()

    with transaction.atomic(), payment_services.bulk_writes():
        records.insert_values(InstallmentTransition, names, [[*good, "好的", timezone.now()]])
        assert InstallmentTransition.objects.get().reason == "好的"


def test_today_inside_an_import_is_the_day_of_the_clock():
    """bulk_writes keeps today's date until the clock leaves the day: across midnight
    (Asia/Shanghai) and back, the same day as timezone.localdate()."""
    moments = [(2025, 3, 1, 15, 59, 59), (2025, 3, 1, 16, 0, 0), (2025, 2, 28, 16, 0, 0)]
    with payment_services.bulk_writes():
        for moment in moments:
            at = datetime.datetime(*moment, tzinfo=datetime.UTC)
            with time_machine.travel(at, tick=False):
                assert payment_services._today() == timezone.localdate()
                assert payment_services._today() == payment_services._today()
    assert [
        timezone.localtime(datetime.datetime(*m, tzinfo=datetime.UTC)).day for m in moments
    ] == [1, 2, 1]
