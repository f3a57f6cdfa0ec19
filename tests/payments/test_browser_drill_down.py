"""In Chromium: every figure of the dashboard opens the records behind it — 已支付 the
year's payment ledger, 逾期未付 the late installments, a project row the project's money."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _yuan(wan: str) -> str:
    return f"{Decimal(wan.replace(',', '')) * 10000:,.2f}"


def test_the_dashboards_figures_open_their_records(browser, live_server, demo_loaded):
    page = signed_in_page(browser, live_server, "manager", DEMO_PASSWORD)
    dashboard = live_server.url + "/payments/dashboard/"
    page.goto(dashboard)
    expect(page.locator("#dashboard-scope")).to_contain_text("2024 年度，截至 2024-12-31")
    paid = page.locator("#card-paid").inner_text()
    late = page.locator("#card-late").inner_text()
    late_rows = page.locator("#late-list li a").count()
    first_project = page.locator("#execution-table tbody tr").first
    project_name = first_project.locator("td").nth(0).inner_text()
    project_paid = first_project.locator("td").nth(3).inner_text()

    # 已支付 → the payment ledger of 2024 up to the as-of date; its 合计 is the card's, in 元.
    # The whole card is the link (stretched over it): a click on the figure follows it.
    page.click("#card-paid", force=True)
    expect(page.locator("#page-title")).to_have_text("支付台账")
    expect(page.locator("#list-total")).to_contain_text(_yuan(paid))
    expect(page.locator("#payment-table")).to_contain_text("深圳市温馨社工服务中心")

    # 逾期未付 → the late installments as of the date; their 未付 合计 is the card's.
    page.goto(dashboard)
    page.click("#card-late", force=True)
    expect(page.locator("#page-title")).to_have_text("分期款")
    expect(page.locator("#row-count")).to_have_text(str(late_rows))
    expect(page.locator("#list-total td").nth(7)).to_have_text(late)

    # A project row → the project's page, its money for the year.
    page.goto(dashboard)
    page.click(f"#execution-table a.project-link:has-text('{project_name}')")
    expect(page.locator("#page-title")).to_have_text(project_name)
    money = page.locator("#project-money")
    expect(money).to_be_visible()
    current = money.locator("#project-budgets tr.table-active")
    expect(current.locator("td").nth(0)).to_have_text("2024")
    expect(current.locator("td").nth(3)).to_have_text(project_paid)
    expect(money.locator("#project-contracts tbody tr")).not_to_have_count(0)
    expect(money.locator("#project-installments tbody tr")).not_to_have_count(0)
