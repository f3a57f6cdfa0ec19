"""The bureau's reminder settings (the administrator's alone) and the schedules that run
the scan."""

import importlib
from decimal import Decimal

import pytest

from payments.models import ReminderSettings

pytestmark = pytest.mark.django_db


def test_only_the_manager_edits_reminder_settings(demo, client):
    # The platform's and the bureau's administrators do none of the bureau's business.
    for name in ("staff", "finance", "auditor", "admin", "secadmin", "auditadmin"):
        client.force_login(demo[name])
        response = client.get("/payments/reminders/settings/")
        # The platform's administrator has no bureau: sent home before any permission.
        assert response.status_code == (302 if name == "admin" else 403), name
    client.force_login(demo["manager"])
    form = {
        "due_soon_days": "10,5",
        "escalate_level2_days": "10",
        "escalate_level3_days": "20",
        "payment_deadline_days": "30",
        "tolerance_points": "3",
        "year_end_target": "98",
        "projection_from_month": "9",
        "work_start": "08:30",
        "work_end": "17:30",
        "work_days": "1,2,3,4,5,6",
        "email_enabled": "on",
        "webhook_url": "",
    }
    response = client.post("/payments/reminders/settings/", {**form, "escalate_level3_days": "5"})
    assert "紧急级别的天数应大于升级至分管领导的天数。" in response.content.decode()
    assert not ReminderSettings.objects.exists()
    client.post("/payments/reminders/settings/", form)
    saved = ReminderSettings.objects.get()
    assert (saved.due_soon_days, saved.working_days, saved.year_end_target) == (
        [10, 5],
        [6, 5, 4, 3, 2, 1],
        Decimal("98.00"),
    )


def test_the_schedules_are_installed_in_the_database():
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # The schedules are rows the migration writes. A transactional test run earlier in the
    # same xdist worker empties every table, so the migration's step runs again here (it
    # is idempotent: get_or_create) and its result is what is checked.
    migration = importlib.import_module(
        "payments.migrations.0001_squashed_0008_reminder_escalation_order"
    )
    migration.install_schedules(apps, None)

    schedules = {
        t.task: (t.crontab.minute, t.crontab.hour, str(t.crontab.timezone))
        for t in PeriodicTask.objects.all()
    }
    assert schedules["payments.tasks.run_reminders"] == ("5", "*", "Asia/Shanghai")
    assert schedules["accounts.tasks.clear_expired_sessions"] == ("30", "3", "Asia/Shanghai")
