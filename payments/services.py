"""Writes of the payments app: budgets, schedules, documents, transitions, deductions and
payments. Each locks what it changes, validates, and records who did it and why.

The imported models are those selectors import too: a service writes what a selector reads.

The status of an installment changes in exactly one place, :func:`_move`, called by
:func:`installment_transition` (people's decisions) and by the payment services (which
move an installment to 已支付 and, on a reversal, back to 已审批).
"""

import contextvars
import datetime
import hashlib
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.caching import records_changed, records_changes_deferred
from accounts.models import Bureau, User
from accounts.records import (
    allowed,
    change_reason,
    copies_meanwhile,
    many_writes,
    once,
    phrase,
    require_move,
)
from accounts.records import record_save as _save
from accounts.records import require as _require
from accounts.roles import Role
from contracts.models import Contract, Project
from core.money import ZERO, split, to_yuan
from payments import uploads
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
    RequiredDocument,
)
from payments.reminders import inbox, scan

S = Installment.Status

# The moves people make, each with the permission it needs. 已支付 is reached only by
# posting payments, and left only by reversing them.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PLANNED, S.AWAITING_DOCUMENTS): "payments.request_documents",
    (S.AWAITING_DOCUMENTS, S.DOCUMENTS_SUBMITTED): "payments.submit_documents",
    (S.DOCUMENTS_SUBMITTED, S.UNDER_REVIEW): "payments.review_installment",
    (S.DOCUMENTS_SUBMITTED, S.AWAITING_DOCUMENTS): "payments.hold_installment",
    (S.UNDER_REVIEW, S.APPROVED): "payments.approve_installment",
    (S.UNDER_REVIEW, S.AWAITING_DOCUMENTS): "payments.hold_installment",
    (S.UNDER_REVIEW, S.ON_HOLD): "payments.hold_installment",
    (S.APPROVED, S.ON_HOLD): "payments.hold_installment",
    (S.ON_HOLD, S.UNDER_REVIEW): "payments.review_installment",
    **{(status, S.CANCELLED): "payments.cancel_installment" for status in Installment.OPEN},
}

# Moves that must say why.
NEEDS_REASON = {S.ON_HOLD, S.CANCELLED}
RETURNS = {(S.DOCUMENTS_SUBMITTED, S.AWAITING_DOCUMENTS), (S.UNDER_REVIEW, S.AWAITING_DOCUMENTS)}

# The labels of the buttons that make each move (evaluations' TRANSITION_LABELS is the
# same kind of table for its own statuses: data, not logic).
ACTION_LABELS = {
    (S.PLANNED, S.AWAITING_DOCUMENTS): gettext_lazy("通知提交资料"),
    (S.AWAITING_DOCUMENTS, S.DOCUMENTS_SUBMITTED): gettext_lazy("资料已交齐"),
    (S.DOCUMENTS_SUBMITTED, S.UNDER_REVIEW): gettext_lazy("开始审核"),
    (S.DOCUMENTS_SUBMITTED, S.AWAITING_DOCUMENTS): gettext_lazy("退回补交资料"),
    (S.UNDER_REVIEW, S.APPROVED): gettext_lazy("审批通过"),
    (S.UNDER_REVIEW, S.AWAITING_DOCUMENTS): gettext_lazy("退回补交资料"),
    (S.UNDER_REVIEW, S.ON_HOLD): gettext_lazy("暂缓"),
    (S.APPROVED, S.ON_HOLD): gettext_lazy("暂缓"),
    (S.ON_HOLD, S.UNDER_REVIEW): gettext_lazy("恢复审核"),
}

DEFAULT_DOCUMENTS = [RequiredDocument.Kind.INVOICE, RequiredDocument.Kind.SERVICE_REPORT]
DOCUMENTS_LEAD_DAYS = 15


def business_date(
    *, actor: User, bureau_id: int, on: datetime.date | None, field: str
) -> datetime.date:
    """The day a step happened (业务日期): today unless given; a past day needs the
    补录 permission (finance and staff have it), and a year the bureau has not closed;
    never a future day."""
    today = _today()
    on = on or today
    if on > today:
        raise ValidationError({field: _("业务日期不能晚于今天。")})
    if on < today and not allowed(actor, "payments.backdate_entry"):
        raise ValidationError({field: _("您没有补录过往业务日期的权限，业务日期只能是今天。")})
    if _year_closed(bureau_id, on.year):
        raise ValidationError(
            {
                field: _(
                    "%(year)s 年度已结账，不能再登记或修改该年度的业务；"
                    "请在未结账的年度以冲销或更正记录处理。"
                )
                % {"year": on.year}
            }
        )
    return on


# Inside bulk_writes(): each bureau's closed years, read once.
_closed_years = contextvars.ContextVar("closed_years", default=None)
# Inside bulk_writes(): today's date and the span of time it lasts (from, until).
_day = contextvars.ContextVar("day", default=None)


def _today() -> datetime.date:
    """``timezone.localdate()``; inside :func:`bulk_writes` worked out again only when
    the clock (``time.time()``, what ``timezone.now()`` reads) leaves the day found last
    (an import asks a dozen times per installment, ~9 µs each time)."""
    memo = _day.get()
    if memo is None:
        return timezone.localdate()
    now = time.time()
    if memo and memo[1] <= now < memo[2]:
        return memo[0]
    local = timezone.localtime(datetime.datetime.fromtimestamp(now, tz=datetime.UTC))
    day = local.date()
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0))
    memo[:] = [day, start.timestamp(), timezone.make_aware(end, local.tzinfo).timestamp()]
    return day


def _year_closed(bureau_id: int, year: int) -> bool:
    memo = _closed_years.get()
    if memo is None:
        return FiscalYearClosing.objects.filter(bureau_id=bureau_id, year=year).exists()
    if bureau_id not in memo:
        memo[bureau_id] = set(
            FiscalYearClosing.objects.filter(bureau_id=bureau_id).values_list("year", flat=True)
        )
    return year in memo[bureau_id]


@contextmanager
def bulk_writes():
    """Many writes in one transaction (an import): the records tokens move and the
    notices of the installments touched are looked up once, at the end, and each bureau's
    closed years are read once. Every rule still runs at every write."""
    token, day = _closed_years.set({}), _day.set([])
    try:
        with (
            records_changes_deferred(),
            scan.resolves_deferred(),
            many_writes(),
            copies_meanwhile(),
        ):
            yield
    finally:
        _closed_years.reset(token)
        _day.reset(day)


BUSINESS_DATE = gettext_noop("业务日期 %(date)s")
ENTERED_LATER = gettext_noop("（补录）")
# Reasons a bulk write (payments/bulk.py) gives, as the services below give them.
RECEIVED = gettext_noop("收到资料")
SETTLED = gettext_noop("扣减后已付清")


def dated_reason(reason: str, on: datetime.date) -> str:
    """A history row's reason naming the business date, and 补录 when entered later."""
    text = phrase(BUSINESS_DATE) % {"date": on.isoformat()}
    if on < _today():
        text += phrase(ENTERED_LATER)
    return f"{reason}；{text}" if reason else text


def _locked(installment: Installment) -> Installment:
    """The installment, re-read under a row lock for the rest of the transaction."""
    return (
        Installment.objects.select_for_update(of=("self",))
        .select_related("contract", "bureau")
        .get(pk=installment.pk)
    )


