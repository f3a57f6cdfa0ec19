"""In Chromium, under the Content-Security-Policy: the dashboard's chart is drawn, the
language switch works, the admin runs, and the browser reports no blocked content."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def debug_demo(settings, demo_loaded):
    settings.DEBUG = True


@pytest.fixture
def violations(page):
    """What the browser refused under the policy (it says so on the console)."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_the_dashboard_chart_is_drawn_under_the_policy(
    debug_demo, login_page, violations, live_server
):
    page = login_page("manager", DEMO_PASSWORD)
    page.goto(live_server.url + "/payments/dashboard/")
    expect(page.locator("#page-title")).to_have_text("预算执行看板")
    page.wait_for_function("() => window.Chart && Chart.getChart('execution-chart')")
    drawn = page.evaluate(
        """() => {
            const chart = Chart.getChart('execution-chart');
            const canvas = document.getElementById('execution-chart');
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return {datasets: chart.data.datasets.length, labels: chart.data.labels.length,
                    painted: painted};
        }"""
    )
    assert drawn["datasets"] == 2 and drawn["labels"] == 12
    assert drawn["painted"] > 1000  # lines, axes and labels on the canvas
    assert violations == []


def test_the_admin_and_the_language_switch_run_under_the_policy(debug_demo, login_page, violations):
    page = login_page("admin", DEMO_PASSWORD)
    expect(page.locator("#site-name")).to_contain_text("系统管理")
    page.goto(page.url.split("/admin/")[0] + "/admin/accounts/user/")
    expect(page.locator("#result_list")).to_contain_text("secadmin")
    page.goto(page.url.split("/admin/")[0] + "/?stay=1")
    page.select_option("#language-select", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert violations == []
