"""In Chromium: the manager logs in, sees Chinese, switches to English."""

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_logs_in_in_chinese_and_switches_to_english(login_page, manager_user, live_server):
    page = login_page("manager", TEST_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#page-title")).to_have_text("我的待办")
    page.goto(live_server.url + "/payments/dashboard/")
    expect(page.locator("#page-title")).to_have_text("预算执行看板")
    expect(page.locator("nav")).to_contain_text("退出登录")

    page.select_option("#language-select", "en")
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#page-title")).to_have_text("Budget execution dashboard")
    expect(page.locator("nav")).to_contain_text("Log out")
    expect(page.locator("footer")).to_contain_text("Version")


def test_no_page_loads_anything_from_another_host(login_page, manager_user, live_server):
    requested = []
    page = login_page("manager", TEST_PASSWORD)
    page.on("request", lambda request: requested.append(request.url))
    page.reload()
    page.wait_for_load_state("networkidle")
    assert requested
    assert all(url.startswith(live_server.url) for url in requested), requested
