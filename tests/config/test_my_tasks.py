"""我的待办: each acting role lands on its tasks, each counted by the list it links to,
in a fixed number of queries however many records wait."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import contracts_in_bulk, installments_in_bulk


def _counts(content: str) -> dict[str, int]:
    return {
        name: int(count)
        for name, count in re.findall(r'id="todo-([\w-]+)" data-count="(\d+)"', content)
    }


def _list_count(client, url: str) -> int:
    """The rows a list shows in all (its pager's total, or the rows of its one page)."""
    content = client.get(url).content.decode()
    total = re.search(r'id="row-count"[^>]*>(\d+)<', content)
    return int(total.group(1))


def test_each_role_sees_its_own_tasks_counted_as_the_lists_they_open(client_for, demo):
    for username, expected in {
        "staff": {"installments-awaiting-documents", "rectifications-overdue"},
        "finance": {"installments-under-review", "installments-approved"},
        "manager": {"installments-above-threshold", "evaluations-submitted"},
    }.items():
        client = client_for(demo[username])
        content = client.get("/").content.decode()
        counts = _counts(content)
        assert expected <= set(counts), (username, counts)
        for name, count in counts.items():
            url = re.search(rf'href="([^"]+)" id="todo-{name}"', content).group(1)
            url = url.replace("&amp;", "&")
            if "/dashboard/" in url:
                continue
            assert _list_count(client, url) == count, (username, name, url)


def test_the_demo_staff_has_the_late_installment_to_chase(client_for, demo):
    # The seed's 社会事务 2024年8-12月 second installment, late for documents.
    counts = _counts(client_for(demo["staff"]).get("/").content.decode())
    assert counts["installments-late"] == 1


@pytest.mark.parametrize("role", ["staff", "finance", "manager"])
def test_my_tasks_run_a_fixed_number_of_queries(client_for, bureau, request, role):
    user = request.getfixturevalue(f"{role}_user")
    client = client_for(user)
    contracts = contracts_in_bulk(bureau, [f"T-{n:03d}" for n in range(200)])
    installments_in_bulk(contracts[:5], due=datetime.date(2024, 3, 31))
    client.get("/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as five:
        response = client.get("/")
    assert _counts(response.content.decode())["installments-late"] == 5
    installments_in_bulk(contracts[5:], due=datetime.date(2024, 3, 31))
    with CaptureQueriesContext(connection) as two_hundred:
        response = client.get("/")
    counts = _counts(response.content.decode())
    assert counts["installments-late"] == 200
    if role == "finance":
        assert counts["installments-under-review"] == 200
    assert len(two_hundred) == len(five)
