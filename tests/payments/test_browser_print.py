"""In Chromium, printed (emulate_media print): the dashboard shows no navigation and no
button, keeps its chart and its project table, and names the bureau and the date; the
lists, an installment page and the evaluation page print without menus or buttons too."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nothing_to_click(page):
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('nav, button, .btn, form')]
              .filter(e => e.offsetParent !== null || getComputedStyle(e).display !== 'none'
                           && e.getClientRects().length > 0)
              .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert hidden == [], hidden


def test_the_printed_dashboard_and_pages(browser, live_server, demo_loaded):
    page = signed_in_page(browser, live_server, "manager", DEMO_PASSWORD)
    page.emulate_media(media="print")
    page.goto(live_server.url + "/payments/dashboard/")
    _nothing_to_click(page)
    expect(page.locator("#execution-chart")).to_be_visible()
    expect(page.locator("#execution-table")).to_be_visible()
    expect(page.locator("#execution-cards")).to_be_visible()
    footer = page.locator("#print-footer")
    expect(footer).to_be_visible()
    expect(footer).to_contain_text("深圳市盐田区民政局")
    expect(footer).to_contain_text(f"打印日期 {timezone.localdate():%Y-%m-%d}")
    # A4 landscape: the printed PDF's pages are wider than tall.
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes), boxes

    for url in ("/payments/installments/", "/payments/payments/?year=2024", "/evaluations/"):
        page.goto(live_server.url + url)
        _nothing_to_click(page)
        expect(page.locator("table").first).to_be_visible()
    page.goto(live_server.url + "/payments/installments/")
    page.emulate_media(media="screen")
    first = page.locator("#installment-table tbody a").first.get_attribute("href")
    page.emulate_media(media="print")
    page.goto(live_server.url + first)
    _nothing_to_click(page)
    page.goto(live_server.url + "/evaluations/")
    page.emulate_media(media="screen")
    evaluation = page.locator("#evaluation-table tbody a").first.get_attribute("href")
    page.emulate_media(media="print")
    page.goto(live_server.url + evaluation)
    _nothing_to_click(page)
    expect(page.locator("#score-table")).to_be_visible()
