"""The scan's writes: create the notices that are new, resolve those whose cause is gone,
reopen those whose cause came back, then hand what is due to delivery.

:func:`run` is the hourly task's body and ``run_reminders``'s. Notices are unique by key
(:mod:`payments.reminders.keys`), so running it twice, a Celery retry or two beat ticks at
once create nothing twice. :func:`resolve_for_installment` resolves an installment's
notices at once when a payment or its documents arrive, instead of at the next scan.
"""

import contextvars
import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery import signature
from django.db import transaction
from django.utils import timezone

from accounts.caching import records_changed
from accounts.models import User
from payments import selectors
from payments.models import Installment, Notice, Notification
from payments.reminders import delivery, inbox, rules
from payments.reminders.candidates import Candidate, find, installment_candidates, recipients_of
from payments.reminders.delivery import BATCH, INLINE, QUEUE
from payments.reminders.keys import NoticeKey
from payments.reminders.posted import POSTED_RULES

__all__ = ["INLINE", "QUEUE", "Outcome", "resolve_after_commit", "resolve_for_installment", "run"]

R = Notice.Rule
# Named, not imported: payments.tasks imports this module to run it.
RESOLVE_TASK = "payments.tasks.resolve_installment_notices"


@dataclass
class Outcome:
    """What a run found and did (printed by ``run_reminders``)."""

    created: list[Notice] = field(default_factory=list)
    resolved: list[Notice] = field(default_factory=list)
    reopened: list[Notice] = field(default_factory=list)
    # In-app delivery in this run: new notices, and earlier ones that waited for working
    # hours (or, in a dry run, the earlier ones that would go out now).
    delivered: list[Notice] = field(default_factory=list)
    # Notices whose e-mail and robot messages were queued (or sent, when sent inline).
    dispatched: list[int] = field(default_factory=list)
    notifications: int = 0
    emails: int = 0
    webhooks: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    recipients: dict[int, str] = field(default_factory=dict)


def run(
    *,
    now: datetime.datetime | None = None,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    bureau_ids: list[int] | None = None,
    send: str = QUEUE,
) -> Outcome:
    """Scan, create what is new, resolve what is over, deliver what is due.

    ``send`` says how the e-mails and robot messages of the delivered notices go out:
    ``"queue"`` (the periodic task) queues a ``deliver_notice`` task per notice after the
    commit; ``"inline"`` (``run_reminders`` by hand, which prints what it sent) sends
    them here, one notice after another.
    """
    # The wall-clock time the records were read at (``now`` can be back-dated by hand).
    started = timezone.now()
    now = now or started
    as_of = as_of or timezone.localdate(now)
    candidates = find(as_of, bureau_ids=bureau_ids)
    outcome = Outcome(candidates=candidates)
    recipients = recipients_of(candidates)
    keys = {c.key for c in candidates}
    existing = dict(Notice.objects.filter(key__in=keys).values_list("key", "resolved_at"))
    new = [(i, c) for i, c in enumerate(candidates) if c.key not in existing]
    # A cause that came back (a payment reversed, a document found missing again) reopens
    # its notice: it shows again as unread; e-mail and robot are not sent a second time.
    # Only a notice resolved before the records were read: one resolved since (a payment
    # posted while the scan ran resolves its notices at once) was resolved by news this
    # scan has not seen.
    reopen = [
        key
        for key, resolved_at in existing.items()
        if resolved_at is not None and resolved_at < started
    ]
    # Posted notices (a monitoring round's warnings) are not the scan's to resolve.
    open_notices = Notice.objects.filter(resolved_at__isnull=True).exclude(rule__in=POSTED_RULES)
    if bureau_ids is not None:
        open_notices = open_notices.filter(bureau_id__in=bureau_ids)
    stale = [notice for notice in open_notices if notice.key not in keys]
    _explain(stale, keys)
    conf = selectors.reminder_settings_for({c.bureau_id for _, c in new})
    to_create = [_notice(c, recipients[i], now, conf[c.bureau_id]) for i, c in new]
    if dry_run:
        outcome.created = to_create
        outcome.resolved = stale
        outcome.reopened = list(Notice.objects.filter(key__in=reopen))
        # Earlier notices that waited for working hours and would go out now.
        outcome.delivered = list(
            delivery.due_for_delivery(now).exclude(key__in=[n.key for n in stale]).order_by("pk")
        )
        people = set().union(
            *recipients.values(), *(n.data.get("recipients", []) for n in outcome.delivered)
        )
        outcome.recipients = (
            dict(User.objects.filter(pk__in=people).values_list("pk", "username")) if people else {}
        )
        return outcome

    with transaction.atomic():
        Notice.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=BATCH)
        outcome.created = list(
            Notice.objects.filter(key__in=[n.key for n in to_create], created_at=now)
        )
        _resolve(stale, now)
        outcome.resolved = stale
        if reopen:
            # A notice comes back with what is true now (amounts, days late), not with
            # the text of the first time.
            by_key = {c.key: c for c in candidates}
            outcome.reopened = list(
                Notice.objects.select_for_update().filter(key__in=reopen, resolved_at__lt=started)
            )
            reopen = [notice.key for notice in outcome.reopened]
            for notice in outcome.reopened:
                candidate = by_key[notice.key].render()
                notice.title, notice.body = candidate.title, candidate.body
                notice.data = {
                    **candidate.data,
                    "recipients": notice.data.get("recipients", []),
                    "provider_email": candidate.provider_email,
                }
                notice.resolved_at, notice.resolution = None, ""
            Notice.objects.bulk_update(
                outcome.reopened,
                ["title", "body", "data", "resolved_at", "resolution"],
                batch_size=BATCH,
            )
            Notification.objects.filter(notice__key__in=reopen).update(read_at=None)
            _touched(outcome.reopened)
        # Urgent notices show on the dashboards of their bureaus.
        records_changed(*{n.bureau_id for n in outcome.created if n.urgent})

    sent = delivery.deliver(now=now, send=send)
    outcome.delivered += sent.delivered
    outcome.notifications += sent.notifications
    outcome.dispatched += sent.dispatched
    outcome.emails += sent.emails
    outcome.webhooks += sent.webhooks
    return outcome


