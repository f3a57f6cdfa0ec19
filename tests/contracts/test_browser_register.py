"""In Chromium: staff registers a provider, a project, an award and a contract."""

import pytest
from playwright.sync_api import expect

from contracts.models import Award, Contract, Project, Provider
from tests.browser import go_to
from tests.factories import TEST_PASSWORD, credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page):
    page.click("#main-form button[type=submit]")
    page.wait_for_load_state()


def test_staff_registers_the_whole_chain_from_the_browser(login_page, live_server, staff_user):
    page = login_page("staff", TEST_PASSWORD)

    # A provider, first with a wrong credit code.
    go_to(page, "合同管理", "服务机构")
    page.click("#create-link")
    page.fill("#id_name", "深圳市春晖社工服务中心")
    good_code = credit_code(42)
    page.fill("#id_credit_code", good_code[:-1] + ("1" if good_code[-1] != "1" else "2"))
    _submit(page)
    expect(page.locator("#main-form")).to_contain_text(f"第 18 位应为 {good_code[-1]}")
    assert Provider.objects.count() == 0
    page.fill("#id_credit_code", good_code)
    page.fill("#id_contact_person", "周主任")
    _submit(page)
    expect(page.locator(".alert-success")).to_contain_text("服务机构已登记。")
    expect(page.locator("#page-title")).to_have_text("深圳市春晖社工服务中心")

    # A project.
    go_to(page, "合同管理", "服务项目")
    page.click("#create-link")
    page.fill("#id_name", "婚姻家庭社工服务项目")
    page.select_option("#id_service_field", label="婚姻家庭")
    page.fill("#id_department", "婚姻登记处")
    _submit(page)
    expect(page.locator("#page-title")).to_have_text("婚姻家庭社工服务项目")

    # An award, from the project page.
    page.click("text=登记中标")
    page.select_option("#id_provider", label="深圳市春晖社工服务中心")
    page.select_option("#id_procurement_method", label="竞争性磋商")
    page.fill("#id_award_date", "2024-06-10")
    page.fill("#id_term_start", "2024-07-01")
    page.fill("#id_term_months", "24")
    page.fill("#id_annual_amount", "880000")
    _submit(page)
    expect(page.locator(".alert-success")).to_contain_text("中标信息已登记。")
    expect(page.locator("main")).to_contain_text("2024-07-01 ~ 2026-06-30")

    # A contract, from the award page: first outside the term, then with a negative amount.
    page.click("text=登记合同")
    page.fill("#id_number", "YT-HY-2024-01")
    page.fill("#id_title", "2024-2025年度合同")
    page.fill("#id_signed_on", "2024-06-25")
    page.fill("#id_start", "2026-07-01")
    page.fill("#id_end", "2027-06-30")
    page.fill("#id_amount", "880000")
    _submit(page)
    expect(page.locator("#main-form")).to_contain_text("超出中标期 2024-07-01 至 2026-06-30")
    page.fill("#id_start", "2024-07-01")
    page.fill("#id_end", "2025-06-30")
    page.fill("#id_amount", "-1")
    _submit(page)
    expect(page.locator("#main-form")).to_contain_text("金额必须大于 0。")
    assert Contract.objects.count() == 0

    page.fill("#id_amount", "880000.00")
    _submit(page)
    expect(page.locator(".alert-success")).to_contain_text("合同已登记。")
    expect(page.locator("#contract-amount")).to_contain_text("88.00 万元")
    expect(page.locator("#contract-period")).to_contain_text("2024-07-01 ~ 2025-06-30")

    assert Project.objects.count() == 1 and Award.objects.count() == 1
    contract = Contract.objects.get()
    assert contract.owner == staff_user

    go_to(page, "合同管理", "合同")
    expect(page.locator("#contract-table")).to_contain_text("YT-HY-2024-01")
    expect(page.locator("#contract-table")).to_contain_text("88.00")
