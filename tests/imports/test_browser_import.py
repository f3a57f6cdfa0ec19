"""In Chromium: finance downloads the template, uploads a filled copy with one wrong row,
sees the problem named at its row, fixes it, uploads again and confirms; the progress
bar reaches 100% and the dashboard shows the imported payment."""

import io
import threading
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from imports import runs, tasks
from payments.models import Payment
from tests.browser import signed_in_page
from tests.factories import BudgetFactory, ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch):
    """The tasks run a moment later in another thread, as a Celery worker would, so the
    page shows its progress bar while it waits."""

    def later(function):
        def delay(run_id):
            def work():
                time.sleep(0.8)
                function(run_id)

            threading.Thread(target=work, daemon=True).start()

        return delay

    monkeypatch.setattr(tasks.check_run, "delay", later(runs.run_check))
    monkeypatch.setattr(tasks.apply_run, "delay", later(runs.run_apply))


def _fill(template: bytes, amount) -> bytes:
    book = load_workbook(io.BytesIO(template))
    book["分期"].append(["WEB-2024", 1, "507000.00", "2024-03-31", "发票", "2024-03-20"])
    book["分期"].append(["WEB-2024", 2, "507000.00", "2024-07-31", "", ""])
    book["付款资料"].append(["WEB-2024", 1, "发票", "2024-03-10"])
    book["支付"].append(["WEB-V-1", "WEB-2024", 1, "2024-03-25", amount])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_finance_imports_the_books_of_a_contract(
    browser, live_server, bureau, finance_user, worker, tmp_path
):
    contract = ContractFactory(award__project__bureau=bureau, number="WEB-2024")
    BudgetFactory(project=contract.award.project, year=2024)
    page = signed_in_page(browser, live_server, "finance")
    page.goto(live_server.url + "/")
    page.click('nav a:has-text("数据导入")')
    expect(page.locator("#page-title")).to_have_text("数据导入")
    with page.expect_download() as download:
        page.click("#template-link")
    template = download.value.path().read_bytes()

    wrong = tmp_path / "台账.xlsx"
    wrong.write_bytes(_fill(template, "五十万七千"))
    page.set_input_files("#id_file", str(wrong))
    page.click("#upload-button")
    expect(page.locator("#import-refused")).to_be_visible()
    expect(page.locator("#import-problems")).to_contain_text("支付!3")
    expect(page.locator("#import-problems tbody tr")).to_have_count(1)
    expect(page.locator("#import-problems tbody tr")).to_contain_text("五十万七千")
    expect(page.locator("#import-problems tbody tr")).to_contain_text("金额应为数字")

    fixed = tmp_path / "台账（修改）.xlsx"
    fixed.write_bytes(_fill(template, 507000))
    page.goto(live_server.url + "/imports/")
    page.set_input_files("#id_file", str(fixed))
    page.click("#upload-button")
    expect(page.locator("#preview-ok")).to_be_visible()
    expect(page.locator("#import-counts")).to_contain_text("支付")
    assert Payment.objects.count() == 0

    seen = []
    page.on(
        "response",
        lambda response: (
            seen.append(response.json()["progress"]) if "/status/" in response.url else None
        ),
    )
    page.click("#confirm-button")
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#import-done")).to_be_visible()
    assert seen and seen[-1] == 100
    assert Payment.objects.get().amount == Decimal("507000.00")

    page.click("#import-done a")
    expect(page.locator("#card-paid")).to_have_text("50.70")
    page.goto(live_server.url + "/imports/")
    expect(page.locator("#import-history tbody tr")).to_have_count(2)
    expect(page.locator("#import-history tbody tr").first).to_contain_text("已导入")
