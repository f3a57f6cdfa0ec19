"""The one caching layer: every cached thing, its key, and what invalidates it.

Nothing is ever deleted from the cache by hand. A cached value is stored under a key
that carries, or is stored with, the current value of one or more **version tokens**
(:data:`TOKENS`); a write that changes what the value was computed from moves the
token, and the old entry is simply never read again (a timeout only bounds the cache's
size). A token moves twice: at once, so the writer's own next read is fresh, and again
after the commit, so that nothing a concurrent reader computed from the uncommitted state
and cached in between is ever served. Readers read the tokens *before* the database, so
an entry computed across a concurrent write carries the old token and is never served.

Every cached thing is a **family** (:data:`FAMILIES`): what it holds, its key, its
tokens and its timeout. tests/test_caching.py proves, family by family, that the writes
which should invalidate an entry do, and fails when a family is declared without such a
proof. What a running task publishes for a page to read (:data:`TASK_STATES`) is declared
here too, though nothing invalidates it. This module sits in the lowest app so that every app may use it; it knows no
model of a higher app (a record names its own bureau, see :func:`bureau_of`). The
sessions (Django's ``cached_db`` engine) are Django's own and not declared here.
"""

import contextvars
import hashlib
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

# --- version tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A version: a random value kept in the cache without timeout, moved by writes."""

    name: str
    key_format: str  # the cache key, with "{}" for the bureau or user where there is one
    moved_by: str

    def key(self, part: object = "") -> str:
        return self.key_format.format(part)


RECORDS = Token(
    "records",
    "records-version:{}",
    "every service write to a bureau's records (records_changed: contracts, payments and "
    "evaluations services, the admin's saves and deletes), urgent notices found, resolved "
    "or reopened by the reminder scan",
)
ALL_RECORDS = Token(
    "all-records",
    "records-version:all",
    "every move of any bureau's records token (views across bureaus follow this one)",
)
ACCESS = Token(
    "access",
    "access-version",
    "a bureau, role or permission saved or deleted; a role's permissions changed "
    "(signals connected in accounts.apps)",
)
USER_ACCESS = Token(
    "user-access",
    "access-user-version:{}",
    "the user saved or deleted; their roles or direct permissions changed (signals)",
)
INBOX = Token(
    "inbox",
    "inbox-version:{}",
    "the user's notifications delivered, read, resolved or reopened (payments.reminders)",
)
TOKENS = (RECORDS, ALL_RECORDS, ACCESS, USER_ACCESS, INBOX)


def _new() -> str:
    return uuid.uuid4().hex


def _move(keys: Iterable[str]) -> None:
    """Move these tokens now and again after the current transaction commits."""
    keys = list(keys)

    def move():
        cache.set_many(dict.fromkeys(keys, _new()), None)

    move()
    transaction.on_commit(move)


def _read(key: str) -> str:
    """A token's value, created when it is missing (by ``add``: two racing readers agree)."""
    value = cache.get(key)
    if value is None:
        cache.add(key, _new(), None)
        value = cache.get(key)
    return value


# --- families ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A kind of cached thing."""

    name: str
    holds: str
    key: str  # the key's layout
    tokens: tuple[Token, ...]
    timeout: int  # seconds; bounds the cache's size, never freshness


SECONDS = 600
# Part of every entry's key (never of a token's). Change it when a release changes what
# an entry holds: a field of a cached dataclass, a template rendered into a cached page
# or fragment. Entries the earlier code stored are then never read, rather than read
# back into objects or pages of the wrong shape.
GENERATION = "g2"