# --- budgets and time progress ------------------------------------------------------------


@transaction.atomic
def budget_create(
    *,
    actor: User,
    project: Project,
    year: int,
    initial_amount: Decimal,
    initial_on: datetime.date | None = None,
    initial_document: str = "",
    issued_amount: Decimal | None = None,
    issued_on: datetime.date | None = None,
    issued_document: str = "",
    note: str = "",
) -> Budget:
    """Register a project-year's budget with its 年初预算 event (and, when given, the
    指标下达 event of what was issued), each dated and with its document number."""
    _require(actor, "payments.add_budget")
    if Budget.objects.filter(project=project, year=year).exists():
        raise ValidationError({"year": _("该项目 %(year)s 年度的预算已登记。") % {"year": year}})
    budget = _save(
        Budget(project=project, bureau_id=project.bureau_id, year=year, note=note), actor=actor
    )
    jan1 = datetime.date(year, 1, 1)
    initial = (BudgetEvent.Kind.INITIAL, initial_amount, initial_on, initial_document, "initial")
    issued = (BudgetEvent.Kind.ISSUED, issued_amount, issued_on, issued_document, "issued")
    for kind, amount, dated_on, document, field_name in (initial, issued):
        if not amount:
            continue
        try:
            _event_record(
                actor=actor,
                budget=budget,
                kind=kind,
                amount=amount,
                dated_on=dated_on or jan1,
                document_number=document,
                reason=str(BudgetEvent.Kind(kind).label),
            )
        except ValidationError as error:
            # Name the create form's fields (initial_on, issued_document, ...).
            suffix = {"amount": "amount", "dated_on": "on", "document_number": "document"}
            raise ValidationError(
                {
                    f"{field_name}_{suffix[k]}" if k in suffix else k: v
                    for k, v in error.message_dict.items()
                }
            ) from error
    return budget


@transaction.atomic
def budget_update(*, actor: User, budget: Budget, note: str) -> Budget:
    """Only the note changes: the figures move by dated events, never by editing."""
    _require(actor, "payments.change_budget")
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    budget.note = note
    return _save(budget, actor=actor)


def _check_event_date(budget: Budget, dated_on: datetime.date, actor: User) -> None:
    if dated_on.year != budget.year:
        raise ValidationError(
            {"dated_on": _("业务日期必须在 %(year)s 年内。") % {"year": budget.year}}
        )
    business_date(actor=actor, bureau_id=budget.bureau_id, on=dated_on, field="dated_on")


def _check_running_figures(events: list[BudgetEvent]) -> None:
    """No day may show a negative 全年预算 or 实际下达预算."""
    full_year = issued = ZERO
    for event in sorted(events, key=lambda e: (e.dated_on, e.pk is None, e.pk or 0)):
        full_year += event.full_year_effect
        issued += event.issued_effect
        if full_year < 0 or issued < 0:
            raise ValidationError(
                {
                    "amount": _("%(date)s 起全年预算或实际下达预算将为负数，请核对金额和日期。")
                    % {"date": event.dated_on.isoformat()}
                }
            )


def _event_record(
    *, actor: User, budget: Budget, reverses: BudgetEvent | None = None, **fields
) -> BudgetEvent:
    """Check and save an event of ``budget`` (``fields``: those of budget_event_record)."""
    kind, amount, dated_on = fields["kind"], fields["amount"], fields["dated_on"]
    document_number, reason = fields["document_number"], fields["reason"]
    _check_event_date(budget, dated_on, actor)
    if not document_number.strip():
        raise ValidationError({"document_number": _("请填写文号。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写事由。")})
    existing = list(budget.events.all())
    if (
        kind == BudgetEvent.Kind.INITIAL
        and reverses is None
        and sum((e.amount for e in existing if e.kind == kind), ZERO) > 0
    ):
        raise ValidationError(
            {"kind": _("该预算已有年初预算；如需更正，请先冲销原记录，或登记追加、调减。")}
        )
    event = BudgetEvent(
        budget=budget,
        kind=kind,
        amount=amount,
        dated_on=dated_on,
        document_number=document_number.strip(),
        reason=reason.strip(),
        reverses=reverses,
        recorded_by=actor,
    )
    _check_running_figures([*existing, event])
    return _save(event, actor=actor)


@transaction.atomic
def budget_event_record(
    *,
    actor: User,
    budget: Budget,
    kind: str,
    amount: Decimal,
    dated_on: datetime.date,
    document_number: str,
    reason: str,
) -> BudgetEvent:
    """Record a dated budget event (年初预算, 指标下达, 追加, 调减, 收回) with its 文号."""
    _require(actor, "payments.add_budgetevent")
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    return _event_record(
        actor=actor,
        budget=budget,
        kind=kind,
        amount=amount,
        dated_on=dated_on,
        document_number=document_number,
        reason=reason,
    )


@transaction.atomic
def budget_event_reverse(
    *,
    actor: User,
    event: BudgetEvent,
    dated_on: datetime.date,
    reason: str,
    document_number: str = "",
) -> BudgetEvent:
    """Correct an event by a later reversing event of the same kind and opposite amount."""
    _require(actor, "payments.add_budgetevent")
    budget = Budget.objects.select_for_update().get(pk=event.budget_id)
    event = BudgetEvent.objects.get(pk=event.pk)
    if event.reverses_id is not None:
        raise ValidationError(_("冲销记录不能再冲销。"))
    if BudgetEvent.objects.filter(reverses=event).exists():
        raise ValidationError(_("该记录已冲销。"))
    if dated_on < event.dated_on:
        raise ValidationError({"dated_on": _("冲销日期不能早于原记录的业务日期。")})
    return _event_record(
        actor=actor,
        budget=budget,
        kind=event.kind,
        amount=-event.amount,
        dated_on=dated_on,
        document_number=document_number or event.document_number,
        reason=reason,
        reverses=event,
    )


@transaction.atomic
def fiscal_year_close(
    *, actor: User, bureau: Bureau, year: int, note: str = ""
) -> FiscalYearClosing:
    """Close a bureau's fiscal year (年度结账) once it has ended and its payments are
    reconciled: no installment due in it is approved and waiting for its payment."""
    _require(actor, "payments.close_fiscal_year")
    Bureau.objects.select_for_update().get(pk=bureau.pk)
    if FiscalYearClosing.objects.filter(bureau=bureau, year=year).exists():
        raise ValidationError({"year": _("%(year)s 年度已结账。") % {"year": year}})
    if year >= timezone.localdate().year:
        raise ValidationError({"year": _("%(year)s 年度尚未结束，不能结账。") % {"year": year}})
    pending = Installment.objects.filter(
        bureau=bureau, due_date__year=year, status=S.APPROVED
    ).select_related("contract")
    if pending:
        raise ValidationError(
            {
                "year": _("以下分期款已审批但尚未登记支付，请先核对支付：%(items)s。")
                % {"items": "、".join(f"{i.contract.number} {i.label}" for i in pending)}
            }
        )
    closing = FiscalYearClosing(bureau=bureau, year=year, closed_by=actor, note=note.strip())
    memo = _closed_years.get()
    if memo is not None:
        memo.pop(bureau.pk, None)
    return _save(closing, actor=actor)