def _touched(notices: list[Notice]) -> None:
    """These notices were resolved or reopened: recount their inboxes and dashboards."""
    if not notices:
        return
    inbox.inbox_changed(
        *Notification.objects.filter(notice_id__in=[n.pk for n in notices]).values_list(
            "recipient_id", flat=True
        )
    )
    records_changed(*{n.bureau_id for n in notices if n.urgent})


def _resolve(notices: list[Notice], now: datetime.datetime) -> None:
    """Resolve these notices (their ``resolution`` set by :func:`_explain`), once."""
    by_resolution: dict[str, list[int]] = {}
    for notice in notices:
        by_resolution.setdefault(notice.resolution, []).append(notice.pk)
    for resolution, pks in by_resolution.items():
        Notice.objects.filter(pk__in=pks, resolved_at__isnull=True).update(
            resolved_at=now, resolution=resolution
        )
    for notice in notices:
        notice.resolved_at = notice.resolved_at or now
    _touched(notices)


def _explain(stale: list[Notice], current_keys: set[str]) -> None:
    """Set each stale notice's ``resolution``: why it no longer applies."""
    if not stale:
        return
    installment_ids = {n.installment_id for n in stale if n.installment_id}
    current = (
        {
            row[0]: row[1:]
            for row in Installment.objects.filter(pk__in=installment_ids).values_list(
                "pk", "status", "due_date", "documents_due", "approved_on"
            )
        }
        if installment_ids
        else {}
    )
    families = {NoticeKey.parse(key).family for key in current_keys}
    for notice in stale:
        try:
            key = NoticeKey.parse(notice.key)
        except ValueError:  # not a key the scan writes: nothing more to say than that
            key = None
        status, due_date, documents_due, approved_on = current.get(
            notice.installment_id, (None,) * 4
        )
        notice.resolution = rules.resolution(
            key,
            current_keys=current_keys,
            current_families=families,
            status=status,
            due_date=due_date,
            documents_due=documents_due,
            approved_on=approved_on,
        )


# What a notice takes from its candidate as it is.
COPIED = ("bureau_id", "key", "rule", "level", "urgent", "installment_id", "title", "body", "url")


def _notice(candidate: Candidate, recipient_ids: set[int], now, conf) -> Notice:
    candidate.render()
    return Notice(
        **{name: getattr(candidate, name) for name in COPIED},
        data={
            **candidate.data,
            "recipients": sorted(recipient_ids),
            "provider_email": candidate.provider_email,
        },
        created_at=now,
        deliver_after=rules.deliver_after(now, conf),
    )


def resolve_for_installment(installment_id: int) -> list[Notice]:
    """Resolve at once the installment's open notices whose cause is gone (a payment
    posted, the documents received), instead of at the next hourly scan.

    Only what no longer applies at all is resolved here; a notice that moves to another
    level or period is left to the scan, which creates its successor in the same step.
    """
    candidates = installment_candidates(timezone.localdate(), None, [installment_id])
    keys = {c.key for c in candidates}
    # Due soon turns into late: while either applies, the scan hands over between them.
    families = {R.DUE_SOON: R.LATE, R.LATE: R.DUE_SOON}
    applies = {c.rule for c in candidates}
    applies |= {families[r] for r in applies if r in families}
    now = timezone.now()
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update()
            .filter(installment_id=installment_id, resolved_at__isnull=True)
            .exclude(rule__in=applies)
            .order_by("pk")
        )
        _explain(notices, keys)
        _resolve(notices, now)
    return notices


def resolve_after_commit(installment_id: int) -> None:
    """After the current transaction commits, resolve the installment's notices whose
    cause is gone (a task), when it has open ones.

    A broker that cannot be reached is logged, not raised: the payment or the documents
    stand, and the next hourly scan resolves the notice instead.
    """
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(installment_id)
        return
    if not Notice.objects.filter(installment_id=installment_id, resolved_at__isnull=True).exists():
        return
    task = signature(RESOLVE_TASK, args=(installment_id,))
    transaction.on_commit(task.delay, robust=True)


# Inside resolves_deferred(): the installments whose notices to resolve at its end.
_deferred = contextvars.ContextVar("resolve_deferred", default=None)


@contextmanager
def resolves_deferred():
    """Collect :func:`resolve_after_commit`'s installments and look their open notices up
    once, at the end of the block (a bulk write such as an import)."""
    if _deferred.get() is not None:
        yield
        return
    ids: set[int] = set()
    token = _deferred.set(ids)
    try:
        yield
    finally:
        _deferred.reset(token)
    open_ids = set()
    chunk = sorted(ids)
    for start in range(0, len(chunk), 5000):
        open_ids.update(
            Notice.objects.filter(
                installment_id__in=chunk[start : start + 5000], resolved_at__isnull=True
            ).values_list("installment_id", flat=True)
        )
    for installment_id in sorted(open_ids):
        task = signature(RESOLVE_TASK, args=(installment_id,))
        transaction.on_commit(task.delay, robust=True)
