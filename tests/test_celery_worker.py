"""A real Celery worker, fed through Redis, runs a task whose effect lands in the database."""

import os
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app

# TEST_REDIS_DB (default 13) is the first of three Redis databases the suite may use: the
# benchmark smoke test takes it, the reminder workers the next, this worker the one after.
# Two checkouts testing at once on one machine give each its own base.
REDIS_BASE_DB = int(os.environ.get("TEST_REDIS_DB", "13"))
REDIS_URL = os.environ.get("REDIS_URL") or f"redis://127.0.0.1:6379/{REDIS_BASE_DB + 2}"


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (REQUIRE_REDIS=1) but {REDIS_URL} fails: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")


@pytest.fixture
def redis_worker(transactional_db):
    """A worker thread consuming from Redis, as in production."""
    from celery.contrib.testing.worker import start_worker

    _redis_or_skip()
    saved = {
        k: app.conf[k] for k in ("broker_url", "broker_transport_options", "task_always_eager")
    }
    _use_broker(
        broker_url=REDIS_URL,
        broker_transport_options={"visibility_timeout": 3600},
        task_always_eager=False,
    )
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            yield app
    finally:
        _use_broker(**saved)


def _use_broker(**conf):
    """Point the app at another broker: drop the pools built for the previous one."""
    app.conf.update(conf)
    app._pool = None
    app.amqp._producer_pool = None


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
def test_a_real_worker_clears_expired_sessions(redis_worker):
    from accounts.tasks import clear_expired_sessions

    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    live = SessionStore()
    live.create()

    clear_expired_sessions.delay()

    assert _wait_for(lambda: not Session.objects.filter(session_key=expired.session_key).exists())
    assert Session.objects.filter(session_key=live.session_key).exists()
