"""A real Celery worker with beat, fed through Redis, runs the scheduled reminder scan and
the delivery tasks it queues: each notification appears once and no e-mail goes out twice,
even when the worker is killed in the middle of a delivery and started again."""

import datetime
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.production import redis_database_after
from payments import services
from payments.models import Notice, Notification, ReminderSettings
from tests.factories import ContractFactory
from tests.test_celery_worker import REDIS_BASE_DB, _redis_or_skip

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
REDIS = f"redis://127.0.0.1:6379/{REDIS_BASE_DB + 1}"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _start_worker(tmp_path, name, pause):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS,
        "DJANGO_DEBUG": "1",
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",  # four slashes: an absolute path
        "REMINDER_DELIVERY_PAUSE": str(pause),
        "VAR_DIR": str(tmp_path),
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
            f"--schedule={tmp_path / 'beat'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def _stop(process, log, sig=signal.SIGTERM):
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)
    log.close()


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _scans_run(log_path) -> int:
    """How many scans the worker writing ``log_path`` has run to their end."""
    return sum(
        "payments.tasks.run_reminders[" in line and " succeeded in " in line
        for line in log_path.read_text(encoding="utf-8").splitlines()
    )


def _emails(tmp_path) -> list[tuple[str, str]]:
    """(recipient, subject) of every e-mail the workers wrote (the file backend)."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    sent = []
    for path in folder.iterdir():
        for raw in path.read_text(encoding="utf-8").split("-" * 79):
            if raw.strip():
                message = email.message_from_string(raw.lstrip(), policy=email.policy.default)
                sent.append((str(message["To"]), str(message["Subject"])))
    return sorted(sent)


@pytest.fixture
def late_installment(bureau, staff_user, finance_user, manager_user):
    import redis

    _redis_or_skip()
    # The workers' broker, and their cache in the next database (settings: REDIS_CACHE_URL):
    # a version token left by an earlier run must not meet this run's reused ids.
    for url in (REDIS, redis_database_after(REDIS)):
        redis.Redis.from_url(url).flushdb()
    staff_user.email, finance_user.email = "staff@example.cn", "finance@example.cn"
    staff_user.save()
    finance_user.save()
    today = timezone.localdate()
    contract = ContractFactory(
        award__project__bureau=bureau,
        award__provider__email="provider@example.cn",
        owner=staff_user,
    )
    [installment] = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(100)],
        due_dates=[today - datetime.timedelta(days=3)],
    )
    # Any hour of any day counts as working time here, so the run delivers at once.
    ReminderSettings.objects.create(
        bureau=bureau,
        work_start=datetime.time(0, 0),
        work_end=datetime.time(23, 59, 59),
        work_days=[1, 2, 3, 4, 5, 6, 7],
    )
    # The schedule the migration installs, ticking every second for the test. (A
    # transactional test database is emptied between tests, so it may need re-creating.)
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        task="payments.tasks.run_reminders",
        defaults={"name": "提醒扫描（每小时）", "interval": every_second, "crontab": None},
    )
    return installment


def test_the_scheduled_scan_notifies_once_across_a_killed_worker(late_installment, tmp_path):
    # First worker: the scan finds the notices and notifies in-app, then queues a delivery
    # task per notice; the first delivery claims its notice's e-mails and pauses before
    # sending them. We kill the worker there.
    first, first_log = _start_worker(tmp_path, "first", pause=30)
    try:
        assert _wait(lambda: Notice.objects.filter(dispatched_at__isnull=False).exists()), (
            tmp_path / "first.log"
        ).read_text()
    finally:
        _stop(first, first_log, signal.SIGKILL)
    notices = sorted(Notice.objects.values_list("key", flat=True))
    due = late_installment.due_date.isoformat()
    assert notices == [
        f"documents_late:{late_installment.pk}:{late_installment.documents_due.isoformat()}",
        f"late:{late_installment.pk}:{due}:L1",
    ]
    notifications = [
        ("documents_late", "staff"),
        ("late", "finance"),
        ("late", "staff"),
    ]
    assert (
        sorted(Notification.objects.values_list("notice__rule", "recipient__username"))
        == notifications
    )
    [killed] = Notice.objects.filter(dispatched_at__isnull=False)
    [survivor] = Notice.objects.filter(dispatched_at__isnull=True)
    assert _emails(tmp_path) == []

    # Second worker: the queued delivery of the other notice runs; the beat ticks scan
    # again and find nothing new. The killed delivery's e-mails are lost, never doubled.
    second, second_log = _start_worker(tmp_path, "second", pause=0)
    addresses = {
        "documents_late": ["provider@example.cn", "staff@example.cn"],
        "late": ["finance@example.cn", "staff@example.cn"],
    }
    try:
        assert _wait(lambda: len(_emails(tmp_path)) >= 2), (tmp_path / "second.log").read_text()
        # Three more scans, each run to its end, find nothing new to send.
        scans = _scans_run(tmp_path / "second.log")
        assert _wait(lambda: _scans_run(tmp_path / "second.log") >= scans + 3), (
            tmp_path / "second.log"
        ).read_text()
    finally:
        _stop(second, second_log)
    log = (tmp_path / "second.log").read_text()
    assert "payments.tasks.run_reminders" in log and "payments.tasks.deliver_notice" in log
    assert (
        sorted(Notification.objects.values_list("notice__rule", "recipient__username"))
        == notifications
    )
    assert sorted(Notice.objects.values_list("key", flat=True)) == notices
    sent = _emails(tmp_path)
    assert [to for to, _subject in sent] == addresses[survivor.rule]
    assert killed.title not in "".join(subject for _to, subject in sent)
    survivor.refresh_from_db()
    assert survivor.dispatched_at is not None
