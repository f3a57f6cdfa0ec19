"""Fixtures of the evaluation tests: a draft self-evaluation on the seed's template (the
project fixture is shared, in tests/conftest.py); a contract's outputs with dated updates,
their approved 2024 targets, and its second installment paid in March (the monitoring
round's figures)."""

import datetime
from decimal import Decimal

import pytest

from evaluations import cycle
from evaluations.models import OutputUpdate
from tests.helpers import approve, create_evaluation, create_output, pay


@pytest.fixture
def draft(bureau, staff_user, project):
    return create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")


@pytest.fixture
def outputs(contract, staff_user):
    project = contract.award.project
    project.owner = staff_user
    project.save()
    visits = create_output(staff_user, project, name="入户走访", target=Decimal("80"))
    events = create_output(staff_user, project, name="宣传活动", target=Decimal("3"), unit="场")
    for indicator, day, amount in (
        (visits, datetime.date(2024, 3, 10), "20"),
        (visits, datetime.date(2024, 7, 20), "15"),
        (visits, datetime.date(2024, 8, 15), "10"),  # after the cut-off
        (events, datetime.date(2024, 5, 4), "2"),
    ):
        OutputUpdate.objects.create(indicator=indicator, date=day, amount=Decimal(amount))
    return visits, events


@pytest.fixture
def target(outputs, staff_user, manager_user):
    target = cycle.target_declare(actor=staff_user, project=outputs[0].project, year=2024)
    return cycle.target_approve(actor=manager_user, target=target, on=datetime.date(2024, 1, 20))


@pytest.fixture
def paid_march(schedule, staff_user, finance_user):
    """The second installment (405,600.00 yuan) paid on 20 March 2024."""
    second = approve(schedule[1], staff=staff_user, finance=finance_user)
    pay(second, "405600.00", by=finance_user, on=datetime.date(2024, 3, 20))
    return second
