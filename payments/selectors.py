"""Reads of the payments app, scoped to the user's bureau first, and the execution engine.

Execution (预算执行率) is computed in the database for a fiscal year and an as-of date:
each sum over a different relation is its own subquery, so rows never multiply, and the
number of queries does not grow with the number of contracts or installments.

Definitions (as of a date D in year Y):
- paid: payments dated 1 January Y .. D, reversals included (they are negative);
- outstanding of an installment: planned − deductions decided by D (and not withdrawn
  by D) − payments dated by D;
- late: outstanding > 0, due in Y before D, not cancelled;
- scheduled: outstanding of installments due in Y on or after D, not cancelled;
- projected rate: (paid + scheduled) ÷ issued budget; at risk: the late outstanding.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.caching import cached, cached_for_bureau, cached_per_bureau
from accounts.models import Bureau, User
from accounts.selectors import bureau_scope, is_multi_bureau
from core.history import history_entries, history_of, merged_history
from core.money import ZERO, percent, to_yuan
from payments.models import (
    Audit,
    Budget,
    BudgetEvent,
    Deduction,
    DocumentFile,
    FiscalYearClosing,
    Installment,
    InstallmentTransition,
    Payment,
    ProgressCheckpoint,
    ReminderSettings,
    RequiredDocument,
)
from payments.reminders import rules

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
S = Installment.Status


def _zero():
    return Value(ZERO, output_field=MONEY_FIELD)


def _sum(queryset: QuerySet, group: str, field_name: str = "amount", expression=None):
    """A correlated subquery summing ``field_name`` over ``queryset`` per ``group``."""
    total = Sum(expression if expression is not None else field_name)
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(total=total).values("total")[:1],
            output_field=MONEY_FIELD,
        ),
        _zero(),
    )


# Dashboards are read far more often than the records change: their figures are cached
# on the version of the records they read (accounts/caching.py: scope-figures,
# bureau-progress, bureau-execution), so a write is seen at once.


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- installments ----------------------------------------------------------------------------


def with_amounts(queryset: QuerySet[Installment], as_of: datetime.date | None = None) -> QuerySet:
    """Annotate deducted, paid, net payable and outstanding, optionally as of a date."""
    deductions = Deduction.objects.filter(installment=OuterRef("pk"))
    payments = Payment.objects.filter(installment=OuterRef("pk"))
    if as_of is not None:
        deductions = deductions.filter(decided_on__lte=as_of).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=as_of)
        )
        payments = payments.filter(paid_on__lte=as_of)
    else:
        deductions = deductions.filter(withdrawn_on__isnull=True)
    deducted = _sum(deductions, "installment")
    paid = _sum(payments, "installment")
    return queryset.annotate(
        deducted=deducted,
        paid=paid,
        net_payable=Greatest(
            ExpressionWrapper(F("planned_amount") - F("deducted"), output_field=MONEY_FIELD),
            _zero(),
        ),
        outstanding=ExpressionWrapper(
            Greatest(
                ExpressionWrapper(F("planned_amount") - F("deducted"), output_field=MONEY_FIELD),
                _zero(),
            )
            - F("paid"),
            output_field=MONEY_FIELD,
        ),
    )


def with_outstanding(queryset: QuerySet[Installment], as_of: datetime.date) -> QuerySet:
    """Annotate only ``outstanding`` as of a date, each subquery written once.

    (``with_amounts`` also annotates its parts; SQL repeats a part's subquery wherever a
    later annotation uses it, which triples the work on aggregates over many rows.)
    """
    deductions = Deduction.objects.filter(installment=OuterRef("pk"), decided_on__lte=as_of).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=as_of)
    )
    payments = Payment.objects.filter(installment=OuterRef("pk"), paid_on__lte=as_of)
    return queryset.annotate(
        outstanding=ExpressionWrapper(
            Greatest(
                ExpressionWrapper(
                    F("planned_amount") - _sum(deductions, "installment"), output_field=MONEY_FIELD
                ),
                _zero(),
            )
            - _sum(payments, "installment"),
            output_field=MONEY_FIELD,
        )
    )


def owing(queryset: QuerySet[Installment], as_of: datetime.date) -> QuerySet[Installment]:
    """Leave out installments that cannot owe anything on ``as_of``: the cancelled, and those
    settled (已支付) unless a payment or a deduction came after that date (a full deduction
    settles an installment with no payment at all). Exact, and it spares the amounts'
    subqueries for the great majority of a year's installments."""
    paid_later = Payment.objects.filter(installment=OuterRef("pk"), paid_on__gt=as_of)
    deducted_later = Deduction.objects.filter(installment=OuterRef("pk"), decided_on__gt=as_of)
    return queryset.exclude(status=S.CANCELLED).filter(
        ~Q(status=S.PAID) | Exists(paid_later) | Exists(deducted_later)
    )


def with_status_as_of(queryset: QuerySet[Installment], as_of: datetime.date) -> QuerySet:
    """Annotate ``status_then``: the status on ``as_of`` by the business dates of the
    moves (the last move dated by then; else the status before the first move after it;
    else the status now)."""
    moves = InstallmentTransition.objects.filter(installment=OuterRef("pk"))
    return queryset.annotate(
        status_then=Coalesce(
            Subquery(
                moves.filter(dated_on__lte=as_of)
                .order_by("-dated_on", "-at", "-pk")
                .values("to_status")[:1]
            ),
            Subquery(
                moves.filter(dated_on__gt=as_of)
                .order_by("dated_on", "at", "pk")
                .values("from_status")[:1]
            ),
            F("status"),
        )
    )


