"""The performance cycle's lists and pages read a bounded number of queries: the same for
5 rows as for 200 (targets, rounds, result effects) and for a round of 2 or 8 projects."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import cycle
from evaluations.models import MonitoringRound, PerformanceTarget
from tests.factories import BudgetFactory, ProjectFactory
from tests.helpers import create_output


def _queries(client, url) -> int:
    client.get(url)  # warm the caches (menu, user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _targets(bureau, count, start):
    projects = ProjectFactory.create_batch(count, bureau=bureau)
    PerformanceTarget.objects.bulk_create(
        PerformanceTarget(bureau=bureau, project=p, year=start + i) for i, p in enumerate(projects)
    )


def _rounds(bureau, user, count, start):
    MonitoringRound.objects.bulk_create(
        MonitoringRound(
            bureau=bureau,
            year=2024,
            cut_off=datetime.date(2024, 1, 1) + datetime.timedelta(days=start + i),
            time_progress=Decimal("50"),
            tolerance=Decimal("5"),
            opened_by=user,
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    ("url", "make"),
    [("/evaluations/targets/", "targets"), ("/evaluations/monitoring/", "rounds")],
)
def test_lists_read_as_many_queries_for_200_rows_as_for_5(
    url, make, bureau, staff_user, client_for
):
    client = client_for(staff_user)
    fill = (
        (lambda n, s: _targets(bureau, n, 2000 + s))
        if make == "targets"
        else (lambda n, s: _rounds(bureau, staff_user, n, s))
    )
    fill(5, 0)
    few = _queries(client, url)
    fill(195, 5)
    assert _queries(client, url) == few


def _approved_project(bureau, staff_user, manager_user):
    project = ProjectFactory(bureau=bureau, owner=staff_user)
    BudgetFactory(project=project, year=2024)
    create_output(staff_user, project, target=Decimal("80"), actual=Decimal("20"))
    target = cycle.target_declare(actor=staff_user, project=project, year=2024)
    cycle.target_approve(actor=manager_user, target=target, on=datetime.date(2024, 1, 20))


def test_a_round_page_reads_as_many_queries_for_8_projects_as_for_2(
    bureau, staff_user, manager_user, client_for
):
    client = client_for(staff_user)
    for _ in range(2):
        _approved_project(bureau, staff_user, manager_user)
    small = cycle.round_open(
        actor=staff_user, bureau=bureau, year=2024, cut_off=datetime.date(2024, 6, 30)
    )
    few = _queries(client, f"/evaluations/monitoring/{small.pk}/")
    for _ in range(6):
        _approved_project(bureau, staff_user, manager_user)
    large = cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
    assert large.projects.count() == 8
    assert _queries(client, f"/evaluations/monitoring/{large.pk}/") == few
