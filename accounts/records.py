"""The one way a service saves a financial record: validated, its actor in the history,
the bureau's cached figures moved on.

Every app's services save through ``record_save`` so no write forgets the history user
or the cache token (accounts/caching.py), and refuse through ``require`` with the same
message; a status change checks its move through ``require_move``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.caching import bureau_of, records_changed


def record_save(instance, *, actor, reason: str = ""):
    """Validate and save one record, naming the actor (and the reason) in its history."""
    instance.full_clean()
    instance._history_user = actor
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
