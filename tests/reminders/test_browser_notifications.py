"""In Chromium: the manager sees the unread count, opens the notice, lands on the installment."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payments import reminders, services
from payments.models import ReminderSettings
from tests.factories import TEST_PASSWORD, ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_opens_a_late_installment_from_the_notification_centre(
    login_page, bureau, staff_user, finance_user, manager_user
):
    today = timezone.localdate()
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, title="2026年度合同"
    )
    [installment] = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(100)],
        due_dates=[today - datetime.timedelta(days=20)],
    )
    ReminderSettings.objects.create(
        bureau=bureau,
        work_start=datetime.time(0, 0),
        work_end=datetime.time(23, 59, 59),
        work_days=[1, 2, 3, 4, 5, 6, 7],
    )
    reminders.run()

    page = login_page("manager", TEST_PASSWORD)
    expect(page.locator("#unread-count")).to_have_text("1")
    page.click("#notification-bell")
    expect(page.locator("#page-title")).to_have_text("通知")
    notice = page.locator("#notification-list a").first
    expect(notice).to_contain_text("已逾期 20 天未付")
    notice.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/payments/installments/{installment.pk}/")
    expect(page.locator("#page-title")).to_contain_text("2026年度合同 第一期")
    expect(page.locator("#late-alert")).to_contain_text("已逾期 20 天未付清")
    expect(page.locator("#unread-count")).to_have_count(0)
