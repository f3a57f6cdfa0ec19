"""The dashboard page is served from the cache only while it is what the records say
now, with forms that work in the browser asking and with the messages it has to show."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.roles import Role
from tests.factories import UserFactory
from tests.helpers import pay

pytestmark = pytest.mark.django_db

DASHBOARD = "/payments/dashboard/?year=2024&as_of=2024-12-31"


def _card(page: str, card: str) -> str:
    return re.search(rf'id="{card}">([^<]*)<', page).group(1)


def test_the_dashboard_shows_a_payment_at_once(client_for, manager_user, finance_user, approved):
    client = client_for(manager_user)
    client.get(DASHBOARD)  # the browser's first page sets its CSRF cookie
    before = client.get(DASHBOARD).text
    assert _card(before, "card-paid") == "0.00"
    assert client.get(DASHBOARD).text == before  # served again, unchanged
    pay(approved, "405600.00", by=finance_user, on=datetime.date(2024, 4, 2), voucher="记-7")
    after = client.get(DASHBOARD).text
    assert _card(after, "card-paid") == "40.56"


def test_each_browser_gets_forms_that_work_with_its_own_cookie(manager_user, bureau):
    browsers = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    for browser in browsers:
        browser.force_login(manager_user)
        browser.get(DASHBOARD)  # the first page sets the CSRF cookie
    pages = [browser.get(DASHBOARD).text for browser in browsers]
    for browser, page in zip(browsers, pages, strict=True):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = browser.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
        assert response.status_code == 302


def test_a_message_is_shown_on_the_dashboard_not_lost_to_the_cache(client_for, manager_user):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    client = client_for(manager_user)
    client.get(DASHBOARD)
    client.get(DASHBOARD)  # cached now
    request = HttpRequest()
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "已保存。")
    from django.http import HttpResponse

    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "已保存。" in client.get(DASHBOARD).text
    assert "已保存。" not in client.get(DASHBOARD).text


def test_another_user_of_the_bureau_gets_their_own_page(
    client_for, manager_user, make_user, bureau
):
    first = client_for(manager_user).get(DASHBOARD).text
    other = UserFactory(username="manager-2", full_name="第二分管", bureau=bureau)
    other.groups.add(Group.objects.get(name=Role.MANAGER))
    second = Client()
    second.force_login(other)
    second.get(DASHBOARD)
    page = second.get(DASHBOARD).text
    assert "第二分管" in page
    assert str(manager_user) in first and str(manager_user) not in page
