"""The reminder rules: what is due, late or behind, over plain values.

No database here: each function takes dates, numbers and statuses and answers one
question the scan asks. The scan (:mod:`payments.reminders.candidates`) reads the records
and asks; the tests ask with tables of values (tests/reminders/test_rules.py).

Thresholds are each bureau's (:class:`payments.models.ReminderSettings`):
- due soon: an installment falls due within one of the thresholds (15, 7, 3 days);
- documents late: past the documents deadline with documents missing, before review;
- late: past due and unpaid; level 1 at once, level 2 after ``escalate_level2_days``,
  level 3 (urgent) after ``escalate_level3_days``;
- approved but unpaid past the payment term (the contract's, else the bureau's);
- behind the time-progress target by more than ``tolerance_points`` at a month end;
- from ``projection_from_month``, the projected year-end rate below ``year_end_target``.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from payments.models import Installment, Notice
from payments.reminders.keys import NoticeKey

R = Notice.Rule
S = Installment.Status

# Documents can be late only while the installment waits for them.
AWAITING_DOCUMENTS = (S.PLANNED, S.AWAITING_DOCUMENTS)


# --- installments ----------------------------------------------------------------------------


def due_soon_threshold(days_to_due: int, thresholds: Iterable[int]) -> int | None:
    """The threshold whose notice applies ``days_to_due`` days before the due date, or None.

    Only the nearest threshold: a scan that starts late sends one notice, not three. On
    the due date itself the last (smallest) threshold's notice stays in force.
    """
    if days_to_due < 0:
        return None
    reached = [d for d in thresholds or () if d >= days_to_due]
    return min(reached) if reached else None


def late_level(days_late: int, *, level2_days: int, level3_days: int) -> int:
    """1 at once, 2 from ``level2_days`` late, 3 (urgent) from ``level3_days``."""
    if days_late >= level3_days:
        return 3
    if days_late >= level2_days:
        return 2
    return 1


def documents_days_late(
    *,
    documents_due: datetime.date | None,
    as_of: datetime.date,
    missing: bool,
    status: str,
) -> int | None:
    """Days the documents are overdue, or None when they are not (in, not due yet, or
    the installment is past waiting for them)."""
    if documents_due is None or documents_due >= as_of or not missing:
        return None
    if status not in AWAITING_DOCUMENTS:
        return None
    return (as_of - documents_due).days


def payment_term(contract_days: int | None, bureau_days: int) -> int:
    """Days finance has to pay an approved installment: the contract's term, else the
    bureau's."""
    return contract_days or bureau_days


def days_unpaid_after_approval(
    *,
    status: str,
    approved_on: datetime.date | None,
    as_of: datetime.date,
    term_days: int,
) -> int | None:
    """Days since approval when the installment is approved, unpaid and past its payment
    term; None otherwise."""
    if status != S.APPROVED or approved_on is None or approved_on > as_of:
        return None
    waited = (as_of - approved_on).days
    return waited if waited > term_days else None


def roles_told(rule: str, level: int = 1) -> tuple[str, ...]:
    """The bureau roles a notice goes to (besides the installment's owner)."""
    if rule == R.DUE_SOON or (rule == R.LATE and level == 1):
        return (Role.FINANCE,)
    if rule == R.DOCUMENTS_LATE:
        return ()
    return (Role.FINANCE, Role.MANAGER)


# --- execution -------------------------------------------------------------------------------


def last_month_end(as_of: datetime.date) -> datetime.date:
    """The latest month end on or before ``as_of``."""
    tomorrow = as_of + datetime.timedelta(days=1)
    if tomorrow.day == 1:
        return as_of
    return as_of.replace(day=1) - datetime.timedelta(days=1)


def is_behind(gap: Decimal | None, tolerance: Decimal) -> bool:
    """Whether the rate (``gap`` points from the time-progress target, negative when
    behind) is behind by more than the bureau's tolerance. The dashboard marks the rate
    with the same rule."""
    return gap is not None and gap < -tolerance


