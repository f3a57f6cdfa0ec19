"""What a person reads of the reminders: the unread count in the navigation bar, the
notification centre, and the urgent notices at the top of the dashboard."""

import datetime
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet

from accounts.models import User
from accounts.selectors import bureau_scope
from payments import selectors
from payments.models import Notice, Notification, ReminderSettings
from payments.reminders import messages, rules


def inbox_key(user_id: int) -> str:
    """Where the version of the user's notifications is kept (a token moved by every change)."""
    return f"inbox-version:{user_id}"


def inbox_changed(*user_ids: int) -> None:
    """Someone's notifications were added, read, resolved or reopened: recount them.

    The versions move now, so the writer's own next read is fresh, and again after the
    commit, so that a count read from the uncommitted state is never read again.
    """
    keys = [inbox_key(u) for u in user_ids]

    def bump():
        cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), None)

    bump()
    transaction.on_commit(bump)


def inbox_version(user_id: int) -> str:
    key = inbox_key(user_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return version


def unread_count(user, *, version: str | None = None) -> int:
    """The number in the navigation bar, cached under the version of the user's notifications.

    The version is read before the database, so a count read across a concurrent change is
    stored under the old version and never read.
    """
    version = version or inbox_version(user.pk)
    key = f"inbox-count:{user.pk}:{version}"
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            recipient=user, read_at__isnull=True, notice__resolved_at__isnull=True
        ).count()
        cache.set(key, count, 300)
    return count


def notification_list(*, user: User, show_all: bool = False) -> QuerySet[Notification]:
    """The notification centre: the user's own notifications, unread first, open ones
    unless ``show_all``."""
    queryset = Notification.objects.filter(recipient=user).select_related("notice")
    if not show_all:
        queryset = queryset.filter(notice__resolved_at__isnull=True)
    return queryset.order_by(F("read_at").asc(nulls_first=True), "-created_at")


def live_title(notice: Notice, today: datetime.date) -> str:
    """An open notice's title with its days counted to ``today``.

    The stored title keeps the day the notice was found ("逾期 20 天" stays 20 while the
    notice stays open); the notification centre shows this one instead.
    """
    data = notice.data or {}
    if notice.resolved_at or not data.get("name"):
        return notice.title
    days = rules.days_counted(notice.rule, data, today)
    if days is None:
        return notice.title
    return messages.title(notice.rule, data["name"], days)


def urgent_notices(*, user, limit: int = 20) -> list[Notice]:
    """Open urgent notices of the user's bureau(s), for the top of the dashboard (cached)."""

    def compute():
        open_urgent = Notice.objects.filter(
            bureau_scope(user=user), urgent=True, resolved_at__isnull=True
        )
        return list(open_urgent.order_by("created_at")[:limit])

    return selectors.cached(user=user, name="urgent", parts=(limit,), compute=compute)


def urgent_days(notices: list[Notice]) -> int:
    """How late the urgent notices are at least: the bureaus' level-3 threshold (the
    smallest, when the notices come from several bureaus)."""
    conf = selectors.reminder_settings_for({n.bureau_id for n in notices})
    default = ReminderSettings._meta.get_field("escalate_level3_days").default
    return min((c.escalate_level3_days for c in conf.values()), default=default)
