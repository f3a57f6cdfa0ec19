"""Pages of the payments app: who may do what, bureau scoping, and bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import Installment, Payment
from tests.factories import AuditFactory, BudgetFactory, ContractFactory

pytestmark = pytest.mark.django_db
S = Installment.Status


def _detail_urls(approved):
    contract = approved.contract
    budget = contract.award.project.budgets.get()
    audit = AuditFactory(bureau=approved.bureau)
    return [
        f"/payments/installments/{approved.pk}/",
        f"/payments/budgets/{budget.pk}/",
        f"/payments/audits/{audit.pk}/",
        f"/contracts/{contract.pk}/",
    ], [
        f"/payments/installments/{approved.pk}/pay/",
        f"/payments/installments/{approved.pk}/deductions/",
        f"/payments/installments/{approved.pk}/details/",
        f"/payments/contracts/{contract.pk}/schedule/",
        f"/payments/budgets/{budget.pk}/edit/",
        f"/payments/budgets/{budget.pk}/adjust/",
        f"/payments/audits/{audit.pk}/edit/",
    ]


def _pay(amount, voucher, key="7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f"):
    return {
        "payment-paid_on": "2024-03-20",
        "payment-amount": amount,
        "payment-voucher_number": voucher,
        "payment-request_key": key,
    }


LISTS = [
    "/payments/installments/",
    "/payments/payments/",
    "/payments/budgets/",
    "/payments/audits/",
]


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_every_role_of_the_bureau_reads(make_user, bureau, client, approved, role):
    client.force_login(make_user(role, bureau, f"{role}-reader"))
    details, _edits = _detail_urls(approved)
    for url in LISTS + details:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_another_bureau_gets_404_everywhere(make_user, other_bureau, client, approved, role):
    client.force_login(make_user(role, other_bureau))
    details, edits = _detail_urls(approved)
    for url in details + edits:
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/payments/installments/{approved.pk}/pay/",
        _pay("1", "x"),
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()
    for url in LISTS:
        assert approved.contract.number not in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_only_finance_pays_through_the_page(make_user, bureau, client, approved, role):
    user = make_user(role, bureau, f"{role}-payer")
    if role == "admin":
        # Not even the superuser pays: installing the platform is not paying.
        user.bureau = None
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    response = client.post(
        f"/payments/installments/{approved.pk}/pay/",
        _pay("405600.00", "记-1"),
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_finance_pays_and_a_second_submission_of_the_form_changes_nothing(
    client_for, finance_user, approved
):
    client = client_for(finance_user)
    page = client.get(f"/payments/installments/{approved.pk}/").content.decode()
    assert 'name="payment-request_key"' in page
    form = _pay("405600.00", "记-18")
    response = client.post(f"/payments/installments/{approved.pk}/pay/", form, follow=True)
    assert "已登记付款 405,600.00 元，凭证号 记-18。" in response.content.decode()
    response = client.post(f"/payments/installments/{approved.pk}/pay/", form)
    assert "这笔付款已经登记过了（重复提交），未再次登记。" in response.content.decode()
    assert Payment.objects.count() == 1


def test_an_overpayment_through_the_page_shows_the_limit(client_for, finance_user, approved):
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/pay/",
        _pay("500000", "记-18"),
    )
    assert "超过本期尚未支付的应付净额 405,600.00 元" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_transition_from_the_page_records_who_and_why(client_for, staff_user, schedule):
    client = client_for(staff_user)
    installment = schedule[0]
    client.post(
        f"/payments/installments/{installment.pk}/transition/",
        {"to_status": S.AWAITING_DOCUMENTS, "reason": "请机构提交发票"},
    )
    content = client.get(f"/payments/installments/{installment.pk}/").content.decode()
    assert "计划 → 待交资料" in content and "请机构提交发票" in content
    response = client.post(
        f"/payments/installments/{installment.pk}/transition/", {"to_status": S.DOCUMENTS_SUBMITTED}
    )
    assert "以下资料尚未收到：发票、服务报告。" in response.content.decode()
    assert Installment.objects.get(pk=installment.pk).status == S.AWAITING_DOCUMENTS


def test_the_schedule_form_says_when_installments_do_not_add_up(client_for, finance_user, contract):
    client = client_for(finance_user)
    response = client.post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-0-number": "1",
            "form-0-planned_amount": "500000.00",
            "form-0-due_date": "2023-12-31",
            "form-1-number": "2",
            "form-1-planned_amount": "500000.00",
            "form-1-due_date": "2024-07-31",
        },
    )
    assert (
        "各期金额合计 1,000,000.00 元，与合同金额 1,014,000.00 元相差 14,000.00 元，必须完全相等。"
        in response.content.decode()
    )
    assert not Installment.objects.exists()
    response = client.post(
        f"/payments/contracts/{contract.pk}/schedule/",
        {"generate": "1", "template": "30/40/30", "due_dates": ""},
    )
    assert response.status_code == 302
    assert list(Installment.objects.values_list("planned_amount", flat=True)) == [
        Decimal("304200.00"),
        Decimal("405600.00"),
        Decimal("304200.00"),
    ]


def _installments(bureau, n, first=0):
    for i in range(first, first + n):
        contract = ContractFactory(award__project__bureau=bureau, number=f"L-{i}")
        Installment.objects.create(
            bureau=bureau,
            contract=contract,
            number=1,
            planned_amount=Decimal("100.00"),
            due_date=datetime.date(2024, 5, 1),
        )


def test_the_installment_list_runs_a_fixed_number_of_queries(client_for, finance_user, bureau):
    client = client_for(finance_user)
    _installments(bureau, 5)
    client.get("/payments/installments/")
    with CaptureQueriesContext(connection) as few:
        client.get("/payments/installments/?year=2024&status=planned")
    _installments(bureau, 60, first=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/payments/installments/?year=2024&status=planned")
    assert response.status_code == 200
    assert len(many) == len(few) <= 10


def test_budgets_count_toward_their_year_and_adjustments_change_the_full_year(
    client_for, finance_user, bureau
):
    contract = ContractFactory(award__project__bureau=bureau)
    budget = BudgetFactory(project=contract.award.project, year=2025)
    client = client_for(finance_user)
    response = client.post(
        f"/payments/budgets/{budget.pk}/adjust/",
        {
            "direction": "decrease",
            "amount": "14000",
            "adjusted_on": "2025-06-01",
            "reason": "年中调减",
        },
        follow=True,
    )
    assert (
        '<dd class="col-sm-9" id="budget-full-year">100.00 万元</dd>' in response.content.decode()
    )
    response = client.post(
        f"/payments/budgets/{budget.pk}/adjust/",
        {"direction": "decrease", "amount": "14000", "adjusted_on": "2024-06-01", "reason": "x"},
    )
    assert "调整日期必须在 2025 年内。" in response.content.decode()
    assert budget.adjustments.count() == 1
