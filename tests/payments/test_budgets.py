"""Budgets: each counts toward its year, adjustments change the full-year figure, and the
list searches across the bureaus a city-wide account sees."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from tests.factories import BudgetFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def test_budgets_can_be_searched_across_bureaus(demo, client):
    from tests.factories import BureauFactory

    shenzhen = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    city = UserFactory(username="city-search", bureau=shenzhen)
    city.groups.add(Group.objects.get(name=str(Role.FINANCE)))
    client.force_login(city)
    page = client.get("/payments/budgets/?q=助残").content.decode()
    assert "助残社工服务项目" in page
    assert "社会事务及福利保障社工服务项目" not in page
