"""TOTP second factor (django-otp): required for finance, managers and administrators of a
bureau that turns it on; enrolment with a QR code drawn locally; a wrong code is refused
and counts toward the lock-out."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from tests.accounts.totp import code, wrong_code
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_bureau(bureau):
    bureau.require_otp = True
    bureau.save()
    return bureau


@pytest.fixture
def totp_device(otp_bureau, manager_user):
    return TOTPDevice.objects.create(user=manager_user, name="手机", confirmed=True)


def _password(client, username="manager"):
    return client.post("/accounts/login/", {"username": username, "password": TEST_PASSWORD})


def test_a_manager_logs_in_with_password_then_code(client, totp_device, manager_user):
    response = _password(client)
    assert response.url == "/accounts/login/otp/"
    assert "_auth_user_id" not in client.session  # not logged in on the password alone
    assert client.get("/payments/dashboard/").status_code == 302

    response = client.post("/accounts/login/otp/", {"token": code(totp_device)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager_user.pk)
    assert client.get("/payments/dashboard/").status_code == 200


def test_a_wrong_code_is_refused_and_counts_toward_the_lock_out(client, totp_device):
    _password(client)
    response = client.post("/accounts/login/otp/", {"token": wrong_code(totp_device)})
    assert response.status_code == 200
    assert "动态口令不正确或已过期，请重新输入。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="manager").failures_since_start == 1
    event = SecurityEvent.objects.get(kind="otp_failed")
    assert (event.username, event.ip_address) == ("manager", "127.0.0.1")

    for _attempt in range(3):
        client.post("/accounts/login/otp/", {"token": wrong_code(totp_device)})
    response = client.post("/accounts/login/otp/", {"token": wrong_code(totp_device)})
    assert response.status_code == 429
    assert "该账户已被锁定 30 分钟" in response.content.decode()
    # Locked: the password alone no longer even reaches the code step.
    assert _password(client).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_first_login_binds_an_authenticator_with_a_local_qr_code(
    client, otp_bureau, finance_user
):
    response = _password(client, "finance")
    assert response.url == "/accounts/login/otp/setup/"
    page = client.get(response.url).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page and 'id="otp-secret"' in page
    device = TOTPDevice.objects.get(user=finance_user)
    assert not device.confirmed
    assert client.post(response.url, {"token": wrong_code(device)}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed and "_auth_user_id" not in client.session

    # django-otp makes a device wait after a wrong code (a second, doubling): wait it out.
    with time_machine.travel(timezone.localtime() + datetime.timedelta(seconds=2)):
        response = client.post("/accounts/login/otp/setup/", {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["_auth_user_id"] == str(finance_user.pk)
    assert SecurityEvent.objects.filter(kind="otp_enrolled", username="finance").exists()


def test_roles_without_money_or_administration_log_in_with_the_password(
    client, otp_bureau, staff_user
):
    assert _password(client, "staff").url == "/"
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_a_session_from_before_the_bureau_turned_it_on_logs_in_again(
    client_for, bureau, manager_user
):
    client = client_for(manager_user)
    assert client.get("/payments/dashboard/").status_code == 200
    bureau.require_otp = True
    bureau.save()
    response = client.get("/payments/dashboard/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/"
    assert "本单位登录须输入动态口令，请重新登录。" in response.content.decode()


def test_the_code_step_without_a_password_goes_back_to_the_login(client):
    response = client.post("/accounts/login/otp/", {"token": "123456"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "登录已超时，请重新输入用户名和密码。" in response.content.decode()
