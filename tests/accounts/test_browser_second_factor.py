"""In Chromium: a manager of a bureau with the second factor on logs in with a TOTP code;
a wrong code is refused and counted toward the lock-out."""

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.totp import code, wrong_code
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def totp_device(bureau, manager_user):
    bureau.require_otp = True
    bureau.save()
    return TOTPDevice.objects.create(user=manager_user, name="手机", confirmed=True)


def test_a_manager_logs_in_with_a_code_from_the_device(login_page, totp_device):
    page = login_page("manager", TEST_PASSWORD)
    expect(page.locator("h1")).to_have_text("动态口令")
    page.fill("input[name=token]", code(totp_device))
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#page-title")).to_have_text("我的待办")
    expect(page.locator("#usermenu")).to_contain_text("分管领导")


def test_a_wrong_code_is_refused_and_counted_toward_the_lock_out(login_page, totp_device):
    page = login_page("manager", TEST_PASSWORD)
    for attempt in range(1, 5):
        page.fill("input[name=token]", wrong_code(totp_device))
        page.click("#otp-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#otp-form")).to_contain_text("动态口令不正确或已过期，请重新输入。")
        assert AccessAttempt.objects.get(username="manager").failures_since_start == attempt
    page.fill("input[name=token]", wrong_code(totp_device))
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#lockout-message")).to_contain_text("该账户已被锁定 30 分钟")
    # Even the right password and code get no further now.
    page = login_page("manager", TEST_PASSWORD)
    expect(page.locator("#lockout-message")).to_be_visible()
