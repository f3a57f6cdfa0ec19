"""Fixtures of the evaluation tests: a draft self-evaluation on the seed's template (the
project fixture is shared, in tests/conftest.py)."""

import pytest

from tests.helpers import create_evaluation


@pytest.fixture
def draft(bureau, staff_user, project):
    return create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
