"""The reminder rules over plain values: what is due, late or behind, who is told, when a
message may go out and why a notice is over. No database (pytest-django refuses any
query in these tests), so the whole table runs in milliseconds."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.roles import Role
from payments.models import Installment, Notice
from payments.reminders import rules
from payments.reminders.keys import NoticeKey

S = Installment.Status
R = Notice.Rule
D = datetime.date


@pytest.mark.parametrize(
    ("days_to_due", "thresholds", "expected"),
    [
        (20, [15, 7, 3], None),  # not yet
        (15, [15, 7, 3], 15),
        (10, [15, 7, 3], 15),  # the nearest threshold still ahead of the date
        (7, [15, 7, 3], 7),
        (4, [15, 7, 3], 7),
        (3, [15, 7, 3], 3),
        (0, [15, 7, 3], 3),  # on the due date the smallest threshold stays in force
        (-1, [15, 7, 3], None),  # past due: the late rule takes over
        (5, [3, 15, 7], 7),  # order of the setting does not matter
        (5, [], None),
        (5, None, None),
    ],
)
def test_due_soon_picks_only_the_nearest_threshold(days_to_due, thresholds, expected):
    assert rules.due_soon_threshold(days_to_due, thresholds) == expected


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [(1, 1), (14, 1), (15, 2), (29, 2), (30, 3), (400, 3)],
)
def test_a_late_installment_escalates_at_the_bureaus_thresholds(days_late, expected):
    assert rules.late_level(days_late, level2_days=15, level3_days=30) == expected


@pytest.mark.parametrize(
    ("documents_due", "missing", "status", "expected"),
    [
        (D(2024, 3, 17), True, S.AWAITING_DOCUMENTS, 3),
        (D(2024, 3, 17), True, S.PLANNED, 3),
        (D(2024, 3, 20), True, S.AWAITING_DOCUMENTS, None),  # the deadline is today
        (D(2024, 3, 21), True, S.AWAITING_DOCUMENTS, None),
        (D(2024, 3, 17), False, S.AWAITING_DOCUMENTS, None),  # all in
        (D(2024, 3, 17), True, S.DOCUMENTS_SUBMITTED, None),  # past waiting for them
        (D(2024, 3, 17), True, S.UNDER_REVIEW, None),
        (None, True, S.AWAITING_DOCUMENTS, None),  # no deadline set
    ],
)
def test_documents_are_late_only_past_their_deadline_while_awaited(
    documents_due, missing, status, expected
):
    assert (
        rules.documents_days_late(
            documents_due=documents_due, as_of=D(2024, 3, 20), missing=missing, status=status
        )
        == expected
    )


@pytest.mark.parametrize(
    ("contract_days", "bureau_days", "expected"),
    [(None, 30, 30), (45, 30, 45), (0, 30, 30)],
)
def test_the_payment_term_is_the_contracts_else_the_bureaus(contract_days, bureau_days, expected):
    assert rules.payment_term(contract_days, bureau_days) == expected


@pytest.mark.parametrize(
    ("status", "approved_on", "term", "expected"),
    [
        (S.APPROVED, D(2024, 5, 1), 30, 31),  # 31 days on 1 June: past a 30-day term
        (S.APPROVED, D(2024, 5, 2), 30, None),  # exactly 30 days: still within
        (S.APPROVED, D(2024, 5, 1), 45, None),  # the contract's longer term
        (S.APPROVED, D(2024, 6, 2), 30, None),  # approved after the scan date
        (S.APPROVED, None, 30, None),
        (S.PAID, D(2024, 5, 1), 30, None),
        (S.ON_HOLD, D(2024, 5, 1), 30, None),
    ],
)
def test_an_approved_installment_is_overdue_past_its_payment_term(
    status, approved_on, term, expected
):
    assert (
        rules.days_unpaid_after_approval(
            status=status, approved_on=approved_on, as_of=D(2024, 6, 1), term_days=term
        )
        == expected
    )


@pytest.mark.parametrize(
    ("rule", "level", "roles"),
    [
        (R.DUE_SOON, 1, (Role.FINANCE,)),
        (R.DOCUMENTS_LATE, 1, ()),  # the owner (and the provider by e-mail) only
        (R.LATE, 1, (Role.FINANCE,)),
        (R.LATE, 2, (Role.FINANCE, Role.MANAGER)),
        (R.LATE, 3, (Role.FINANCE, Role.MANAGER)),
        (R.APPROVED_UNPAID, 1, (Role.FINANCE, Role.MANAGER)),
        (R.BEHIND_TARGET, 1, (Role.FINANCE, Role.MANAGER)),
        (R.PROJECTION_LOW, 1, (Role.FINANCE, Role.MANAGER)),
    ],
)
def test_who_is_told_follows_the_rule_and_level(rule, level, roles):
    assert rules.roles_told(rule, level) == roles


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2024, 3, 31), D(2024, 3, 31)),
        (D(2024, 3, 15), D(2024, 2, 29)),  # leap year
        (D(2024, 1, 1), D(2023, 12, 31)),
        (D(2024, 12, 31), D(2024, 12, 31)),
        (D(2023, 3, 1), D(2023, 2, 28)),
    ],
)
def test_the_execution_checks_read_the_latest_month_end(as_of, expected):
    assert rules.last_month_end(as_of) == expected


@pytest.mark.parametrize(
    ("gap", "tolerance", "expected"),
    [
        (Decimal("-5.01"), Decimal("5"), True),
        (Decimal("-5.00"), Decimal("5"), False),  # exactly the tolerance: not behind
        (Decimal("-2.50"), Decimal("2"), True),  # a stricter bureau
        (Decimal("-0.01"), Decimal("0"), True),
        (Decimal("0"), Decimal("0"), False),
        (Decimal("3"), Decimal("5"), False),  # ahead
        (None, Decimal("5"), False),  # no issued budget: no rate
    ],
)
def test_behind_means_behind_by_more_than_the_tolerance(gap, tolerance, expected):
    assert rules.is_behind(gap, tolerance) is expected


@pytest.mark.parametrize(
    ("month", "projected", "expected"),
    [
        (10, Decimal("94.99"), True),
        (10, Decimal("95.00"), False),
        (9, Decimal("50.00"), False),  # before the bureau's first month
        (12, None, False),  # no issued budget
    ],
)
def test_a_low_projection_counts_from_the_bureaus_month(month, projected, expected):
    assert (
        rules.projection_low(
            month=month, from_month=10, projected_rate=projected, target=Decimal("95")
        )
        is expected
    )


OFFICE = SimpleNamespace(
    working_days=[1, 2, 3, 4, 5], work_start=datetime.time(9), work_end=datetime.time(18)
)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_at(D(2024, 12, 20), 17, 55), _at(D(2024, 12, 20), 17, 55)),  # Friday, in hours
        (_at(D(2024, 12, 20), 18, 0), _at(D(2024, 12, 23), 9)),  # Friday at closing
        (_at(D(2024, 12, 21), 11), _at(D(2024, 12, 23), 9)),  # Saturday
        (_at(D(2024, 12, 23), 7, 30), _at(D(2024, 12, 23), 9)),  # Monday, before opening
        (_at(D(2024, 12, 23), 9), _at(D(2024, 12, 23), 9)),
    ],
)
def test_messages_wait_for_the_bureaus_working_hours(now, expected):
    assert rules.deliver_after(now, OFFICE) == expected
    assert rules.in_working_hours(now, OFFICE) is (now == expected)


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        (R.LATE, {"due_date": "2024-12-01"}, 19),
        (R.DUE_SOON, {"due_date": "2024-12-31"}, 11),
        (R.DOCUMENTS_LATE, {"documents_due": "2024-12-10"}, 10),
        (R.APPROVED_UNPAID, {"approved_on": "2024-11-01"}, 49),
        (R.DUE_SOON, {"due_date": "2024-12-19"}, None),  # the scan has not caught up yet
        (R.LATE, {}, None),
        (R.BEHIND_TARGET, {"as_of": "2024-11-30"}, None),  # counts no days
    ],
)
def test_an_open_notice_counts_its_days_to_today(rule, data, expected):
    assert rules.days_counted(rule, data, D(2024, 12, 20)) == expected


LATE_L1 = "late:7:2024-12-10:L1"
LATE_L2 = "late:7:2024-12-10:L2"
DUE_SOON = "due_soon:7:2024-12-10:3"


@pytest.mark.parametrize(
    ("key", "current", "installment", "expected"),
    [
        (LATE_L1, set(), {"status": S.CANCELLED}, "已取消"),
        (LATE_L1, set(), {"status": S.PAID}, "已付清"),
        (LATE_L1, set(), {"status": S.APPROVED, "due_date": D(2024, 12, 31)}, "付款期限已调整"),
        (LATE_L1, {LATE_L2}, {"status": S.APPROVED, "due_date": D(2024, 12, 10)}, "已升级或进入新周期"),
        (DUE_SOON, {LATE_L1}, {"status": S.APPROVED, "due_date": D(2024, 12, 10)}, "已到期未付，转为逾期提醒"),
        (DUE_SOON, set(), {"status": S.APPROVED, "due_date": D(2024, 12, 10)}, "已不再适用"),
        ("late:7:L1", {LATE_L1}, {"status": S.APPROVED}, "已不再适用"),  # before 0007
        ("documents_late:7:2024-12-01", set(), {"documents_due": D(2024, 12, 15)}, "资料提交期限已调整"),
        ("documents_late:7:2024-12-01", set(), {"documents_due": D(2024, 12, 1)}, "资料已收齐"),
        ("approved_unpaid:7:2024-11-01", set(), {"status": S.ON_HOLD}, "已不在已审批状态"),
        ("approved_unpaid:7:2024-11-01", set(), {"status": S.APPROVED, "approved_on": D(2024, 11, 20)}, "已重新审批"),
        ("approved_unpaid:7:2024-11-01", set(), {"status": S.APPROVED, "approved_on": D(2024, 11, 1)}, "付款期限已调整"),
        ("behind_target:3:2024-10", {"behind_target:3:2024-11"}, {}, "已升级或进入新周期"),
        ("behind_target:3:2024-10", set(), {}, "已不再适用"),
        ("projection_low:3:2024-10", {"projection_low:3:2024-11"}, {}, "已升级或进入新周期"),
    ],
)  # fmt: skip
def test_a_resolved_notice_says_why_it_is_over(key, current, installment, expected):
    families = {NoticeKey.parse(k).family for k in current}
    reason = rules.resolution(
        NoticeKey.parse(key), current_keys=current, current_families=families, **installment
    )
    assert reason == expected


def test_a_key_that_does_not_parse_is_simply_over():
    assert rules.resolution(None, current_keys=set(), current_families=set()) == "已不再适用"
    assert (
        rules.resolution(None, current_keys=set(), current_families=set(), status=S.PAID)
        == "已付清"
    )
