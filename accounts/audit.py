"""The security audit log (安全审计): recording an event, verifying the chain, purging.

Every entry holds the SHA-256 of its own fields and of the entry before it. An entry is
appended under a lock (an advisory lock on PostgreSQL, the write lock SQLite takes for
every transaction here), so two writers never chain onto the same predecessor. The
database refuses UPDATE and early DELETE (migration 0008); the chain is what finds a row
changed or removed by someone who set that guard aside. It cannot tell the newest
entries were cut off the end: ``verify_audit_log`` prints the head's sequence number and
hash so an operator can note them elsewhere.

Entries are kept :data:`settings.SECURITY_AUDIT_RETENTION_DAYS` (at least 180, the floor
等保 2.0 sets and the database's trigger enforces); :func:`purge` removes only older
ones and leaves an anchor the chain then starts from.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import SecurityEvent, SecurityLogAnchor

Kind = SecurityEvent.Kind

# The least retention the database's DELETE trigger allows (migration 0008).
MIN_RETENTION_DAYS = 180
# Any 64-bit key of this log's own: PostgreSQL's advisory lock serialises the appends.
_LOCK_KEY = 7_316_150_001


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies say they
    forwarded (``DJANGO_TRUSTED_PROXY_COUNT``). django-axes locks out by the same one."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def digest(event: SecurityEvent) -> str:
    """The hash of an entry: its fields and its predecessor's hash."""
    created = event.created_at.astimezone(datetime.UTC).isoformat()
    fields = [
        str(event.seq),
        created,
        event.kind,
        event.username,
        str(event.user_id or ""),
        str(event.bureau_id or ""),
        event.ip_address or "",
        event.path,
        event.detail,
        event.prev_hash,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _storable(text: str) -> str:
    """What a stranger typed (a user name, a path), kept as typed except NUL, which
    PostgreSQL's text cannot hold: it becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def record(
    kind: str,
    *,
    request=None,
    user=None,
    username: str = "",
    bureau=None,
    detail: str = "",
) -> SecurityEvent:
    """Append one event. ``user`` defaults to the request's (when logged in); the bureau
    to the user's, so each bureau's audit administrator reads its own people's events."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None:
        username = username or user.get_username()
        if bureau is None:
            bureau = user.bureau
    event = SecurityEvent(
        kind=kind,
        username=_storable(username)[:150],
        user=user,
        bureau=bureau,
        ip_address=client_ip(request) if request is not None else None,
        path=_storable(request.get_full_path())[:300] if request is not None else "",
        detail=_storable(str(detail))[:500],
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = SecurityEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        if last is None:
            anchor = SecurityLogAnchor.objects.order_by("-through_seq").first()
            last = (anchor.through_seq, anchor.hash) if anchor else (0, "")
        event.seq, event.prev_hash = last[0] + 1, last[1]
        # Microseconds as the database keeps them, so the hash reads back the same.
        event.created_at = timezone.now()
        event.hash = digest(event)
        event.save(force_insert=True)
    return event


@dataclass
class Verification:
    checked: int
    problems: list[str]
    head_seq: int
    head_hash: str

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> Verification:
    """Walk the chain from its anchor; name every entry whose hash or link is wrong."""
    anchor = SecurityLogAnchor.objects.order_by("-through_seq").first()
    expected_seq, expected_hash = (anchor.through_seq, anchor.hash) if anchor else (0, "")
    problems = []
    checked = 0
    events = SecurityEvent.objects.filter(seq__gt=expected_seq).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        checked += 1
        if event.seq != expected_seq + 1:
            problems.append(
                f"第 {expected_seq + 1}–{event.seq - 1} 条缺失（已被删除）。"
                if event.seq > expected_seq + 1
                else f"第 {event.seq} 条序号重复。"
            )
        if event.prev_hash != expected_hash:
            problems.append(f"第 {event.seq} 条与前一条的摘要不衔接（前一条被改动或删除）。")
        if digest(event) != event.hash:
            problems.append(f"第 {event.seq} 条内容与摘要不符（已被改动）。")
        expected_seq, expected_hash = event.seq, event.hash
    return Verification(checked, problems, expected_seq, expected_hash)


def retention_days() -> int:
    return max(settings.SECURITY_AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)


def purge(*, now: datetime.datetime | None = None) -> int:
    """Delete entries older than the retention; the chain then starts from an anchor.

    Only a prefix of the chain goes (entries are appended in time order), so what stays
    still verifies. Returns how many entries were deleted, and records the purge itself.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    with transaction.atomic():
        old = SecurityEvent.objects.filter(created_at__lt=cutoff)
        last = old.order_by("-seq").values_list("seq", "hash").first()
        if last is None:
            return 0
        deleted, _per_model = SecurityEvent.objects.filter(seq__lte=last[0]).delete()
        SecurityLogAnchor.objects.create(through_seq=last[0], hash=last[1], purged=deleted)
    record(
        Kind.LOG_PURGED,
        detail=f"清理 {deleted} 条（第 {last[0]} 条及以前，保留 {retention_days()} 天）",
    )
    return deleted


# --- receivers (connected in accounts.apps): the events Django and django-axes announce ---


def _current_request():
    """The request being served, where a signal does not pass it (the admin's log):
    simple_history's middleware keeps it for the thread."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def on_logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    from accounts.models import User

    username = str(credentials.get("username") or "")
    user = User.objects.filter(username=username).first() if username else None
    detail = credentials.get("audit_detail", "")
    kind = Kind.OTP_FAILED if credentials.get("otp") else Kind.LOGIN_FAILED
    record(kind, request=request, user=user, username=username, detail=detail)


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    from accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    record(Kind.LOCKED_OUT, request=request, user=user, username=username or "")


def on_admin_log(sender, instance, created, **kwargs):
    if not created:
        return
    action = {1: "新增", 2: "修改", 3: "删除"}.get(instance.action_flag, "")
    content_type = instance.content_type.model if instance.content_type_id else ""
    detail = f"{action} {content_type} {instance.object_repr} {instance.get_change_message()}"
    record(Kind.ADMIN_CHANGE, request=_current_request(), user=instance.user, detail=detail)
