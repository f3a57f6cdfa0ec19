"""The reminders after review: periods in the keys, back-dated runs, the rules' boundaries,
delivery in its own task, prompt resolution, the provider's e-mail and the contract's
payment term."""

import datetime
import socket
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from contracts.models import Provider
from payments import reminders, services, tasks
from payments.models import (
    Installment,
    Notice,
    Notification,
    ProgressCheckpoint,
    ReminderSettings,
)
from payments.reminders import delivery, scan
from tests.factories import BudgetFactory, ContractFactory
from tests.payments.conftest import approve
from tests.reminders.conftest import at
from tests.reminders.conftest import run_command as _run

pytestmark = pytest.mark.django_db
S = Installment.Status
R = Notice.Rule
INLINE = reminders.INLINE


def _one_installment(bureau, owner, finance, *, due, amount="1000000.00", **contract):
    contract = ContractFactory(
        award__project__bureau=bureau, owner=owner, amount=Decimal(amount), **contract
    )
    BudgetFactory(
        project=contract.award.project,
        initial_amount=Decimal("1000000.00"),
        issued_amount=Decimal("1000000.00"),
    )
    [installment] = services.schedule_generate(
        actor=finance, contract=contract, percents=[Decimal(100)], due_dates=[due]
    )
    return installment


def _keys(rule) -> list[str]:
    return sorted(Notice.objects.filter(rule=rule).values_list("key", flat=True))


def _recipients(notice) -> set[str]:
    return set(notice.notifications.values_list("recipient__username", flat=True))


@pytest.fixture
def people(staff_user, finance_user, manager_user):
    for user in (staff_user, finance_user, manager_user):
        user.email = f"{user.username}@example.cn"
        user.save()
    return staff_user, finance_user, manager_user


# --- 1. the period in the keys ------------------------------------------------------------


def test_late_again_after_the_due_date_moved_is_a_new_notice_sent_again(bureau, people):
    staff, finance, _manager = people
    installment = _one_installment(bureau, staff, finance, due=datetime.date(2024, 3, 31))
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


# --- 2. a back-dated real run ---------------------------------------------------------------


def _state():
    return sorted(
        Notice.objects.values_list("key", "resolved_at", "resolution", "delivered_at", "title")
    ), sorted(Notification.objects.values_list("notice__key", "recipient_id", "read_at"))


def test_a_back_dated_real_run_is_refused_unless_forced(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20)), send=INLINE)
    reminders.run(now=at(datetime.date(2024, 12, 26)), send=INLINE)  # level 2 by now
    before, emails = _state(), len(mail.outbox)
    with pytest.raises(CommandError) as refused:
        _run("--as-of", "2024-12-20")
    assert str(refused.value) == (
        f"--as-of 2024-12-20 不是今天（{timezone.localdate()}）：按别的日期实际运行会解除现有的提醒、"
        "重开旧的提醒并发送。请加 --dry-run 只查看；确需实际运行，请加 --force。"
    )
    assert _state() == before and len(mail.outbox) == emails

    assert "重新出现 1 条：" in _run("--as-of", "2024-12-20", "--dry-run")
    assert _state() == before and len(mail.outbox) == emails

    forced = _run("--as-of", "2024-12-20", "--force")
    assert "重新出现 1 条：" in forced  # the level-1 notice, as it stood on the 20th
    assert _state() != before


def test_the_command_runs_today_without_force(demo):
    output = _run("--as-of", timezone.localdate().isoformat())
    assert output.splitlines()[0] == f"截至 {timezone.localdate()}"


# --- 3. the rules at their boundaries ---------------------------------------------------------


def _candidates(as_of, rule):
    return [c.render() for c in reminders.find(as_of) if c.rule == rule]


@pytest.fixture
def approved_on_1_may(bureau, people):
    staff, finance, _manager = people
    installment = _one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 31))
    installment = approve(installment, staff=staff, finance=finance)
    Installment.objects.filter(pk=installment.pk).update(approved_on=datetime.date(2024, 5, 1))
    return installment


