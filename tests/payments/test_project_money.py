"""The project page shows its money (budgets and execution per year, contracts, the year's
installments): the dashboard's drill-down from a project row, in a fixed number of
queries however many installments the project has."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AwardFactory, contracts_in_bulk, installments_in_bulk


def test_the_project_money_panel_runs_a_fixed_number_of_queries(client_for, bureau, finance_user):
    award = AwardFactory(project__bureau=bureau)
    contracts = contracts_in_bulk(bureau, [f"P-{n:03d}" for n in range(200)], award=award)
    installments_in_bulk(contracts[:5], due=datetime.date(2024, 3, 31))
    client = client_for(finance_user)
    url = f"/contracts/projects/{award.project.pk}/?year=2024&as_of=2024-12-31"
    client.get(url)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    installments_in_bulk(contracts[5:], due=datetime.date(2024, 3, 31))
    with CaptureQueriesContext(connection) as two_hundred:
        content = client.get(url).content.decode()
    assert 'id="project-money"' in content
    assert content.count('href="/payments/installments/') >= 200
    assert len(two_hundred) == len(five)


def test_the_demo_projects_money_matches_the_dashboard(client_for, demo):
    from contracts.models import Project

    project = Project.objects.get(name="助残社工服务项目")
    content = (
        client_for(demo["manager"])
        .get(f"/contracts/projects/{project.pk}/?year=2024&as_of=2024-12-31")
        .content.decode()
    )
    assert 'id="project-installments-paid">99.19<' in content  # 40.56 + 21.00 + 9.42 + 28.21
    assert ">97.82%<" in content  # 99.19 ÷ 101.40, as on the dashboard's row
