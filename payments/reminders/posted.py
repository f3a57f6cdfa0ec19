"""Notices posted by a higher app's decision rather than found by the scan: a monitoring
round's warnings (evaluations). Each is unique by its key, so posting it again (a round
recomputed, a second request) creates and sends nothing; the scan leaves them alone
(:data:`POSTED_RULES`), they are resolved by whoever posted them.
"""

import datetime
import functools

from django.db import transaction
from django.utils import timezone

from accounts.caching import records_changed
from payments.models import Notice, Notification
from payments.reminders import delivery, inbox, rules
from payments.reminders.keys import NoticeKey
from payments.selectors import reminder_settings_for

R = Notice.Rule
POSTED_RULES = frozenset({R.MONITORING.value})


@transaction.atomic
def post(
    *,
    bureau_id: int,
    key: NoticeKey,
    title: str,
    body: str,
    url: str,
    recipient_ids: set[int],
    data: dict | None = None,
    urgent: bool = False,
    now: datetime.datetime | None = None,
) -> Notice | None:
    """Create the notice ``key`` and deliver it to ``recipient_ids`` (in working hours,
    else at the next hourly scan in them); None when it exists already."""
    if key.rule not in POSTED_RULES:
        raise ValueError(f"{key.rule} notices are the scan's, not posted")
    now = now or timezone.now()
    conf = reminder_settings_for([bureau_id])[bureau_id]
    notice = Notice(
        bureau_id=bureau_id,
        key=str(key),
        rule=key.rule,
        urgent=urgent,
        title=title[:200],
        body=body,
        url=url,
        data={**(data or {}), "recipients": sorted(recipient_ids), "provider_email": ""},
        created_at=now,
        deliver_after=rules.deliver_after(now, conf),
    )
    created = Notice.objects.bulk_create([notice], ignore_conflicts=True)
    notice = Notice.objects.select_for_update().filter(key=str(key), created_at=now).first()
    if not created or notice is None or notice.delivered_at is not None:
        return None
    if notice.deliver_after <= now:
        Notification.objects.bulk_create(
            [Notification(notice=notice, recipient_id=pk, created_at=now) for pk in recipient_ids],
            ignore_conflicts=True,
        )
        Notice.objects.filter(pk=notice.pk).update(delivered_at=now)
        notice.delivered_at = now
        inbox.inbox_changed(*recipient_ids)
        transaction.on_commit(functools.partial(delivery._enqueue, [notice.pk]), robust=True)
    if urgent:
        records_changed(bureau_id)
    return notice


@transaction.atomic
def resolve_posted(*, keys: list[NoticeKey], resolution: str) -> int:
    """Resolve the open posted notices of these keys."""
    notices = list(Notice.objects.filter(key__in=[str(k) for k in keys], resolved_at__isnull=True))
    if not notices:
        return 0
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
        resolved_at=timezone.now(), resolution=resolution[:100]
    )
    inbox.inbox_changed(
        *Notification.objects.filter(notice__in=notices).values_list("recipient_id", flat=True)
    )
    return len(notices)
