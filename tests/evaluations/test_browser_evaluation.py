"""In Chromium: staff scores a row and submits; the manager approves; then it is read-only
for staff, the manager and the auditor."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from evaluations import services
from tests.browser import signed_in_page
from tests.helpers import create_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nearly_scored(bureau, staff_user, project):
    evaluation = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
    for row in evaluation.rows.filter(score__isnull=True).exclude(order=16):
        services.row_score(
            actor=staff_user, row=row, score=row.weight, evidence="佐证", override_reason="无记录"
        )
    return evaluation


def test_staff_scores_and_submits_then_the_manager_approves(
    browser, live_server, nearly_scored, manager_user, auditor_user
):
    evaluation = nearly_scored
    row = evaluation.rows.get(order=16)
    staff = signed_in_page(browser, live_server, "staff")
    staff.goto(f"{live_server.url}/evaluations/{evaluation.pk}/")
    expect(staff.locator("#evaluation-status")).to_have_text("草稿")
    staff.click(f"#row-{row.pk} a:has-text('评分')")
    staff.fill("#id_score", "8")
    staff.click("#main-form button[type=submit]")
    expect(staff.locator("#main-form")).to_contain_text("得分应在 0 到 7 分之间。")
    staff.fill("#id_score", "5")
    staff.fill("#id_evidence", "社工变动 3 人，影响部分服务效能。")
    staff.click("#main-form button[type=submit]")
    expect(staff.locator(".alert-success")).to_contain_text("评分已保存。")
    expect(staff.locator(f"#row-{row.pk} .row-score")).to_have_text("5")
    staff.click("#evaluation-transition-form button[value=submitted]")
    expect(staff.locator("#evaluation-status")).to_have_text("已提交")
    expect(staff.locator("#score-table a:has-text('评分')")).to_have_count(0)  # submitted: frozen

    manager = signed_in_page(browser, live_server, "manager")
    manager.goto(f"{live_server.url}/evaluations/{evaluation.pk}/")
    manager.click("#evaluation-transition-form button[value=approved]")
    expect(manager.locator(".alert-success")).to_contain_text("评价状态已变更为“已审定”。")
    expect(manager.locator("#read-only-note")).to_be_visible()
    expect(manager.locator("#score-table a:has-text('评分')")).to_have_count(0)

    staff.reload()
    expect(staff.locator("#read-only-note")).to_be_visible()
    expect(staff.locator("#score-table a:has-text('评分')")).to_have_count(0)
    expect(staff.locator("#evaluation-transition-form")).to_have_count(0)
    staff.goto(f"{live_server.url}/evaluations/rows/{row.pk}/")
    expect(staff.locator(".alert-danger")).to_contain_text("评价当前为“已审定”，不能再修改。")
    row.refresh_from_db()
    assert row.score == Decimal("5.00")

    auditor = signed_in_page(browser, live_server, "auditor")
    auditor.goto(f"{live_server.url}/evaluations/{evaluation.pk}/")
    expect(auditor.locator("#evaluation-status")).to_have_text("已审定")
    expect(auditor.locator("#read-only-note")).to_be_visible()
    expect(auditor.locator("#score-table a:has-text('评分')")).to_have_count(0)
    expect(auditor.locator("#evaluation-transition-form")).to_have_count(0)
    expect(auditor.locator("a:has-text('修改评价内容')")).to_have_count(0)
