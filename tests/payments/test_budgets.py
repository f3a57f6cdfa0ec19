"""Budgets: the list searches across the bureaus a city-wide account sees (their dated
events: test_budget_events.py)."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_budgets_can_be_searched_across_bureaus(demo, client):
    from tests.factories import BureauFactory

    shenzhen = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    city = UserFactory(username="city-search", bureau=shenzhen)
    city.groups.add(Group.objects.get(name=str(Role.FINANCE)))
    client.force_login(city)
    page = client.get("/payments/budgets/?q=助残").content.decode()
    assert "助残社工服务项目" in page
    assert "社会事务及福利保障社工服务项目" not in page
