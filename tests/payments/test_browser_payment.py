"""In Chromium: the finance officer who reviewed an installment cannot approve it (four
eyes), the manager approves, finance pays; the manager's dashboard moves."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payments import services
from payments.models import Installment, Payment
from tests.browser import signed_in_page
from tests.factories import AwardFactory, BudgetFactory, ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Installment.Status


@pytest.fixture
def under_review(bureau, staff_user, finance_user):
    year = timezone.localdate().year
    award = AwardFactory(
        project__bureau=bureau, term_start=datetime.date(year - 1, 1, 1), term_months=36
    )
    contract = ContractFactory(
        award=award,
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        amount=Decimal("1000000.00"),
    )
    BudgetFactory(
        project=award.project,
        year=year,
        initial_amount=Decimal("1000000.00"),
        issued_amount=Decimal("1000000.00"),
    )
    first, _second = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(40), Decimal(60)],
        due_dates=[datetime.date(year, 12, 30), datetime.date(year, 12, 31)],
    )
    services.installment_transition(
        actor=staff_user, installment=first, to_status=S.AWAITING_DOCUMENTS
    )
    for document in first.documents.all():
        services.document_receive(
            actor=staff_user, document=document, received_on=timezone.localdate()
        )
    services.installment_transition(
        actor=staff_user, installment=first, to_status=S.DOCUMENTS_SUBMITTED
    )
    services.installment_transition(actor=finance_user, installment=first, to_status=S.UNDER_REVIEW)
    return first


def _home_page(browser, live_server, username):
    """The page a user lands on after logging in."""
    page = signed_in_page(browser, live_server, username)
    page.goto(live_server.url + "/")
    return page


def test_finance_pays_and_the_manager_sees_it(
    browser, live_server, under_review, finance_user, manager_user
):
    manager = _home_page(browser, live_server, "manager")
    expect(manager.locator("#page-title")).to_have_text("我的待办")
    manager.goto(live_server.url + "/payments/dashboard/")
    expect(manager.locator("#page-title")).to_have_text("预算执行看板")
    expect(manager.locator("#card-paid")).to_have_text("0.00")
    expect(manager.locator("#card-rate")).to_have_text("0.00%")

    finance = _home_page(browser, live_server, "finance")
    expect(finance.locator("#todo-installments-under-review .todo-count")).to_have_text("1")
    finance.click("#todo-installments-under-review")
    expect(finance.locator("#page-title")).to_have_text("分期款")
    finance.click(f"#installment-table a[href='/payments/installments/{under_review.pk}/']")
    expect(finance.locator("#installment-status")).to_have_text("审核中")
    finance.click("#transition-form button[value=approved]")
    expect(finance.locator("body")).to_contain_text(
        "按照不相容岗位分离（四眼原则），开始审核第一期的人不能审批该期。"
    )
    assert Installment.objects.get(pk=under_review.pk).status == S.UNDER_REVIEW

    manager.goto(f"{live_server.url}/payments/installments/{under_review.pk}/")
    manager.click("#transition-form button[value=approved]")
    expect(manager.locator(".alert-success")).to_contain_text("状态已变更为“已审批”。")
    finance.goto(f"{live_server.url}/payments/installments/{under_review.pk}/")
    expect(finance.locator("#id_payment-amount")).to_have_value("400000.00")
    finance.fill("#id_payment-voucher_number", "记-2026-001")
    finance.click("#payment-form button[type=submit]")
    expect(finance.locator(".alert-success")).to_contain_text(
        "已登记付款 400,000.00 元，凭证号 记-2026-001。"
    )
    expect(finance.locator("#installment-status")).to_have_text("已支付")
    expect(finance.locator("#payments")).to_contain_text("记-2026-001")

    manager.goto(live_server.url + "/payments/dashboard/")
    expect(manager.locator("#card-paid")).to_have_text("40.00")
    expect(manager.locator("#card-rate")).to_have_text("40.00%")
    assert Payment.objects.get().posted_by == finance_user


def test_a_payment_made_last_month_is_entered_today_with_its_own_date(
    browser, live_server, bureau, staff_user, finance_user, manager_user
):
    today = timezone.localdate()
    paid_on = today - datetime.timedelta(days=20)
    year = paid_on.year
    contract = ContractFactory(
        award__project__bureau=bureau,
        signed_on=datetime.date(year, 1, 1),
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        amount=Decimal("1000000.00"),
    )
    BudgetFactory(project=contract.award.project, year=year, recorded_by=finance_user)
    [installment] = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(100)],
        due_dates=[datetime.date(year, 12, 31)],
    )
    approved_on = paid_on - datetime.timedelta(days=3)
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.AWAITING_DOCUMENTS, on=approved_on
    )
    for document in installment.documents.all():
        services.document_receive(actor=staff_user, document=document, received_on=approved_on)
    for actor, status in (
        (staff_user, S.DOCUMENTS_SUBMITTED),
        (finance_user, S.UNDER_REVIEW),
        (manager_user, S.APPROVED),
    ):
        services.installment_transition(
            actor=actor, installment=installment, to_status=status, on=approved_on
        )

    finance = signed_in_page(browser, live_server, "finance")
    finance.goto(f"{live_server.url}/payments/installments/{installment.pk}/")
    finance.fill("#id_payment-paid_on", paid_on.isoformat())
    finance.fill("#id_payment-voucher_number", "记-补-001")
    finance.click("#payment-form button[type=submit]")
    expect(finance.locator("#installment-status")).to_have_text("已支付")
    entered = timezone.localtime()

    # The status log: the business date (back-dated), the entry time and the user.
    paid_row = finance.locator("#transitions tbody tr").last
    expect(paid_row.locator("td").nth(0)).to_have_text(f"{paid_on.isoformat()} 补录")
    expect(paid_row.locator("td").nth(1)).to_have_text("已审批 → 已支付")
    expect(paid_row.locator("td").nth(3)).to_contain_text(entered.strftime("%Y-%m-%d"))
    expect(paid_row.locator("td").nth(4)).to_have_text(str(finance_user))

    # The history the manager reads says the same.
    manager = signed_in_page(browser, live_server, "manager")
    manager.goto(f"{live_server.url}/payments/installments/{installment.pk}/")
    history_row = manager.locator("#history tbody tr").first
    expect(history_row.locator("td").nth(0)).to_contain_text(entered.strftime("%Y-%m-%d"))
    expect(history_row.locator("td").nth(1)).to_have_text(str(finance_user))
    expect(history_row.locator("td").nth(2)).to_contain_text(
        f"业务日期 {paid_on.isoformat()}（补录）"
    )
    expect(history_row.locator("td").nth(3)).to_contain_text("状态：已审批 → 已支付")

    # The dashboard as of the day before the payment does not count it; as of its day does.
    before = paid_on - datetime.timedelta(days=1)
    manager.goto(f"{live_server.url}/payments/dashboard/?year={year}&as_of={before.isoformat()}")
    expect(manager.locator("#card-paid")).to_have_text("0.00")
    manager.goto(f"{live_server.url}/payments/dashboard/?year={year}&as_of={paid_on.isoformat()}")
    expect(manager.locator("#card-paid")).to_have_text("100.00")
