"""Versions of each bureau's records, so caches never serve figures the records left behind.

Every service that writes a bureau's records calls :func:`records_changed` inside its
transaction; once the transaction commits, the bureau's version (and the version of
everything, for views across bureaus) moves on, and every cache entry keyed on the old
version is simply never read again. Nothing is ever deleted from the cache by hand.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

EVERYTHING = "records-version:all"


def _key(bureau_id: int) -> str:
    return f"records-version:{bureau_id}"


def bureau_of(instance) -> int | None:
    """The id of the bureau a record belongs to: its own ``bureau_id``, or, for a record
    that belongs to another (an award to its project, a score row to its evaluation), the
    ``owning_bureau_id`` its model says; None for records shared by every bureau."""
    bureau_id = getattr(instance, "bureau_id", None)
    if bureau_id is None:
        bureau_id = getattr(instance, "owning_bureau_id", None)
    return bureau_id


def records_changed(*bureau_ids: int | None) -> None:
    """The records of these bureaus change in the current transaction (if any).

    The versions move on now, so the writer's own next read is fresh, and again after the
    commit, so that nothing a concurrent reader computed from the uncommitted state and
    cached in between is ever read.
    """
    ids = {b for b in bureau_ids if b is not None}

    def bump():
        token = uuid.uuid4().hex
        cache.set_many({**{_key(b): token for b in ids}, EVERYTHING: token}, None)

    bump()
    transaction.on_commit(bump)


def records_version_key(*, bureau_id: int | None) -> str:
    """Where :func:`records_version` keeps its token (to read it with other keys at once)."""
    return EVERYTHING if bureau_id is None else _key(bureau_id)


def records_version(*, bureau_id: int | None) -> str:
    """A token that changes whenever records of the bureau (None: of any bureau) change."""
    key = records_version_key(bureau_id=bureau_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)
        value = cache.get(key)
    return value


def records_versions(bureau_ids) -> dict[int, str]:
    """The versions of many bureaus at once (two cache round trips however many)."""
    ids = list(bureau_ids)
    found = cache.get_many([_key(b) for b in ids])
    versions, missing = {}, {}
    for bureau_id in ids:
        token = found.get(_key(bureau_id))
        if token is None:
            token = missing[_key(bureau_id)] = uuid.uuid4().hex
        versions[bureau_id] = token
    if missing:
        cache.set_many(missing, None)
    return versions


# Who a user is and what they may do, read on every request (the user, their bureau,
# their roles and permissions), cached until something about it changes. Two versions
# guard an entry: the user's own (moved when the user or their grants change) and the
# version of all access (moved when a bureau, a role or a permission changes).
# accounts.apps connects the signals: the admin writes these models directly, so the
# save is the one place every change passes. An entry records the versions read *before*
# the database was, so an entry read from a state an intervening change left behind
# carries old versions and is never served.
ACCESS = "access-version"
ACCESS_TTL = 300  # seconds; bounds what a write past the signals (a bulk update) could leave


def _user_key(user_id) -> str:
    return f"access-user:{user_id}"


def _user_version_key(user_id) -> str:
    return f"access-user-version:{user_id}"


def _bump(keys) -> None:
    def bump():
        token = uuid.uuid4().hex
        cache.set_many(dict.fromkeys(keys, token), None)

    bump()
    transaction.on_commit(bump)


def access_changed(*, action=None, **_kwargs) -> None:
    """Bureaus, roles or permissions change (in the current transaction, if any)."""
    if action is None or action.startswith("post_"):
        _bump([ACCESS])


def user_changed(
    *, sender=None, instance=None, action=None, reverse=False, pk_set=None, **_kwargs
) -> None:
    """A user, or the roles and grants of some users, change (a save or an m2m change)."""
    if action is not None and not action.startswith("post_"):
        return
    if sender is not None and getattr(sender, "_meta", None) and sender._meta.auto_created:
        if not reverse:
            ids = [instance.pk]
        elif pk_set is not None:
            ids = list(pk_set)
        else:  # a role's members cleared: who they were is not told
            return access_changed()
    else:
        ids = [instance.pk]
    _bump([_user_version_key(pk) for pk in ids])


def cached_user(user_id, load):
    """The user ``load()`` reads from the database, with permissions, from the cache when fresh."""
    keys = [ACCESS, _user_version_key(user_id), _user_key(user_id)]
    found = cache.get_many(keys)
    versions = (found.get(keys[0]), found.get(keys[1]))
    entry = found.get(keys[2])
    if None not in versions and entry is not None and entry[0] == versions:
        user = entry[1]
        user.access_version = ":".join(versions)
        return user
    if None in versions:
        for key, version in zip(keys[:2], versions, strict=True):
            if version is None:
                cache.add(key, uuid.uuid4().hex, None)
        versions = tuple(cache.get_many(keys[:2]).get(key) for key in keys[:2])
    user = load()
    if user is not None:
        user.get_all_permissions()  # fills the permission and role caches that travel with it
        cache.set(keys[2], (versions, user), ACCESS_TTL)
        user.access_version = ":".join(versions)
    return user
