"""The evaluation, output and findings lists run a bounded number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.models import IndicatorTemplate, OutputIndicator, TemplateRow
from tests.factories import BudgetFactory, ProjectFactory
from tests.helpers import create_evaluation

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    cache.clear()  # the dashboard figures are cached; count what computing them costs
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_the_evaluation_output_and_findings_lists_run_a_bounded_number_of_queries(
    bureau, staff_user, client_for
):
    urls = ["/evaluations/", "/evaluations/outputs/", "/evaluations/findings/"]
    # The lists show evaluations, not their rows: a template of two rows keeps each
    # evaluation real (made by the service) and quick to make by the dozen.
    template = IndicatorTemplate.objects.create(name="两项")
    for order, level1, weight in ((1, "决策", "40"), (2, "产出", "60")):
        TemplateRow.objects.create(
            template=template, order=order, level1=level1, level2="二级", weight=Decimal(weight)
        )

    def add(n, start):
        for i in range(start, start + n):
            project = ProjectFactory(bureau=bureau)
            BudgetFactory(project=project, year=2024)
            evaluation = create_evaluation(
                staff_user, bureau, project, template=template, title=f"评价{i}"
            )
            finding = services.finding_save(
                actor=staff_user, evaluation=evaluation, order=1, problem=f"问题{i}"
            )
            services.rectification_save(
                actor=staff_user, finding=finding, recommendation=f"建议{i}", owner="科室"
            )
            indicator = services.output_save(
                actor=staff_user,
                project=project,
                year=2024,
                name=f"产出{i}",
                kind="quantity",
                unit="次",
                comparator="gte",
                target=Decimal("10"),
                actual=None,
            )
            services.output_record(
                actor=staff_user,
                indicator=indicator,
                date=datetime.date(2024, 5, 1),
                amount=Decimal("4"),
            )

    add(2, 0)
    client = client_for(staff_user)
    for url in urls:
        client.get(url)
    few = [_count(client, url) for url in urls]
    add(20, 2)
    assert OutputIndicator.objects.count() == 22
    assert [_count(client, url) for url in urls] == few
