"""Fixtures of the evaluation tests: a draft self-evaluation on the seed's template (the
project fixture is shared, in tests/conftest.py)."""

import pytest

from evaluations import services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import Evaluation, IndicatorTemplate
from tests.factories import BudgetFactory, ContractFactory


@pytest.fixture
def draft(bureau, staff_user):
    contract = ContractFactory(award__project__bureau=bureau)
    BudgetFactory(project=contract.award.project, year=2024)
    return services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="2024 年绩效自评",
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[contract.award.project],
    )