def installment_list(*, user: User, as_of: datetime.date | None = None) -> QuerySet[Installment]:
    """Installments with their contract, project and provider, and their amounts."""
    return with_amounts(
        Installment.objects.filter(bureau_scope(user=user)).select_related(
            "contract", "contract__award__project", "contract__award__provider", "bureau"
        ),
        as_of,
    )


def installment_rows(*, user: User) -> QuerySet[Installment]:
    """The user's installments with their contract, project and provider (no amounts)."""
    return Installment.objects.filter(bureau_scope(user=user)).select_related(
        "contract", "contract__award__project", "contract__award__provider", "bureau"
    )


def with_amounts_of(installments: list[Installment]) -> list[Installment]:
    """Set deducted, paid, net payable and outstanding on a page of installments (one query)."""
    amounts = {
        row["pk"]: row
        for row in with_amounts(
            Installment.objects.filter(pk__in=[i.pk for i in installments])
        ).values("pk", "deducted", "paid", "net_payable", "outstanding")
    }
    for installment in installments:
        row = amounts.get(installment.pk, {})
        for name in ("deducted", "paid", "net_payable", "outstanding"):
            setattr(installment, name, row.get(name))
    return installments


def installment_get(*, user: User, pk: int) -> Installment:
    return get_object_or_404(installment_list(user=user), pk=pk)


def days_late(installment: Installment, today: datetime.date | None = None) -> int:
    """Days past the due date while something is still owed (0 when not late)."""
    today = today or timezone.localdate()
    outstanding = getattr(installment, "outstanding", None)
    if installment.status == S.CANCELLED or (outstanding is not None and outstanding <= 0):
        return 0
    if installment.status == S.PAID:
        return 0
    return max((today - installment.due_date).days, 0)


def late_filter(as_of: datetime.date) -> Q:
    return Q(due_date__lt=as_of, outstanding__gt=0) & ~Q(status=S.CANCELLED)


