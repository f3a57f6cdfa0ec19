"""The one way a service saves a financial record: validated, its actor in the history,
the bureau's cached figures moved on.

Every app's services save through ``record_save`` so no write forgets the history user
or the cache token (accounts/caching.py), and refuse through ``require`` with the same
message.
"""

from django.core.exceptions import PermissionDenied
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
