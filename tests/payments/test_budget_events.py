"""Budgets are dated events: 全年预算 and 实际下达预算 on a day count only the events dated
on or before it, and the dashboard, the API, the export and the report agree on each day.
Events are never edited: a correction is a later reversing event."""

import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from docx import Document
from openpyxl import load_workbook

from evaluations import services as evaluation_services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import IndicatorTemplate
from payments import services
from payments.models import Budget, BudgetEvent
from tests.factories import ContractFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

YEAR = 2025
EVENTS = [
    ("issued", "480000", "2025-03-15", "深财预〔2025〕31号", "指标下达"),
    ("increase", "60000", "2025-05-20", "深财预〔2025〕88号", "年中追加"),
    ("withdrawal", "80000", "2025-10-15", "深财预〔2025〕160号", "收回结余"),
]
# (as of, 全年预算, 实际下达预算) in yuan, as the issue states them.
EXPECTED = [
    ("2025-04-30", "500000.00", "480000.00"),
    ("2025-06-30", "560000.00", "540000.00"),
    ("2025-10-31", "560000.00", "460000.00"),
]


@pytest.fixture
def budget(bureau, staff_user, finance_user, client_for):
    """A 2025 budget built through the pages finance uses: 年初预算 500,000 on 1 January,
    指标下达 480,000 on 15 March, 追加 60,000 on 20 May, 收回 80,000 on 15 October."""
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    project = contract.award.project
    client = client_for(finance_user)
    response = client.post(
        "/payments/budgets/new/",
        {
            "project": project.pk,
            "year": YEAR,
            "initial_amount": "500000",
            "initial_on": "2025-01-01",
            "initial_document": "深财预〔2025〕1号",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    budget = Budget.objects.get(project=project, year=YEAR)
    for kind, amount, dated_on, document, reason in EVENTS:
        response = client.post(
            f"/payments/budgets/{budget.pk}/events/",
            {
                "kind": kind,
                "amount": amount,
                "dated_on": dated_on,
                "document_number": document,
                "reason": reason,
            },
        )
        assert response.status_code == 302, response.content.decode()
    return budget


def _dashboard(client, as_of) -> tuple[str, str]:
    page = client.get(f"/payments/dashboard/?year={YEAR}&as_of={as_of}").content.decode()
    full_year = re.search(r'id="card-full-year">([\d.,]+)<', page).group(1)
    issued = re.search(r'id="card-issued">([\d.,]+)<', page).group(1)
    return full_year, issued


def _export(client, as_of) -> tuple[Decimal, Decimal]:
    response = client.get(f"/payments/execution/export/?year={YEAR}&as_of={as_of}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]  # below the filter line
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
    return (
        Decimal(str(total[header.index("全年预算（元）")])),
        Decimal(str(total[header.index("实际下达预算（元）")])),
    )


def _wan(yuan: str) -> str:
    return f"{Decimal(yuan) / 10000:.2f}"


def _wan_text(yuan: str) -> str:
    return format((Decimal(yuan) / 10000).normalize(), "f")


@pytest.mark.parametrize(("as_of", "full_year", "issued"), EXPECTED)
def test_the_figures_on_a_day_count_the_events_dated_by_it_everywhere(
    budget, client_for, manager_user, staff_user, finance_user, as_of, full_year, issued
):
    client = client_for(manager_user)
    data = client.get(f"/api/v1/execution/?year={YEAR}&as_of={as_of}").json()
    assert (data["full_year_budget"], data["issued"]) == (full_year, issued)
    assert _dashboard(client, as_of) == (_wan(full_year), _wan(issued))
    assert _export(client_for(finance_user), as_of) == (Decimal(full_year), Decimal(issued))

    # A draft report regenerated on that day states the same two figures.
    day = datetime.date.fromisoformat(as_of)
    with time_machine.travel(at(day, 16), tick=False):
        evaluation = evaluation_services.evaluation_create(
            actor=staff_user,
            bureau=budget.bureau,
            year=YEAR,
            title=f"{YEAR} 年绩效评价",
            kind="self",
            template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
            projects=[budget.project],
        )
        response = client_for(staff_user).get(f"/evaluations/{evaluation.pk}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert f"全年预算{_wan_text(full_year)}万元" in text
    assert f"实际下达预算{_wan_text(issued)}万元" in text


def test_the_budget_page_lists_the_events_and_explains_each_kind(budget, client_for, auditor_user):
    page = client_for(auditor_user).get(f"/payments/budgets/{budget.pk}/").content.decode()
    events = page[page.index('id="budget-events"') : page.index('id="budget-effects"')]
    rows = re.findall(r"<tr id=\"budget-event-\d+\">(.*?)</tr>", events, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[:7] for row in rows]
    assert [c[:4] for c in cells] == [
        ["2025-01-01", "年初预算", "深财预〔2025〕1号", "500,000.00"],
        ["2025-03-15", "指标下达", "深财预〔2025〕31号", "480,000.00"],
        ["2025-05-20", "追加", "深财预〔2025〕88号", "60,000.00"],
        ["2025-10-15", "收回", "深财预〔2025〕160号", "80,000.00"],
    ]
    # The figures after each event.
    assert [c[5:7] for c in cells] == [
        ["500,000.00", "0.00"],
        ["500,000.00", "480,000.00"],
        ["560,000.00", "540,000.00"],
        ["560,000.00", "460,000.00"],
    ]
    effects = page[page.index('id="budget-effects"') :]
    effect_rows = re.findall(r"<tr><td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>", effects)
    assert effect_rows == [
        ("年初预算", "增加", "不变"),
        ("指标下达", "不变", "增加"),
        ("追加", "增加", "增加"),
        ("调减", "减少", "减少"),
        ("收回", "不变", "减少"),
    ]
    assert '<dd class="col-sm-9" id="budget-issued">46.00 万元' in page


def test_an_event_is_corrected_only_by_a_later_reversing_event(budget, client_for, finance_user):
    increase = budget.events.get(kind=BudgetEvent.Kind.INCREASE)
    client = client_for(finance_user)
    url = f"/payments/budgets/{budget.pk}/events/{increase.pk}/reverse/"
    early = client.post(url, {"dated_on": "2025-05-01", "reason": "金额有误"})
    assert "冲销日期不能早于原记录的业务日期。" in early.content.decode()
    assert budget.events.count() == 4

    assert client.post(url, {"dated_on": "2025-07-01", "reason": "金额有误"}).status_code == 302
    reversal = increase.reversed_by
    assert (reversal.kind, reversal.amount, reversal.document_number) == (
        "increase",
        Decimal("-60000.00"),
        "深财预〔2025〕88号",
    )
    api = client_for(finance_user).get
    june = api(f"/api/v1/execution/?year={YEAR}&as_of=2025-06-30").json()
    july = api(f"/api/v1/execution/?year={YEAR}&as_of=2025-07-31").json()
    assert (june["full_year_budget"], june["issued"]) == ("560000.00", "540000.00")
    assert (july["full_year_budget"], july["issued"]) == ("500000.00", "480000.00")

    again = client.post(url, {"dated_on": "2025-07-02", "reason": "再次冲销"})
    assert "该记录已冲销。" in again.content.decode()
    assert budget.events.count() == 5

    # The database itself refuses an edit.
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetEvent.objects.filter(pk=increase.pk).update(amount=Decimal("1"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "increase", "dated_on": "2024-12-31"}, "业务日期必须在 2025 年内。"),
        ({"kind": "increase", "document_number": ""}, "这个字段是必填项。"),
        ({"kind": "initial"}, "该预算已有年初预算"),
        # 收回 300,000 on 1 April would leave 180,000 issued, and 480,000 − 300,000 +
        # 60,000 − 80,000 = 160,000 at the year end: allowed; 500,000 is not.
        ({"kind": "withdrawal", "amount": "500000", "dated_on": "2025-04-01"}, "将为负数"),
        ({"kind": "decrease", "amount": "-5"}, "金额必须大于 0"),
    ],
)
def test_a_wrong_event_is_refused_with_a_reason_and_nothing_changes(
    budget, client_for, finance_user, data, message
):
    values = {
        "kind": "increase",
        "amount": "1000",
        "dated_on": "2025-08-01",
        "document_number": "深财预〔2025〕99号",
        "reason": "测试",
        **data,
    }
    response = client_for(finance_user).post(f"/payments/budgets/{budget.pk}/events/", values)
    assert message in response.content.decode()
    assert budget.events.count() == 4


def test_a_future_date_is_refused(budget, finance_user):
    with (
        time_machine.travel(at(datetime.date(2025, 8, 1)), tick=False),
        pytest.raises(ValidationError, match="业务日期不能晚于今天"),
    ):
        services.budget_event_record(
            actor=finance_user,
            budget=budget,
            kind="increase",
            amount=Decimal("1000"),
            dated_on=datetime.date(2025, 8, 2),
            document_number="x",
            reason="x",
        )


def test_only_finance_records_events_and_only_in_its_bureau(
    budget, client_for, staff_user, other_staff_user, make_user, other_bureau
):
    url = f"/payments/budgets/{budget.pk}/events/"
    data = {
        "kind": "increase",
        "amount": "1000",
        "dated_on": "2025-08-01",
        "document_number": "x",
        "reason": "x",
    }
    assert client_for(staff_user).post(url, data).status_code == 403
    assert client_for(make_user("finance", other_bureau)).post(url, data).status_code == 404
    assert budget.events.count() == 4