def payment_list(*, user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(bureau_scope(user=user)).select_related(
        "installment",
        "installment__contract",
        "installment__contract__award__project",
        "installment__contract__award__provider",
        "posted_by",
        "reverses",
    )


def deduction_list(*, user: User) -> QuerySet[Deduction]:
    return Deduction.objects.filter(bureau_scope(user=user)).select_related(
        "installment", "installment__contract", "installment__contract__award__project", "audit"
    )


def deduction_get(*, user: User, pk: int) -> Deduction:
    return get_object_or_404(deduction_list(user=user), pk=pk)


def payment_get(*, user: User, pk: int) -> Payment:
    return get_object_or_404(payment_list(user=user), pk=pk)


def audit_list(*, user: User) -> QuerySet[Audit]:
    return Audit.objects.filter(bureau_scope(user=user)).select_related("project", "bureau")


def audit_get(*, user: User, pk: int) -> Audit:
    return get_object_or_404(audit_list(user=user), pk=pk)


def _effect_on(figure: int) -> Case:
    """Each event's signed effect on a budget figure (0: 全年预算, 1: 实际下达预算)."""
    whens = [
        When(kind=kind, then=F("amount") if effects[figure] > 0 else -F("amount"))
        for kind, effects in BudgetEvent.EFFECTS.items()
        if effects[figure]
    ]
    return Case(*whens, default=_zero(), output_field=MONEY_FIELD)


def with_budget_figures(
    queryset: QuerySet[Budget], until: datetime.date | None = None, prefix: str = ""
) -> QuerySet[Budget]:
    """Annotate 年初预算 (``initial``), 全年预算 (``full_year``) and 实际下达预算
    (``issued``) from the events dated on or before ``until`` (every event when None)."""
    events = BudgetEvent.objects.filter(budget=OuterRef("pk"))
    if until is not None:
        events = events.filter(dated_on__lte=until)
    initial = Case(
        When(kind=BudgetEvent.Kind.INITIAL, then=F("amount")),
        default=_zero(),
        output_field=MONEY_FIELD,
    )
    return queryset.annotate(
        **{
            f"{prefix}initial": _sum(events, "budget", expression=initial),
            f"{prefix}full_year": _sum(events, "budget", expression=_effect_on(0)),
            f"{prefix}issued": _sum(events, "budget", expression=_effect_on(1)),
        }
    )


def budget_list(*, user: User, as_of: datetime.date | None = None) -> QuerySet[Budget]:
    """The user's budgets with their figures as of a date (today's when none is asked)."""
    return with_budget_figures(
        Budget.objects.filter(bureau_scope(user=user)).select_related("project", "bureau"),
        as_of or timezone.localdate(),
    )


def budget_events(*, budget: Budget) -> list[BudgetEvent]:
    """A budget's events in date order, each with the running figures after it."""
    events = list(budget.events.select_related("recorded_by", "reverses", "reversed_by"))
    full_year = issued = ZERO
    for event in events:
        full_year += event.full_year_effect
        issued += event.issued_effect
        event.full_year_after, event.issued_after = full_year, issued
    return events


def closings_of(*, bureau: Bureau) -> list[FiscalYearClosing]:
    """The bureau's closed fiscal years, latest first."""
    return list(FiscalYearClosing.objects.filter(bureau=bureau).select_related("closed_by"))


def budget_get(*, user: User, pk: int) -> Budget:
    return get_object_or_404(budget_list(user=user), pk=pk)


def budget_years(*, user: User) -> list[int]:
    """The years the user's bureau(s) have budgets for, latest first (cached)."""

    def compute():
        years = (
            Budget.objects.filter(bureau_scope(user=user)).order_by().values_list("year", flat=True)
        )
        return sorted(set(years), reverse=True)

    return cached(user=user, name="budget_years", parts=(), compute=compute)


def default_year(
    *, user: User, today: datetime.date | None = None, years: list[int] | None = None
) -> int:
    """The current year, or the latest year with a budget when the current has none."""
    today = today or timezone.localdate()
    years = budget_years(user=user) if years is None else years
    if not years or today.year in years:
        return today.year
    past = [y for y in years if y <= today.year]
    return past[0] if past else years[-1]


# --- time progress -------------------------------------------------------------------------


@dataclass
class ProgressTarget:
    percent: Decimal
    source: str  # how the target was set, for the dashboard's caption


def elapsed_share(as_of: datetime.date) -> Decimal:
    """Months completed by ``as_of`` over twelve (month m ends at m/12)."""
    tomorrow = as_of + datetime.timedelta(days=1)
    months = as_of.month if tomorrow.month != as_of.month else as_of.month - 1
    return (Decimal(months) * Decimal(100) / Decimal(12)).quantize(Decimal("0.01"))


@dataclass
class Progress:
    """A bureau's own time-progress settings for a year: its checkpoints, and how far
    behind the target it lets the rate fall (its reminder settings' tolerance)."""

    checkpoints: list[ProgressCheckpoint]
    tolerance: Decimal


def progress_of(*, bureau: Bureau | None, year: int) -> Progress:
    """The bureau's time-progress settings for a year (one query, cached); the defaults
    without a bureau."""
    if bureau is None:
        return Progress([], ReminderSettings().tolerance_points)
    return cached_for_bureau(
        bureau_id=bureau.pk, year=year, compute=lambda: _progress(bureau.pk, year)
    )


def _progress(bureau_id: int, year: int) -> Progress:
    # The bureau's row joined to its settings and, on the year, its checkpoints: at least
    # one row, one per checkpoint. Both are read together wherever the target is shown.
    rows = list(
        Bureau.objects.filter(pk=bureau_id)
        .annotate(of_year=FilteredRelation("checkpoints", condition=Q(checkpoints__year=year)))
        .order_by("of_year__month")
        .values_list(
            "reminder_settings__tolerance_points",
            "of_year__pk",
            "of_year__month",
            "of_year__target_percent",
        )
    )
    checkpoints = [
        ProgressCheckpoint(
            pk=pk, bureau_id=bureau_id, year=year, month=month, target_percent=target
        )
        for _tolerance, pk, month, target in rows
        if pk is not None
    ]
    tolerance = rows[0][0] if rows else None
    if tolerance is None:  # no settings saved: the defaults
        tolerance = ReminderSettings().tolerance_points
    return Progress(checkpoints, tolerance)


def checkpoints_of(*, bureau: Bureau | None, year: int) -> list[ProgressCheckpoint]:
    """The bureau's own time-progress checkpoints of a year (cached)."""
    return progress_of(bureau=bureau, year=year).checkpoints


def checkpoints_by_bureau(year: int, bureau_ids) -> dict[int, list[ProgressCheckpoint]]:
    """The checkpoints of many bureaus for a year, by bureau (one query; for the scan)."""
    grouped: dict[int, list[ProgressCheckpoint]] = {}
    for checkpoint in ProgressCheckpoint.objects.filter(
        bureau_id__in=bureau_ids, year=year
    ).order_by("month"):
        grouped.setdefault(checkpoint.bureau_id, []).append(checkpoint)
    return grouped


def reminder_settings_for(bureau_ids) -> dict[int, ReminderSettings]:
    """Each bureau's reminder settings; bureaus without a row get the defaults (unsaved)."""
    found = {s.bureau_id: s for s in ReminderSettings.objects.filter(bureau_id__in=bureau_ids)}
    return {pk: found.get(pk) or ReminderSettings(bureau_id=pk) for pk in bureau_ids}


def time_progress_target(
    *,
    bureau: Bureau | None,
    year: int,
    as_of: datetime.date,
    checkpoints: list[ProgressCheckpoint] | None = None,
) -> ProgressTarget:
    """The time-progress target in force on ``as_of``.

    By default the elapsed share of the year. With a bureau's own checkpoints, from a
    checkpoint's date on its target applies until the next; before the first one the
    default applies, never above the first checkpoint's target. The year's end always
    asks for 100%.
    """
    if checkpoints is None:
        checkpoints = checkpoints_of(bureau=bureau, year=year)
    if as_of < datetime.date(year, 1, 1):
        return ProgressTarget(Decimal("0.00"), _("年度尚未开始"))
    if as_of > datetime.date(year, 12, 31):
        as_of = datetime.date(year, 12, 31)
    if as_of == datetime.date(year, 12, 31):
        return ProgressTarget(Decimal("100.00"), _("年末：100%"))
    if not checkpoints:
        share = elapsed_share(as_of)
        return ProgressTarget(share, _("默认：按时间均衡（已过月份 ÷ 12）"))
    checkpoints = sorted(checkpoints, key=lambda c: c.month)
    reached = [c for c in checkpoints if c.date <= as_of]
    if not reached:
        # The year is under way before the first checkpoint too: asking for nothing
        # would hide months of falling behind.
        first = checkpoints[0]
        return ProgressTarget(
            min(elapsed_share(as_of), first.target_percent),
            _("默认：按时间均衡（已过月份 ÷ 12），不超过%(month)s月底节点 %(target)s%%")
            % {"month": first.month, "target": first.target_percent},
        )
    last = reached[-1]
    return ProgressTarget(
        last.target_percent,
        _("本单位节点：%(month)s月底 %(target)s%%")
        % {"month": last.month, "target": last.target_percent},
    )


# --- the execution engine ------------------------------------------------------------------


@dataclass
class ExecutionRow:
    key: int
    name: str
    initial: Decimal = ZERO
    adjusted: Decimal = ZERO
    issued: Decimal = ZERO
    paid: Decimal = ZERO
    deducted: Decimal = ZERO
    scheduled: Decimal = ZERO
    late: Decimal = ZERO
    url: str = ""

    # The rates are one-line properties, each a ratio of two of the figures above.

    @property
    def full_year(self) -> Decimal:
        return self.initial + self.adjusted

    @property
    def rate(self) -> Decimal | None:
        return percent(self.paid, self.issued)

    @property
    def rate_full_year(self) -> Decimal | None:
        return percent(self.paid, self.full_year)

    @property
    def projected(self) -> Decimal:
        return self.paid + self.scheduled

    @property
    def projected_rate(self) -> Decimal | None:
        return percent(self.projected, self.issued)

    @property
    def funds_in_place_rate(self) -> Decimal | None:
        return percent(self.issued, self.full_year)


@dataclass
class Execution:
    year: int
    as_of: datetime.date
    grouped_by: str  # "project" or "bureau"
    target: ProgressTarget
    total: ExecutionRow
    # How far behind the target the bureau lets the rate fall (its reminder settings).
    tolerance: Decimal
    rows: list[ExecutionRow] = field(default_factory=list)
    cumulative_paid: list[Decimal | None] = field(default_factory=list)  # at each month end
    # 以前年度欠付: still owed on the as-of date on installments due in earlier years.
    arrears: Decimal = ZERO

    @property
    def late_total(self) -> Decimal:
        """Late in the year plus the arrears of earlier years: the bureau's late total."""
        return self.total.late + self.arrears

    @property
    def gap(self) -> Decimal | None:
        """Rate minus target, in percentage points (negative: behind)."""
        if self.total.rate is None:
            return None
        return self.total.rate - self.target.percent

    @property
    def behind(self) -> bool:
        """Behind the target by more than the tolerance: the reminders' rule, which the
        dashboard marks."""
        return rules.is_behind(self.gap, self.tolerance)


def execution(
    *,
    user: User,
    year: int,
    as_of: datetime.date | None = None,
    group_by: str | None = None,
    checkpoints: list[ProgressCheckpoint] | None = None,
) -> Execution:
    """Budget execution of the user's bureau(s) for a fiscal year as of a date (cached)."""
    dec31 = year_bounds(year)[1]
    as_of = as_of or min(timezone.localdate(), dec31)
    return cached(
        user=user,
        name="execution",
        parts=(year, as_of, group_by),
        compute=lambda: _execution(
            user=user, year=year, as_of=as_of, group_by=group_by, checkpoints=checkpoints
        ),
    )


def _execution(
    *,
    user: User,
    year: int,
    as_of: datetime.date,
    group_by: str | None,
    checkpoints: list[ProgressCheckpoint] | None,
) -> Execution:
    """Budget execution of the user's bureau(s) for a fiscal year as of a date.

    Rows are per project for a single bureau and per bureau for a city-wide view.
    Three grouped aggregates, whatever the number of contracts (see
    :func:`_execution_rows`), plus the bureau's time-progress settings (cached, see
    :func:`progress_of`).
    """
    dec31 = year_bounds(year)[1]
    as_of = as_of or min(timezone.localdate(), dec31)
    until = min(as_of, dec31)
    group_by = group_by or ("bureau" if is_multi_bureau(user=user) else "project")
    rows, cumulative = _execution_rows(bureau_scope(user=user), year, as_of, group_by)
    total = ExecutionRow(key=0, name=_("合计"))
    for r in rows:
        for name in ("initial", "adjusted", "issued", "paid", "deducted", "scheduled", "late"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    progress = progress_of(bureau=user.bureau, year=year)
    target = time_progress_target(
        bureau=user.bureau,
        year=year,
        as_of=until,
        checkpoints=progress.checkpoints if checkpoints is None else checkpoints,
    )
    # The arrears come with the late list (cached, and read by the dashboard anyway): its
    # sum when the list holds all of them, else one aggregate.
    late = late_installments(user=user, year=year, as_of=as_of)
    if late and late[-1].arrears and len(late) == LATE_LIMIT:
        arrears = (
            installment_list(user=user, as_of=as_of)
            .filter(due_date__lt=year_bounds(year)[0])
            .filter(late_filter(as_of))
            .order_by()
            .aggregate(total=Sum("outstanding"))["total"]
        )
    else:
        arrears = sum((i.outstanding for i in late if i.arrears), ZERO)
    return Execution(
        year=year,
        as_of=as_of,
        grouped_by=group_by,
        target=target,
        total=total,
        rows=rows,
        cumulative_paid=cumulative,
        tolerance=progress.tolerance,
        arrears=to_yuan(arrears or ZERO),
    )


def execution_by_bureau(
    *, year: int, as_of: datetime.date, bureau_ids: list[int] | None = None
) -> list[ExecutionRow]:
    """Execution of every bureau (or of the given ones), one row each: for the reminder
    scan, which is not acting for any user.

    Each bureau's row is cached on the version of its records, so an hourly scan computes
    only the bureaus whose records changed since the last one.
    """
    ids = (
        list(Bureau.objects.values_list("pk", flat=True))
        if bureau_ids is None
        else list(bureau_ids)
    )

    def compute(missing: list[int]) -> dict[int, ExecutionRow]:
        rows, _cumulative = _execution_rows(Q(bureau_id__in=missing), year, as_of, "bureau")
        return {row.key: row for row in rows}

    rows = cached_per_bureau(bureau_ids=ids, parts=(year, as_of), compute=compute)
    return sorted(rows.values(), key=lambda r: r.name)


def execution_of_projects(
    *, user: User, project_ids: list[int], year: int, as_of: datetime.date
) -> ExecutionRow:
    """Execution of chosen projects (an evaluation's) as one total row."""
    rows, _cumulative = _execution_rows(
        bureau_scope(user=user), year, as_of, "project", project_ids=project_ids
    )
    total = ExecutionRow(key=0, name=_("合计"))
    for r in rows:
        for name in ("initial", "adjusted", "issued", "paid", "deducted", "scheduled", "late"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total


def execution_rows_of_projects(
    *, user: User, project_ids: list[int], year: int, as_of: datetime.date
) -> dict[int, ExecutionRow]:
    """Execution of chosen projects as of a date, one row each by project id (a
    monitoring round's money; the same three queries as any execution)."""
    rows, _cumulative = _execution_rows(
        bureau_scope(user=user), year, as_of, "project", project_ids=project_ids
    )
    return {row.key: row for row in rows}


def _execution_rows(
    scope: Q, year: int, as_of: datetime.date, group_by: str, project_ids: list[int] | None = None
) -> tuple[list[ExecutionRow], list[Decimal | None]]:
    """Rows grouped by project or bureau, and cumulative paid at each month end.

    Three queries: budgets (from their events dated by the as-of date); payments and
    deductions by month (one UNION); what the year's installments still owe.
    """
    jan1, dec31 = year_bounds(year)

    def only(path: str) -> Q:
        return Q(**{f"{path}__in": project_ids}) if project_ids is not None else Q()

    until = min(as_of, dec31)
    key = "project" if group_by == "project" else "bureau"
    rows: dict[int, ExecutionRow] = {}

    def row(pk, name):
        if pk not in rows:
            rows[pk] = ExecutionRow(key=pk, name=name)
        return rows[pk]

    # 1. Budgets, from their events dated by the as-of date.
    budget_name = f"{key}__name"
    budgets = (
        with_budget_figures(
            Budget.objects.filter(scope, only("project"), year=year), until, prefix="b_"
        )
        .order_by()
        .values(key, budget_name)
        .annotate(initial=Sum("b_initial"), full=Sum("b_full_year"), issued=Sum("b_issued"))
    )
    for b in budgets:
        r = row(b[key], b[budget_name])
        r.initial, r.issued = to_yuan(b["initial"]), to_yuan(b["issued"])
        r.adjusted = to_yuan(b["full"]) - r.initial

    # 2. Money paid and deducted in the year by the as-of date, by month (one query).
    path = "installment__contract__award__project" if key == "project" else "bureau"
    name_path = f"{path}__name"

    def by_month(queryset, date_field, what):
        return (
            queryset.annotate(
                month=ExtractMonth(date_field), what=Value(what, output_field=CharField())
            )
            .order_by()
            .values(path, name_path, "month", "what")
            .annotate(total=Sum("amount"))
        )

    paid = by_month(
        Payment.objects.filter(
            scope,
            only("installment__contract__award__project"),
            paid_on__gte=jan1,
            paid_on__lte=until,
        ),
        "paid_on",
        "paid",
    )
    deducted = by_month(
        Deduction.objects.filter(
            scope,
            only("installment__contract__award__project"),
            decided_on__gte=jan1,
            decided_on__lte=until,
        ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=until)),
        "decided_on",
        "deducted",
    )
    paid_by_month = dict.fromkeys(range(1, 13), ZERO)
    for entry in paid.union(deducted, all=True):
        r, amount = row(entry[path], entry[name_path]), to_yuan(entry["total"])
        if entry["what"] == "paid":
            r.paid += amount
            paid_by_month[entry["month"]] += amount
        else:
            r.deducted += amount

    # 3. What is still owed on the year's installments: scheduled (not yet due) or late.
    inst_path = "contract__award__project" if key == "project" else "bureau"
    owed = (
        with_outstanding(
            owing(
                Installment.objects.filter(
                    scope, only("contract__award__project"), due_date__gte=jan1, due_date__lte=dec31
                ),
                until,
            ),
            until,
        )
        .order_by()
        .values(inst_path, f"{inst_path}__name")
        .annotate(
            scheduled=Sum(
                Case(
                    When(due_date__gte=as_of, outstanding__gt=0, then=F("outstanding")),
                    default=_zero(),
                    output_field=MONEY_FIELD,
                )
            ),
            late=Sum(
                Case(
                    When(due_date__lt=as_of, outstanding__gt=0, then=F("outstanding")),
                    default=_zero(),
                    output_field=MONEY_FIELD,
                )
            ),
        )
    )
    for o in owed:
        r = row(o[inst_path], o[f"{inst_path}__name"])
        r.scheduled, r.late = to_yuan(o["scheduled"]), to_yuan(o["late"])

    cumulative, running = [], ZERO
    for month in range(1, 13):
        running += paid_by_month[month]
        cumulative.append(running if until >= jan1 and month <= until.month else None)
    return sorted(rows.values(), key=lambda r: r.name), cumulative


def progress_line(
    *, bureau: Bureau | None, year: int, checkpoints: list[ProgressCheckpoint] | None = None
) -> list[Decimal]:
    """The time-progress target at each month end, for the chart."""
    if checkpoints is None:
        checkpoints = checkpoints_of(bureau=bureau, year=year)
    line = []
    for month in range(1, 13):
        end = (
            datetime.date(year, 12, 31)
            if month == 12
            else datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
        )
        line.append(
            time_progress_target(
                bureau=bureau, year=year, as_of=end, checkpoints=checkpoints
            ).percent
        )
    return line


LATE_LIMIT = 50


def late_installments(
    *, user: User, year: int, as_of: datetime.date, limit: int = LATE_LIMIT
) -> list[Installment]:
    """The year's late installments as of a date, most overdue first, after those of
    earlier years still unpaid (以前年度欠付, marked ``arrears``) (cached)."""
    return cached(
        user=user,
        name="late",
        parts=(year, as_of, limit),
        compute=lambda: _late_installments(user=user, year=year, as_of=as_of, limit=limit),
    )


def _late_installments(
    *, user: User, year: int, as_of: datetime.date, limit: int
) -> list[Installment]:
    jan1, dec31 = year_bounds(year)
    if as_of <= dec31:
        # One query: arrears (due before 1 January) sort first by their due dates.
        rows = list(
            installment_list(user=user, as_of=as_of)
            .filter(due_date__lte=dec31)
            .filter(late_filter(as_of))
            .order_by("due_date", "pk")[:limit]
        )
        return _mark_late(rows, jan1, as_of)
    # Arrears are owed as of the day asked; the year's own as of its last day at most.
    arrears = list(
        installment_list(user=user, as_of=as_of)
        .filter(due_date__lt=jan1)
        .filter(late_filter(as_of))
        .order_by("due_date", "pk")[:limit]
    )
    rows = list(
        installment_list(user=user, as_of=min(as_of, dec31))
        .filter(due_date__gte=jan1, due_date__lte=dec31)
        .filter(late_filter(as_of))
        .order_by("due_date", "pk")[: limit - len(arrears)]
    )
    return _mark_late([*arrears, *rows], jan1, as_of)


def _mark_late(rows: list[Installment], jan1: datetime.date, as_of: datetime.date):
    for installment in rows:
        installment.days_late = (as_of - installment.due_date).days
        installment.arrears = installment.due_date < jan1
    return rows


# --- reads of the evaluations app (which reads payments' records only through these) ---------


def payments_of_projects(*, bureau_id: int, project_ids: list[int], year: int) -> list[Payment]:
    """The payments dated in ``year`` on the projects' installments, reversals included,
    with installment, contract and project, in date order."""
    return list(
        Payment.objects.filter(
            installment__contract__award__project_id__in=project_ids,
            bureau_id=bureau_id,
            paid_on__year=year,
        )
        .select_related("installment__contract__award__project")
        .order_by("paid_on", "pk")
    )


def deductions_of_projects(*, bureau_id: int, project_ids: list[int], year: int) -> list[Deduction]:
    """The deductions decided in ``year`` on the projects' installments and not withdrawn,
    with installment, contract, project and report, in date order."""
    return list(
        Deduction.objects.filter(
            installment__contract__award__project_id__in=project_ids,
            bureau_id=bureau_id,
            decided_on__year=year,
            withdrawn_on__isnull=True,
        )
        .select_related("installment__contract__award__project", "audit")
        .order_by("decided_on", "pk")
    )


def audits_of_projects(
    *, bureau_id: int, project_ids: list[int], year: int, kind: str | None = None
) -> QuerySet[Audit]:
    """The audits and assessments of ``year`` on the projects (or on all the bureau's
    projects), with their project, in the order they started."""
    audits = Audit.objects.filter(bureau_id=bureau_id, year=year)
    if kind is not None:
        audits = audits.filter(kind=kind)
    return (
        audits.filter(Q(project_id__in=project_ids) | Q(project__isnull=True))
        .select_related("project")
        .order_by("started_on", "pk")
    )


def installment_punctuality(
    *, project_ids: list[int], year: int, as_of: datetime.date
) -> tuple[int, int]:
    """(paid in full by their due date, due in the year by ``as_of``) for the projects'
    installments, from the payment records. An installment whose deductions leave nothing
    to pay counts as paid on time."""
    rows = list(
        with_amounts(
            Installment.objects.filter(
                contract__award__project_id__in=project_ids,
                due_date__year=year,
                due_date__lte=as_of,
            ).exclude(status=S.CANCELLED)
        )
        .annotate(last_paid=Max("payments__paid_on"))
        .values_list("due_date", "outstanding", "last_paid")
    )
    on_time = sum(
        1 for due, outstanding, last in rows if outstanding <= 0 and (last is None or last <= due)
    )
    return on_time, len(rows)


def contract_schedule_total(installments) -> Decimal:
    return sum((i.planned_amount for i in installments), ZERO)


def stated_share_installments(*, project_ids: list[int], year: int) -> list[Installment]:
    """The installments stated as a share (比例) of their contract, of the projects'
    contracts running in ``year`` (not cancelled), with contract and project."""
    return list(
        Installment.objects.filter(
            contract__award__project_id__in=project_ids,
            contract__start__lte=datetime.date(year, 12, 31),
            contract__end__gte=datetime.date(year, 1, 1),
            percent__isnull=False,
        )
        .exclude(status=Installment.Status.CANCELLED)
        .select_related("contract__award__project")
        .order_by("contract__award__project_id", "contract__start", "number")
    )


# --- history the auditor reads -----------------------------------------------------------


def installment_history(installment: Installment, *, limit: int = 50) -> list[dict]:
    """The installment's changes and those of its deductions (who recorded or withdrew
    each), newest first."""
    deductions = history_entries(
        Deduction.history.filter(installment_id=installment.pk),
        model=Deduction,
        limit=limit,
        label=lambda record: _("扣减 %(amount)s 元") % {"amount": f"{record.amount:,.2f}"},
    )
    return merged_history(history_of(installment, limit=limit), deductions, limit=limit)


def settings_history(*, bureau: Bureau, limit: int = 100) -> list[dict]:
    """Who changed the bureau's time-progress targets and reminder settings, newest first."""
    checkpoints = history_entries(
        ProgressCheckpoint.history.filter(bureau_id=bureau.pk),
        model=ProgressCheckpoint,
        limit=limit,
        label=lambda record: (
            _("%(year)s 年 %(month)s 月底序时进度") % {"year": record.year, "month": record.month}
        ),
    )
    reminders = history_entries(
        ReminderSettings.history.filter(bureau_id=bureau.pk),
        model=ReminderSettings,
        limit=limit,
        label=lambda record: _("提醒设置"),
    )
    return merged_history(checkpoints, reminders, limit=limit)


# --- document files and the provider portal ---------------------------------------------------


def document_get(*, user: User, pk: int) -> RequiredDocument:
    """A required document of the user's bureau (for staff's accept and return)."""
    return get_object_or_404(
        RequiredDocument.objects.filter(
            bureau_scope(user=user, field="installment__bureau")
        ).select_related("installment"),
        pk=pk,
    )


def portal_document_get(*, user: User, pk: int) -> RequiredDocument:
    """A required document of the provider's own installments (for its uploads)."""
    from contracts.selectors import portal_provider_ids

    return get_object_or_404(
        RequiredDocument.objects.filter(
            installment__contract__award__provider_id__in=portal_provider_ids(user=user)
        ).select_related("installment__contract"),
        pk=pk,
    )


def document_file_get(*, user: User, pk: int) -> DocumentFile:
    """A document file the user may open: of their bureau (roles that read installments),
    or of their own provider's installments (a provider's person)."""
    from contracts.selectors import portal_provider_ids

    if user.has_perm("contracts.use_portal"):
        scope = Q(
            document__installment__contract__award__provider_id__in=portal_provider_ids(user=user)
        )
    elif user.has_perm("payments.view_requireddocument"):
        scope = bureau_scope(user=user, field="document__installment__bureau")
    else:
        scope = Q(pk__in=[])
    return get_object_or_404(DocumentFile.objects.filter(scope), pk=pk)


def documents_with_files(installments) -> dict[int, list[RequiredDocument]]:
    """The required documents of these installments with their files, by installment
    (two queries whatever the number of installments)."""
    documents = (
        RequiredDocument.objects.filter(installment__in=list(installments))
        .prefetch_related(
            Prefetch(
                "files",
                queryset=DocumentFile.objects.select_related("uploaded_by", "decided_by"),
            )
        )
        .order_by("installment_id", "pk")
    )
    by_installment: dict[int, list[RequiredDocument]] = {}
    for document in documents:
        by_installment.setdefault(document.installment_id, []).append(document)
    return by_installment


def portal_installments(*, contract) -> list[Installment]:
    """A contract's installments as its provider sees them: amounts, due dates, the
    documents due before each with their state (files included), no internal notes."""
    installments = list(
        with_amounts(Installment.objects.filter(contract=contract)).order_by("number")
    )
    documents = documents_with_files(installments)
    for installment in installments:
        installment.portal_documents = documents.get(installment.pk, [])
    return installments


def portal_deductions(*, contract) -> list[Deduction]:
    """The deductions from a contract's installments in force, with the report they rest on."""
    return list(
        Deduction.objects.filter(installment__contract=contract, withdrawn_on__isnull=True)
        .select_related("audit", "installment")
        .order_by("decided_on", "pk")
    )


def portal_payments(*, contract) -> list[Payment]:
    """The payments received on a contract's installments (reversals included, as the
    ledger shows them)."""
    return list(
        Payment.objects.filter(installment__contract=contract)
        .select_related("installment")
        .order_by("paid_on", "pk")
    )


PORTAL_SOON_DAYS = 15


def deadline_band(deadline: datetime.date, today: datetime.date) -> str:
    """ "late" past the deadline, "soon" within 15 days of it, else "later"."""
    if deadline < today:
        return "late"
    if deadline <= today + datetime.timedelta(days=PORTAL_SOON_DAYS):
        return "soon"
    return "later"


def _owes_documents(installment: Installment, documents: list[RequiredDocument]) -> bool:
    return installment.status in (S.PLANNED, S.AWAITING_DOCUMENTS) and any(
        d.received_on is None for d in documents
    )


def portal_due(*, user: User, today: datetime.date | None = None) -> dict:
    """What the provider must hand in: documents not yet accepted of its open
    installments, split into late (deadline passed), due within 15 days, and later."""
    from contracts.selectors import portal_provider_ids

    today = today or timezone.localdate()
    installments = list(
        Installment.objects.filter(
            contract__award__provider_id__in=portal_provider_ids(user=user),
            status__in=[S.PLANNED, S.AWAITING_DOCUMENTS],
        )
        .select_related("contract", "contract__award__project", "bureau")
        .order_by("documents_due", "due_date", "pk")[:200]
    )
    documents = documents_with_files(installments)
    bands: dict[str, list[Installment]] = {"late": [], "soon": [], "later": []}
    for installment in installments:
        own = documents.get(installment.pk, [])
        if not _owes_documents(installment, own):
            continue
        installment.open_documents = [d for d in own if d.received_on is None]
        installment.deadline = installment.documents_due or installment.due_date
        installment.days_left = (installment.deadline - today).days
        bands[deadline_band(installment.deadline, today)].append(installment)
    return bands


def portal_banner(installments: list[Installment], today: datetime.date | None = None) -> dict:
    """Of a contract's installments (from :func:`portal_installments`), those whose
    documents are late and those due within 15 days."""
    today = today or timezone.localdate()
    bands: dict[str, list[Installment]] = {"late": [], "soon": [], "later": []}
    for installment in installments:
        if _owes_documents(installment, installment.portal_documents):
            deadline = installment.documents_due or installment.due_date
            bands[deadline_band(deadline, today)].append(installment)
    return bands


# --- the payment approval form (付款审批单) -------------------------------------------------------


def approval_form(installment: Installment) -> dict:
    """What the approval form of an approved (or since paid) installment states: the
    contract, the provider and its bank account, the net payable in figures and capitals,
    the deductions and the documents accepted, who reviewed and who approved, with dates.
    ``installment`` comes from :func:`installment_get` (with its amounts)."""
    from core.money import capitals

    contract = installment.contract
    moves = list(
        installment.transitions.filter(to_status__in=[S.UNDER_REVIEW, S.APPROVED])
        .select_related("actor")
        .order_by("at", "pk")
    )
    reviewed = [m for m in moves if m.to_status == S.UNDER_REVIEW]
    approved = [m for m in moves if m.to_status == S.APPROVED]
    documents = list(
        installment.documents.filter(received_on__isnull=False).prefetch_related(
            Prefetch(
                "files",
                queryset=DocumentFile.objects.filter(
                    status=DocumentFile.Status.ACCEPTED
                ).select_related("decided_by"),
            )
        )
    )
    net = to_yuan(installment.net_payable)
    return {
        "installment": installment,
        "contract": contract,
        "project": contract.award.project,
        "provider": contract.award.provider,
        "bureau": installment.bureau,
        "planned": installment.planned_amount,
        "deductions": list(
            installment.deductions.filter(withdrawn_on__isnull=True).select_related("audit")
        ),
        "deducted": installment.deducted,
        "net_payable": net,
        "net_payable_capitals": capitals(net),
        "documents": documents,
        "reviewed": reviewed[-1] if reviewed else None,
        "approved": approved[-1] if approved else None,
    }


# --- what the evaluations app's performance cycle reads ----------------------------------


def last_open_installment(*, project_id: int) -> Installment | None:
    """The project's open installment due last, not on hold: the one an evaluation's
    result acts on (with its contract's provider)."""
    return (
        Installment.objects.filter(
            contract__award__project_id=project_id, status__in=Installment.OPEN
        )
        .exclude(status=S.ON_HOLD)
        .select_related("contract__award__provider")
        .order_by("-due_date", "-number", "-pk")
        .first()
    )


def deduction_of(*, pk: int) -> Deduction:
    return Deduction.objects.get(pk=pk)


def provider_payment_records(*, user: User, provider_ids: list[int], project_ids: list[int]):
    """A provider's payment records in the user's bureau, for its record (履约档案): the
    scored assessments of its projects, its deductions (with their basis), and its
    installments with a documents deadline (their documents prefetched). Three queries."""
    scope = bureau_scope(user=user)
    assessments = (
        Audit.objects.filter(scope, project_id__in=project_ids, score__isnull=False)
        .select_related("project")
        .order_by("year", "pk")
    )
    deductions = (
        Deduction.objects.filter(scope, installment__contract__award__provider_id__in=provider_ids)
        .select_related("audit", "installment__contract")
        .order_by("decided_on", "pk")
    )
    installments = (
        Installment.objects.filter(
            scope, contract__award__provider_id__in=provider_ids, documents_due__isnull=False
        )
        .exclude(status=S.CANCELLED)
        .select_related("contract")
        .prefetch_related(Prefetch("documents", queryset=RequiredDocument.objects.order_by("pk")))
        .order_by("documents_due", "pk")
    )
    return list(assessments), list(deductions), list(installments)