ACCESS_USER = Family(
    "access-user",
    "the request's user with bureau, roles and permissions (accounts.backends)",
    "access-user:{generation}:{user}, stored with the two tokens' values",
    (ACCESS, USER_ACCESS),
    # Also bounds what a write past the signals (a bulk update of users) could leave.
    300,
)
SCOPE_FIGURES = Family(
    "scope-figures",
    "selectors' figures for a user's scope: execution, budget years, late installments, "
    "urgent notices, overdue rectifications",
    "selectors:{generation}:{name}:{scope}-{records token}:{language}:{parts}",
    (RECORDS, ALL_RECORDS),  # the bureau's, or all records' for views across bureaus
    SECONDS,
)
BUREAU_PROGRESS = Family(
    "bureau-progress",
    "a bureau's time-progress checkpoints of a year and its tolerance (payments.selectors)",
    "selectors:{generation}:progress:{bureau}:{records token}:{year}",
    (RECORDS,),
    SECONDS,
)
BUREAU_EXECUTION = Family(
    "bureau-execution",
    "one bureau's execution row for a year and date (the reminder scan)",
    "selectors:{generation}:execution-row:{bureau}:{records token}:{year}:{as_of}",
    (RECORDS,),
    SECONDS,
)
DASHBOARD_PAGE = Family(
    "dashboard-page",
    "the whole rendered dashboard page (payments.views.DashboardView)",
    "sha256(dashboard-page, generation, user, CSRF secret, query, language, day), stored "
    "with the user's access tokens, the scope's records token and the user's inbox token",
    (ACCESS, USER_ACCESS, RECORDS, ALL_RECORDS, INBOX),
    SECONDS,
)
DASHBOARD_FIGURES = Family(
    "dashboard-figures",
    "the dashboard's rendered head and figures (template fragments)",
    "{% fragment 'dashboard-figures' part %} on generation, scope-records token, year, "
    "as-of, day, language",
    (RECORDS, ALL_RECORDS),
    SECONDS,
)
NAVIGATION = Family(
    "navigation",
    "the rendered menu (template fragment in base.html)",
    "{% fragment 'navigation' %} on generation, user, access tokens, page, language",
    (ACCESS, USER_ACCESS),
    SECONDS,
)
INBOX_COUNT = Family(
    "inbox-count",
    "the number of unread notifications in the navigation bar",
    "inbox-count:{generation}:{user}:{inbox token}",
    (INBOX,),
    300,
)
FAMILIES = {
    family.name: family
    for family in (
        ACCESS_USER,
        SCOPE_FIGURES,
        BUREAU_PROGRESS,
        BUREAU_EXECUTION,
        DASHBOARD_PAGE,
        DASHBOARD_FIGURES,
        NAVIGATION,
        INBOX_COUNT,
    )
}


# --- state of tasks in flight ------------------------------------------------------------------


@dataclass(frozen=True)
class TaskState:
    """What a background task publishes while it runs (shared by web and worker nodes, as
    the broker is): no copy of any record, so nothing invalidates it; the task overwrites
    it and its timeout drops it."""

    name: str
    holds: str
    key_format: str
    timeout: int | None  # seconds; None: kept until overwritten

    def key(self, part: object = "") -> str:
        return self.key_format.format(part)


IMPORT_PROGRESS = TaskState(
    "import-progress",
    "the percentage an import has applied, while its one transaction is open "
    "(imports.runs; the run's row keeps the final figure)",
    "imports:progress:{}",
    6 * 3600,
)
BEAT_HEARTBEAT = TaskState(
    "beat-heartbeat",
    "when beat's heartbeat task last ran (config.health; /readyz/ reads its age)",
    "beat:heartbeat",
    None,  # an old heartbeat is what /readyz/ must see
)
CACHE_PROBE = TaskState(
    "cache-probe",
    "the token /readyz/ writes and reads back to see that the cache answers (config.health)",
    "readyz:probe:{}",  # the process's own random part: nodes probing at once never meet
    30,
)
TASK_STATES = {state.name: state for state in (IMPORT_PROGRESS, BEAT_HEARTBEAT, CACHE_PROBE)}


