"""Pages are composed, never overridden: no route shadows another (every named page is
reached by its own URL), and a higher app's part of a lower app's page is a registered
panel (accounts/panels.py), rendered on the lower app's own page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts import panels
from payments import services
from tests.factories import ContractFactory

SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}  # fmt: skip


def _patterns(patterns=None, prefix="", namespace=""):
    """(full route, name with its namespaces) of every path() route of the project."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(p.pattern)
        if route.startswith("^"):  # the admin's regex routes are its own business
            continue
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, prefix + route, inner)
        elif isinstance(p, URLPattern):
            yield prefix + route, f"{namespace}{p.name}" if p.name else None


def _shape(route: str) -> str:
    """The route with its parameters' names dropped: what a URL has to look like."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: f"<{m.group(1) or 'str'}>", route)


def test_no_two_routes_claim_the_same_urls():
    seen: dict[str, str] = {}
    clashes = []
    for route, name in _patterns():
        shape = _shape(route)
        if shape in seen:
            clashes.append(f"/{route} ({name}) is shadowed by ({seen[shape]})")
        seen.setdefault(shape, name)
    assert clashes == []


def test_every_named_page_is_reached_by_its_own_url():
    reached_elsewhere = []
    for route, name in _patterns():
        if name is None:
            continue
        url = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
        kwargs = resolve(url).kwargs
        assert reverse(name, kwargs=kwargs) == url
        if resolve(url).view_name != name:
            reached_elsewhere.append(f"{url}: {name} answered by {resolve(url).view_name}")
    assert reached_elsewhere == []


def test_the_contract_and_dashboard_pages_are_their_apps_own():
    assert resolve("/contracts/1/").view_name == "contracts:contract-detail"
    assert resolve("/payments/dashboard/").view_name == "payments:dashboard"
    assert resolve("/contracts/1/").func.view_class.__module__ == "contracts.views"
    assert resolve("/payments/dashboard/").func.view_class.__module__ == "payments.views"


def test_the_higher_apps_fill_the_pages_panels_in_their_ready():
    assert [p.template for p in panels.registered("contracts:contract-detail")] == [
        "payments/panels/contract_installments.html",
        "evaluations/panels/contract_service_reports.html",
    ]
    assert [p.template for p in panels.registered("payments:dashboard")] == [
        "evaluations/panels/overdue_rectifications.html"
    ]


def test_a_panel_for_a_page_that_offers_none_is_refused():
    panel = panels.Panel(name="x", template="x.html", context=lambda **kwargs: {})
    with pytest.raises(KeyError, match="offers no panels"):
        panels.register("contracts:contract-list", panel)


def test_a_page_hands_its_panels_exactly_the_values_it_promised(rf):
    with pytest.raises(TypeError, match="hands its panels"):
        panels.bound("payments:dashboard", request=rf.get("/"), year=2024)


@pytest.mark.django_db
def test_the_contract_page_shows_the_installments_panel(
    client_for, staff_user, finance_user, bureau
):
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("1014000.00")
    )
    services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(30), Decimal(70)],
        due_dates=[datetime.date(2023, 9, 30), datetime.date(2024, 3, 31)],
    )
    page = client_for(staff_user).get(f"/contracts/{contract.pk}/").text
    table = page[page.index('id="contract-installments"') :]
    rows = re.findall(r'<td class="money">([\d.]+)</td>', table[: table.index("</table>")])
    assert rows[0] == "30.42" and rows[3] == "70.98"  # planned, per installment, in 万元
    assert ">第一期</a>" in table and ">第二期</a>" in table


@pytest.mark.django_db
def test_the_dashboard_shows_the_overdue_rectifications_panel(client_for, manager_user):
    page = client_for(manager_user).get("/payments/dashboard/?year=2024").text
    assert 'id="overdue-rectifications"' in page
    assert "没有逾期的整改。" in page
