"""Fixtures of the reminder tests: the bureau's staff, finance and manager with e-mail
addresses (tests/helpers.py has the Shanghai clock, the command and one installment due)."""

import pytest


@pytest.fixture
def people(staff_user, finance_user, manager_user):
    for user in (staff_user, finance_user, manager_user):
        user.email = f"{user.username}@example.cn"
        user.save()
    return staff_user, finance_user, manager_user
