"""In Chromium with DEBUG=0: a refused page and a missing one answer in Chinese in the
site's layout, the refusal naming who can act."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_403_and_404_in_chinese(browser, live_server, staff_user, finance_user, manager_user):
    assert settings.DEBUG is False
    page = signed_in_page(browser, live_server, "staff")
    response = page.goto(live_server.url + "/payments/dashboard/")
    assert response.status == 403
    expect(page.locator("#page-title")).to_have_text("无权操作")
    expect(page.locator("#error-who")).to_contain_text("此事由 财务、分管领导、审计/评估 办理。")
    expect(page.locator("#error-who")).to_contain_text(str(finance_user))
    expect(page.locator("nav.navbar")).to_be_visible()
    page.click("#error-home")
    expect(page.locator("#page-title")).to_have_text("我的待办")

    response = page.goto(live_server.url + "/contracts/999999/")
    assert response.status == 404
    expect(page.locator("#page-title")).to_have_text("页面不存在")
    expect(page.locator("#error-what")).to_contain_text("不属于您的单位")
    expect(page.locator("nav.navbar")).to_be_visible()
