"""The reminder scan: what it finds, who hears of it, once, and in working hours."""

import datetime
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments import reminders, services
from payments.models import Installment, Notice, Notification, ReminderSettings
from tests.factories import BudgetFactory, ContractFactory
from tests.reminders.conftest import at
from tests.reminders.conftest import run_command as _run

pytestmark = pytest.mark.django_db
S = Installment.Status


def test_the_demo_dry_run_on_20_december_2024(demo):
    output = _run("--as-of", "2024-12-20", "--dry-run")
    lines = output.splitlines()
    assert lines[0] == "截至 2024-12-20（试运行，不写入、不发送）"
    assert (
        "  [付款资料逾期未交] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 付款资料逾期 20 天未交 → staff"
        "；并邮件通知服务机构 contact@wenxin-sw.example.cn" in lines
    )
    late = [line for line in lines if line.startswith("  [分期款逾期未付]")]
    assert late == [
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 10 天未付 → finance, staff"
    ]
    projection = [line for line in lines if line.startswith("  [预计年末执行率不达标]")]
    assert projection == [
        "  [预计年末执行率不达标] 2024 年预计年末执行率 93.20%，低于目标 95.00% → manager, finance"
    ]
    assert not Notice.objects.exists() and not Notification.objects.exists()
    assert len(mail.outbox) == 0


def test_running_for_real_twice_creates_each_notification_once(demo):
    first = _run("--as-of", "2024-12-20", "--force")
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
    second = _run("--as-of", "2024-12-20", "--force")
    assert "新提醒 0 条" in second
    assert Notice.objects.count() == notices
    assert (
        sorted(Notification.objects.values_list("notice__rule", "recipient__username"))
        == notifications
    )
    assert len(mail.outbox) == emails


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


