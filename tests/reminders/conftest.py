"""Shared by the reminder tests: the demo, a time of day in Shanghai, the command."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def run_command(*args) -> str:
    """``run_reminders`` with these arguments; what it printed."""
    out = io.StringIO()
    call_command("run_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    return {u.username: u for u in User.objects.all()}