@transaction.atomic
def checkpoint_set(
    *, actor: User, bureau: Bureau, year: int, month: int, target_percent: Decimal
) -> ProgressCheckpoint:
    """Set (or replace) a bureau's time-progress target at a month end."""
    _require(actor, "payments.add_progresscheckpoint")
    # The rule that targets rise with the months is the model's clean(), run by _save.
    checkpoint = ProgressCheckpoint.objects.filter(bureau=bureau, year=year, month=month).first()
    checkpoint = checkpoint or ProgressCheckpoint(bureau=bureau, year=year, month=month)
    checkpoint.target_percent = target_percent
    return _save(checkpoint, actor=actor)


@transaction.atomic
def checkpoint_delete(*, actor: User, checkpoint: ProgressCheckpoint) -> None:
    _require(actor, "payments.delete_progresscheckpoint")
    checkpoint._history_user = actor
    checkpoint.delete()
    records_changed(checkpoint.bureau_id)


# --- schedules -----------------------------------------------------------------------------


def parse_template(text: str) -> list[Decimal]:
    """ "30/40/30" → [30, 40, 30]; the parts must add up to 100."""
    try:
        parts = [
            Decimal(p.strip())
            for p in text.replace("，", "/").replace(",", "/").split("/")
            if p.strip()
        ]
    except ArithmeticError as exc:
        raise ValidationError({"template": _("分期比例格式应为“30/40/30”。")}) from exc
    if not parts or any(not p.is_finite() or p <= 0 for p in parts):
        raise ValidationError({"template": _("分期比例格式应为“30/40/30”，每期大于 0。")})
    if sum(parts) != Decimal("100"):
        raise ValidationError(
            {"template": _("分期比例合计为 %(total)s%%，应为 100%%。") % {"total": sum(parts)}}
        )
    return parts


@transaction.atomic
def schedule_generate(
    *,
    actor: User,
    contract: Contract,
    percents: list[Decimal],
    due_dates: list[datetime.date] | None = None,
) -> list[Installment]:
    """Create a contract's installments from a template such as 30/40/30.

    Amounts are rounded half up to the fen with the remainder on the last, so they add
    up to the contract amount exactly. Without due dates, installments fall due at equal
    steps through the service period, the last at its end.
    """
    _require(actor, "payments.add_installment")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.installments.exists():
        raise ValidationError(_("该合同已有分期计划，请在计划表中修改。"))
    if due_dates is None:
        due_dates = _even_due_dates(contract, len(percents))
    if len(due_dates) != len(percents):
        raise ValidationError({"due_dates": _("应付日期的个数应与分期数相同。")})
    installments = []
    for number, (percent, amount, due) in enumerate(
        zip(percents, split(contract.amount, percents), due_dates, strict=True), start=1
    ):
        installment = _save(
            Installment(
                bureau_id=contract.bureau_id,
                contract=contract,
                number=number,
                percent=percent,
                planned_amount=amount,
                due_date=due,
                documents_due=due - datetime.timedelta(days=DOCUMENTS_LEAD_DAYS),
            ),
            actor=actor,
        )
        for kind in DEFAULT_DOCUMENTS:
            _save(RequiredDocument(installment=installment, kind=kind), actor=actor)
        installments.append(installment)
    return installments