def test_approved_but_unpaid_past_30_days_tells_finance_and_manager(approved_on_1_may):
    assert _candidates(datetime.date(2024, 5, 31), R.APPROVED_UNPAID) == []  # 30 days
    reminders.run(now=at(datetime.date(2024, 6, 3)), send=INLINE)  # Monday: 33 days
    notice = Notice.objects.get(rule=R.APPROVED_UNPAID)
    assert notice.key == f"approved_unpaid:{approved_on_1_may.pk}:2024-05-01"
    assert notice.body == "2024-05-01 审批通过，超过 30 天付款期限，尚未支付 100.00 万元。"
    assert _recipients(notice) == {"finance", "manager"}
    [candidate] = _candidates(datetime.date(2024, 6, 1), R.APPROVED_UNPAID)  # 31 days
    assert candidate.title.endswith("审批后 31 天仍未付款")


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


def _paid_by_september(bureau, people, amount):
    staff, finance, _manager = people
    installment = _one_installment(bureau, staff, finance, due=datetime.date(2024, 9, 30))
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
    _one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 31), amount="900000.00")
    assert _candidates(datetime.date(2024, 9, 30), R.PROJECTION_LOW) == []
    [candidate] = _candidates(datetime.date(2024, 10, 1), R.PROJECTION_LOW)
    assert candidate.key == f"projection_low:{bureau.pk}:2024-10"
    assert candidate.title == "2024 年预计年末执行率 90.00%，低于目标 95.00%"


