"""Delivery: each person's in-app notification, then the e-mails and the group robot, once.

:func:`deliver` (called by the scan) creates the in-app notifications of new notices at
once, whatever the hour, and queues one ``deliver_notice`` task per notice after its
commit; :func:`dispatch` (that task's body) sends the notice's e-mails and robot message,
in the bureau's working hours only. A slow
mail server or a dead robot holds up one notice's task, never the scan. Each notice's
messages are claimed in the database (a conditional UPDATE) before they are sent, so a
retry, a redelivery or a re-queue sends nothing twice.
"""

import datetime
import functools
import json
import logging
import time
from dataclasses import dataclass, field

from celery import signature
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from payments import webhooks
from payments.models import Installment, Notice, Notification
from payments.reminders import inbox, messages, rules
from payments.selectors import reminder_settings_for

logger = logging.getLogger(__name__)
R = Notice.Rule
BATCH = 500
# A robot that does not answer holds up one notice's delivery task for this long at most.
ROBOT_TIMEOUT = 5
# A delivered notice whose messages are still unclaimed this long after lost its task (a
# broker restart, a worker killed before it claimed them): the next scan queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
# How the e-mails and robot messages go out: queued, one task per notice (the periodic
# scan), or sent here one after another (``run_reminders`` by hand, which prints them).
QUEUE, INLINE = "queue", "inline"
# In the app only: e-mails and robot messages are left to the next periodic scan, which
# queues whatever is still unsent (``load_demo``: the demo's notices in the bell at once,
# no mail sent while loading).
APP_ONLY = "app"
# Named, not imported: payments.tasks imports this module to run it.
DELIVER_TASK = "payments.tasks.deliver_notice"


@dataclass
class Delivered:
    """What :func:`deliver` delivered."""

    delivered: list[Notice] = field(default_factory=list)
    # Notices whose e-mail and robot messages were queued (or sent, when sent inline).
    dispatched: list[int] = field(default_factory=list)
    notifications: int = 0
    emails: int = 0
    webhooks: int = 0


@dataclass
class Sent:
    """What :func:`dispatch` sent for one notice."""

    emails: int = 0
    webhooks: int = 0


def due_for_delivery(now: datetime.datetime):
    """Open notices not delivered in the app yet: all of them, at once. Working hours
    (``deliver_after``) hold back only the e-mails and the robot (:func:`dispatch`): a
    notice in the bell outside office hours disturbs nobody, and the person who logs in
    in the evening sees the late installment."""
    return Notice.objects.filter(delivered_at__isnull=True, resolved_at__isnull=True)


def deliver(*, now: datetime.datetime, send: str = QUEUE) -> Delivered:
    """Deliver the notices that are due: each person's in-app notification here, once;
    the e-mail and robot messages by :func:`dispatch` (queued, or inline).

    A batch of due notices is locked (a concurrent scan skips it), its notifications are
    created and the notices marked delivered in one transaction; their messages are queued
    after the commit. Delivered notices whose messages were never claimed (their task was
    lost) are queued again after :data:`REQUEUE_AFTER`, in working hours.
    """
    outcome = Delivered()
    while True:
        with transaction.atomic():
            batch = list(
                due_for_delivery(now).select_for_update(skip_locked=True).order_by("pk")[:BATCH]
            )
            if not batch:
                break
            notifications = [
                Notification(notice=notice, recipient_id=user_id, created_at=now)
                for notice in batch
                for user_id in notice.data.get("recipients", [])
            ]
            Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=BATCH)
            inbox.inbox_changed(*{n.recipient_id for n in notifications})
            Notice.objects.filter(pk__in=[n.pk for n in batch]).update(delivered_at=now)
            ids = [n.pk for n in batch]
            if send == QUEUE:
                transaction.on_commit(functools.partial(_enqueue, ids), robust=True)
        for notice in batch:
            notice.delivered_at = now
        outcome.delivered += batch
        outcome.notifications += len(notifications)
        outcome.dispatched += ids

    # Messages that lost their task; by hand, everything still unsent.
    waiting = Notice.objects.filter(
        delivered_at__isnull=False, dispatched_at__isnull=True, resolved_at__isnull=True
    ).order_by("pk")
    if send != INLINE:
        waiting = waiting.filter(delivered_at__lte=now - REQUEUE_AFTER)[:BATCH]
    waiting = list(waiting.values_list("pk", "bureau_id"))
    conf = reminder_settings_for({bureau_id for _pk, bureau_id in waiting})
    just = set(outcome.dispatched)
    again = [
        pk
        for pk, bureau_id in waiting
        if pk not in just and rules.in_working_hours(now, conf[bureau_id])
    ]
    outcome.dispatched += again
    if send == QUEUE and again:
        transaction.on_commit(functools.partial(_enqueue, again), robust=True)
    elif send == INLINE:
        for notice_id in outcome.dispatched:
            sent = dispatch(notice_id, now=now)
            outcome.emails += sent.emails
            outcome.webhooks += sent.webhooks
    return outcome


