"""The contract list: the seed's four contracts in 万元, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AwardFactory, contracts_in_bulk

pytestmark = pytest.mark.django_db


def _contracts(bureau, n, first=0):
    award = AwardFactory(project__bureau=bureau)
    contracts_in_bulk(bureau, (f"N-{i:04d}" for i in range(first, first + n)), award=award)


def test_the_contract_list_runs_a_fixed_number_of_queries(
    client_for, staff_user, bureau, django_assert_max_num_queries
):
    client = client_for(staff_user)
    _contracts(bureau, 5)
    client.get("/contracts/")  # warm the session and permission caches

    with CaptureQueriesContext(connection) as five:
        assert client.get("/contracts/?sort=-amount").status_code == 200
    _contracts(bureau, 495, first=5)
    with CaptureQueriesContext(connection) as five_hundred:
        response = client.get("/contracts/?sort=-amount")
    assert response.status_code == 200
    assert len(five_hundred) == len(five)
    with django_assert_max_num_queries(10):
        client.get("/contracts/?year=2024&status=expired&page=3")


def test_after_load_demo_the_list_shows_the_four_seed_contracts_in_wan(client_for, demo):
    client = client_for(demo["staff"])
    content = client.get("/contracts/?sort=number").content.decode()
    rows = [
        ("DEMO-YTMZ-2023-01", "社会事务及福利保障社工服务项目", "132.20"),
        ("DEMO-YTMZ-2023-02", "助残社工服务项目", "101.40"),
        ("DEMO-YTMZ-2024-01", "社会事务及福利保障社工服务项目", "39.66"),
        ("DEMO-YTMZ-2024-02", "助残社工服务项目", "30.42"),
    ]
    for number, project, wan in rows:
        start = content.index(number)
        row = content[start : content.index("</tr>", start)]
        assert (
            project in row and f'<td class="money" data-label="合同金额（万元）">{wan}</td>' in row
        ), number
    assert content.count("DEMO-YTMZ-") == 4
    assert "合同金额（万元）" in content
