"""In Chromium: finance types an irregular schedule (275,000 + 121,600) by hand, adding
and removing rows, with the total and the remainder following every keystroke; staff see
who makes the schedule instead of a refusal."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.models import Installment
from tests.browser import signed_in_page
from tests.factories import ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contract(bureau, staff_user):
    return ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("396600.00")
    )


def _row(page, index):
    return page.locator("#schedule-rows tr.schedule-row").nth(index)


def test_an_irregular_schedule_typed_by_hand(
    browser, live_server, contract, finance_user, staff_user
):
    page = signed_in_page(browser, live_server, "finance")
    page.goto(f"{live_server.url}/payments/contracts/{contract.pk}/schedule/")
    expect(page.locator("#schedule-remainder")).to_have_text("396,600.00")

    first = _row(page, 0)
    first.locator("input[name$='-number']").fill("1")
    first.locator("input[name$='-planned_amount']").fill("275000")
    first.locator("input[name$='-due_date']").fill("2024-09-30")
    expect(page.locator("#schedule-live-total")).to_have_text("275,000.00")
    expect(page.locator("#schedule-remainder")).to_have_text("121,600.00")
    expect(page.locator("#schedule-state")).to_have_text("少于合同金额")

    # 添加一期: the new row is numbered and offered the remainder.
    page.click("#schedule-add")
    second = _row(page, 1)
    expect(second.locator("input[name$='-number']")).to_have_value("2")
    expect(second.locator("input[name$='-planned_amount']")).to_have_value("121600.00")
    second.locator("input[name$='-due_date']").fill("2024-12-31")
    expect(page.locator("#schedule-remainder")).to_have_text("0.00")
    expect(page.locator("#schedule-state")).to_have_text("与合同金额相等")

    # A third row typed too far is shown over the amount, then taken out again.
    page.click("#schedule-add")
    third = _row(page, 2)
    third.locator("input[name$='-planned_amount']").fill("1000")
    expect(page.locator("#schedule-remainder")).to_have_text("-1,000.00")
    expect(page.locator("#schedule-state")).to_have_text("超出合同金额")
    third.locator("[data-remove-row]").click()
    expect(page.locator("#schedule-remainder")).to_have_text("0.00")

    page.click("#schedule-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("分期计划已保存。")
    assert list(
        Installment.objects.filter(contract=contract)
        .order_by("number")
        .values_list("number", "planned_amount")
    ) == [(1, Decimal("275000.00")), (2, Decimal("121600.00"))]
    assert Installment.objects.get(contract=contract, number=1).due_date == datetime.date(
        2024, 9, 30
    )

    # Staff do not make the schedule: the contract page says who does, with the link.
    staff = signed_in_page(browser, live_server, "staff")
    staff.goto(f"{live_server.url}{contract.get_absolute_url()}")
    expect(staff.locator("#schedule-who")).to_contain_text("分期计划由 财务 制定")
    expect(staff.locator("#schedule-who")).to_contain_text(str(finance_user))
    expect(staff.locator("#schedule-link")).to_have_count(0)
