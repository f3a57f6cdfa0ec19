"""In Chromium: staff open a monitoring round at 31 July, fill a cause and a measure for
the lagging indicator, the manager approves it, and the Excel table downloads."""

from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from evaluations.models import MonitoringLine
from payments.models import ReminderSettings
from tests.browser import go_to, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tolerant(bureau):
    """A bureau that lets execution fall 25 points behind time progress: only the output
    lags in this journey."""
    return ReminderSettings.objects.create(bureau=bureau, tolerance_points=Decimal("25"))


def test_staff_explain_a_lagging_indicator_the_manager_approves_and_the_table_downloads(
    browser, live_server, target, paid_march, tolerant, manager_user, tmp_path
):
    staff = signed_in_page(browser, live_server, "staff")
    staff.goto(live_server.url + "/")
    go_to(staff, "绩效评价", "运行监控")
    staff.fill("#id_year", "2024")
    staff.click("#round-open")
    expect(staff.locator("#page-title")).to_have_text("2024年绩效运行监控（截至7月31日）")
    expect(staff.locator("tr.lagging")).to_have_count(1)
    lagging = staff.locator("tr.lagging")
    expect(lagging).to_contain_text("入户走访")
    expect(lagging).to_contain_text("60")
    lagging.locator("input[name=cause]").fill("上半年两名社工离职")
    lagging.locator("input[name=measure]").fill("补招社工，增加周末入户走访")
    lagging.locator("button").click()
    expect(staff.locator(".alert-success")).to_contain_text("已保存偏差原因和纠偏措施。")
    expect(staff.locator("#round-approve")).to_have_count(0)
    line = MonitoringLine.objects.get(name="入户走访")
    assert (line.cause, line.measure) == ("上半年两名社工离职", "补招社工，增加周末入户走访")

    manager = signed_in_page(browser, live_server, "manager")
    manager.goto(live_server.url + line.entry.round.get_absolute_url())
    manager.click("#round-approve")
    expect(manager.locator(".alert-success")).to_contain_text("监控已审定，数据已冻结。")
    expect(manager.locator("#round-status")).to_have_text("已审定")
    expect(manager.locator("#read-only-note")).to_be_visible()

    staff.reload()
    expect(staff.locator("form.line-form")).to_have_count(0)
    with staff.expect_download() as download_info:
        staff.click("#table-xlsx")
    path = tmp_path / "table.xlsx"
    download_info.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    visits = next(r for r in rows if r[2] == "入户走访")
    assert visits[3:] == (
        "≥80人次",
        35,
        60,
        "上半年两名社工离职",
        "完全不可能",
        "纠偏措施：补招社工，增加周末入户走访",
    )
