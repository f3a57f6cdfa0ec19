"""The dashboard marks the execution rate as behind by the bureau's own tolerance (its
reminder settings, the same rule the reminders use), not by a figure of its own."""

import datetime
import re
from decimal import Decimal

import pytest

from accounts.roles import Role
from payments import selectors, services
from tests.factories import BudgetFactory, ContractFactory
from tests.helpers import approve

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 6, 30)  # half the year: the default target is 50.00%
DASHBOARD = f"/payments/dashboard/?year=2024&as_of={AS_OF}"


@pytest.fixture
def three_points_behind(bureau, staff_user, finance_user):
    """47.00% paid at the end of June: 3 points behind the 50.00% target."""
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("1000000.00")
    )
    BudgetFactory(
        project=contract.award.project,
        year=2024,
        initial_amount=Decimal("1000000.00"),
        issued_amount=Decimal("1000000.00"),
    )
    first, _second = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(50), Decimal(50)],
        due_dates=[datetime.date(2024, 3, 31), datetime.date(2024, 9, 30)],
    )
    services.payment_post(
        actor=finance_user,
        installment=approve(first, staff=staff_user, finance=finance_user),
        paid_on=datetime.date(2024, 3, 20),
        amount=Decimal("470000.00"),
        voucher_number="记-3-20",
    )


def _rate_card(page: str) -> tuple[str, bool]:
    """(the rate shown, whether its card is marked red)."""
    card = re.search(
        r'<div class="card h-100 ?([^"]*)"><div class="card-body">\s*'
        r'<div class="text-muted small">预算执行率</div>\s*'
        r'<div class="card-figure" id="card-rate">([^<]*)</div>',
        page,
    )
    return card.group(2), "border-danger" in card.group(1)


def test_three_points_behind_is_within_the_default_tolerance(
    three_points_behind, client_for, manager_user
):
    report = selectors.execution(user=manager_user, year=2024, as_of=AS_OF)
    assert (report.total.rate, report.target.percent, report.gap) == (
        Decimal("47.00"),
        Decimal("50.00"),
        Decimal("-3.00"),
    )
    assert (report.tolerance, report.behind) == (Decimal("5.00"), False)
    assert _rate_card(client_for(manager_user).get(DASHBOARD).text) == ("47.00%", False)


def test_a_stricter_bureau_sees_the_same_rate_marked_behind_at_once(
    three_points_behind, client_for, manager_user, make_user, bureau
):
    client = client_for(manager_user)
    client.get(DASHBOARD)  # the browser's first page sets its CSRF cookie: pages are cached
    assert _rate_card(client.get(DASHBOARD).text) == ("47.00%", False)
    services.reminder_settings_save(
        actor=make_user(Role.MANAGER, bureau, "settings-manager"),
        bureau=bureau,
        tolerance_points=Decimal("2.00"),
    )
    assert _rate_card(client.get(DASHBOARD).text) == ("47.00%", True)
    report = selectors.execution(user=manager_user, year=2024, as_of=AS_OF)
    assert (report.tolerance, report.behind) == (Decimal("2.00"), True)


def test_a_lenient_bureau_is_not_marked_seven_points_behind(
    three_points_behind, client_for, manager_user, finance_user, make_user, bureau
):
    # The bureau's own target for the end of June: 54%, so 47.00% is 7 points behind.
    services.checkpoint_set(
        actor=finance_user, bureau=bureau, year=2024, month=6, target_percent=Decimal("54")
    )
    report = selectors.execution(user=manager_user, year=2024, as_of=AS_OF)
    assert (report.gap, report.tolerance, report.behind) == (
        Decimal("-7.00"),
        Decimal("5.00"),
        True,
    )
    services.reminder_settings_save(
        actor=make_user(Role.MANAGER, bureau, "settings-manager"),
        bureau=bureau,
        tolerance_points=Decimal("8.00"),
    )
    assert _rate_card(client_for(manager_user).get(DASHBOARD).text) == ("47.00%", False)
    report = selectors.execution(user=manager_user, year=2024, as_of=AS_OF)
    assert (report.gap, report.tolerance, report.behind) == (
        Decimal("-7.00"),
        Decimal("8.00"),
        False,
    )


def test_a_bureaus_checkpoints_and_tolerance_are_read_together_in_one_query(
    bureau, other_bureau, finance_user, make_user, django_assert_num_queries
):
    for year, month, target in ((2023, 9, "70"), (2024, 6, "50"), (2024, 9, "75")):
        services.checkpoint_set(
            actor=finance_user,
            bureau=bureau,
            year=year,
            month=month,
            target_percent=Decimal(target),
        )
    services.reminder_settings_save(
        actor=make_user(Role.MANAGER, bureau, "settings-manager"),
        bureau=bureau,
        tolerance_points=Decimal("3.00"),
    )
    with django_assert_num_queries(1):
        progress = selectors.progress_of(bureau=bureau, year=2024)
    assert [(c.month, c.target_percent, c.date) for c in progress.checkpoints] == [
        (6, Decimal("50.00"), datetime.date(2024, 6, 30)),
        (9, Decimal("75.00"), datetime.date(2024, 9, 30)),
    ]
    assert progress.tolerance == Decimal("3.00")
    with django_assert_num_queries(0):  # cached until the bureau's records change
        assert selectors.progress_of(bureau=bureau, year=2024) == progress
    # A bureau without checkpoints or settings: the defaults.
    assert selectors.progress_of(bureau=other_bureau, year=2024) == selectors.Progress(
        [], Decimal("5")
    )
