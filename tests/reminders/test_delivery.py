"""Delivery of notices: in the app at once, e-mail and robot in working hours only, in a task of its own per notice, by e-mail
and the group robot, to the provider at the address on record, and never twice."""

import datetime
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from contracts.models import Contract, Provider
from payments import reminders, tasks
from payments.models import Installment, Notice, Notification, ReminderSettings
from payments.reminders import delivery
from tests.helpers import at, one_installment

pytestmark = pytest.mark.django_db
R = Notice.Rule
INLINE = reminders.INLINE


# --- working hours --------------------------------------------------------------------


def test_outside_working_hours_notices_show_in_the_app_and_mail_waits(demo):
    friday_evening = at(datetime.date(2024, 12, 20), 20, 30)
    outcome = reminders.run(now=friday_evening, as_of=datetime.date(2024, 12, 20), send=INLINE)
    # In the app at once, whatever the hour; e-mails and the robot wait for Monday 9:00.
    assert len(outcome.created) == 4 and len(outcome.delivered) == 4
    assert Notification.objects.count() == 7 and len(mail.outbox) == 0
    assert {n.deliver_after for n in Notice.objects.all()} == {
        at(datetime.date(2024, 12, 23), 9, 0)
    }
    assert set(Notice.objects.values_list("dispatched_at", flat=True)) == {None}
    reminders.deliver(now=at(datetime.date(2024, 12, 21), 11), send=INLINE)  # Saturday
    assert len(mail.outbox) == 0
    reminders.deliver(now=at(datetime.date(2024, 12, 23), 9, 5), send=INLINE)
    assert Notification.objects.count() == 7 and len(mail.outbox) > 0


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


def test_a_delivery_outside_working_hours_waits_for_the_next_scan(
    bureau, people, django_capture_on_commit_callbacks
):
    staff, finance, _manager = people
    one_installment(bureau, staff, finance, due=datetime.date(2024, 12, 17))
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


# --- a task per notice, once ----------------------------------------------------------


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
    bureau, people, silent_robot, local_robots, django_capture_on_commit_callbacks, monkeypatch
):
    staff, finance, _manager = people
    installment = one_installment(
        bureau, staff, finance, due=timezone.localdate() - datetime.timedelta(days=3)
    )
    ReminderSettings.objects.create(
        bureau=bureau,
        work_start=datetime.time(0, 0),
        work_end=datetime.time(23, 59, 59),
        work_days=[1, 2, 3, 4, 5, 6, 7],
        webhook_url=f"https://127.0.0.1:{silent_robot.getsockname()[1]}/send",
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_deliveries_of_one_notice_at_once_send_it_once(bureau, people, monkeypatch):
    staff, finance, _manager = people
    one_installment(bureau, staff, finance, due=datetime.date(2024, 4, 1))
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


# --- the group robot ------------------------------------------------------------------


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
def robot(local_robots):
    """A robot answering over HTTPS on 127.0.0.1 (an installation's own robot host)."""
    cert, key = local_robots
    server = HTTPServer(("127.0.0.1", 0), _Robot)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Robot.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", _Robot.received
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


# --- the provider's e-mail ------------------------------------------------------------


def test_the_provider_gets_its_own_e_mail_at_the_address_on_record(demo):
    provider = Provider.objects.get(name="深圳市温馨社工服务中心")
    reminders.run(now=at(datetime.date(2024, 12, 20)), send=INLINE)
    [message] = [m for m in mail.outbox if m.to == [provider.email]]
    contract = Contract.objects.get(number="DEMO-YTMZ-2024-01")
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
        f"请登录服务机构门户在线提交：http://127.0.0.1:8000/portal/contracts/{contract.pk}/\n"
        "如有疑问，请联系：陈社工科（深圳市盐田区民政局），邮箱 staff@yantian.example.cn。\n"
        "\n"
        "深圳市盐田区民政局\n"
    )
    notice = Notice.objects.get(rule=R.DOCUMENTS_LATE)
    assert notice.provider_emailed_at == at(datetime.date(2024, 12, 20))


def test_the_provider_e_mail_goes_to_the_address_recorded_when_it_is_sent(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20), 20))  # after hours: waits
    Provider.objects.filter(name="深圳市温馨社工服务中心").update(email="docs@wenxin-sw.example.cn")
    reminders.run(now=at(datetime.date(2024, 12, 23), 9, 5), send=INLINE)
    provider_mail = [m.to for m in mail.outbox if m.subject.startswith("【")]
    assert provider_mail == [["docs@wenxin-sw.example.cn"]]