def _even_due_dates(contract: Contract, count: int) -> list[datetime.date]:
    span = (contract.end - contract.start).days
    return [
        contract.start + datetime.timedelta(days=span * i // count) for i in range(1, count + 1)
    ]


@dataclass
class ScheduleRow:
    """One row of a schedule being saved; ``pk`` is None for a new installment."""

    pk: int | None
    number: int
    due_date: datetime.date
    planned_amount: Decimal | None = None
    percent: Decimal | None = None
    documents_due: datetime.date | None = None
    delete: bool = False
    # A new installment's required documents as (kind, name) pairs; None: the defaults.
    documents: list[tuple[str, str]] | None = None


# Statuses in which the amount and dates of an installment may still be changed.
EDITABLE = {S.PLANNED, S.AWAITING_DOCUMENTS, S.DOCUMENTS_SUBMITTED, S.UNDER_REVIEW, S.ON_HOLD}


def schedule_token(installments) -> str:
    """A fingerprint of a schedule as a form showed it, so a save made from a page opened
    before someone else changed the schedule is refused instead of overwriting them."""
    state = sorted(
        (i.pk, i.number, str(i.planned_amount), str(i.due_date), str(i.documents_due), i.status)
        for i in installments
    )
    return hashlib.sha1(repr(state).encode()).hexdigest()


@transaction.atomic
def schedule_save(
    *, actor: User, contract: Contract, rows: list[ScheduleRow], token: str | None = None
) -> list[Installment]:
    """Save a contract's whole schedule at once; its amounts must add up exactly.

    A row given as a percentage gets its amount from the contract amount; among such
    rows the last takes the rounding remainder. Approved, paid and cancelled
    installments cannot be changed or removed here.
    """
    _require(actor, "payments.add_installment")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    # The installments are locked too: a payment or deduction posted meanwhile (they lock
    # the installment, not the contract) cannot slip under a lowered amount.
    existing = {
        i.pk: i for i in contract.installments.select_for_update(of=("self",)).order_by("number")
    }
    if token is not None and token != schedule_token(existing.values()):
        raise ValidationError(_("分期计划已被修改，请刷新页面后重新编辑。"))
    errors = []

    kept = [row for row in rows if not row.delete]
    by_percent = [row for row in kept if row.planned_amount is None]
    if any(row.percent is None for row in by_percent):
        raise ValidationError(_("每一期须填写金额或比例。"))
    percents = [row.percent for row in by_percent]
    if by_percent and len(by_percent) == len(kept) and sum(percents) == Decimal(100):
        amounts = split(contract.amount, percents)  # remainder on the last
    else:
        amounts = [to_yuan(contract.amount * p / Decimal(100)) for p in percents]
    for row, amount in zip(by_percent, amounts, strict=True):
        row.planned_amount = amount

    errors.extend(schedule_errors(contract, kept))
    used = _used(existing)
    missing = set(existing) - {row.pk for row in rows if row.pk is not None}
    if missing:
        # Another tab or person changed the schedule since this form was opened.
        raise ValidationError(_("分期计划已被修改，请刷新页面后重新编辑。"))
    for row in rows:
        if row.pk is None:
            continue
        installment = existing.get(row.pk)
        if installment is None:
            raise ValidationError(_("分期款不属于该合同。"))
        changed = row.delete or (
            to_yuan(row.planned_amount) != installment.planned_amount
            or row.due_date != installment.due_date
            or row.number != installment.number
        )
        if changed and installment.status not in EDITABLE:
            errors.append(
                _("%(label)s 当前为“%(status)s”，不能修改或删除。")
                % {"label": installment.label, "status": installment.get_status_display()}
            )
        elif not row.delete and to_yuan(row.planned_amount) < sum(used[row.pk]):
            paid, deducted = used[row.pk]
            errors.append(
                _(
                    "%(label)s 已支付 %(paid)s 元、已扣减 %(deducted)s 元，"
                    "计划金额不能低于 %(minimum)s 元。"
                )
                % {
                    "label": installment.label,
                    "paid": f"{paid:,.2f}",
                    "deducted": f"{deducted:,.2f}",
                    "minimum": f"{paid + deducted:,.2f}",
                }
            )
        if row.delete and (
            installment.status != S.PLANNED
            or installment.transitions.exists()
            or installment.payments.exists()
            or installment.deductions.exists()
        ):
            errors.append(
                _("%(label)s 已开始办理，不能删除；如不再支付请取消该期。")
                % {"label": installment.label}
            )
    if errors:
        raise ValidationError(errors)

    # Free the numbers first so that renumbering cannot trip the unique constraint.
    for index, row in enumerate(rows):
        if row.pk is not None:
            Installment.objects.filter(pk=row.pk).update(number=30000 + index)
    saved = []
    for row in rows:
        installment = existing.get(row.pk) if row.pk is not None else None
        if row.delete:
            installment._history_user = actor
            installment.documents.all().delete()
            installment.delete()
            records_changed(contract.bureau_id)
            continue
        if installment is None:
            installment = Installment(bureau_id=contract.bureau_id, contract=contract)
            new = True
        else:
            new = False
        fill_installment(installment, row)
        _save(installment, actor=actor)
        if new:
            for kind, name in new_documents(row):
                _save(RequiredDocument(installment=installment, kind=kind, name=name), actor=actor)
        saved.append(installment)
    return saved


def fill_installment(installment: Installment, row: ScheduleRow) -> None:
    """Set an installment's schedule fields from its row (the documents deadline defaults
    to 15 days before the due date)."""
    installment.number = row.number
    installment.percent = row.percent
    installment.planned_amount = to_yuan(row.planned_amount)
    installment.due_date = row.due_date
    installment.documents_due = row.documents_due or (
        row.due_date - datetime.timedelta(days=DOCUMENTS_LEAD_DAYS)
    )


def new_documents(row: ScheduleRow) -> list[tuple[str, str]]:
    """A new installment's required documents as (kind, name): the row's, or the defaults."""
    return row.documents or [(kind, "") for kind in DEFAULT_DOCUMENTS]


def schedule_errors(contract: Contract, kept: list[ScheduleRow]) -> list[str]:
    """What is wrong with the numbers and amounts of a schedule's kept rows: numbers
    repeated, or a total that is not exactly the contract amount."""
    errors = []
    numbers = [row.number for row in kept]
    if len(set(numbers)) != len(numbers):
        errors.append(_("期次不能重复。"))
    total = sum((to_yuan(row.planned_amount) for row in kept), ZERO)
    if total != contract.amount:
        errors.append(
            _("各期金额合计 %(total)s 元，与合同金额 %(amount)s 元相差 %(diff)s 元，必须完全相等。")
            % {
                "total": f"{total:,.2f}",
                "amount": f"{contract.amount:,.2f}",
                "diff": f"{contract.amount - total:,.2f}",
            }
        )
    return errors


def _used(installment_ids) -> dict[int, tuple[Decimal, Decimal]]:
    """For each installment: paid (net of reversals) and the deductions in force. Its
    planned amount cannot go below their sum. Two grouped queries."""
    ids = list(installment_ids)
    paid = (
        Payment.objects.filter(installment_id__in=ids)
        .order_by()
        .values_list("installment_id")
        .annotate(total=Sum("amount"))
    )
    deducted = (
        Deduction.objects.filter(installment_id__in=ids, withdrawn_on__isnull=True)
        .order_by()
        .values_list("installment_id")
        .annotate(total=Sum("amount"))
    )
    paid_by, deducted_by = dict(paid), dict(deducted)
    return {pk: (paid_by.get(pk, ZERO), deducted_by.get(pk, ZERO)) for pk in ids}


@transaction.atomic
def installment_set_details(
    *,
    actor: User,
    installment: Installment,
    delay_reason: str,
    documents_due: datetime.date | None,
    gates: list[Audit],
) -> Installment:
    """Record what is not a money decision: the delay reason, the documents deadline,
    and the audits or assessments the installment waits for."""
    _require(actor, "payments.change_installment")
    installment = _locked(installment)
    if any(gate.bureau_id != installment.bureau_id for gate in gates):
        raise ValidationError({"gates": _("只能选择本单位的审计或评估。")})
    installment.delay_reason = delay_reason.strip()
    installment.documents_due = documents_due
    _save(installment, actor=actor)
    installment.gates.set(gates)
    return installment


# --- documents ----------------------------------------------------------------------------


@transaction.atomic
def document_add(
    *, actor: User, installment: Installment, kind: str, name: str = ""
) -> RequiredDocument:
    _require(actor, "payments.add_requireddocument")
    installment = _locked(installment)
    check_document_add(installment)
    return _save(
        RequiredDocument(installment=installment, kind=kind, name=name.strip()), actor=actor
    )


def check_document_add(installment: Installment) -> None:
    if not installment.is_open:
        raise ValidationError(_("该分期款已结束，不能再添加资料。"))


@transaction.atomic
def document_receive(
    *, actor: User, document: RequiredDocument, received_on: datetime.date | None, note: str = ""
) -> RequiredDocument:
    """Record (or clear, with None) the date a document was received."""
    _require(actor, "payments.change_requireddocument")
    document = RequiredDocument.objects.select_for_update().get(pk=document.pk)
    if received_on:
        check_received(actor, document.installment.bureau_id, received_on)
    document.received_on = received_on
    if note:
        document.note = note.strip()
    scan.resolve_after_commit(document.installment_id)
    reason = dated_reason(_("收到资料"), received_on) if received_on else _("清除收到日期")
    return _save(document, actor=actor, reason=reason)


def check_received(actor: User, bureau_id: int, received_on: datetime.date) -> None:
    """Refuse a document's receipt date :func:`document_receive` refuses."""
    if received_on > _today():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    business_date(actor=actor, bureau_id=bureau_id, on=received_on, field="received_on")


@transaction.atomic
def documents_receive_all(
    *, actor: User, installment: Installment, received_on: datetime.date
) -> list[RequiredDocument]:
    """Record one date for every document of the installment not received yet (each
    through :func:`document_receive`: the same checks and history)."""
    waiting = list(installment.documents.filter(received_on__isnull=True).order_by("pk"))
    if not waiting:
        raise ValidationError(_("各项资料均已收到。"))
    return [
        document_receive(actor=actor, document=document, received_on=received_on)
        for document in waiting
    ]


# --- document files: the provider hands in, staff accept or return -----------------------


def _may_hand_in(actor: User, document: RequiredDocument) -> bool:
    """A provider's person for the installment's provider, or the bureau's people who keep
    its documents (they may scan a paper copy in)."""
    from accounts.selectors import visible_bureaus
    from contracts.selectors import portal_provider_ids

    installment = document.installment
    if actor.has_perm("contracts.use_portal"):
        return installment.contract.award.provider_id in portal_provider_ids(user=actor)
    return (
        actor.has_perm("payments.change_requireddocument")
        and visible_bureaus(user=actor).filter(pk=installment.bureau_id).exists()
    )


def _locked_document(document: RequiredDocument) -> RequiredDocument:
    return (
        RequiredDocument.objects.select_for_update(of=("self",))
        .select_related("installment__contract__award", "installment__bureau")
        .get(pk=document.pk)
    )


@transaction.atomic
def document_file_upload(*, actor: User, document: RequiredDocument, upload) -> DocumentFile:
    """Store one file for a required document, after checking its content
    (payments.uploads). A refused file leaves nothing in the storage."""
    from django.core.exceptions import PermissionDenied

    document = _locked_document(document)
    if not _may_hand_in(actor, document):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    installment = document.installment
    if not installment.is_open:
        raise ValidationError(_("该分期款已结束，不能再提交资料。"))
    if document.received_on is not None:
        raise ValidationError(_("该资料已接收，无需再提交。"))
    kind, stored, digest = uploads.store(
        upload, folder=f"documents/{installment.bureau_id}/{installment.pk}"
    )
    try:
        record = DocumentFile(
            document=document,
            original_name=uploads.display_name(upload.name),
            content_type=kind.content_type,
            size=upload.size,
            sha256=digest,
            uploaded_by=actor,
        )
        record.file.name = stored
        _save(record, actor=actor, reason=_("提交资料文件"))
    except BaseException:
        uploads.discard(stored)
        raise
    return record


def _pending_files(document: RequiredDocument) -> list[DocumentFile]:
    return list(document.files.filter(status=DocumentFile.Status.SUBMITTED))


@transaction.atomic
def document_accept(
    *, actor: User, document: RequiredDocument, on: datetime.date | None = None
) -> RequiredDocument:
    """Accept the files handed in for a document: it is received on ``on`` (the business
    date, today when not given). When every required document of the installment is
    received, the installment moves to 资料已交 through :func:`installment_transition`."""
    _require(actor, "payments.review_documentfile")
    document = _locked_document(document)
    pending = _pending_files(document)
    if not pending:
        raise ValidationError(_("该资料没有待审的文件。"))
    installment = document.installment
    on = business_date(actor=actor, bureau_id=installment.bureau_id, on=on, field="on")
    now = timezone.now()
    for record in pending:
        record.status = DocumentFile.Status.ACCEPTED
        record.decided_by, record.decided_at, record.decided_on = actor, now, on
        _save(record, actor=actor, reason=dated_reason(_("接收资料"), on))
    document.received_on = on
    _save(document, actor=actor, reason=dated_reason(_("收到资料"), on))
    scan.resolve_after_commit(installment.pk)
    _documents_complete(installment, actor=actor, on=on)
    return document


def _documents_complete(installment: Installment, *, actor: User, on: datetime.date) -> None:
    """Every required document received: the installment's documents-submitted step."""
    installment = _locked(installment)
    documents = list(installment.documents.all())
    if not documents or any(d.received_on is None for d in documents):
        return
    reason = _("所需资料已全部接收")
    if installment.status == S.PLANNED:
        installment_transition(
            actor=actor, installment=installment, to_status=S.AWAITING_DOCUMENTS, on=on
        )
        installment.refresh_from_db(fields=["status"])
    if installment.status == S.AWAITING_DOCUMENTS:
        installment_transition(
            actor=actor,
            installment=installment,
            to_status=S.DOCUMENTS_SUBMITTED,
            reason=reason,
            on=on,
        )


@transaction.atomic
def document_return(*, actor: User, document: RequiredDocument, reason: str) -> RequiredDocument:
    """Return the files handed in for a document with a reason the provider sees; the
    provider answers with a new upload."""
    _require(actor, "payments.review_documentfile")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    document = _locked_document(document)
    pending = _pending_files(document)
    if not pending:
        raise ValidationError(_("该资料没有待审的文件。"))
    now, today = timezone.now(), timezone.localdate()
    for record in pending:
        record.status = DocumentFile.Status.RETURNED
        record.return_reason = reason
        record.decided_by, record.decided_at, record.decided_on = actor, now, today
        _save(record, actor=actor, reason=_("退回资料：%(reason)s") % {"reason": reason})
    _tell_provider_returned(document, reason=reason)
    return document


def _tell_provider_returned(document: RequiredDocument, *, reason: str) -> None:
    """E-mail the provider's people (active portal accounts) that a document came back."""
    from contracts.models import ProviderMembership
    from payments.reminders.messages import document_returned_email

    addresses = sorted(
        set(
            ProviderMembership.objects.filter(
                provider_id=document.installment.contract.award.provider_id,
                is_active=True,
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if addresses:
        message = document_returned_email(document, reason=reason, to=addresses)
        transaction.on_commit(message.send, robust=True)


# --- segregation of duties (四眼原则) -------------------------------------------------------


def _actors(installment: Installment, source: str, target: str) -> set[int]:
    """Who has ever made the move ``source`` → ``target`` on the installment."""
    return set(
        installment.transitions.filter(from_status=source, to_status=target).values_list(
            "actor_id", flat=True
        )
    )


def _reviewers(installment: Installment) -> set[int]:
    return _actors(installment, S.DOCUMENTS_SUBMITTED, S.UNDER_REVIEW) | _actors(
        installment, S.ON_HOLD, S.UNDER_REVIEW
    )


def _who_else(installment: Installment, permission: str, *, barred: set[int], role=None) -> str:
    """The names of the bureau's other people who may do it, for the refusal message."""
    app_label, _dot, codename = permission.partition(".")
    people = User.objects.filter(
        bureau_id=installment.bureau_id,
        is_active=True,
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ).exclude(pk__in=barred)
    if role is not None:
        people = people.filter(groups__name=str(role))
    names = sorted({str(person) for person in people.distinct()})
    if not names:
        return str(_("本单位暂无其他可办理此操作的人员，请联系安全管理员分配角色。"))
    return str(_("可由 %(names)s 办理。")) % {"names": "、".join(names)}


def _check_duties(
    installment: Installment,
    *,
    actor: User,
    to_status: str,
    imported: bool = False,
    on: datetime.date | None = None,
) -> None:
    """The four-eyes rule of the bureau (四眼原则): whoever started the review does not
    approve, whoever approved does not pay, and above the bureau's threshold only a
    manager approves. Enforced here, so no view, API or admin page can step around it.

    ``imported`` steps are history from a bureau's own books (imports/services.py): the
    review, approval and payment were made by different people before the bureau used
    this system, and one person enters them now. The rule governs live decisions, so it
    does not refuse them; every other check (permissions, dates, closed years) does.
    History is what happened before today: an imported step dated today (or later) is a
    live decision and the rule holds for it."""
    bureau = installment.bureau
    if not bureau.four_eyes:
        return
    if imported and on is not None and on < _today():
        return
    if to_status == S.APPROVED:
        reviewers = _reviewers(installment)
        permission = TRANSITIONS[(S.UNDER_REVIEW, S.APPROVED)]
        if actor.pk in reviewers:
            raise ValidationError(
                _("按照不相容岗位分离（四眼原则），开始审核%(label)s的人不能审批该期。")
                % {"label": installment.label}
                + _who_else(installment, permission, barred=reviewers | {actor.pk})
            )
        if installment.planned_amount > bureau.approval_threshold and not actor.has_role(
            Role.MANAGER
        ):
            raise ValidationError(
                _(
                    "%(label)s计划金额 %(amount)s 元，超过本单位 %(threshold)s 元的审批限额，"
                    "须由分管领导审批。"
                )
                % {
                    "label": installment.label,
                    "amount": f"{installment.planned_amount:,.2f}",
                    "threshold": f"{bureau.approval_threshold:,.2f}",
                }
                + _who_else(installment, permission, barred=reviewers, role=Role.MANAGER)
            )
    if to_status == S.PAID:
        approvers = _actors(installment, S.UNDER_REVIEW, S.APPROVED)
        if actor.pk in approvers:
            raise ValidationError(
                _("按照不相容岗位分离（四眼原则），审批%(label)s的人不能登记该期付款。")
                % {"label": installment.label}
                + _who_else(installment, "payments.add_payment", barred=approvers)
            )


# --- transitions ---------------------------------------------------------------------------


def allowed_moves(installment: Installment, user: User) -> list[tuple[str, str]]:
    """The (to_status, label) moves ``user`` may make from the installment's status now."""
    moves = []
    for (source, target), permission in TRANSITIONS.items():
        if source == installment.status and user.has_perm(permission):
            label = ACTION_LABELS.get((source, target)) or _("取消")
            moves.append((target, label))
    return moves


def _move(
    installment: Installment,
    *,
    to_status: str,
    actor: User,
    reason: str,
    on: datetime.date | None = None,
) -> Installment:
    """Change the status of a locked installment and record the move, dated ``on`` (the
    business date; today when not given) and entered now by ``actor``."""
    transition, fields = moved(installment, to_status=to_status, actor=actor, reason=reason, on=on)
    transition.save(force_insert=True)
    installment._history_user = actor
    installment.save(update_fields=fields)
    records_changed(installment.bureau_id)
    return installment


def moved(
    installment: Installment,
    *,
    to_status: str,
    actor: User,
    reason: str,
    on: datetime.date | None = None,
) -> tuple[InstallmentTransition, list[str]]:
    """:func:`_move` in memory: the installment's new status (its history reason in
    ``_change_reason``), the unsaved record of the move and the fields changed."""
    on = on or _today()
    source = installment.status
    transition = InstallmentTransition(
        installment=installment,
        from_status=source,
        to_status=to_status,
        actor=actor,
        dated_on=on,
        reason=reason,
    )
    installment.status = to_status
    installment.status_changed_at = timezone.now()
    # held_by_decision is set by installment_hold / installment_release before the move.
    fields = ["status", "status_changed_at", "held_by_decision"]
    if to_status == S.APPROVED and source != S.PAID:
        # The payment deadline runs from the latest approval; a reversed payment reopens
        # the installment under its old deadline, it does not start a new one.
        installment.approved_on = on
        fields.append("approved_on")
    label = once(("status", to_status), lambda: str(S(to_status).label))
    installment._change_reason = change_reason(dated_reason(reason or label, on))
    return transition, fields


@transaction.atomic
def installment_transition(
    *,
    actor: User,
    installment: Installment,
    to_status: str,
    reason: str = "",
    on: datetime.date | None = None,
    imported: bool = False,
) -> Installment:
    """Move an installment to another status, if the move and the actor allow it; ``on``
    is the day it happened (业务日期), today when not given. ``imported``: a step of
    past history being imported (see :func:`_check_duties`).

    The signature is evaluations.services.evaluation_transition's: the same call for
    another record; the checks of each record's moves differ."""
    installment = _locked(installment)
    reason = reason.strip()
    on = check_transition(
        actor,
        installment,
        to_status=to_status,
        reason=reason,
        on=on,
        imported=imported,
        documents=lambda: installment.documents.all(),
        gates=lambda: installment.gates.all(),
        paid=lambda: _paid(installment),
    )
    _move(installment, to_status=to_status, actor=actor, reason=reason, on=on)
    if to_status == S.APPROVED:
        # Deducted in full (or paid and deducted) before the approval: nothing is left to
        # pay, and no payment will ever move it on.
        _settle(installment, actor=actor, reason=_("扣减后已付清"), on=on)
    return installment


MOVE_REFUSED = gettext_lazy("分期款不能从“%(source)s”变为“%(target)s”。")


def check_transition(
    actor: User,
    installment: Installment,
    *,
    to_status: str,
    reason: str,
    on: datetime.date | None,
    imported: bool,
    documents,
    gates,
    paid,
) -> datetime.date:
    """Refuse a move :func:`installment_transition` refuses; return its business date.
    ``documents``, ``gates`` and ``paid`` give the installment's required documents, its
    gates and what was paid, when asked (read from the database, or from the memory of a
    bulk write, payments/bulk.py)."""
    source = installment.status
    require_move(actor, TRANSITIONS, S, source, to_status, MOVE_REFUSED)
    if source == S.ON_HOLD and installment.held_by_decision:
        raise ValidationError(
            _(
                "%(label)s因绩效评价结果应用暂缓支付，只能由分管领导在“结果应用”中解除"
                "（或重新打开该评价）。"
            )
            % {"label": installment.label}
        )
    if (to_status in NEEDS_REASON or (source, to_status) in RETURNS) and not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    if to_status == S.DOCUMENTS_SUBMITTED:
        missing = [d.title for d in documents() if d.received_on is None]
        if missing:
            raise ValidationError(
                _("以下资料尚未收到：%(documents)s。") % {"documents": "、".join(missing)}
            )
    _check_duties(installment, actor=actor, to_status=to_status, imported=imported, on=on)
    if to_status == S.APPROVED:
        open_gates = [str(g) for g in gates() if not g.is_closed]
        if open_gates:
            raise ValidationError(
                _("须待以下审计/评估出具报告后才能审批：%(gates)s。")
                % {"gates": "；".join(open_gates)}
            )
    if to_status == S.CANCELLED and paid() != ZERO:
        raise ValidationError(_("该分期款已有支付，不能取消；请先冲销。"))
    return business_date(actor=actor, bureau_id=installment.bureau_id, on=on, field="on")


# --- deductions ----------------------------------------------------------------------------


def _paid(installment: Installment) -> Decimal:
    return installment.payments.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def _deducted(installment: Installment) -> Decimal:
    return installment.deductions.filter(withdrawn_on__isnull=True).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]


def net_payable(installment: Installment) -> Decimal:
    """Planned less deductions, never below zero."""
    return net_of(installment.planned_amount, _deducted(installment))


def net_of(planned: Decimal, deducted: Decimal) -> Decimal:
    return max(planned - deducted, ZERO)


def unpaid_payable(installment: Installment) -> Decimal:
    """What is still to pay on an installment: planned less deductions and payments,
    never below zero (the most a further deduction may take)."""
    return max(installment.planned_amount - _deducted(installment) - _paid(installment), ZERO)


@transaction.atomic
def deduction_record(
    *,
    actor: User,
    installment: Installment,
    audit: Audit,
    amount: Decimal,
    decided_on: datetime.date,
    reason: str,
) -> Deduction:
    _require(actor, "payments.add_deduction")
    installment = _locked(installment)
    if installment.status in (S.PAID, S.CANCELLED):
        raise ValidationError(
            _("分期款%(status)s，不能再扣减。") % {"status": installment.get_status_display()}
        )
    if audit.bureau_id != installment.bureau_id:
        raise ValidationError({"audit": _("只能依据本单位的审计或评估报告扣减。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写扣减原因。")})
    # A deduction follows from its report: not before the report's date (or, while the
    # audit is open, its start), and not in the future.
    audit_date = audit.closed_on or audit.started_on
    if decided_on < audit_date:
        raise ValidationError(
            {
                "decided_on": _("扣减日期不能早于所依据审计/评估的日期（%(date)s）。")
                % {"date": audit_date.isoformat()}
            }
        )
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("扣减日期不能晚于今天。")})
    business_date(actor=actor, bureau_id=installment.bureau_id, on=decided_on, field="decided_on")
    remaining = installment.planned_amount - _deducted(installment) - _paid(installment)
    if amount > remaining:
        raise ValidationError(
            {
                "amount": _("扣减金额 %(amount)s 元超过本期尚未支付的应付金额 %(remaining)s 元。")
                % {"amount": f"{amount:,.2f}", "remaining": f"{remaining:,.2f}"}
            }
        )
    deduction = Deduction(
        bureau_id=installment.bureau_id,
        installment=installment,
        audit=audit,
        amount=amount,
        decided_on=decided_on,
        reason=reason.strip(),
        recorded_by=actor,
    )
    _save(deduction, actor=actor, reason=dated_reason("", decided_on))
    _settle(installment, actor=actor, reason=_("扣减后已付清"), on=decided_on)
    return deduction


def _settle(
    installment: Installment, *, actor: User, reason: str, on: datetime.date | None = None
) -> None:
    """An approved installment whose net payable is all paid becomes 已支付."""
    if installment.status != S.APPROVED:
        return
    paid = _paid(installment)
    settled = settle_reason(net_payable(installment), paid, reason)
    if settled:
        _move(installment, to_status=S.PAID, actor=actor, reason=settled, on=on)


def settle_reason(net: Decimal, paid: Decimal, reason: str) -> str:
    """Why an approved installment is settled (its net payable all paid), or ""."""
    if net - paid != ZERO:
        return ""
    # Deducted in full, an installment owes nothing either: it is settled.
    return reason if paid > ZERO else _("全额扣减，无须支付")


@transaction.atomic
def deduction_withdraw(
    *, actor: User, deduction: Deduction, withdrawn_on: datetime.date, reason: str
) -> Deduction:
    _require(actor, "payments.change_deduction")
    if deduction.audit_id is None:
        # A deduction on another decision (an evaluation's result) is undone with it.
        raise ValidationError(
            _("该扣减依据“%(basis)s”，只能通过撤回该依据撤销。") % {"basis": deduction.basis}
        )
    return _withdraw(deduction, actor=actor, withdrawn_on=withdrawn_on, reason=reason)


def _withdraw(
    deduction: Deduction, *, actor: User, withdrawn_on: datetime.date, reason: str
) -> Deduction:
    deduction = (
        Deduction.objects.select_for_update().select_related("installment").get(pk=deduction.pk)
    )
    installment = _locked(deduction.installment)
    if deduction.withdrawn_on is not None:
        raise ValidationError(_("该扣减已撤销。"))
    if installment.status in (S.PAID, S.CANCELLED):
        raise ValidationError(_("分期款已结束，扣减不能撤销。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if withdrawn_on < deduction.decided_on:
        raise ValidationError({"withdrawn_on": _("撤销日期不能早于扣减日期。")})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("撤销日期不能晚于今天。")})
    business_date(
        actor=actor, bureau_id=installment.bureau_id, on=withdrawn_on, field="withdrawn_on"
    )
    deduction.withdrawn_on = withdrawn_on
    deduction.withdrawal_reason = reason.strip()
    return _save(deduction, actor=actor, reason=dated_reason(_("撤销扣减"), withdrawn_on))


@transaction.atomic
def deduction_on_basis(
    *,
    actor: User,
    installment: Installment,
    amount: Decimal,
    decided_on: datetime.date,
    basis: str,
    basis_url: str = "",
    reason: str,
) -> Deduction:
    """A deduction resting on a decision other than an audit (an approved evaluation's
    result, applied by the evaluations app under the bureau's rule): the decision's
    approver records it, so no finance permission is asked; the amount checks are
    :func:`deduction_record`'s, and a closed year refuses it like any entry."""
    installment = _locked(installment)
    decided_on = business_date(
        actor=actor, bureau_id=installment.bureau_id, on=decided_on, field="decided_on"
    )
    if installment.status in (S.PAID, S.CANCELLED):
        raise ValidationError(
            _("分期款%(status)s，不能再扣减。") % {"status": installment.get_status_display()}
        )
    remaining = unpaid_payable(installment)
    if amount > remaining:
        raise ValidationError(
            _("扣减金额 %(amount)s 元超过本期尚未支付的应付金额 %(remaining)s 元。")
            % {"amount": f"{amount:,.2f}", "remaining": f"{remaining:,.2f}"}
        )
    deduction = Deduction(
        bureau_id=installment.bureau_id,
        installment=installment,
        basis=basis,
        basis_url=basis_url,
        amount=amount,
        decided_on=decided_on,
        reason=reason,
        recorded_by=actor,
    )
    _save(deduction, actor=actor, reason=dated_reason("", decided_on))
    _settle(installment, actor=actor, reason=_("扣减后已付清"), on=decided_on)
    return deduction


@transaction.atomic
def deduction_on_basis_withdraw(
    *, actor: User, deduction: Deduction, withdrawn_on: datetime.date, reason: str
) -> Deduction:
    """Withdraw a deduction of :func:`deduction_on_basis` when its decision is undone."""
    if deduction.audit_id is not None:
        raise ValidationError(_("依据审计/评估报告的扣减须由财务撤销。"))
    return _withdraw(deduction, actor=actor, withdrawn_on=withdrawn_on, reason=reason)


@transaction.atomic
def installment_hold(
    *, actor: User, installment: Installment, reason: str, on: datetime.date
) -> Installment:
    """Hold an open installment on a decision (a poor evaluation), whatever its step; a
    release (:func:`installment_release`) returns it to the step it was held at."""
    installment = _locked(installment)
    if installment.status not in Installment.OPEN or installment.status == S.ON_HOLD:
        raise ValidationError(
            _("分期款%(status)s，不能暂缓。") % {"status": installment.get_status_display()}
        )
    on = business_date(actor=actor, bureau_id=installment.bureau_id, on=on, field="on")
    installment.held_by_decision = True
    return _move(installment, to_status=S.ON_HOLD, actor=actor, reason=reason, on=on)


@transaction.atomic
def installment_release(
    *, actor: User, installment: Installment, reason: str, on: datetime.date
) -> Installment:
    """Release a held installment to the step it was held at."""
    installment = _locked(installment)
    if installment.status != S.ON_HOLD or not installment.held_by_decision:
        return installment
    held = installment.transitions.filter(to_status=S.ON_HOLD).order_by("-at", "-pk").first()
    back = held.from_status if held else S.UNDER_REVIEW
    installment.held_by_decision = False
    return _move(installment, to_status=back, actor=actor, reason=reason, on=on)


# --- payments ------------------------------------------------------------------------------


def check_voucher(voucher_number: str) -> None:
    if not voucher_number.strip():
        raise ValidationError({"voucher_number": _("请填写凭证号。")})


def _post_payment(
    installment: Installment, *, actor: User, voucher_number: str, **fields
) -> Payment:
    """Insert a payment or reversal of the locked ``installment``, once its voucher number
    is given; a repeated request key is refused as a double submission."""
    check_voucher(voucher_number)
    payment = Payment(
        bureau_id=installment.bureau_id,
        installment=installment,
        voucher_number=voucher_number.strip(),
        posted_by=actor,
        **fields,
    )
    payment.full_clean(exclude=["request_key"])
    records_changed(payment.bureau_id)
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError as exc:
        if Payment.objects.filter(request_key=payment.request_key).exists():
            raise ValidationError(_("这笔付款已经登记过了（重复提交），未再次登记。")) from exc
        raise
    return payment


@transaction.atomic
def payment_post(
    *,
    actor: User,
    installment: Installment,
    paid_on: datetime.date,
    amount: Decimal,
    voucher_number: str,
    request_key: uuid.UUID | None = None,
    imported: bool = False,
) -> Payment:
    """Post a payment against an approved installment (``imported``: a payment of past
    history being imported, see :func:`_check_duties`).

    The installment row is locked first, so two officers posting at once are served one
    after the other and the second sees what the first paid. The submitted form's key is
    unique, so a double click cannot post the same payment twice.
    """
    _require(actor, "payments.add_payment")
    request_key = request_key or uuid.uuid4()
    installment = _locked(installment)
    if Payment.objects.filter(request_key=request_key).exists():
        raise ValidationError(_("这笔付款已经登记过了（重复提交），未再次登记。"))
    _check_duties(installment, actor=actor, to_status=S.PAID, imported=imported, on=paid_on)
    outstanding = check_payment(
        actor,
        installment,
        paid_on=paid_on,
        amount=amount,
        outstanding=lambda: net_payable(installment) - _paid(installment),
    )
    payment = _post_payment(
        installment,
        actor=actor,
        kind=Payment.Kind.PAYMENT,
        paid_on=paid_on,
        amount=amount,
        voucher_number=voucher_number,
        request_key=request_key,
    )
    if amount == outstanding:
        _move(
            installment,
            to_status=S.PAID,
            actor=actor,
            reason=paid_off_reason(payment.voucher_number),
            on=paid_on,
        )
    scan.resolve_after_commit(installment.pk)
    return payment


PAID_OFF = gettext_noop("付清，凭证号 %(voucher)s")


def paid_off_reason(voucher_number: str) -> str:
    return phrase(PAID_OFF) % {"voucher": voucher_number}


def check_payment(
    actor: User, installment: Installment, *, paid_on: datetime.date, amount: Decimal, outstanding
) -> Decimal:
    """Refuse a payment :func:`payment_post` refuses; return what was outstanding before
    it (``outstanding`` computes it when asked: net payable less paid)."""
    if installment.status != S.APPROVED:
        raise ValidationError(
            _("只有已审批的分期款才能付款；%(label)s 当前为“%(status)s”。")
            % {"label": installment.label, "status": installment.get_status_display()}
        )
    if paid_on > _today():
        raise ValidationError({"paid_on": _("支付日期不能晚于今天。")})
    business_date(actor=actor, bureau_id=installment.bureau_id, on=paid_on, field="paid_on")
    # Not before the contract was signed. Not before the service start either would be
    # wrong: advance payments are common (the seed paid a first installment in July for
    # a service starting in August).
    signed_on = installment.contract.signed_on
    if paid_on < signed_on:
        raise ValidationError(
            {
                "paid_on": _("支付日期不能早于合同签订日期（%(date)s）。")
                % {"date": signed_on.isoformat()}
            }
        )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("支付金额必须大于 0。")})
    outstanding = outstanding()
    if amount > outstanding:
        raise ValidationError(
            {
                "amount": _("支付金额 %(amount)s 元超过本期尚未支付的应付净额 %(outstanding)s 元。")
                % {"amount": f"{amount:,.2f}", "outstanding": f"{outstanding:,.2f}"}
            }
        )
    return outstanding


