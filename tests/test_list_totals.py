"""Money lists show a 合计 row for the whole filtered set, not only the page, in a fixed
number of queries however many rows there are."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import Deduction
from tests.factories import (
    AuditFactory,
    budgets_in_bulk,
    contracts_in_bulk,
    installments_in_bulk,
    payments_in_bulk,
)


def _total_row(content: str) -> list[str]:
    row = re.search(r'<tr class="fw-semibold" id="list-total">(.*?)</tr>', content, re.S)
    assert row, "no 合计 row"
    return [
        re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    ]


def test_the_ledger_of_2024_totals_what_the_dashboard_paid_with_the_payee(client_for, demo):
    content = client_for(demo["finance"]).get("/payments/payments/?year=2024").content.decode()
    assert "2,177,100.00" in _total_row(content)  # 217.71 万元, in 元 as on the vouchers
    assert "深圳市温馨社工服务中心" in content  # the payee (服务机构)


def test_the_deductions_list_totals_the_audits_cuts(client_for, demo):
    content = client_for(demo["finance"]).get("/payments/deductions/?year=2024").content.decode()
    assert "37,200.00" in _total_row(content)  # 2.2 + 1.52 万元


def test_the_installment_total_covers_every_page(client_for, bureau, finance_user):
    contracts = contracts_in_bulk(bureau, [f"T-{n:03d}" for n in range(30)])
    installments_in_bulk(contracts)
    # 30 rows on two pages; each contract of the factory is 1,014,000.00 (101.40 万元).
    row = _total_row(client_for(finance_user).get("/payments/installments/").content.decode())
    assert row[:5] == ["合计", "", "", "", "3,042.00"]


def _paid_and_cut(installments, finance_user, audit):
    payments_in_bulk(installments, posted_by=finance_user)
    Deduction.objects.bulk_create(
        Deduction(
            bureau_id=i.bureau_id,
            installment=i,
            audit=audit,
            amount=Decimal("1000.00"),
            decided_on=datetime.date(2024, 5, 1),
            reason="测试",
            recorded_by=finance_user,
        )
        for i in installments
    )


@pytest.mark.parametrize(
    "url",
    [
        "/payments/installments/?sort=-planned",
        "/payments/payments/?year=2024",
        "/contracts/?sort=-amount",
        "/payments/budgets/?year=2024",
        "/payments/deductions/?year=2024",
    ],
)
def test_lists_with_totals_run_a_fixed_number_of_queries(client_for, bureau, finance_user, url):
    client = client_for(finance_user)
    contracts = contracts_in_bulk(bureau, [f"T-{n:03d}" for n in range(200)])
    audit = AuditFactory(bureau=bureau)
    _paid_and_cut(installments_in_bulk(contracts[:5]), finance_user, audit)
    budgets_in_bulk(contracts[:5], recorded_by=finance_user)
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _paid_and_cut(installments_in_bulk(contracts[5:]), finance_user, audit)
    budgets_in_bulk(contracts[5:], recorded_by=finance_user)
    with CaptureQueriesContext(connection) as two_hundred:
        assert client.get(url).status_code == 200
    assert len(two_hundred) == len(five)
    assert "合计" in _total_row(client.get(url).content.decode())