def _get_or_make(key: str, family: Family, compute: Callable):
    """The entry under ``key`` (whose tokens the key carries), made and stored if missing."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, family.timeout)
    return value


# --- records -----------------------------------------------------------------------------------


def bureau_of(instance) -> int | None:
    """The id of the bureau a record belongs to: its own ``bureau_id``, or, for a record
    that belongs to another (an award to its project, a score row to its evaluation), the
    ``owning_bureau_id`` its model says; None for records shared by every bureau."""
    bureau_id = getattr(instance, "bureau_id", None)
    if bureau_id is None:
        bureau_id = getattr(instance, "owning_bureau_id", None)
    return bureau_id


def owned_through(relation: str) -> property:
    """The ``owning_bureau_id`` of a record that belongs to another: the bureau of the record
    its ``relation`` names (``owning_bureau_id = owned_through("project")``)."""
    return property(
        lambda record: bureau_of(getattr(record, relation)),
        doc=f"The bureau whose records this is: its {relation}'s (bureau_of).",
    )


# Inside records_changes_deferred(): the bureaus whose records changed, moved at its end.
_deferred = contextvars.ContextVar("records_deferred", default=None)


def records_changed(*bureau_ids: int | None) -> None:
    """The records of these bureaus change in the current transaction (if any): move their
    tokens and the token of all records (inside :func:`records_changes_deferred`, once,
    at its end)."""
    ids = {b for b in bureau_ids if b is not None}
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(None)  # the token of all records moves even when no bureau is named
        deferred.update(ids)
        return
    _move([*(RECORDS.key(b) for b in ids), ALL_RECORDS.key()])


@contextmanager
def records_changes_deferred():
    """Move the records tokens once at the end of the block instead of at every write
    (a bulk write such as an import, inside one transaction: the tokens still move before
    and after its commit, so nothing cached from its uncommitted state is served)."""
    if _deferred.get() is not None:
        yield
        return
    changed: set = set()
    token = _deferred.set(changed)
    try:
        yield
    finally:
        _deferred.reset(token)
    # Not on an exception: the block's writes are rolled back with it.
    if changed:
        records_changed(*changed)


def records_version_key(*, bureau_id: int | None) -> str:
    """Where :func:`records_version` keeps its token (to read it with other keys at once)."""
    return ALL_RECORDS.key() if bureau_id is None else RECORDS.key(bureau_id)


def records_version(*, bureau_id: int | None) -> str:
    """A token that changes whenever records of the bureau (None: of any bureau) change."""
    return _read(records_version_key(bureau_id=bureau_id))


def records_versions(bureau_ids) -> dict[int, str]:
    """The versions of many bureaus at once (two cache round trips however many)."""
    ids = list(bureau_ids)
    found = cache.get_many([RECORDS.key(b) for b in ids])
    versions, missing = {}, {}
    for bureau_id in ids:
        token = found.get(RECORDS.key(bureau_id))
        if token is None:
            token = missing[RECORDS.key(bureau_id)] = _new()
        versions[bureau_id] = token
    if missing:
        cache.set_many(missing, None)
    return versions


# --- a user's scope: the figures of their bureau, of a city, or of everything -----------------


def scope_of(user) -> tuple[str, int | None]:
    """The user's scope as a key part, and the bureau whose records token it follows
    (None: the token of all records)."""
    bureau = user.bureau
    if bureau is not None and not bureau.is_city_wide:
        return f"b{bureau.pk}", bureau.pk
    if bureau is not None:
        return f"c{bureau.scope_prefix}", None
    if user.is_superuser:
        return "all", None
    # An account without a bureau sees nothing; it must never share the key of a
    # superuser's view of everything.
    return f"none{user.pk}", None


def scope_version_key(*, user) -> str:
    """The cache key of the records token the user's scope follows."""
    return records_version_key(bureau_id=scope_of(user)[1])


def scope_version(*, user, version: str | None = None) -> str:
    """The user's scope and the current value of its records token, as one key part.

    ``version`` is the token when the caller already read it (under
    :func:`scope_version_key`), sparing a round trip.
    """
    scope, bureau_id = scope_of(user)
    return f"{scope}-{version or records_version(bureau_id=bureau_id)}"


def cached(*, user, name: str, parts: tuple, compute: Callable):
    """``compute()``, cached for the user's scope and its records token (scope-figures)."""
    key = ":".join(
        [
            "selectors",
            GENERATION,
            name,
            scope_version(user=user),
            get_language() or "",
            *map(str, parts),
        ]
    )
    return _get_or_make(key, SCOPE_FIGURES, compute)


def cached_for_bureau(*, bureau_id: int, year: int, compute: Callable):
    """A bureau's time-progress settings of a year, cached on its records token."""
    version = records_version(bureau_id=bureau_id)
    key = f"selectors:{GENERATION}:progress:{bureau_id}:{version}:{year}"
    return _get_or_make(key, BUREAU_PROGRESS, compute)


NOTHING = "-"  # cached for a bureau with nothing to show


def cached_per_bureau(*, bureau_ids: list[int], parts: tuple, compute: Callable) -> dict:
    """One value per bureau, each cached on its bureau's records token (bureau-execution):
    ``compute(missing_ids)`` returns the values of the bureaus not found, by bureau; a
    bureau it leaves out is remembered as having nothing (and left out of the result)."""
    versions = records_versions(bureau_ids)
    suffix = ":".join(map(str, parts))
    keys = {
        b: f"selectors:{GENERATION}:execution-row:{b}:{versions[b]}:{suffix}" for b in bureau_ids
    }
    hits = cache.get_many(list(keys.values()))
    missing = [b for b in bureau_ids if keys[b] not in hits]
    computed = compute(missing) if missing else {}
    if missing:
        cache.set_many(
            {keys[b]: computed.get(b, NOTHING) for b in missing}, BUREAU_EXECUTION.timeout
        )
    values = {b: computed[b] if b in computed else hits.get(keys[b], NOTHING) for b in bureau_ids}
    return {b: value for b, value in values.items() if value != NOTHING}


