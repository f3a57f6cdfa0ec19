"""/healthz/ (alive) and /readyz/ (ready to serve), as a load balancer and a monitor see them."""

import json
import socket
import time

import pytest
from django.core.cache import cache
from django.test import Client

from config import health
from config.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_like(settings):
    settings.ALLOWED_HOSTS = ["mz.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_healthz_answers_a_probe_by_address_over_plain_http_without_login(production_like):
    probe = Client(HTTP_HOST="10.20.30.40:8000")
    response = probe.get("/healthz/")
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Cache-Control"] == "no-store"
    # The same request to a page meets the host check (and would meet the redirect next).
    assert probe.get("/accounts/login/").status_code == 400
    assert Client(HTTP_HOST="mz.example.gov.cn").get("/accounts/login/").status_code == 301


def test_readyz_is_ready_when_everything_answers_and_beat_is_alive(production_like):
    health.heartbeat_record()
    response = Client(HTTP_HOST="10.20.30.40").get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": True,
            "migrations": True,
            "cache": True,
            "broker": True,
            "beat": True,
        },
    }


def test_readyz_names_no_version_host_or_error(production_like, settings):
    cache.delete(health.HEARTBEAT_KEY)
    body = Client(HTTP_HOST="10.20.30.40").get("/readyz/").content.decode()
    for secret in (settings.VERSION, socket.gethostname(), "127.0.0.1", "redis", "postgres"):
        assert secret not in body
    assert set(json.loads(body)) == {"status", "checks"}


def test_readyz_is_red_without_a_heartbeat(settings, caplog):
    cache.delete(health.HEARTBEAT_KEY)
    response = Client().get("/readyz/")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["beat"] is False
    # One warning naming the check; not an error per probe (nor a Sentry event).
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("config.health", "WARNING", "readiness check beat: not ready")
    ]


@pytest.mark.parametrize(
    ("periods_ago", "ready"), [(0.5, True), (1.9, True), (2.1, False), (10, False)]
)
def test_a_heartbeat_counts_for_two_periods(settings, periods_ago, ready):
    settings.BEAT_HEARTBEAT_SECONDS = 60
    cache.set(health.HEARTBEAT_KEY, time.time() - periods_ago * 60, timeout=None)
    response = Client().get("/readyz/")
    assert response.json()["checks"]["beat"] is ready
    assert response.status_code == (200 if ready else 503)


def test_the_heartbeat_task_records_now():
    from config.tasks import beat_heartbeat

    cache.delete(health.HEARTBEAT_KEY)
    beat_heartbeat.delay()  # eager in the tests; a worker runs it in production
    assert health.heartbeat_age() < 1


def test_beat_sends_the_heartbeat_every_period_and_it_expires_after_one():
    from django_celery_beat.schedulers import ModelEntry

    # What beat's database scheduler makes of the settings' entry when it starts.
    entry = ModelEntry.from_entry(
        "beat-heartbeat", app=app, **app.conf.beat_schedule["beat-heartbeat"]
    )

    task = entry.model
    assert task.task == "config.beat_heartbeat" and "config.beat_heartbeat" in app.tasks
    assert (task.interval.every, task.interval.period, task.enabled) == (60, "seconds", True)
    assert ModelEntry(task, app=app).options["expires"] == 60


def test_readyz_is_red_when_the_broker_does_not_answer():
    health.heartbeat_record()
    saved = app.conf.broker_url, app.conf.broker_transport_options
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    app.conf.update(broker_url=f"redis://127.0.0.1:{port}/0", broker_transport_options={})
    app._pool = None
    try:
        started = time.monotonic()
        response = Client().get("/readyz/")
        elapsed = time.monotonic() - started
    finally:
        app.conf.update(broker_url=saved[0], broker_transport_options=saved[1])
        app._pool = None
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": True,
        "migrations": True,
        "cache": True,
        "broker": False,
        "beat": True,
    }
    assert elapsed < 10


def test_readyz_is_red_while_a_migration_is_missing(monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    health.heartbeat_record()
    monkeypatch.setattr(health, "_migrations_applied", False)
    # The app's latest migration (a migration before it would not show once it is applied).
    MigrationRecorder.Migration.objects.filter(app="accounts").order_by("-name").first().delete()
    response = Client().get("/readyz/")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] is False