def test_a_bureaus_own_due_soon_days_change_the_scan(bureau, people):
    staff, finance, _manager = people
    installment = _one_installment(bureau, staff, finance, due=datetime.date(2024, 6, 30))
    assert _candidates(datetime.date(2024, 6, 10), R.DUE_SOON) == []  # 20 days: defaults
    ReminderSettings.objects.create(bureau=bureau, due_soon_days=[20])
    [candidate] = _candidates(datetime.date(2024, 6, 10), R.DUE_SOON)
    assert candidate.key == f"due_soon:{installment.pk}:2024-06-30:20"
    assert candidate.title.endswith("20 天后到期")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_scans_at_once_create_and_send_each_notice_once(bureau, people):
    staff, finance, _manager = people
    installment = _one_installment(bureau, staff, finance, due=datetime.date(2024, 4, 1))
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_deliveries_of_one_notice_at_once_send_it_once(bureau, people, monkeypatch):
    staff, finance, _manager = people
    _one_installment(bureau, staff, finance, due=datetime.date(2024, 4, 1))
    reminders.run(now=at(datetime.date(2024, 4, 3), 20))  # after hours: in-app waits
    reminders.deliver(now=at(datetime.date(2024, 4, 4), 9, 5), send=INLINE)
    late = Notice.objects.get(rule=R.LATE)
    # Undo the inline delivery's claim, then let two tasks read the notice before either
    # claims it.
    Notice.objects.filter(pk=late.pk).update(dispatched_at=None)
    Notification.objects.filter(notice=late).update(emailed_at=None)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    real_settings_for = delivery.reminder_settings_for

    def both_have_read(bureau_ids):
        barrier.wait(timeout=30)
        return real_settings_for(bureau_ids)

    monkeypatch.setattr(delivery, "reminder_settings_for", both_have_read)
    sent = []

    def deliver():
        try:
            sent.append(reminders.dispatch(late.pk, now=at(datetime.date(2024, 4, 4), 9, 6)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(s.emails for s in sent) == [0, 2]
    assert sorted(m.to[0] for m in mail.outbox) == ["finance@example.cn", "staff@example.cn"]


# --- 4. delivery in its own task --------------------------------------------------------------


@pytest.fixture
def silent_robot():
    """A robot that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connections(server) -> int:
    count = 0
    while True:
        try:
            peer, _address = server.accept()
        except BlockingIOError:
            return count
        peer.close()
        count += 1


def test_the_scan_task_queues_delivery_and_never_calls_the_robot(
    bureau, people, silent_robot, django_capture_on_commit_callbacks, monkeypatch
):
    staff, finance, _manager = people
    installment = _one_installment(
        bureau, staff, finance, due=timezone.localdate() - datetime.timedelta(days=3)
    )
    ReminderSettings.objects.create(
        bureau=bureau,
        work_start=datetime.time(0, 0),
        work_end=datetime.time(23, 59, 59),
        work_days=[1, 2, 3, 4, 5, 6, 7],
        webhook_url=f"http://127.0.0.1:{silent_robot.getsockname()[1]}/send",
    )
    with django_capture_on_commit_callbacks() as queued:
        result = tasks.run_reminders()
    assert result["notifications"] == 3 and result["queued"] == 2
    assert _connections(silent_robot) == 0 and mail.outbox == []
    assert Notification.objects.count() == 3  # in-app, at once
    late = Notice.objects.get(rule=R.LATE, installment=installment)
    documents = Notice.objects.get(rule=R.DOCUMENTS_LATE)

    # The delivery tasks the scan queued (eager here): one notice each, robot and e-mail.
    assert delivery.ROBOT_TIMEOUT == 5
    monkeypatch.setattr(delivery, "ROBOT_TIMEOUT", 0.2)
    for callback in queued:
        callback()
    assert _connections(silent_robot) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "finance@example.cn",
        "staff@example.cn",
        "staff@example.cn",
    ]
    late.refresh_from_db()
    assert late.dispatched_at is not None and late.webhook_sent_at == late.dispatched_at

    # A redelivered task, or a second one, sends nothing again.
    assert tasks.deliver_notice(late.pk) == {"emails": 0, "webhooks": 0}
    assert tasks.deliver_notice(documents.pk) == {"emails": 0, "webhooks": 0}
    assert len(mail.outbox) == 3 and _connections(silent_robot) == 0


def test_a_delivery_outside_working_hours_waits_for_the_next_scan(
    bureau, people, django_capture_on_commit_callbacks
):
    staff, finance, _manager = people
    _one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 17))
    with django_capture_on_commit_callbacks() as queued:
        reminders.run(now=at(datetime.date(2024, 12, 20), 17, 55))  # Friday
    [late] = Notice.objects.filter(rule=R.LATE)
    assert _queued(queued) == [n.pk for n in _notices()]

    # The task runs late, after hours: it claims nothing.
    assert reminders.dispatch(late.pk, now=at(datetime.date(2024, 12, 20), 18, 5)) == (
        reminders.Sent()
    )
    late.refresh_from_db()
    assert late.dispatched_at is None and mail.outbox == []
    with django_capture_on_commit_callbacks() as queued:
        reminders.run(now=at(datetime.date(2024, 12, 20), 19, 5))
    assert _queued(queued) == []
    with django_capture_on_commit_callbacks() as queued:
        reminders.run(now=at(datetime.date(2024, 12, 23), 9, 5))  # Monday
    assert _queued(queued) == [n.pk for n in _notices()]
    sent = reminders.dispatch(late.pk, now=at(datetime.date(2024, 12, 23), 9, 6))
    assert sent == reminders.Sent(emails=2)
    assert sorted(m.to[0] for m in mail.outbox) == ["finance@example.cn", "staff@example.cn"]


def _notices():
    return Notice.objects.order_by("pk")


def _queued(callbacks) -> list[int]:
    """The notices whose delivery tasks the scan queued after its commit."""
    return [
        notice_id
        for callback in callbacks
        if getattr(callback, "func", None) is delivery._enqueue
        for notice_id in callback.args[0]
    ]


# --- 5. prompt resolution ------------------------------------------------------------------------


def test_receiving_the_documents_and_paying_resolve_at_once(
    demo, django_capture_on_commit_callbacks
):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    late = Notice.objects.get(rule=R.LATE)
    installment = late.installment
    with django_capture_on_commit_callbacks(execute=True):
        for document in installment.documents.all():
            services.document_receive(
                actor=demo["staff"], document=document, received_on=datetime.date(2024, 12, 21)
            )
    documents = Notice.objects.get(rule=R.DOCUMENTS_LATE)
    assert (documents.resolved_at is not None, documents.resolution) == (True, "资料已收齐")
    late.refresh_from_db()
    assert late.resolved_at is None  # still unpaid
    assert reminders.unread_count(demo["staff"]) == 1

    for actor, status in (
        ("staff", S.DOCUMENTS_SUBMITTED),
        ("finance", S.UNDER_REVIEW),
        ("finance", S.APPROVED),
    ):
        services.installment_transition(
            actor=demo[actor], installment=installment, to_status=status
        )
    installment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_post(
            actor=demo["finance"],
            installment=installment,
            paid_on=datetime.date(2024, 12, 23),
            amount=Decimal("121600.00"),
            voucher_number="记-12-23",
        )
    late.refresh_from_db()
    assert (late.resolved_at is not None, late.resolution) == (True, "已付清")
    assert reminders.unread_count(demo["staff"]) == 0


# --- 6. the urgent banner -------------------------------------------------------------------


def test_the_urgent_banner_says_the_bureaus_threshold(demo, client):
    ReminderSettings.objects.create(
        bureau=demo["manager"].bureau, escalate_level2_days=10, escalate_level3_days=20
    )
    reminders.run(now=at(datetime.date(2024, 12, 30)))  # 20 days late
    client.force_login(demo["manager"])
    page = client.get("/payments/dashboard/?year=2024").content.decode()
    assert '<i class="bi bi-exclamation-octagon"></i> 紧急：逾期 20 天以上未付</h2>' in page
    assert "已逾期 20 天未付" in page


# --- 8. the provider's e-mail ------------------------------------------------------------------


def test_the_provider_gets_its_own_e_mail_at_the_address_on_record(demo):
    provider = Provider.objects.get(name="深圳市温馨社工服务中心")
    reminders.run(now=at(datetime.date(2024, 12, 20)), send=INLINE)
    [message] = [m for m in mail.outbox if m.to == [provider.email]]
    assert provider.email == "contact@wenxin-sw.example.cn"
    assert message.subject == (
        "【深圳市盐田区民政局】请尽快提交社会事务及福利保障社工服务项目第二期付款资料"
    )
    assert message.body == (
        "深圳市温馨社工服务中心 刘主任：\n"
        "\n"
        "贵机构承接的社会事务及福利保障社工服务项目（2024年8-12月合同，合同编号 DEMO-YTMZ-2024-01）"
        "第二期的付款资料应于 2024-11-30 前提交，截至 2024-12-20 尚未收到以下资料：\n"
        "  - 发票\n"
        "  - 服务报告\n"
        "\n"
        "本期款应付日期为 2024-12-10，资料交齐并审核通过后方可付款，请尽快提交。\n"
        "如有疑问，请联系：陈社工科（深圳市盐田区民政局），邮箱 staff@yantian.example.cn。\n"
        "\n"
        "深圳市盐田区民政局\n"
    )
    assert "http" not in message.body
    notice = Notice.objects.get(rule=R.DOCUMENTS_LATE)
    assert notice.provider_emailed_at == at(datetime.date(2024, 12, 20))


def test_the_provider_e_mail_goes_to_the_address_recorded_when_it_is_sent(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20), 20))  # after hours: waits
    Provider.objects.filter(name="深圳市温馨社工服务中心").update(email="docs@wenxin-sw.example.cn")
    reminders.run(now=at(datetime.date(2024, 12, 23), 9, 5), send=INLINE)
    provider_mail = [m.to for m in mail.outbox if m.subject.startswith("【")]
    assert provider_mail == [["docs@wenxin-sw.example.cn"]]


# --- 9. what the command prints ---------------------------------------------------------------


def test_a_dry_run_outside_working_hours_says_when_the_notices_would_go(demo):
    lines = _run("--as-of", "2024-12-21", "--dry-run").splitlines()  # a Saturday
    late = [line for line in lines if line.startswith("  [分期款逾期未付]")]
    assert late == [
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 11 天未付"
        " → finance, staff（非工作时间，将于 12月23日 09:00 发送）"
    ]


def test_the_command_lists_what_it_sends_from_earlier_deferrals(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20), 20, 30))  # Friday evening: all wait
    assert not Notification.objects.exists()
    lines = _run("--as-of", "2024-12-23", "--force").splitlines()
    assert lines[1] == "新提醒 0 条："
    assert lines[2] == "发送此前推迟到工作时间的提醒 4 条："
    assert (
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 10 天未付"
        " → finance, staff" in lines[3:7]
    )
    assert lines[-1] == "已发送 4 条提醒：站内通知 7 条，邮件 8 封，群机器人 0 次。"
    assert Notification.objects.count() == 7 and len(mail.outbox) == 8


# --- 10. days counted to today ---------------------------------------------------------------


def test_the_notification_centre_counts_the_days_to_today(demo, client):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    documents = Notice.objects.get(rule=R.DOCUMENTS_LATE)
    assert documents.title.endswith("付款资料逾期 20 天未交")  # as found
    days = (timezone.localdate() - datetime.date(2024, 11, 30)).days
    late_days = (timezone.localdate() - datetime.date(2024, 12, 10)).days
    client.force_login(demo["staff"])
    page = client.get("/payments/notifications/")
    name = "社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期"
    assert sorted(n.title for n in page.context["notifications"]) == [
        f"{name} 付款资料逾期 {days} 天未交",
        f"{name} 已逾期 {late_days} 天未付",
    ]
    assert f"{name} 付款资料逾期 {days} 天未交</span>" in page.content.decode()
    # A resolved notice keeps the title it had.
    Notice.objects.filter(pk=documents.pk).update(resolved_at=timezone.now())
    documents.refresh_from_db()
    assert reminders.live_title(documents, timezone.localdate()) == documents.title


def test_a_payment_posted_while_a_scan_runs_stays_resolved(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    late = Notice.objects.get(rule=R.LATE)
    installment = late.installment
    for document in installment.documents.all():
        services.document_receive(
            actor=demo["staff"], document=document, received_on=datetime.date(2024, 12, 21)
        )
    for actor, status in (
        ("staff", S.DOCUMENTS_SUBMITTED),
        ("finance", S.UNDER_REVIEW),
        ("finance", S.APPROVED),
    ):
        services.installment_transition(
            actor=demo[actor], installment=installment, to_status=status
        )
    Notification.objects.filter(notice=late).update(read_at=timezone.now())
    original = reminders.find

    def find_then_finance_pays(as_of, **kwargs):
        found = original(as_of, **kwargs)  # the scan has read the installment as late
        installment.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_post(
                actor=demo["finance"],
                installment=installment,
                paid_on=datetime.date(2024, 12, 23),
                amount=Decimal("121600.00"),
                voucher_number="记-12-23",
            )
        return found

    monkeypatch.setattr(scan, "find", find_then_finance_pays)
    outcome = reminders.run(now=at(datetime.date(2024, 12, 23), 11))
    late.refresh_from_db()
    assert outcome.reopened == []
    assert late.resolved_at is not None and late.resolution == "已付清"
    assert not Notification.objects.filter(notice=late, read_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_an_unread_count_read_across_a_delivery_is_never_served(bureau, staff_user, monkeypatch):
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself, not the proxy, so it can be patched

    notice = Notice.objects.create(
        bureau=bureau,
        key="late:1:2024-12-10:L1",
        rule=R.LATE,
        title="t",
        body="b",
        url="/",
        deliver_after=at(datetime.date(2024, 12, 10)),
    )
    real_set = cache.set
    delivered = []

    def store_after_a_concurrent_delivery(key, value, *args, **kwargs):
        if key.startswith("inbox-count:") and not delivered:
            delivered.append(key)
            with transaction.atomic():  # another process delivers meanwhile
                Notification.objects.create(notice=notice, recipient=staff_user)
                reminders.inbox_changed(staff_user.pk)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", store_after_a_concurrent_delivery)
    assert reminders.unread_count(staff_user) == 0  # counted before the delivery
    monkeypatch.setattr(cache, "set", real_set)
    assert delivered
    assert reminders.unread_count(staff_user) == 1
