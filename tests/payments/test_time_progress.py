"""The time-progress target (序时进度): the elapsed share of the year by default, the
bureau's checkpoints from their month on, the gap the dashboard and the API show, the
chart's target line, and the checkpoints' page and admin."""

import datetime
from decimal import Decimal

import pytest

from payments import selectors
from payments.models import ProgressCheckpoint
from tests.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoints(bureau):
    return [
        ProgressCheckpoint.objects.create(
            bureau=bureau, year=2024, month=month, target_percent=Decimal(target)
        )
        for month, target in ((6, "50"), (9, "75"), (11, "90"))
    ]


@pytest.mark.parametrize(
    ("as_of", "target"),
    [
        # Before the first checkpoint: the elapsed share of the year (whole months / 12).
        (datetime.date(2024, 1, 15), "0.00"),
        (datetime.date(2024, 1, 31), "8.33"),
        (datetime.date(2024, 5, 31), "41.67"),
        (datetime.date(2024, 6, 15), "41.67"),
        # From a checkpoint's date on, its target until the next one.
        (datetime.date(2024, 6, 30), "50.00"),
        (datetime.date(2024, 8, 31), "50.00"),
        (datetime.date(2024, 9, 30), "75.00"),
        (datetime.date(2024, 11, 29), "75.00"),
        (datetime.date(2024, 11, 30), "90.00"),
        (datetime.date(2024, 12, 30), "90.00"),
        (datetime.date(2024, 12, 31), "100.00"),
    ],
)
def test_the_target_follows_the_checkpoints_and_the_default_before_the_first(
    bureau, checkpoints, as_of, target
):
    found = selectors.time_progress_target(bureau=bureau, year=2024, as_of=as_of)
    assert found.percent == Decimal(target)


def test_before_a_first_checkpoint_below_the_elapsed_share_the_checkpoint_caps_the_target(
    bureau,
):
    lenient = [
        ProgressCheckpoint(bureau=bureau, year=2024, month=9, target_percent=Decimal("50.00"))
    ]
    target = selectors.time_progress_target(
        bureau=bureau, year=2024, as_of=datetime.date(2024, 8, 31), checkpoints=lenient
    )
    assert target.percent == Decimal("50.00")  # the default would ask 66.67
    assert target.source == "默认：按时间均衡（已过月份 ÷ 12），不超过9月底节点 50.00%"


def test_the_default_target_at_mid_month_counts_the_months_completed(bureau):
    target = selectors.time_progress_target(
        bureau=bureau, year=2024, as_of=datetime.date(2024, 6, 15)
    )
    assert (target.percent, target.source) == (
        Decimal("41.67"),
        "默认：按时间均衡（已过月份 ÷ 12）",
    )


def test_the_gap_before_the_first_checkpoint_is_measured_against_the_elapsed_share(
    client_for, manager_user, approved, finance_user, checkpoints
):
    pay(approved, "405600.00", by=finance_user)  # 40% of the 1,014,000.00 issued
    data = client_for(manager_user).get("/api/v1/execution/?year=2024&as_of=2024-05-31").json()
    assert (
        data["execution_rate"],
        data["time_progress_target"],
        data["gap_percentage_points"],
    ) == (
        "40.00",
        "41.67",
        "-1.67",
    )


def test_the_charts_target_line_follows_the_same_rule(bureau, checkpoints):
    assert selectors.progress_line(bureau=bureau, year=2024) == [
        Decimal(v)
        for v in (
            "8.33",
            "16.67",
            "25.00",
            "33.33",
            "41.67",
            "50.00",
            "50.00",
            "50.00",
            "75.00",
            "75.00",
            "90.00",
            "100.00",
        )
    ]


def test_next_years_dashboard_has_not_started(manager_user, contract):
    report = selectors.execution(user=manager_user, year=2025, as_of=datetime.date(2024, 12, 15))
    assert report.target.percent == Decimal("0.00")
    assert report.cumulative_paid == [None] * 12


# --- the checkpoints' page and admin --------------------------------------------------


def test_an_out_of_range_year_on_the_checkpoints_page_falls_back(client_for, finance_user):
    for year in ("10000", "0", "-3", "abc"):
        assert client_for(finance_user).get(f"/payments/progress/?year={year}").status_code == 200


def test_a_checkpoint_set_in_the_admin_obeys_the_rule_and_reaches_the_dashboard(
    client, staff_flagged_finance, bureau, manager_user
):
    ProgressCheckpoint.objects.create(
        bureau=bureau, year=2024, month=9, target_percent=Decimal("75")
    )
    as_of = datetime.date(2024, 10, 15)
    before = selectors.execution(user=manager_user, year=2024, as_of=as_of)
    assert before.target.percent == Decimal("75.00")
    client.force_login(staff_flagged_finance)
    form = {"bureau": bureau.pk, "year": 2024, "month": 6, "target_percent": "80"}
    response = client.post("/admin/payments/progresscheckpoint/add/", form)
    assert response.status_code == 200
    assert "序时进度应随月份递增：9月底为 75.00%。" in response.content.decode()
    assert ProgressCheckpoint.objects.count() == 1
    checkpoint = ProgressCheckpoint.objects.get()
    response = client.post(
        f"/admin/payments/progresscheckpoint/{checkpoint.pk}/change/",
        {"bureau": bureau.pk, "year": 2024, "month": 9, "target_percent": "70"},
    )
    assert response.status_code == 302
    # The dashboard's cached figures move on with the admin's change.
    after = selectors.execution(user=manager_user, year=2024, as_of=as_of)
    assert after.target.percent == Decimal("70.00")