def test_a_notice_stops_when_its_cause_is_resolved(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    installment = Installment.objects.get(
        pk=Notice.objects.get(rule=Notice.Rule.LATE).installment_id
    )
    for document in installment.documents.all():
        services.document_receive(
            actor=demo["staff"], document=document, received_on=datetime.date(2024, 12, 21)
        )
    outcome = reminders.run(now=at(datetime.date(2024, 12, 23)))
    resolved = {n.rule: n.resolution for n in outcome.resolved}
    assert resolved[Notice.Rule.DOCUMENTS_LATE] == "资料已收齐"
    assert reminders.unread_count(demo["staff"]) == 1  # the late notice remains


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


def test_outside_working_hours_notices_wait(demo):
    friday_evening = at(datetime.date(2024, 12, 20), 20, 30)
    outcome = reminders.run(now=friday_evening, as_of=datetime.date(2024, 12, 20))
    assert len(outcome.created) == 4 and outcome.delivered == []
    assert not Notification.objects.exists() and len(mail.outbox) == 0
    assert {n.deliver_after for n in Notice.objects.all()} == {
        at(datetime.date(2024, 12, 23), 9, 0)
    }
    reminders.deliver(now=at(datetime.date(2024, 12, 21), 11))  # Saturday: still waiting
    assert not Notification.objects.exists()
    reminders.deliver(now=at(datetime.date(2024, 12, 23), 9, 5))
    assert Notification.objects.count() == 7


def _contracts_due_in_june(bureau, staff_user):
    def contracts(n, first):
        for i in range(first, first + n):
            contract = ContractFactory(
                award__project__bureau=bureau, owner=staff_user, number=f"R-{i}"
            )
            BudgetFactory(project=contract.award.project)
            Installment.objects.create(
                bureau=bureau,
                contract=contract,
                number=1,
                planned_amount=Decimal("1000.00"),
                due_date=datetime.date(2024, 6, 1) + datetime.timedelta(days=i % 40),
            )

    return contracts


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


class _Robot(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        _Robot.received.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    server = HTTPServer(("127.0.0.1", 0), _Robot)
    _Robot.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", _Robot.received
    server.shutdown()


def test_the_group_robot_receives_the_late_installment(demo, robot, settings):
    url, received = robot
    settings.SITE_URL = "https://mz.example.gov.cn"
    ReminderSettings.objects.create(bureau=demo["manager"].bureau, webhook_url=url)
    reminders.run(now=at(datetime.date(2024, 12, 20)), send=reminders.INLINE)
    reminders.run(now=at(datetime.date(2024, 12, 20), 11), send=reminders.INLINE)
    late = [body for _ctype, body in received if body["notice"]["rule"] == "late"]
    assert len(received) == 4 and len(late) == 1
    content_type, _body = received[0]
    assert content_type == "application/json; charset=utf-8"
    [body] = late
    installment = Installment.objects.get(pk=body["notice"]["installment_id"])
    assert body["msgtype"] == "markdown"
    assert body["notice"]["installment"] == "第二期"
    assert body["notice"]["contract"] == "DEMO-YTMZ-2024-01"
    assert body["notice"]["outstanding"] == "121600.00"
    assert body["notice"]["days_late"] == 10
    assert (
        body["notice"]["url"]
        == f"https://mz.example.gov.cn/payments/installments/{installment.pk}/"
    )
    assert "未付 12.16 万元" in body["markdown"]["content"]
    assert "逾期天数：10" in body["markdown"]["content"]
    assert (
        f"(https://mz.example.gov.cn/payments/installments/{installment.pk}/)"
        in body["markdown"]["content"]
    )


def test_the_notification_centre(demo, client):
    reminders.run(now=at(datetime.date(2024, 12, 20)))
    staff = demo["staff"]
    client.force_login(staff)
    page = client.get("/payments/notifications/")
    assert (
        '<span class="badge rounded-pill bg-danger" id="unread-count">2</span>'
        in page.content.decode()
    )
    notification = Notification.objects.filter(recipient=staff, notice__rule=Notice.Rule.LATE).get()
    response = client.get(f"/payments/notifications/{notification.pk}/")
    assert response["Location"] == f"/payments/installments/{notification.notice.installment_id}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert reminders.unread_count(staff) == 1
    client.force_login(demo["finance"])
    assert client.get(f"/payments/notifications/{notification.pk}/").status_code == 404
    client.post("/payments/notifications/read-all/")
    assert reminders.unread_count(demo["finance"]) == 0


def test_only_the_manager_edits_reminder_settings(demo, client):
    # The platform's and the bureau's administrators do none of the bureau's business.
    for name in ("staff", "finance", "auditor", "admin", "secadmin", "auditadmin"):
        client.force_login(demo[name])
        response = client.get("/payments/reminders/settings/")
        # The platform's administrator has no bureau: sent home before any permission.
        assert response.status_code == (302 if name == "admin" else 403), name
    client.force_login(demo["manager"])
    form = {
        "due_soon_days": "10,5",
        "escalate_level2_days": "10",
        "escalate_level3_days": "20",
        "payment_deadline_days": "30",
        "tolerance_points": "3",
        "year_end_target": "98",
        "projection_from_month": "9",
        "work_start": "08:30",
        "work_end": "17:30",
        "work_days": "1,2,3,4,5,6",
        "email_enabled": "on",
        "webhook_url": "",
    }
    response = client.post("/payments/reminders/settings/", {**form, "escalate_level3_days": "5"})
    assert "紧急级别的天数应大于升级至分管领导的天数。" in response.content.decode()
    assert not ReminderSettings.objects.exists()
    client.post("/payments/reminders/settings/", form)
    saved = ReminderSettings.objects.get()
    assert (saved.due_soon_days, saved.working_days, saved.year_end_target) == (
        [10, 5],
        [6, 5, 4, 3, 2, 1],
        Decimal("98.00"),
    )


def test_the_schedules_are_installed_in_the_database():
    from django_celery_beat.models import PeriodicTask

    schedules = {
        t.task: (t.crontab.minute, t.crontab.hour, str(t.crontab.timezone))
        for t in PeriodicTask.objects.all()
    }
    assert schedules["payments.tasks.run_reminders"] == ("5", "*", "Asia/Shanghai")
    assert schedules["accounts.tasks.clear_expired_sessions"] == ("30", "3", "Asia/Shanghai")