@transaction.atomic
def payment_reverse(
    *,
    actor: User,
    payment: Payment,
    reversed_on: datetime.date,
    voucher_number: str,
    reason: str,
    request_key: uuid.UUID | None = None,
) -> Payment:
    """Reverse a posted payment with a new, opposite one; the installment reopens."""
    # The checks read like deduction_withdraw's (a reason, a date neither before what
    # is undone nor after today, an open period) but each says its own record's words.
    _require(actor, "payments.add_payment")
    request_key = request_key or uuid.uuid4()
    installment = _locked(payment.installment)
    payment = Payment.objects.get(pk=payment.pk)
    if payment.kind != Payment.Kind.PAYMENT:
        raise ValidationError(_("冲销记录本身不能再冲销。"))
    if Payment.objects.filter(reverses=payment).exists():
        raise ValidationError(_("该笔支付已经冲销。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写冲销原因。")})
    if reversed_on < payment.paid_on:
        raise ValidationError({"reversed_on": _("冲销日期不能早于原支付日期。")})
    if reversed_on > timezone.localdate():
        raise ValidationError({"reversed_on": _("冲销日期不能晚于今天。")})
    business_date(actor=actor, bureau_id=installment.bureau_id, on=reversed_on, field="reversed_on")
    reversal = _post_payment(
        installment,
        actor=actor,
        kind=Payment.Kind.REVERSAL,
        paid_on=reversed_on,
        amount=-payment.amount,
        voucher_number=voucher_number,
        request_key=request_key,
        reverses=payment,
        reason=reason.strip(),
    )
    if installment.status == S.PAID:
        _move(
            installment,
            to_status=S.APPROVED,
            actor=actor,
            reason=_("冲销：%(reason)s") % {"reason": reason.strip()},
            on=reversed_on,
        )
    return reversal


