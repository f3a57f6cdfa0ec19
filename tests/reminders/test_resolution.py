"""A notice ends as soon as its cause does (documents received, paid, the due date moved)
and comes back, telling what is true now, when its cause does."""

import datetime

import pytest
from django.utils import timezone

from payments import reminders, services
from payments.models import Installment, Notice, Notification
from payments.reminders import scan
from tests.helpers import at, pay

pytestmark = pytest.mark.django_db
S = Installment.Status
R = Notice.Rule


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
        ("manager", S.APPROVED),  # four eyes: not the reviewer, and above 100,000 元
    ):
        services.installment_transition(
            actor=demo[actor], installment=installment, to_status=status
        )
    installment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        pay(
            installment,
            "121600.00",
            by=demo["finance"],
            on=datetime.date(2024, 12, 23),
            voucher="记-12-23",
        )
    late.refresh_from_db()
    assert (late.resolved_at is not None, late.resolution) == (True, "已付清")
    assert reminders.unread_count(demo["staff"]) == 0


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
        ("manager", S.APPROVED),  # four eyes: not the reviewer, and above 100,000 元
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
            pay(
                installment,
                "121600.00",
                by=demo["finance"],
                on=datetime.date(2024, 12, 23),
                voucher="记-12-23",
            )
        return found

    monkeypatch.setattr(scan, "find", find_then_finance_pays)
    outcome = reminders.run(now=at(datetime.date(2024, 12, 23), 11))
    late.refresh_from_db()
    assert outcome.reopened == []
    assert late.resolved_at is not None and late.resolution == "已付清"
    assert not Notification.objects.filter(notice=late, read_at__isnull=True).exists()


def test_due_today_keeps_the_due_soon_notice_and_late_takes_over(approved, finance_user):
    # Approved installments are due 2024-03-31.
    reminders.run(now=at(datetime.date(2024, 3, 29)))
    reminders.run(now=at(datetime.date(2024, 3, 31)))
    due = Notice.objects.get(rule=Notice.Rule.DUE_SOON, installment=approved)
    assert due.resolved_at is None
    reminders.run(now=at(datetime.date(2024, 4, 1)))
    due.refresh_from_db()
    assert due.resolution == "已到期未付，转为逾期提醒"


def test_a_notice_comes_back_when_its_cause_does(approved, finance_user, staff_user):
    # Due 2024-03-31: late on 2024-04-05.
    reminders.run(now=at(datetime.date(2024, 4, 5)))
    services.notifications_mark_read(user=staff_user)
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 4, 6), voucher="记-1"
    )
    reminders.run(now=at(datetime.date(2024, 4, 8)))
    late = Notice.objects.get(key=f"late:{approved.pk}:2024-03-31:L1")
    assert late.resolved_at is not None
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 4, 9),
        voucher_number="记-2",
        reason="错付",
    )
    outcome = reminders.run(now=at(datetime.date(2024, 4, 10)))
    late.refresh_from_db()
    assert late.resolved_at is None and late in outcome.reopened
    from payments.models import Notification

    assert Notification.objects.get(notice=late, recipient=staff_user).read_at is None


def test_a_reopened_notice_tells_what_is_true_now(approved, finance_user):
    reminders.run(now=at(datetime.date(2024, 4, 5)))
    late = Notice.objects.get(key=f"late:{approved.pk}:2024-03-31:L1")
    first_body, first_title = late.body, late.title
    payment = pay(
        approved, "405600.00", by=finance_user, on=datetime.date(2024, 4, 6), voucher="记-1"
    )
    reminders.run(now=at(datetime.date(2024, 4, 8)))
    services.payment_reverse(
        actor=finance_user,
        payment=payment,
        reversed_on=datetime.date(2024, 4, 9),
        voucher_number="记-2",
        reason="错付",
    )
    reminders.run(now=at(datetime.date(2024, 4, 12)))
    late.refresh_from_db()
    assert late.resolved_at is None
    assert (late.title, late.body) != (first_title, first_body)
    assert late.data["days_late"] == 12
    assert late.data["recipients"]
