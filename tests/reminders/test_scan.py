"""The reminder scan: what it finds on a given day (late, due soon, approved but unpaid,
behind the time-progress target, a low projection), at which level, who hears of it, and
that each notice is raised once, in a bounded number of queries."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments import reminders, services
from payments.models import (
    Installment,
    Notice,
    Notification,
    ProgressCheckpoint,
    ReminderSettings,
)
from tests.factories import BudgetFactory, ContractFactory, budgets_in_bulk, contracts_in_bulk
from tests.helpers import approve, at, one_installment, run_reminders

pytestmark = pytest.mark.django_db
S = Installment.Status
R = Notice.Rule
INLINE = reminders.INLINE


def _keys(rule) -> list[str]:
    return sorted(Notice.objects.filter(rule=rule).values_list("key", flat=True))


def _recipients(notice) -> set[str]:
    return set(notice.notifications.values_list("recipient__username", flat=True))


def _candidates(as_of, rule):
    return [c.render() for c in reminders.find(as_of) if c.rule == rule]


# --- once, under a key that names its period ------------------------------------------


def test_running_for_real_twice_creates_each_notification_once(demo):
    first = run_reminders("--as-of", "2024-12-20", "--force")
    assert "新提醒 4 条" in first
    notices = Notice.objects.count()
    notifications = sorted(Notification.objects.values_list("notice__rule", "recipient__username"))
    emails = len(mail.outbox)
    assert notifications == [
        ("behind_target", "finance"),
        ("behind_target", "manager"),
        ("documents_late", "staff"),
        ("late", "finance"),
        ("late", "staff"),
        ("projection_low", "finance"),
        ("projection_low", "manager"),
    ]
    assert emails == 8  # seven people and the provider's contact
    second = run_reminders("--as-of", "2024-12-20", "--force")
    assert "新提醒 0 条" in second
    assert Notice.objects.count() == notices
    assert (
        sorted(Notification.objects.values_list("notice__rule", "recipient__username"))
        == notifications
    )
    assert len(mail.outbox) == emails


def test_late_again_after_the_due_date_moved_is_a_new_notice_sent_again(bureau, people):
    staff, finance, _manager = people
    installment = one_installment(bureau, staff, finance, due=datetime.date(2024, 3, 31))
    reminders.run(now=at(datetime.date(2024, 4, 3)), send=INLINE)  # Wednesday, 3 days late
    first = Notice.objects.get(rule=R.LATE)
    assert first.key == f"late:{installment.pk}:2024-03-31:L1"
    assert sorted(m.to[0] for m in mail.outbox if "已逾期 3 天未付" in m.subject) == [
        "finance@example.cn",
        "staff@example.cn",
    ]

    # The due date moves to 30 April (and the documents deadline with it).
    Installment.objects.filter(pk=installment.pk).update(
        due_date=datetime.date(2024, 4, 30), documents_due=datetime.date(2024, 4, 15)
    )
    reminders.run(now=at(datetime.date(2024, 4, 5)), send=INLINE)
    first.refresh_from_db()
    assert (first.resolved_at, first.resolution) == (
        at(datetime.date(2024, 4, 5)),
        "付款期限已调整",
    )
    documents = Notice.objects.get(rule=R.DOCUMENTS_LATE)
    assert documents.resolution == "资料提交期限已调整"

    reminders.run(now=at(datetime.date(2024, 4, 22)), send=INLINE)  # 8 days before
    assert _keys(R.DUE_SOON) == [f"due_soon:{installment.pk}:2024-04-30:15"]

    mail.outbox.clear()
    reminders.run(now=at(datetime.date(2024, 5, 3)), send=INLINE)  # Friday, late again
    assert _keys(R.LATE) == [
        f"late:{installment.pk}:2024-03-31:L1",
        f"late:{installment.pk}:2024-04-30:L1",
    ]
    first.refresh_from_db()
    assert first.resolution == "付款期限已调整"  # not reopened
    second = Notice.objects.get(rule=R.LATE, resolved_at__isnull=True)
    assert second.title.endswith("已逾期 3 天未付")
    assert _recipients(second) == {"staff", "finance"}
    assert sorted(m.to[0] for m in mail.outbox if "已逾期 3 天未付" in m.subject) == [
        "finance@example.cn",
        "staff@example.cn",
    ]
    due_soon = Notice.objects.get(rule=R.DUE_SOON)
    assert due_soon.resolution == "已到期未付，转为逾期提醒"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_scans_at_once_create_and_send_each_notice_once(bureau, people):
    staff, finance, _manager = people
    installment = one_installment(bureau, staff, finance, due=datetime.date(2024, 4, 1))
    barrier = threading.Barrier(2)
    errors = []

    def scan():
        try:
            barrier.wait()
            reminders.run(now=at(datetime.date(2024, 4, 3)), send=INLINE)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        f"behind_target:{bureau.pk}:2024-03",
        f"documents_late:{installment.pk}:2024-03-17",
        f"late:{installment.pk}:2024-04-01:L1",
    ]
    assert sorted(Notification.objects.values_list("notice__rule", "recipient__username")) == [
        ("behind_target", "finance"),
        ("behind_target", "manager"),
        ("documents_late", "staff"),
        ("late", "finance"),
        ("late", "staff"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "finance@example.cn",
        "finance@example.cn",
        "manager@example.cn",
        "staff@example.cn",
        "staff@example.cn",
    ]


# --- due soon and late ----------------------------------------------------------------


def test_due_soon_sends_the_nearest_threshold_once(bureau, staff_user, finance_user):
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    BudgetFactory(project=contract.award.project)
    [installment] = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(100)],
        due_dates=[datetime.date(2024, 3, 31)],
    )
    reminders.run(now=at(datetime.date(2024, 3, 21)))  # 10 days before: the 15-day notice
    reminders.run(now=at(datetime.date(2024, 3, 22)))
    reminders.run(now=at(datetime.date(2024, 3, 26)))  # 5 days before: the 7-day notice
    keys = sorted(
        Notice.objects.filter(rule=Notice.Rule.DUE_SOON).values_list("key", "resolved_at")
    )
    assert [k for k, _ in keys] == [
        f"due_soon:{installment.pk}:2024-03-31:15",
        f"due_soon:{installment.pk}:2024-03-31:7",
    ]
    assert set(
        Notification.objects.filter(
            notice__key=f"due_soon:{installment.pk}:2024-03-31:7"
        ).values_list("recipient__username", flat=True)
    ) == {"staff", "finance"}


def test_a_bureaus_own_due_soon_days_change_the_scan(bureau, people):
    staff, finance, _manager = people
    installment = one_installment(bureau, staff, finance, due=datetime.date(2024, 6, 30))
    assert _candidates(datetime.date(2024, 6, 10), R.DUE_SOON) == []  # 20 days: defaults
    ReminderSettings.objects.create(bureau=bureau, due_soon_days=[20])
    [candidate] = _candidates(datetime.date(2024, 6, 10), R.DUE_SOON)
    assert candidate.key == f"due_soon:{installment.pk}:2024-06-30:20"
    assert candidate.title.endswith("20 天后到期")


def test_escalation_shows_the_current_level_only_and_level_3_is_urgent(demo, client):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    reminders.run(now=at(datetime.date(2024, 12, 26)))  # 16 days late: level 2, manager told
    late = Notice.objects.filter(rule=Notice.Rule.LATE)
    assert [(n.level, n.resolved_at is None) for n in late.order_by("level")] == [
        (1, False),
        (2, True),
    ]
    open_late = late.filter(resolved_at__isnull=True)
    assert [n.level for n in open_late] == [2]
    assert set(open_late.get().notifications.values_list("recipient__username", flat=True)) == {
        "finance",
        "manager",
        "staff",
    }
    reminders.run(now=at(datetime.date(2025, 1, 10)))  # 31 days late: urgent
    urgent = late.get(resolved_at__isnull=True)
    assert (urgent.level, urgent.urgent) == (3, True)
    client.force_login(demo["manager"])
    page = client.get("/payments/dashboard/?year=2024").content.decode()
    assert 'id="urgent-notices"' in page and "已逾期 31 天未付" in page
    # The manager's centre shows the current level only.
    client.force_login(demo["manager"])
    titles = [
        n.notice.title for n in client.get("/payments/notifications/").context["notifications"]
    ]
    assert [t for t in titles if "逾期" in t and "未付" in t] == [urgent.title]


# --- approved but unpaid, and the contract's payment term -----------------------------


@pytest.fixture
def approved_on_1_may(bureau, people):
    staff, finance, _manager = people
    installment = one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 31))
    return approve(installment, staff=staff, finance=finance, on=datetime.date(2024, 5, 1))


def test_approved_but_unpaid_past_30_days_tells_finance_and_manager(approved_on_1_may):
    assert _candidates(datetime.date(2024, 5, 31), R.APPROVED_UNPAID) == []  # 30 days
    reminders.run(now=at(datetime.date(2024, 6, 3)), send=INLINE)  # Monday: 33 days
    notice = Notice.objects.get(rule=R.APPROVED_UNPAID)
    assert notice.key == f"approved_unpaid:{approved_on_1_may.pk}:2024-05-01"
    assert notice.body == "2024-05-01 审批通过，超过 30 天付款期限，尚未支付 100.00 万元。"
    assert _recipients(notice) == {"finance", "manager"}
    [candidate] = _candidates(datetime.date(2024, 6, 1), R.APPROVED_UNPAID)  # 31 days
    assert candidate.title.endswith("审批后 31 天仍未付款")


def test_approved_but_unpaid_counts_from_the_latest_approval_and_only_while_approved(
    schedule, staff_user, finance_user
):
    installment = approve(schedule[0], staff=staff_user, finance=finance_user)
    Installment.objects.filter(pk=installment.pk).update(approved_on=datetime.date(2023, 6, 1))
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.ON_HOLD, reason="审计未完成"
    )
    reminders.run(now=at(datetime.date(2023, 8, 1)))
    assert not Notice.objects.filter(rule=Notice.Rule.APPROVED_UNPAID).exists()


def test_the_contracts_payment_term_replaces_the_bureaus(approved_on_1_may):
    contract = approved_on_1_may.contract
    contract.payment_term_days = 45
    contract.save()
    assert _candidates(datetime.date(2024, 6, 1), R.APPROVED_UNPAID) == []
    assert _candidates(datetime.date(2024, 6, 15), R.APPROVED_UNPAID) == []  # 45 days
    [candidate] = _candidates(datetime.date(2024, 6, 16), R.APPROVED_UNPAID)
    assert candidate.body == "2024-05-01 审批通过，超过 45 天付款期限，尚未支付 100.00 万元。"
    # A term moved after the notice was raised resolves it as such, not as paid.
    contract.payment_term_days = None
    contract.save()
    reminders.run(now=at(datetime.date(2024, 6, 3)))
    contract.payment_term_days = 60
    contract.save()
    reminders.run(now=at(datetime.date(2024, 6, 4)))
    assert Notice.objects.get(rule=R.APPROVED_UNPAID).resolution == "付款期限已调整"


def test_the_payment_term_is_at_most_60_days_and_shown_on_the_contract(
    approved_on_1_may, client_for, staff_user
):
    contract = approved_on_1_may.contract
    contract.payment_term_days = 61
    with pytest.raises(ValidationError) as invalid:
        contract.full_clean()
    assert list(invalid.value.message_dict) == ["payment_term_days"]
    contract.payment_term_days = 45
    contract.save()
    page = client_for(staff_user).get(contract.get_absolute_url()).content.decode()
    assert '<dd class="col-sm-8" id="contract-payment-term">验收后 45 天内</dd>' in page
    form = client_for(staff_user).get(reverse("contracts:contract-update", args=[contract.pk]))
    assert "payment_term_days" in form.context["form"].fields


# --- behind the target, and the projection --------------------------------------------


def _paid_by_september(bureau, people, amount):
    staff, finance, _manager = people
    installment = one_installment(bureau, staff, finance, due=datetime.date(2024, 9, 30))
    installment = approve(installment, staff=staff, finance=finance)
    services.payment_post(
        actor=finance,
        installment=installment,
        paid_on=datetime.date(2024, 9, 15),
        amount=Decimal(amount),
        voucher_number="记-9",
    )
    # The bureau's own checkpoint: 80% by the end of September (the default is 75%).
    ProgressCheckpoint.objects.create(
        bureau=bureau, year=2024, month=9, target_percent=Decimal("80")
    )


def test_exactly_5_points_behind_the_checkpoint_is_within_tolerance(bureau, people):
    _paid_by_september(bureau, people, "750000.00")  # 75.00% against 80%
    assert _candidates(datetime.date(2024, 9, 30), R.BEHIND_TARGET) == []


def test_more_than_5_points_behind_the_checkpoint_warns(bureau, people):
    _paid_by_september(bureau, people, "749900.00")  # 74.99% against 80%
    [candidate] = _candidates(datetime.date(2024, 9, 30), R.BEHIND_TARGET)
    assert candidate.key == f"behind_target:{bureau.pk}:2024-09"
    assert candidate.title == "2024 年预算执行率落后序时进度 5.01 个百分点"
    assert candidate.body == "截至 2024-09-30，预算执行率 74.99%，序时进度 80.00%。"
    assert candidate.roles == ("finance", "manager")


def test_the_projection_warns_from_1_october(bureau, people):
    staff, finance, _manager = people
    one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 31), amount="900000.00")
    assert _candidates(datetime.date(2024, 9, 30), R.PROJECTION_LOW) == []
    [candidate] = _candidates(datetime.date(2024, 10, 1), R.PROJECTION_LOW)
    assert candidate.key == f"projection_low:{bureau.pk}:2024-10"
    assert candidate.title == "2024 年预计年末执行率 90.00%，低于目标 95.00%"


# --- bounded queries ------------------------------------------------------------------


def _contracts_due_in_june(bureau, staff_user):
    def contracts(n, first):
        numbers = range(first, first + n)
        made = contracts_in_bulk(bureau, (f"R-{i}" for i in numbers), owner=staff_user)
        budgets_in_bulk(made, recorded_by=staff_user)
        Installment.objects.bulk_create(
            Installment(
                bureau=bureau,
                contract=contract,
                number=1,
                planned_amount=Decimal("1000.00"),
                due_date=datetime.date(2024, 6, 1) + datetime.timedelta(days=i % 40),
            )
            for i, contract in zip(numbers, made, strict=True)
        )

    return contracts


def _statements(captured) -> list[str]:
    """The statements run, with bulk inserts that SQLite splits into batches counted once.

    (Django caps SQLite at 999 parameters per statement; PostgreSQL runs them as one.)
    """
    shapes = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if "SAVEPOINT" in sql:
            continue
        shape = sql[:80]
        if shapes and shape == shapes[-1] and sql.startswith("INSERT"):
            continue
        shapes.append(shape)
    return shapes


def test_a_real_run_runs_a_bounded_number_of_queries(bureau, staff_user, finance_user):
    contracts = _contracts_due_in_june(bureau, staff_user)
    contracts(5, 0)
    cache.clear()  # the factories write past the services that move the cache's versions
    with CaptureQueriesContext(connection) as few:
        reminders.run(now=at(datetime.date(2024, 6, 20)))
    Notice.objects.all().delete()
    contracts(100, 5)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        outcome = reminders.run(now=at(datetime.date(2024, 6, 20)))
    # Each installment notice reaches the owner and finance; the bureau's behind-target
    # notice reaches finance (this bureau has no manager).
    assert outcome.notifications == 2 * (len(outcome.created) - 1) + 1
    assert _statements(many) == _statements(few)


def test_the_scan_runs_a_bounded_number_of_queries(bureau, staff_user, finance_user):
    contracts = _contracts_due_in_june(bureau, staff_user)
    contracts(5, 0)
    cache.clear()  # the factories write past the services that move the cache's versions
    with CaptureQueriesContext(connection) as few:
        reminders.run(now=at(datetime.date(2024, 6, 20)), dry_run=True)
    contracts(100, 5)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        outcome = reminders.run(now=at(datetime.date(2024, 6, 20)), dry_run=True)
    offsets = [i % 40 for i in range(105)]  # due 1 June + offset; scanned on 20 June
    late = sum(offset < 19 for offset in offsets)
    due_soon = sum(0 <= offset - 19 <= 15 for offset in offsets)  # due today counts
    assert len(outcome.created) == late + due_soon + 1  # and the bureau is behind target
    assert len(many) == len(few)