# --- audits --------------------------------------------------------------------------------


@transaction.atomic
def audit_create(*, actor: User, bureau: Bureau, **data) -> Audit:
    _require(actor, "payments.add_audit")
    project = data.get("project")
    if project is not None and project.bureau_id != bureau.pk:
        raise ValidationError({"project": _("只能选择本单位的项目。")})
    audit = Audit(bureau=bureau, **data)
    _check_audit_dates(actor, audit, before={})
    return _save(audit, actor=actor)


@transaction.atomic
def audit_update(*, actor: User, audit: Audit, **data) -> Audit:
    _require(actor, "payments.change_audit")
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    project = data.get("project")
    if project is not None and project.bureau_id != audit.bureau_id:
        raise ValidationError({"project": _("只能选择本单位的项目。")})
    before = {name: getattr(audit, name) for name in AUDIT_DATES}
    for name, value in data.items():
        setattr(audit, name, value)
    _check_audit_dates(actor, audit, before=before)
    return _save(audit, actor=actor)


AUDIT_DATES = ("started_on", "closed_on")


def _check_audit_dates(actor: User, audit: Audit, *, before: dict) -> None:
    """An audit's dates are business dates like a step's: a past one needs the 补录
    permission, none may be ahead of today or in a closed year (checked when entered
    or changed)."""
    for name in AUDIT_DATES:
        day = getattr(audit, name)
        if day is not None and day != before.get(name):
            business_date(actor=actor, bureau_id=audit.bureau_id, on=day, field=name)


# --- reminder settings and notifications ----------------------------------------------------


@transaction.atomic
def reminder_settings_save(*, actor: User, bureau: Bureau, **data):
    """Create or update a bureau's reminder settings."""
    from payments.models import ReminderSettings

    _require(actor, "payments.change_remindersettings")
    row = ReminderSettings.objects.select_for_update().filter(bureau=bureau).first()
    row = row or ReminderSettings(bureau=bureau)
    for name, value in data.items():
        setattr(row, name, value)
    return _save(row, actor=actor)


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    from payments.models import Notification

    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    count = queryset.update(read_at=timezone.now())
    inbox.inbox_changed(user.pk)
    return count
