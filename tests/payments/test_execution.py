"""The execution engine, the dashboard and the API, on the seed's 2024 records: figures as
of any date, scoped to the bureau, cached until the records change, in bounded queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from accounts.caching import records_changed
from accounts.roles import Role
from payments import selectors, services
from payments.models import BudgetEvent, Installment
from tests.factories import AuditFactory, UserFactory, budgets_in_bulk, contracts_in_bulk
from tests.helpers import approve, pay

pytestmark = pytest.mark.django_db
S = Installment.Status


def test_the_demo_reproduces_the_reports_2024_figures(demo):
    report = selectors.execution(user=demo["manager"], year=2024, as_of=datetime.date(2024, 12, 31))
    total = report.total
    assert total.issued == Decimal("2336000.00")
    assert total.paid == Decimal("2177100.00")
    assert total.rate == Decimal("93.20")
    assert total.deducted == Decimal("37200.00")
    assert total.late == Decimal("121600.00")
    assert total.projected_rate == Decimal("93.20")
    assert report.target.percent == Decimal("100.00")
    assert report.gap == Decimal("-6.80")
    rows = {row.name: row for row in report.rows}
    assert rows["社会事务及福利保障社工服务项目"].paid == Decimal("1185200.00")
    assert rows["助残社工服务项目"].paid == Decimal("991900.00")
    assert rows["社会事务及福利保障社工服务项目"].deducted == Decimal("15200.00")
    assert rows["助残社工服务项目"].deducted == Decimal("22000.00")
    late = selectors.late_installments(
        user=demo["manager"], year=2024, as_of=datetime.date(2024, 12, 31)
    )
    assert [(i.contract.title, i.label, i.days_late, i.delay_reason) for i in late] == [
        ("2024年8-12月合同", "第二期", 21, "服务机构提交资料不及时导致财务封账")
    ]


def test_the_api_for_2024(client, demo):
    client.force_login(demo["manager"])
    data = client.get("/api/v1/execution/?year=2024&as_of=2024-12-31").json()
    assert data["issued"] == "2336000.00"
    assert data["paid"] == "2177100.00"
    assert data["execution_rate"] == "93.20"
    assert data["deducted"] == "37200.00"
    assert data["time_progress_target"] == "100.00"
    assert data["denominator"] == "issued"
    assert {row["name"]: row["paid"] for row in data["rows"]} == {
        "助残社工服务项目": "991900.00",
        "社会事务及福利保障社工服务项目": "1185200.00",
    }
    [late] = data["late_installments"]
    assert (late["project"], late["installment"], late["outstanding"], late["days_late"]) == (
        "社会事务及福利保障社工服务项目",
        "第二期",
        "121600.00",
        21,
    )


def test_as_of_mid_year_only_what_was_paid_by_then_counts(client, demo):
    client.force_login(demo["finance"])
    data = client.get("/api/v1/execution/?year=2024&as_of=2024-06-30").json()
    assert data["paid"] == "934400.00"
    assert data["execution_rate"] == "40.00"
    assert data["time_progress_target"] == "50.00"
    assert data["gap_percentage_points"] == "-10.00"
    assert data["deducted"] == "0.00"
    assert data["late_installments"] == []


@pytest.mark.parametrize(
    "query", ["year=abc", "year=1999", "year=2024&as_of=2024-13-01", "year=2024&as_of=2023-12-31"]
)
def test_a_bad_year_or_date_is_a_400_with_a_message(client, demo, query):
    client.force_login(demo["manager"])
    response = client.get(f"/api/v1/execution/?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "参数有误"
    assert response.json()["errors"]


def test_the_dashboard_shows_the_figures_and_the_late_installment(client, demo):
    client.force_login(demo["manager"])
    response = client.get("/payments/dashboard/")
    content = response.content.decode()
    assert "2024 年度，截至 2024-12-31" in content  # opens on the latest year with a budget
    assert '<div class="card-figure" id="card-issued">233.60</div>' in content
    assert '<div class="card-figure" id="card-paid">217.71</div>' in content
    assert '<div class="card-figure" id="card-rate">93.20%</div>' in content
    assert '<span id="card-deducted">3.72</span>' in content
    assert "2024年8-12月合同 第二期" in content and "逾期 21 天" in content
    mid = client.get("/payments/dashboard/?year=2024&as_of=2024-06-30").content.decode()
    assert '<div class="card-figure" id="card-paid">93.44</div>' in mid
    assert '<div class="card-figure" id="card-rate">40.00%</div>' in mid


def test_other_bureaus_see_none_of_it(client, demo, other_bureau, make_user):
    client.force_login(make_user("manager", other_bureau))
    data = client.get("/api/v1/execution/?year=2024").json()
    assert (data["issued"], data["paid"], data["rows"], data["late_installments"]) == (
        "0.00",
        "0.00",
        [],
        [],
    )


def _bureau_with_contracts(bureau, n, first=0):
    numbers = range(first, first + n)
    contracts = contracts_in_bulk(bureau, (f"Q-{bureau.pk}-{i}" for i in numbers))
    keeper = UserFactory(bureau=bureau, username=f"budget-keeper-{bureau.pk}")
    budgets_in_bulk(
        [c for i, c in zip(numbers, contracts, strict=True) if i % 2 == 0], recorded_by=keeper
    )
    Installment.objects.bulk_create(
        Installment(
            bureau=bureau,
            contract=contract,
            number=1,
            planned_amount=Decimal("1000.00"),
            due_date=datetime.date(2024, 6, 1),
        )
        for contract in contracts
    )


def _expected_figures(bureau) -> tuple[str, str]:
    """Issued and late (in yuan) of what ``_bureau_with_contracts`` created so far."""
    issued = BudgetEvent.objects.filter(
        budget__bureau=bureau, budget__year=2024, kind=BudgetEvent.Kind.ISSUED
    ).aggregate(t=Sum("amount"))
    late = Installment.objects.filter(bureau=bureau).aggregate(t=Sum("planned_amount"))
    return f"{issued['t']:.2f}", f"{late['t']:.2f}"


def _shown_figures(response) -> tuple[str, str]:
    """Issued and late (in yuan) as the API or the dashboard shows them."""
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        return data["issued"], data["late"]
    content = response.content.decode()
    shown = [
        re.search(rf'id="{card}">([0-9,.]+)<', content).group(1)
        for card in ("card-issued", "card-late")
    ]
    # The cards show 万元 with two decimals: back to yuan.
    return tuple(f"{Decimal(v.replace(',', '')) * 10000:.2f}" for v in shown)


@pytest.mark.parametrize(
    "url",
    [
        "/payments/dashboard/?year=2024&as_of=2024-12-31",
        "/api/v1/execution/?year=2024&as_of=2024-12-31",
    ],
)
def test_dashboard_and_api_queries_do_not_grow_with_contracts(client, manager_user, bureau, url):
    client.force_login(manager_user)
    _bureau_with_contracts(bureau, 5)
    client.get(url)  # sessions, content types and permissions: not what is measured
    # Each measured request computes its figures: none comes from the figures' cache.
    records_changed(bureau.pk)
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert response.status_code == 200
    five_figures = _shown_figures(response)
    assert five_figures == _expected_figures(bureau)
    _bureau_with_contracts(bureau, 195, first=5)
    records_changed(bureau.pk)
    with CaptureQueriesContext(connection) as two_hundred:
        response = client.get(url)
    assert response.status_code == 200
    assert _shown_figures(response) == _expected_figures(bureau) != five_figures
    assert len(two_hundred) == len(five)
    assert len(five) <= 12


def test_figures_are_cached_until_the_records_change(demo, django_assert_num_queries):
    from payments import services
    from payments.models import Installment

    manager, finance = demo["manager"], demo["finance"]
    first = selectors.execution(user=manager, year=2024, as_of=datetime.date(2024, 12, 31))
    with django_assert_num_queries(0):
        again = selectors.execution(user=manager, year=2024, as_of=datetime.date(2024, 12, 31))
    assert again.total.paid == first.total.paid == Decimal("2177100.00")
    late = Installment.objects.get(status="awaiting_documents")
    for document in late.documents.all():
        services.document_receive(
            actor=demo["staff"], document=document, received_on=datetime.date(2024, 12, 30)
        )
    for status, actor in (
        ("documents_submitted", demo["staff"]),
        ("under_review", finance),
        ("approved", manager),
    ):
        services.installment_transition(actor=actor, installment=late, to_status=status)
    pay(late, "121600.00", by=finance, on=datetime.date(2024, 12, 31), voucher="记-补")
    after = selectors.execution(user=manager, year=2024, as_of=datetime.date(2024, 12, 31))
    assert after.total.paid == Decimal("2298700.00")
    assert after.total.rate == Decimal("98.40")
    assert (
        selectors.late_installments(user=manager, year=2024, as_of=datetime.date(2024, 12, 31))
        == []
    )


def test_an_account_without_a_bureau_never_reads_a_superusers_cached_figures(demo):
    as_of = datetime.date(2024, 12, 31)
    root = UserFactory(username="root", bureau=None, is_superuser=True)
    everything = selectors.execution(user=root, year=2024, as_of=as_of)
    assert everything.total.paid == Decimal("2177100.00")
    nobody = UserFactory(username="nobody", bureau=None)
    nobody.groups.add(Group.objects.get(name=str(Role.MANAGER)))
    nothing = selectors.execution(user=nobody, year=2024, as_of=as_of)
    assert nothing.total.paid == 0 and nothing.rows == []


# --- as-of figures do not move when a later deduction settles an installment ----------------


def test_a_later_full_deduction_does_not_change_what_was_late_as_of_an_earlier_date(
    manager_user, schedule, approved, staff_user, finance_user, bureau
):
    third = approve(schedule[2], staff=staff_user, finance=finance_user)  # due 2024-07-31
    as_of = datetime.date(2024, 8, 15)

    def late_total_and_list():
        report = selectors.execution(user=manager_user, year=2024, as_of=as_of)
        late = selectors.late_installments(user=manager_user, year=2024, as_of=as_of)
        return (
            report.total.late,
            report.late_total,
            sum(i.outstanding for i in late),
            [(i.label, i.arrears) for i in late],
        )

    before = late_total_and_list()
    # The first installment, due in 2023 and unpaid, is an arrear of an earlier year.
    assert before == (
        Decimal("709800.00"),
        Decimal("1014000.00"),
        Decimal("1014000.00"),
        [("第一期", True), ("第二期", False), ("第三期", False)],
    )
    services.deduction_record(
        actor=finance_user,
        installment=third,
        audit=AuditFactory(bureau=bureau),
        amount=Decimal("304200.00"),
        decided_on=datetime.date(2024, 9, 1),
        reason="服务未按合同提供，全额扣减",
    )
    assert Installment.objects.get(pk=third.pk).status == S.PAID
    assert late_total_and_list() == before


def test_an_installment_of_an_earlier_year_still_unpaid_shows_as_arrears_in_a_later_year(
    client_for, manager_user, schedule
):
    """The first installment (304,200.00, due 30 September 2023) is never paid: opening
    2026 does not hide it."""
    client = client_for(manager_user)
    data = client.get("/api/v1/execution/?year=2026&as_of=2026-01-31").json()
    assert (data["late"], data["arrears"], data["late_total"]) == (
        "0.00",
        "1014000.00",
        "1014000.00",
    )
    first = [i for i in data["late_installments"] if i["installment"] == "第一期"]
    assert first == [
        {
            **first[0],
            "due_date": "2023-09-30",
            "days_late": (datetime.date(2026, 1, 31) - datetime.date(2023, 9, 30)).days,
            "arrears": True,
            "outstanding": "304200.00",
        }
    ]
    page = client.get("/payments/dashboard/?year=2026&as_of=2026-01-31").content.decode()
    assert '<div class="card-figure" id="card-late">101.40</div>' in page
    assert '<span id="card-arrears">101.40</span>' in page
    late_list = page[page.index('id="late-list"') :]
    assert late_list.count("以前年度欠付") == 3


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_the_dashboard_page_and_the_api_answer_a_role_alike(make_user, bureau, client, role):
    client.force_login(make_user(role, bureau, f"{role}-reader"))
    page = client.get("/payments/dashboard/?year=2024").status_code
    api = client.get("/api/v1/execution/?year=2024").status_code
    assert page == api == (403 if role == "staff" else 200)


def test_a_year_without_a_budget_says_so_instead_of_a_time_progress(client_for, finance_user):
    content = client_for(finance_user).get("/payments/dashboard/?year=2023").content.decode()
    assert "2023 年度尚无预算：执行率与序时进度在登记预算后显示。" in content
    assert '<div class="card-figure" id="card-target">—</div>' in content
    assert 'href="/payments/budgets/new/">登记预算</a>' in content