def _enqueue(notice_ids: list[int]) -> None:
    for notice_id in notice_ids:
        signature(DELIVER_TASK, args=(notice_id,)).delay()


def dispatch(notice_id: int, *, now: datetime.datetime | None = None) -> Sent:
    """Send one delivered notice's e-mails and group-robot message, at most once.

    The notice is claimed first: a conditional UPDATE sets its ``dispatched_at`` only where
    it is still empty, in the transaction that marks each e-mail sent; the messages go out
    after the commit. A redelivered task, a second worker or a re-queue by the next scan
    find the claim and send nothing; a crash after the commit loses the messages rather
    than sending them twice. Outside the bureau's working hours nothing is claimed: the
    next scan in working hours queues the notice again.
    """
    now = now or timezone.now()
    notice = Notice.objects.filter(
        pk=notice_id,
        delivered_at__isnull=False,
        dispatched_at__isnull=True,
        resolved_at__isnull=True,
    ).first()
    if notice is None:
        return Sent()
    conf = reminder_settings_for([notice.bureau_id])[notice.bureau_id]
    if notice.deliver_after > now or not rules.in_working_hours(now, conf):
        return Sent()
    provider = (
        provider_message(notice, on=timezone.localdate(now))
        if conf.email_enabled and notice.rule == R.DOCUMENTS_LATE
        else None
    )
    with transaction.atomic():
        claimed = Notice.objects.filter(
            pk=notice.pk, dispatched_at__isnull=True, resolved_at__isnull=True
        ).update(
            dispatched_at=now,
            provider_emailed_at=now if provider else None,
            webhook_sent_at=now if conf.webhook_url else None,
        )
        if not claimed:
            return Sent()
        outgoing = []
        if conf.email_enabled:
            unsent = list(
                Notification.objects.filter(notice=notice, emailed_at__isnull=True)
                .exclude(recipient__email="")
                .order_by("recipient_id")
                .values_list("pk", "recipient__email")
            )
            Notification.objects.filter(pk__in=[pk for pk, _address in unsent]).update(
                emailed_at=now
            )
            outgoing = [messages.notice_email(notice, [address]) for _pk, address in unsent]
        if provider:
            outgoing.append(provider)
    if settings.REMINDER_DELIVERY_PAUSE:  # lets a test kill a worker between claim and send
        time.sleep(settings.REMINDER_DELIVERY_PAUSE)
    sent = Sent()
    if outgoing:
        try:
            with get_connection() as connection:
                sent.emails = connection.send_messages(outgoing) or 0
        except OSError as exc:  # smtplib's errors included
            # At most once: these e-mails are lost; the in-app notifications stand.
            logger.warning("e-mail for notice %s failed: %s", notice.pk, exc)
    if conf.webhook_url:
        sent.webhooks = _post_webhook(conf.webhook_url, notice)
    return sent


def provider_message(notice: Notice, *, on: datetime.date):
    """The late-documents e-mail to the provider's contact, or None (no address, or the
    documents are in by ``on``)."""
    installment = (
        Installment.objects.select_related(
            "bureau",
            "contract__owner",
            "contract__award__project__owner",
            "contract__award__provider",
        )
        .filter(pk=notice.installment_id)
        .first()
    )
    if installment is None:
        return None
    missing = [
        document.title
        for document in installment.documents.all()
        if document.received_on is None or document.received_on > on
    ]
    if not installment.contract.award.provider.email or not missing:
        return None
    return messages.provider_email(installment, missing=missing, on=on)


def _post_webhook(url: str, notice: Notice) -> int:
    body = json.dumps(messages.webhook_payload(notice), ensure_ascii=False).encode("utf-8")
    try:
        status = webhooks.post_json(url, body, timeout=ROBOT_TIMEOUT)
    except webhooks.WebhookRefused as exc:
        logger.warning("group robot %s refused for notice %s: %s", url, notice.pk, exc)
        return 0
    except OSError as exc:
        # At most once: a robot that is down misses this message; the in-app notification
        # and the e-mail still stand.
        logger.warning("group robot %s failed for notice %s: %s", url, notice.pk, exc)
        return 0
    if not 200 <= status < 300:
        logger.warning("group robot %s answered %s for notice %s", url, status, notice.pk)
        return 0
    return 1
