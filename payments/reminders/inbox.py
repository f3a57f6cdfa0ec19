"""What a person reads of the reminders: the unread count in the navigation bar, the
notification centre, and the urgent notices at the top of the dashboard.

The writers of notifications move the reader's inbox token (:func:`inbox_changed`, from
accounts/caching.py, which keeps every cache and its tokens)."""

import datetime

from django.db.models import F, QuerySet

from accounts import caching
from accounts.caching import inbox_changed, inbox_version
from accounts.models import User
from accounts.selectors import bureau_scope
from payments import selectors
from payments.models import Notice, Notification, ReminderSettings
from payments.reminders import messages, rules

__all__ = [
    "inbox_changed",
    "inbox_version",
    "live_title",
    "notification_list",
    "unread_count",
    "urgent_days",
    "urgent_notices",
]


def unread_count(user, *, version: str | None = None) -> int:
    """The number in the navigation bar, cached on the user's inbox token
    (accounts/caching.py: inbox-count)."""
    return caching.cached_unread_count(
        user.pk,
        lambda: Notification.objects.filter(
            recipient=user, read_at__isnull=True, notice__resolved_at__isnull=True
        ).count(),
        version=version,
    )


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

    return caching.cached(user=user, name="urgent", parts=(limit,), compute=compute)


def urgent_days(notices: list[Notice]) -> int:
    """How late the urgent notices are at least: the bureaus' level-3 threshold (the
    smallest, when the notices come from several bureaus)."""
    conf = selectors.reminder_settings_for({n.bureau_id for n in notices})
    default = ReminderSettings._meta.get_field("escalate_level3_days").default
    return min((c.escalate_level3_days for c in conf.values()), default=default)
