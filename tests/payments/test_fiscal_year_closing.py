"""年度结账: finance closes a fiscal year once its payments are reconciled; nothing dated in
it can then be entered, a correction is dated in the open year, and the closed year's
dashboard stays what it was."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from payments import services
from payments.models import FiscalYearClosing, Payment

pytestmark = pytest.mark.django_db


def _figures(client, as_of):
    data = client.get(f"/api/v1/execution/?as_of={as_of}").json()
    return data["issued"], data["paid"], data["execution_rate"], data["late_total"]


def test_a_closed_year_takes_no_entry_dated_in_it_and_its_dashboard_stays(demo, client_for):
    finance, manager = demo["finance"], demo["manager"]
    december = Payment.objects.filter(paid_on__year=2024).order_by("paid_on", "pk").last()
    installment = december.installment

    # Not reconciled: a payment reversed on 31 December leaves an approved, unpaid installment.
    reversal = services.payment_reverse(
        actor=finance,
        payment=december,
        reversed_on=datetime.date(2024, 12, 31),
        voucher_number="记-冲-1",
        reason="凭证号录错",
    )
    page = client_for(finance).post("/payments/closings/", {"year": "2024", "note": ""})
    assert "已审批但尚未登记支付" in page.content.decode()
    assert not FiscalYearClosing.objects.exists()
    services.payment_post(
        actor=finance,
        installment=installment,
        paid_on=datetime.date(2024, 12, 31),
        amount=december.amount,
        voucher_number="记-重-1",
    )
    assert reversal.amount == -december.amount

    manager_client = client_for(manager)
    before = _figures(manager_client, "2024-12-31")
    assert before[:3] == ("2336000.00", "2177100.00", "93.20")
    assert client_for(manager).post("/payments/closings/", {"year": "2024"}).status_code == 403
    response = client_for(finance).post("/payments/closings/", {"year": "2024", "note": "已对账"})
    assert response.status_code == 302
    assert FiscalYearClosing.objects.get().closed_by == finance

    # Nothing dated in 2024 goes in any more.
    refused = "2024 年度已结账，不能再登记或修改该年度的业务"
    latest = Payment.objects.filter(reverses__isnull=True).order_by("-pk").first()
    with pytest.raises(ValidationError, match=refused):
        services.payment_reverse(
            actor=finance,
            payment=latest,
            reversed_on=datetime.date(2024, 12, 31),
            voucher_number="记-冲-2",
            reason="x",
        )
    document = installment.documents.first()
    with pytest.raises(ValidationError, match=refused):
        services.document_receive(
            actor=demo["staff"], document=document, received_on=datetime.date(2024, 6, 1)
        )
    budget = installment.contract.award.project.budgets.get(year=2024)
    with pytest.raises(ValidationError, match=refused):
        services.budget_event_record(
            actor=finance,
            budget=budget,
            kind="withdrawal",
            amount=Decimal("1000"),
            dated_on=datetime.date(2024, 12, 31),
            document_number="x",
            reason="x",
        )

    audit = services.audit_create(
        actor=demo["staff"],
        bureau=finance.bureau,
        kind="audit",
        report_number="审-2025-01",
        year=2025,
        firm="某会计师事务所",
        started_on=datetime.date(2025, 1, 5),
    )
    with pytest.raises(ValidationError, match=refused):
        services.audit_update(
            actor=demo["staff"], audit=audit, closed_on=datetime.date(2024, 12, 30)
        )
    audit.refresh_from_db()
    assert audit.closed_on is None

    # A correction is dated in the open year: 2024 stays as it was, 2025 shows it.
    services.payment_reverse(
        actor=finance,
        payment=latest,
        reversed_on=datetime.date(2025, 1, 10),
        voucher_number="记-冲-3",
        reason="跨年更正",
    )
    assert _figures(manager_client, "2024-12-31") == before
    assert _figures(manager_client, "2025-01-31")[1] == f"{-latest.amount:.2f}"
    page = client_for(finance).get("/payments/closings/").content.decode()
    assert "已对账" in page


def test_the_year_still_running_cannot_be_closed(bureau, finance_user):
    this_year = timezone.localdate().year
    with pytest.raises(ValidationError, match=f"{this_year} 年度尚未结束"):
        services.fiscal_year_close(actor=finance_user, bureau=bureau, year=this_year)


def test_an_audits_dates_are_business_dates(demo):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="业务日期不能晚于今天"):
        services.audit_create(
            actor=demo["staff"],
            bureau=demo["staff"].bureau,
            kind="audit",
            report_number="审-未来",
            year=tomorrow.year,
            firm="某会计师事务所",
            started_on=tomorrow,
        )
