"""The one way a service saves a financial record: validated, its actor in the history,
the bureau's cached figures moved on.

Every app's services save through ``record_save`` so no write forgets the history user
or the cache token (accounts/caching.py), and refuse through ``require`` with the same
message; a status change checks its move through ``require_move``.
"""

import contextvars
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.caching import bureau_of, records_changed

# Where the records being saved come from, when not from a person's form: an import
# names its file and row (imports/services.py), and every history row saved meanwhile
# carries it after its own reason.
_source = contextvars.ContextVar("record_source", default="")


@contextmanager
def recorded_from(source: str):
    """Name ``source`` (such as ``导入 台账.xlsx 支付!12``) in the history of every record
    saved inside the block."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def change_reason(reason: str = "") -> str:
    """A history row's reason: ``reason`` and, inside :func:`recorded_from`, its source."""
    source = _source.get()
    return "；".join(part for part in (reason, source) if part)


def record_save(instance, *, actor, reason: str = ""):
    """Validate and save one record, naming the actor (and the reason) in its history."""
    instance.full_clean()
    instance._history_user = actor
    reason = change_reason(reason)
    if reason:
        instance._change_reason = reason
    instance.save()
    records_changed(bureau_of(instance))
    return instance


def require(actor, permission: str) -> None:
    """Refuse a service call the actor's roles do not allow."""
    if not actor.has_perm(permission):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def require_move(actor, transitions, statuses, source: str, to_status: str, refusal: str) -> None:
    """Refuse a status change that ``transitions`` ((from, to) → the permission it takes)
    does not list, saying ``refusal`` with the two statuses' labels, or that the actor's
    roles do not allow."""
    permission = transitions.get((source, to_status))
    if permission is None:
        raise ValidationError(
            refusal % {"source": statuses(source).label, "target": statuses(to_status).label}
        )
    require(actor, permission)
