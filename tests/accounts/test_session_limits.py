"""Sessions end after 30 minutes without a request and 12 hours after the login."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def _minutes(n):
    return datetime.timedelta(minutes=n)


def test_an_idle_session_ends_after_30_minutes(client_for, staff_user, settings):
    assert settings.SESSION_IDLE_TIMEOUT.total_seconds() == 30 * 60
    start = timezone.localtime()
    with time_machine.travel(start, tick=False) as clock:
        client = client_for(staff_user)
        assert client.get("/contracts/").status_code == 200
        clock.shift(_minutes(29))
        assert client.get("/contracts/").status_code == 200  # activity restarts the clock
        clock.shift(_minutes(29))
        assert client.get("/contracts/").status_code == 200
        clock.shift(_minutes(30) + datetime.timedelta(seconds=30))
        response = client.get("/contracts/", follow=True)
    assert response.redirect_chain[0] == ("/accounts/login/?next=/contracts/", 302)
    assert "长时间未操作，已自动退出，请重新登录。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    expired = SecurityEvent.objects.get(kind="session_expired")
    assert (expired.username, expired.detail) == ("staff", "长时间未操作")


def test_the_idle_timeout_follows_its_environment_variable(client_for, staff_user, settings):
    settings.SESSION_IDLE_TIMEOUT = _minutes(10)
    with time_machine.travel(timezone.localtime(), tick=False) as clock:
        client = client_for(staff_user)
        assert client.get("/contracts/").status_code == 200
        clock.shift(_minutes(11))
        assert client.get("/contracts/").status_code == 302


def test_a_session_ends_12_hours_after_the_login_however_active(client_for, staff_user):
    with time_machine.travel(timezone.localtime(), tick=False) as clock:
        client = client_for(staff_user)
        for _step in range(28):  # a request every 25 minutes: 11 h 40 min
            clock.shift(_minutes(25))
            assert client.get("/api/v1/whoami/").status_code == 200
        clock.shift(_minutes(25))  # 12 h 5 min after the login
        response = client.get("/api/v1/whoami/")
    assert response.status_code == 401
    assert SecurityEvent.objects.get(kind="session_expired").detail == "登录已满 12 小时"
