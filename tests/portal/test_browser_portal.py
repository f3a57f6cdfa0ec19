"""In Chromium, the issue's journey: staff invite a provider's person; the provider sets
its password, uploads an invoice PDF and a service report; staff return the report with a
reason; the provider uploads a new one; staff accept both; the installment moves to 资料已交
by itself and the late-documents notice resolves."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from payments import services
from payments.models import Installment, Notice
from tests.browser import signed_in_page
from tests.factories import BudgetFactory, ContractFactory
from tests.helpers import run_reminders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Installment.Status
PASSWORD = "Provider-portal-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def late_installment(bureau, staff_user, finance_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    contract = ContractFactory(
        award__project__bureau=bureau,
        award__provider__name="深圳市测试社工服务中心",
        owner=staff_user,
        start=today - datetime.timedelta(days=200),
        end=today + datetime.timedelta(days=150),
        amount=Decimal("200000.00"),
    )
    BudgetFactory(project=contract.award.project, year=today.year)
    [installment] = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(100)],
        due_dates=[today + datetime.timedelta(days=10)],
    )
    services.installment_set_details(
        actor=staff_user,
        installment=installment,
        delay_reason="",
        documents_due=today - datetime.timedelta(days=5),
        gates=[],
    )
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    run_reminders()
    assert Notice.objects.filter(installment=installment, rule="documents_late").exists()
    return installment


def _files(tmp_path):
    invoice, report = tmp_path / "发票.pdf", tmp_path / "服务报告.pdf"
    invoice.write_bytes(PDF)
    report.write_bytes(PDF)
    return invoice, report


def _row(page, title):
    return page.locator("tr.document", has_text=title)


def test_invite_upload_return_reupload_accept(browser, live_server, late_installment, tmp_path):
    installment = late_installment
    provider = installment.contract.award.provider
    invoice, report = _files(tmp_path)

    # Staff invite the provider's person from the provider's page.
    staff = signed_in_page(browser, live_server, "staff")
    staff.goto(live_server.url + provider.get_absolute_url())
    staff.click("#invite-provider-user")
    staff.fill("input[name=email]", "liu@test-sw.example.cn")
    staff.fill("input[name=full_name]", "刘主任")
    staff.click("main form button[type=submit]")
    expect(staff.locator("#provider-users")).to_contain_text("已邀请，未设置密码")
    [message] = [m for m in mail.outbox if m.to == ["liu@test-sw.example.cn"]]
    link = re.search(r"http://\S+/accounts/invitation/\S+/", message.body).group(0)
    link = live_server.url + link[link.index("/accounts/") :]

    # The provider sets its password through the link, then signs in.
    context = browser.new_context(locale="zh-CN")
    provider_page = context.new_page()
    provider_page.set_default_timeout(10_000)
    provider_page.goto(link)
    provider_page.fill("input[name=new_password1]", PASSWORD)
    provider_page.fill("input[name=new_password2]", PASSWORD)
    provider_page.click("form button[type=submit]")
    provider_page.goto(live_server.url + "/accounts/login/")
    provider_page.fill("input[name=username]", "liu@test-sw.example.cn")
    provider_page.fill("input[name=password]", PASSWORD)
    provider_page.click("button[type=submit]")
    provider_page.wait_for_load_state()
    # Its home: what to hand in, the late installment first.
    expect(provider_page.locator("#banner-late")).to_contain_text(installment.label)
    provider_page.click(f"#portal-due a:has-text('{installment.contract.title}')")
    expect(provider_page.locator("#banner-late")).to_be_visible()

    # Uploads the invoice and the service report.
    for title, path in (("发票", invoice), ("服务报告", report)):
        _row(provider_page, title).locator("input[type=file]").set_input_files(str(path))
        _row(provider_page, title).locator("button[type=submit]").click()
        provider_page.wait_for_load_state()
        expect(_row(provider_page, title).locator(".document-state")).to_have_text("已提交待审")

    # Staff return the report with a reason.
    staff.goto(live_server.url + installment.get_absolute_url())
    report_box = staff.locator("#document-files > div", has_text="服务报告")
    report_box.locator("input[name=reason]").fill("缺少服务对象签到表")
    report_box.locator("button[name=return]").click()
    staff.wait_for_load_state()
    expect(staff.locator("#document-files > div", has_text="服务报告")).to_contain_text("已退回")

    # The provider sees the reason and uploads a new report.
    provider_page.reload()
    expect(_row(provider_page, "服务报告").locator(".document-state")).to_have_text("已退回")
    expect(_row(provider_page, "服务报告")).to_contain_text("缺少服务对象签到表")
    _row(provider_page, "服务报告").locator("input[type=file]").set_input_files(str(report))
    _row(provider_page, "服务报告").locator("button[type=submit]").click()
    provider_page.wait_for_load_state()
    expect(_row(provider_page, "服务报告").locator(".document-state")).to_have_text("已提交待审")

    # Staff accept both: the installment moves on by itself.
    staff.goto(live_server.url + installment.get_absolute_url())
    for title in ("发票", "服务报告"):
        staff.locator("#document-files > div", has_text=title).locator(
            "button[name=accept]"
        ).click()
        staff.wait_for_load_state()
    expect(staff.locator("#document-files")).not_to_contain_text("已提交待审")
    installment.refresh_from_db()
    assert installment.status == S.DOCUMENTS_SUBMITTED
    assert not Notice.objects.filter(
        installment=installment, rule="documents_late", resolved_at__isnull=True
    ).exists()
    provider_page.reload()
    expect(_row(provider_page, "发票").locator(".document-state")).to_have_text("已接收")
    expect(
        provider_page.locator(f"#installment-{installment.pk} .installment-status")
    ).to_have_text("资料已交")
    expect(provider_page.locator("#banner-late")).to_have_count(0)
