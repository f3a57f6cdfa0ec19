"""In Chromium: staff, finance and the manager each land on 我的待办, and every count
there is the number of rows the list it links to shows."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_roles_home_counts_what_its_lists_show(browser, live_server, demo_loaded):
    for username in ("staff", "finance", "manager"):
        page = signed_in_page(browser, live_server, username, DEMO_PASSWORD)
        page.goto(live_server.url + "/")
        expect(page.locator("#page-title")).to_have_text("我的待办")
        items = page.locator("#todo a.list-group-item")
        tasks = [
            (items.nth(i).get_attribute("id"), items.nth(i).get_attribute("href"))
            for i in range(items.count())
        ]
        assert len(tasks) >= 3, (username, tasks)
        for task_id, href in tasks:
            page.goto(live_server.url + "/")
            count = page.locator(f"#{task_id} .todo-count").inner_text()
            if "/dashboard/" in href:
                continue
            page.click(f"#{task_id}")
            page.wait_for_load_state()
            expect(page.locator("#row-count"), f"{username} {task_id}").to_have_text(count)
        page.context.close()