def projection_low(
    *,
    month: int,
    from_month: int,
    projected_rate: Decimal | None,
    target: Decimal,
) -> bool:
    """Whether the projected year-end rate is below the target, from ``from_month`` on."""
    return month >= from_month and projected_rate is not None and projected_rate < target


# --- working hours ---------------------------------------------------------------------------


def deliver_after(now: datetime.datetime, conf) -> datetime.datetime:
    """``now`` if it falls in the bureau's working hours, else the next working-hours start.

    ``conf`` gives ``working_days`` (ISO weekdays), ``work_start`` and ``work_end``.
    """
    local = timezone.localtime(now)
    day = local.date()
    for offset in range(0, 15):
        candidate_day = day + datetime.timedelta(days=offset)
        if candidate_day.isoweekday() not in conf.working_days:
            continue
        start = timezone.make_aware(datetime.datetime.combine(candidate_day, conf.work_start))
        end = timezone.make_aware(datetime.datetime.combine(candidate_day, conf.work_end))
        if offset == 0 and start <= local < end:
            return now
        if local < start:
            return start
    return now


def in_working_hours(now: datetime.datetime, conf) -> bool:
    return deliver_after(now, conf) == now


# --- open notices ----------------------------------------------------------------------------

# The date each installment rule counts its days from, and which way (days to, days since).
COUNTED_FROM = {
    R.DUE_SOON: ("due_date", -1),
    R.DOCUMENTS_LATE: ("documents_due", 1),
    R.LATE: ("due_date", 1),
    R.APPROVED_UNPAID: ("approved_on", 1),
}


def days_counted(rule: str, data: dict, today: datetime.date) -> int | None:
    """The days an installment notice counts (to the due date, or since its date) on
    ``today``, from the dates it stored; None when it counts none or the scan has not
    caught up with the date yet."""
    counted = COUNTED_FROM.get(rule)
    if counted is None or not data.get(counted[0]):
        return None
    field_name, direction = counted
    days = direction * (today - datetime.date.fromisoformat(data[field_name])).days
    return days if days >= 0 else None


def resolution(
    key: NoticeKey | None,
    *,
    current_keys: set[str],
    current_families: set[tuple],
    status: str | None = None,
    due_date: datetime.date | None = None,
    documents_due: datetime.date | None = None,
    approved_on: datetime.date | None = None,
) -> str:
    """Why a notice no longer applies, told to the people who got it.

    ``current_keys`` and ``current_families`` are those of the notices that apply now;
    the dates and status are the installment's now (None without one); ``key`` is None
    for a stored key that does not parse. A deadline that moved is told apart from a
    cause that was fixed: the installment is not paid, nor are the documents in.
    """
    if status == S.CANCELLED:
        return _("已取消")
    if status == S.PAID:
        return _("已付清")
    if key is None:
        return _("已不再适用")
    if key.rule in (R.DUE_SOON, R.LATE) and key.period and key.step:
        if due_date is not None and str(due_date) != key.period:
            return _("付款期限已调整")
        if key.family in current_families:
            return _("已升级或进入新周期")
        first_late = NoticeKey(R.LATE.value, key.subject, key.period, "L1")
        if key.rule == R.DUE_SOON and str(first_late) in current_keys:
            return _("已到期未付，转为逾期提醒")
        return _("已不再适用")
    if key.rule == R.DOCUMENTS_LATE:
        if documents_due is not None and str(documents_due) != key.period:
            return _("资料提交期限已调整")
        return _("资料已收齐")
    if key.rule == R.APPROVED_UNPAID:
        if status != S.APPROVED:
            return _("已不在已审批状态")
        if approved_on is not None and str(approved_on) != key.period:
            return _("已重新审批")
        return _("付款期限已调整")
    if key.family in current_families:
        return _("已升级或进入新周期")
    return _("已不再适用")
