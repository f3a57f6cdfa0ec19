"""Where people see notices: the notification centre and its unread count, titles counted
to today, and the dashboard's urgent banner."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from payments import reminders
from payments.models import Notice, Notification, ReminderSettings
from tests.helpers import at

pytestmark = pytest.mark.django_db
R = Notice.Rule


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


def test_the_urgent_banner_says_the_bureaus_threshold(demo, client):
    ReminderSettings.objects.create(
        bureau=demo["manager"].bureau, escalate_level2_days=10, escalate_level3_days=20
    )
    reminders.run(now=at(datetime.date(2024, 12, 30)))  # 20 days late
    client.force_login(demo["manager"])
    page = client.get("/payments/dashboard/?year=2024").content.decode()
    assert '<i class="bi bi-exclamation-octagon"></i> 紧急：逾期 20 天以上未付</h2>' in page
    assert "已逾期 20 天未付" in page
