"""The change history reads as the records' own story: each row dated when it was entered
(the demo's in 2024), naming the business date of the step, every change shown as
field: old → new in the user's words, money as money."""

import re

import pytest
from django.utils import timezone

from payments.models import Budget, Installment

pytestmark = pytest.mark.django_db


def _history_rows(page: str) -> list[list[str]]:
    table = page[page.index('id="history"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>\s*(<td.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", " ", cell).split()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_demos_installment_history_is_dated_2024_and_reads_in_the_users_words(demo, client_for):
    installment = Installment.objects.get(contract__number="DEMO-YTMZ-2023-01", number=3)
    page = client_for(demo["auditor"]).get(installment.get_absolute_url()).content.decode()
    rows = _history_rows(page)
    assert rows, "the installment has a history"
    assert {row[0][0][:4] for row in rows} == {"2024"}
    for when, _user, action, changes in rows:
        assert changes != ["—"], f"an empty history row: {when} {action}"
        assert not re.search(r"[{}\[\]]|Decimal|datetime", " ".join(changes))
    text = " ".join(" ".join(" ".join(cell) for cell in row) for row in rows)
    assert "业务日期 2024-12-" in text
    assert "补录" not in text
    assert str(timezone.localdate().year) not in text  # nothing shows as changed today
    # Each row compares with the one before it: the statuses follow one another.
    moves = re.findall(r"状态：(\S+) → (\S+)", text)
    assert moves[::-1] == [
        ("—", "计划"),
        ("计划", "待交资料"),
        ("待交资料", "资料已交"),
        ("资料已交", "审核中"),
        ("审核中", "已审批"),
        ("已审批", "已支付"),
    ]
    # Money is shown as money: the planned amount when the installment was created.
    assert re.search(r"计划金额（元）：\s*—\s*→\s*[\d,]+\.\d\d 元", text)

    # The status log agrees with the history: the same business dates.
    log = page[page.index('id="transitions"') : page.index('id="history"')]
    logged = set(re.findall(r"(2024-\d\d-\d\d)</td><td>", log))
    # Each status change in the history names a business date the status log shows (the
    # documents' receipts name theirs too, but are not status changes).
    status_rows = [" ".join(" ".join(cell) for cell in row) for row in rows]
    named = {
        date
        for row in status_rows
        if "状态：" in row
        for date in re.findall(r"业务日期 (2024-\d\d-\d\d)", row)
    }
    assert named and named <= logged


def test_the_demos_budget_history_is_dated_on_its_events(demo, client_for):
    budget = Budget.objects.filter(year=2024).first()
    page = client_for(demo["auditor"]).get(budget.get_absolute_url()).content.decode()
    rows = _history_rows(page)
    assert [row[0][0] for row in rows] == ["2024-01-01"]
    events = page[page.index('id="budget-events"') : page.index('id="budget-effects"')]
    assert re.findall(r'<tr id="budget-event-\d+"><td>([\d-]+)</td><td>(\S+?)</td>', events) == [
        ("2024-01-01", "年初预算"),
        ("2024-01-01", "指标下达"),
    ]


def test_the_demos_registers_history_is_dated_when_the_records_came_to_be(demo, client_for):
    from contracts.models import Contract

    contract = Contract.objects.get(number="DEMO-YTMZ-2023-01")
    client = client_for(demo["auditor"])
    this_year = str(timezone.localdate().year)
    for record, day in (
        (contract, contract.signed_on),
        (contract.award, contract.award.award_date),
        (contract.award.project, contract.award.award_date),
        (contract.award.provider, contract.award.award_date),
    ):
        rows = _history_rows(client.get(record.get_absolute_url()).content.decode())
        assert rows, f"{record} has a history"
        assert {row[0][0] for row in rows} == {day.isoformat()}, record
        assert this_year not in " ".join(row[0][0] for row in rows)
