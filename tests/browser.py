"""Helpers for the browser tests."""

import re

from tests.factories import TEST_PASSWORD


def go_to(page, group: str, item: str) -> None:
    """Open a navigation-bar menu and follow one of its links."""
    page.click(f'nav .dropdown-toggle:has-text("{group}")')
    page.click(f'nav .dropdown-menu.show a:has-text("{item}")')
    page.wait_for_load_state()


def signed_in_page(browser, live_server, username, password=TEST_PASSWORD):
    """A blank page of a new Chinese browser whose user has signed in.

    The login form is posted as the browser would post it, from the browser's own request
    context (its cookies, CSRF token and user agent), but not drawn: a journey that is not
    about logging in starts on its own page instead of rendering the login page and the
    home page first. (tests/test_browser_foundation.py logs in through the drawn form.)
    """
    context = browser.new_context(locale="zh-CN")
    login = live_server.url + "/accounts/login/"
    form = context.request.get(login).text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = context.request.post(
        login,
        form={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers={"Referer": login},
        max_redirects=0,
    )
    assert response.status == 302, response.text()
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page
