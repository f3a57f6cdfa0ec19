"""Liveness and readiness, and the beat heartbeat readiness reads.

``/healthz/`` says the process answers: no database, no cache. ``/readyz/`` says this node
can serve: the database answers and has every migration applied, the cache and the broker
answer, and beat's heartbeat is younger than two of its periods. Neither names a version,
a host or an error: failures are logged here, on the server.
"""

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from accounts import caching

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = caching.BEAT_HEARTBEAT.key()
_migrations_applied = False  # once true, stays true for this process's code
# Each process probes the cache under a key of its own: nodes probing at once must not
# read each other's token.
_PROBE_KEY = caching.CACHE_PROBE.key(uuid.uuid4().hex)


def heartbeat_record() -> None:
    """Called by the heartbeat task beat sends every BEAT_HEARTBEAT_SECONDS."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=caching.BEAT_HEARTBEAT.timeout)


def heartbeat_age() -> float | None:
    """Seconds since the last heartbeat, or None when there was none."""
    beat = cache.get(HEARTBEAT_KEY)
    return None if beat is None else max(0.0, time.time() - beat)


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_applied = not plan
    return _migrations_applied


def _cache() -> bool:
    token = f"{time.time()}"
    cache.set(_PROBE_KEY, token, timeout=caching.CACHE_PROBE.timeout)
    return cache.get(_PROBE_KEY) == token


def _broker() -> bool:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel  # noqa: B018 - opens the channel: the broker really answered
    return True


def _beat() -> bool:
    age = heartbeat_age()
    return age is not None and age < 2 * settings.BEAT_HEARTBEAT_SECONDS


CHECKS = {
    "database": _database,
    "migrations": _migrations,
    "cache": _cache,
    "broker": _broker,
    "beat": _beat,
}


def readiness() -> dict[str, bool]:
    """Each check's result; a check that raises is a failure, logged with its reason."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = bool(check())
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = False
        if not results[name]:
            logger.warning("readiness check %s: not ready", name)
    return results
