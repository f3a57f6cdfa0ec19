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

# Where a record's bureau is, for records that do not hold it themselves.
_PARENTS = (
    "project",
    "budget",
    "installment",
    "contract",
    "evaluation",
    "finding",
    "indicator",
    "award",
)


def _key(bureau_id: int) -> str:
    return f"records-version:{bureau_id}"


def bureau_of(instance) -> int | None:
    """The id of the bureau a record belongs to (following its parents)."""
    for _depth in range(4):
        bureau_id = getattr(instance, "bureau_id", None)
        if bureau_id is not None:
            return bureau_id
        parent = next(
            (found for name in _PARENTS if (found := getattr(instance, name, None)) is not None),
            None,
        )
        if parent is None:
            return None
        instance = parent
    return None


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


def records_version(*, bureau_id: int | None) -> str:
    """A token that changes whenever records of the bureau (None: of any bureau) change."""
    key = EVERYTHING if bureau_id is None else _key(bureau_id)
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
