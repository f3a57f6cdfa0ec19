"""Who may read and act on the payments pages: every role of the bureau reads, another
bureau gets 404 everywhere, only finance pays."""

import pytest

from payments.models import Payment
from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


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


def _pay_form(amount, voucher, key="7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f"):
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
        _pay_form("1", "x"),
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
        _pay_form("405600.00", "记-1"),
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