# --- access: who the user is and what they may do ---------------------------------------------
# Read on every request, cached until something about it changes. accounts.apps connects
# the signals: the admin writes these models directly, so the save is the one place every
# change passes.


def access_changed(*, action=None, **_kwargs) -> None:
    """Bureaus, roles or permissions change (in the current transaction, if any)."""
    if action is None or action.startswith("post_"):
        _move([ACCESS.key()])


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
    _move([USER_ACCESS.key(pk) for pk in ids])


def cached_user(user_id, load: Callable):
    """The user ``load()`` reads from the database, with permissions, from the cache when
    fresh. The entry is read with its two tokens in one round trip; ``access_version`` on
    the user is their value, for the caches that follow the user's access."""
    keys = [ACCESS.key(), USER_ACCESS.key(user_id), f"access-user:{GENERATION}:{user_id}"]
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
                cache.add(key, _new(), None)
        versions = tuple(cache.get_many(keys[:2]).get(key) for key in keys[:2])
    user = load()
    if user is not None:
        user.get_all_permissions()  # fills the permission and role caches that travel with it
        cache.set(keys[2], (versions, user), ACCESS_USER.timeout)
        user.access_version = ":".join(versions)
    return user


def navigation_key(user, path: str) -> str | None:
    """What the cached menu varies on (with the language): the user, their access tokens
    and the page (its active item). A user not read through :func:`cached_user` has no
    access version: their menu is not cached."""
    access = getattr(user, "access_version", None)
    return ":".join([GENERATION, str(user.pk), access, path]) if access else None


# --- the inbox: a person's notifications -------------------------------------------------------


def inbox_changed(*user_ids: int) -> None:
    """Someone's notifications were added, read, resolved or reopened: recount them."""
    _move([INBOX.key(u) for u in user_ids])


def inbox_version(user_id: int) -> str:
    return _read(INBOX.key(user_id))


def cached_unread_count(user_id: int, compute: Callable[[], int], *, version=None) -> int:
    """The unread count, cached on the user's inbox token (read before the database)."""
    version = version or inbox_version(user_id)
    return _get_or_make(f"inbox-count:{GENERATION}:{user_id}:{version}", INBOX_COUNT, compute)


# --- the dashboard page ------------------------------------------------------------------------


@dataclass
class PageLookup:
    """A whole page's cache entry and what it must have been made with to be served."""

    key: str
    stamp: tuple
    entry: tuple | None
    scope: str  # the scope-records key part the page's fragments vary on

    @property
    def hit(self) -> bytes | None:
        if self.entry is not None and self.entry[0] == self.stamp:
            return self.entry[1]
        return None

    def store(self, content: bytes) -> None:
        cache.set(self.key, (self.stamp, content), DASHBOARD_PAGE.timeout)


def dashboard_page(*, user, parts: list[str], stamp: Callable[[str], tuple]) -> PageLookup:
    """The dashboard page's entry for this user and request (``parts``: browser, query,
    language, day), read with the scope's records token and the user's inbox token in
    one round trip. ``stamp(scope)`` gives what else the page shows (the fragments' key);
    the user's access version and inbox token are added to it."""
    key = ":".join(["dashboard-page", GENERATION, str(user.pk), *parts])
    key = hashlib.sha256(key.encode()).hexdigest()
    records_key, user_inbox = scope_version_key(user=user), INBOX.key(user.pk)
    found = cache.get_many([key, records_key, user_inbox])
    scope = scope_version(user=user, version=found.get(records_key))
    # The user's inbox token stands for the unread count the page shows.
    notifications = found.get(user_inbox) or inbox_version(user.pk)
    return PageLookup(
        key=key,
        stamp=(user.access_version, *stamp(scope), notifications),
        entry=found.get(key),
        scope=scope,
    )


def dashboard_figures_key(*, scope: str, year: int, as_of, today) -> str:
    """What the dashboard's fragments vary on (with the language): the scope's records
    token, the year, the date and today (late days count to today)."""
    return ":".join([GENERATION, scope, str(year), as_of.isoformat(), str(today)])
