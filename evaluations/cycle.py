"""The performance cycle around the evaluation: targets declared with the budget
(绩效目标), mid-year monitoring rounds (运行监控, 财预〔2019〕136号), the evaluation's result
applied under the bureau's rules (结果应用), and each provider's record across years
(服务机构履约档案).

Writes are ``<entity>_<action>`` services (atomic, through accounts.records' save, the
actor in the history); reads take the requesting user and scope to their bureau. The
pure rules (straight-line projection, will a target be met) are plain functions over
plain values, tested without a database.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Bureau, User
from accounts.records import record_save as _save
from accounts.records import require as _require
from accounts.roles import Role
from accounts.selectors import bureau_scope
from contracts.models import AnnualGoal, Contract, Project, Provider
from core.money import HUNDRED, ZERO, percent, to_yuan
from evaluations import selectors as evaluation_selectors
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import (
    Comparator,
    Evaluation,
    EvaluationSnapshot,
    MonitoringLine,
    MonitoringProject,
    MonitoringRound,
    OutputIndicator,
    PerformanceTarget,
    Rectification,
    ResultEffect,
    ResultRule,
    TargetAdjustment,
    TargetIndicator,
    TemplateRow,
)
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Deduction, Installment
from payments.reminders import post, resolve_posted
from payments.reminders.keys import NoticeKey
from payments.reminders.rules import is_behind

T = PerformanceTarget.Status
M = MonitoringRound.Status
C = TargetIndicator.Category
TWO = Decimal("0.01")
# "约" (about) is met within this share of the target.
ABOUT_TOLERANCE = Decimal("0.05")


# --- pure rules --------------------------------------------------------------------------


def elapsed_fraction(cut_off: datetime.date) -> Decimal:
    """The share of the year elapsed by ``cut_off``: whole months at a month's end (7月31日
    is 7/12, as the Ministry's 1-7月 reads), else days over the year's days."""
    tomorrow = cut_off + datetime.timedelta(days=1)
    if tomorrow.month != cut_off.month:
        return Decimal(cut_off.month) / Decimal(12)
    jan1 = datetime.date(cut_off.year, 1, 1)
    days = (datetime.date(cut_off.year, 12, 31) - jan1).days + 1
    return Decimal((cut_off - jan1).days + 1) / Decimal(days)


def straight_line(reached: Decimal | None, cut_off: datetime.date, *, cumulative: bool):
    """The year-end value if the pace so far holds; a level (a rate) stays as it is."""
    if reached is None:
        return None
    if not cumulative:
        return reached
    fraction = elapsed_fraction(cut_off)
    if fraction <= 0:
        return None
    return (reached / fraction).quantize(TWO, rounding=ROUND_HALF_UP)


def will_meet(comparator: str, target: Decimal, expected: Decimal | None) -> bool | None:
    """Whether ``expected`` meets ``target`` read with ``comparator``; None if unknown."""
    if expected is None:
        return None
    if comparator == Comparator.AT_LEAST:
        return expected >= target
    if comparator == Comparator.AT_MOST:
        return expected <= target
    if comparator == Comparator.EQUAL:
        return expected == target
    return abs(expected - target) <= target * ABOUT_TOLERANCE


def deviation(target: Decimal, expected: Decimal | None) -> Decimal | None:
    """Expected less target (negative: short)."""
    return None if expected is None else expected - target


# --- targets -----------------------------------------------------------------------------


def target_list(*, user: User) -> QuerySet[PerformanceTarget]:
    return (
        PerformanceTarget.objects.filter(bureau_scope(user=user))
        .select_related("project", "approved_by")
        .order_by("-year", "project__name")
    )


def target_get(*, user: User, pk: int) -> PerformanceTarget:
    target = target_list(user=user).filter(pk=pk).first()
    if target is None:
        raise Http404
    return target


def indicators_of(target: PerformanceTarget, *, as_of: datetime.date | None = None):
    """The target's indicators, each with ``value_now`` (the value in force on ``as_of``,
    today by default) and its ``adjustment_list``."""
    as_of = as_of or timezone.localdate()
    indicators = list(
        target.indicators.prefetch_related(
            Prefetch("adjustments", queryset=TargetAdjustment.objects.select_related("recorded_by"))
        )
    )
    for indicator in indicators:
        indicator.adjustment_list = list(indicator.adjustments.all())
        indicator.value_now = value_as_of(indicator, as_of)
    return indicators


def goals_of(target: PerformanceTarget) -> list[str]:
    """The project's annual goals for the target's year, in words (what the targets
    quantify)."""
    return list(
        AnnualGoal.objects.filter(project_id=target.project_id, year=target.year).values_list(
            "goals", flat=True
        )
    )


def value_as_of(indicator: TargetIndicator, as_of: datetime.date) -> Decimal:
    """The value in force on ``as_of``: the last adjustment dated by then, else declared."""
    adjustments = getattr(indicator, "adjustment_list", None)
    if adjustments is None:
        adjustments = list(indicator.adjustments.all())
    dated = [a for a in adjustments if a.dated_on <= as_of]
    return dated[-1].new_value if dated else indicator.value


TEMPLATE_PERCENT = "%"


def _template_rows_for_targets() -> list[TemplateRow]:
    """The template's satisfaction rows with a number to reach (e.g. 服务对象满意度 ≥ 90%)."""
    rows = TemplateRow.objects.filter(template__name=SEED_TEMPLATE, level3__contains="满意度")
    return [r for r in rows if _parse_target(r.target_value)]


def _parse_target(text: str) -> tuple[str, Decimal, str] | None:
    import re

    found = re.match(r"\s*(≥|>=|≤|<=|=|约)?\s*([0-9]+(?:\.[0-9]+)?)\s*(\S*)\s*$", text or "")
    if not found:
        return None
    sign = {"≥": "gte", ">=": "gte", "≤": "lte", "<=": "lte", "=": "eq", "约": "about"}
    return sign.get(found.group(1) or "≥", "gte"), Decimal(found.group(2)), found.group(3)


OUTPUT_CATEGORY = {
    OutputIndicator.Kind.QUANTITY: C.OUTPUT,
    OutputIndicator.Kind.RATE: C.EFFECT,
    OutputIndicator.Kind.SATISFACTION: C.SATISFACTION,
}


@transaction.atomic
def target_declare(*, actor: User, project: Project, year: int) -> PerformanceTarget:
    """Declare a project's targets for a year from what is recorded already: its output
    indicators for the year (name, unit, comparator, value) and the evaluation template's
    satisfaction rows. Nothing is typed twice; a draft can still be corrected."""
    _require(actor, "evaluations.add_performancetarget")
    if project.bureau_id != actor.bureau_id:
        raise ValidationError(_("只能为本单位的项目申报绩效目标。"))
    if PerformanceTarget.objects.filter(project=project, year=year).exists():
        raise ValidationError(_("该项目该年度已有绩效目标。"))
    target = _save(
        PerformanceTarget(bureau_id=project.bureau_id, project=project, year=year), actor=actor
    )
    order = 0
    names = set()
    for output in OutputIndicator.objects.filter(project=project, year=year).order_by(
        "order", "pk"
    ):
        order += 1
        names.add(output.name)
        _save(
            TargetIndicator(
                target=target,
                order=order,
                category=OUTPUT_CATEGORY.get(output.kind, C.OUTPUT),
                name=output.name,
                comparator=output.comparator,
                value=output.target,
                unit=output.unit,
                cumulative=output.kind == OutputIndicator.Kind.QUANTITY,
                output=output,
            ),
            actor=actor,
        )
    for row in _template_rows_for_targets():
        name = row.level3[:60]
        if name in names:
            continue
        comparator, value, unit = _parse_target(row.target_value)
        order += 1
        names.add(name)
        _save(
            TargetIndicator(
                target=target,
                order=order,
                category=C.SATISFACTION,
                name=name,
                comparator=comparator,
                value=value,
                unit=unit,
                cumulative=False,
            ),
            actor=actor,
        )
    if order == 0:
        raise ValidationError(_("该项目该年度还没有产出指标，请先登记产出指标。"))
    return target


@transaction.atomic
def target_indicator_set(
    *, actor: User, indicator: TargetIndicator, value: Decimal, comparator: str, unit: str
) -> TargetIndicator:
    """Correct a draft target's indicator; an approved one changes only by adjustment."""
    _require(actor, "evaluations.change_targetindicator")
    target = PerformanceTarget.objects.select_for_update().get(pk=indicator.target_id)
    if target.status != T.DRAFT:
        raise ValidationError(_("绩效目标已审定，须以调整方式变更（注明日期与理由）。"))
    indicator.value, indicator.comparator, indicator.unit = value, comparator, unit
    return _save(indicator, actor=actor)


@transaction.atomic
def target_approve(
    *, actor: User, target: PerformanceTarget, on: datetime.date | None = None
) -> PerformanceTarget:
    """The manager approves a draft target: from then on it is frozen."""
    _require(actor, "evaluations.approve_target")
    target = PerformanceTarget.objects.select_for_update().get(pk=target.pk)
    if target.status != T.DRAFT:
        raise ValidationError(_("绩效目标已审定。"))
    target.status = T.APPROVED
    target.approved_by = actor
    target.approved_on = on or timezone.localdate()
    return _save(target, actor=actor, reason=_("审定绩效目标"))


@transaction.atomic
def target_adjust(
    *,
    actor: User,
    indicator: TargetIndicator,
    new_value: Decimal,
    dated_on: datetime.date,
    reason: str,
) -> TargetAdjustment:
    """Change an approved target's value by a dated adjustment with its reason."""
    _require(actor, "evaluations.add_targetadjustment")
    target = PerformanceTarget.objects.select_for_update().get(pk=indicator.target_id)
    if target.status != T.APPROVED:
        raise ValidationError(_("草稿状态的绩效目标可直接修改，无须调整。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写调整理由。")})
    if dated_on > timezone.localdate():
        raise ValidationError({"dated_on": _("调整日期不能晚于今天。")})
    if target.approved_on and dated_on < target.approved_on:
        raise ValidationError({"dated_on": _("调整日期不能早于审定日期。")})
    old = value_as_of(indicator, dated_on)
    return _save(
        TargetAdjustment(
            indicator=indicator,
            dated_on=dated_on,
            old_value=old,
            new_value=new_value,
            reason=reason.strip(),
            recorded_by=actor,
        ),
        actor=actor,
    )


# --- monitoring rounds -------------------------------------------------------------------


def round_list(*, user: User) -> QuerySet[MonitoringRound]:
    return MonitoringRound.objects.filter(bureau_scope(user=user)).select_related(
        "approved_by", "opened_by"
    )


def round_get(*, user: User, pk: int) -> MonitoringRound:
    found = round_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def line_get(*, user: User, pk: int) -> MonitoringLine:
    found = (
        MonitoringLine.objects.filter(bureau_scope(user=user, field="entry__round__bureau"))
        .select_related("entry__round", "entry__project")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def entry_get(*, user: User, pk: int) -> MonitoringProject:
    found = (
        MonitoringProject.objects.filter(bureau_scope(user=user, field="round__bureau"))
        .select_related("round", "project")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass
class LineView:
    """A monitoring line as the page and the table show it."""

    line: MonitoringLine
    year_end: Decimal | None
    meets: bool | None
    deviation: Decimal | None

    @property
    def lagging(self) -> bool:
        return self.meets is False


@dataclass
class EntryView:
    """A project in a round: money against time progress, and its lines."""

    entry: MonitoringProject
    time_progress: Decimal
    tolerance: Decimal
    lines: list[LineView] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.entry.paid, self.entry.issued)

    @property
    def gap(self) -> Decimal | None:
        return None if self.rate is None else self.rate - self.time_progress

    @property
    def behind(self) -> bool:
        return is_behind(self.gap, self.tolerance)

    @property
    def projected_rate(self) -> Decimal | None:
        return percent(self.entry.paid + self.entry.scheduled, self.entry.issued)

    @property
    def lagging_lines(self) -> list[LineView]:
        return [v for v in self.lines if v.lagging]


def round_view(monitoring: MonitoringRound) -> list[EntryView]:
    """The round's projects and lines (two queries, whatever their number)."""
    entries = list(
        monitoring.projects.select_related("project").prefetch_related(
            Prefetch("lines", queryset=MonitoringLine.objects.order_by("order"))
        )
    )
    views = []
    for entry in entries:
        view = EntryView(entry, monitoring.time_progress, monitoring.tolerance)
        for line in entry.lines.all():
            year_end = line.year_end
            view.lines.append(
                LineView(
                    line,
                    year_end,
                    will_meet(line.comparator, line.target, year_end),
                    deviation(line.target, year_end),
                )
            )
        views.append(view)
    return views


def _reached(output: OutputIndicator | None, cut_off: datetime.date) -> Decimal | None:
    """What an output had reached by the cut-off: the sum of its updates dated by then.
    Without updates only a stored actual completed by then counts; an undated one is a
    year-end figure, unknown at a mid-year cut-off (None: nothing to project from)."""
    if output is None:
        return None
    updates = list(output.updates.all())
    if updates:
        return sum((u.amount for u in updates if u.date <= cut_off), ZERO)
    if output.actual is None:
        return None
    if output.completed_on is not None:
        return output.actual if output.completed_on <= cut_off else None
    return output.actual if cut_off >= datetime.date(output.year, 12, 31) else None


def _progress(monitoring: MonitoringRound) -> None:
    """The bureau's time-progress target on the cut-off and its tolerance."""
    bureau = monitoring.bureau
    progress = payment_selectors.progress_of(bureau=bureau, year=monitoring.year)
    target = payment_selectors.time_progress_target(
        bureau=bureau,
        year=monitoring.year,
        as_of=monitoring.cut_off,
        checkpoints=progress.checkpoints,
    )
    monitoring.time_progress, monitoring.tolerance = target.percent, progress.tolerance


def _compute(monitoring: MonitoringRound, *, actor: User) -> None:
    """Fill the round's figures from the records as of its cut-off (draft only)."""
    cut_off = monitoring.cut_off
    _progress(monitoring)
    targets = list(
        PerformanceTarget.objects.filter(
            bureau_id=monitoring.bureau_id, year=monitoring.year, status=T.APPROVED
        )
        .select_related("project")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=TargetIndicator.objects.select_related("output").prefetch_related(
                    "adjustments", "output__updates"
                ),
            )
        )
        .order_by("project__name")
    )
    project_ids = [t.project_id for t in targets]
    money = payment_selectors.execution_rows_of_projects(
        user=actor, project_ids=project_ids, year=monitoring.year, as_of=cut_off
    )
    existing = {e.project_id: e for e in monitoring.projects.prefetch_related("lines")}
    for target in targets:
        row = money.get(target.project_id)
        entry = existing.get(target.project_id) or MonitoringProject(
            round=monitoring, project=target.project
        )
        entry.initial = row.initial if row else ZERO
        entry.full_year = row.full_year if row else ZERO
        entry.issued = row.issued if row else ZERO
        entry.paid = row.paid if row else ZERO
        entry.scheduled = row.scheduled if row else ZERO
        _save(entry, actor=actor)
        lines = {line.indicator_id: line for line in entry.lines.all()} if entry.pk else {}
        for indicator in target.indicators.all():
            line = lines.get(indicator.pk) or MonitoringLine(entry=entry, indicator=indicator)
            reached = _reached(indicator.output, cut_off)
            line.order = indicator.order
            line.category = indicator.get_category_display()
            line.name = indicator.name
            line.comparator = indicator.comparator
            line.unit = indicator.unit
            line.target = value_as_of(indicator, cut_off)
            line.reached = reached
            line.projected = straight_line(reached, cut_off, cumulative=indicator.cumulative)
            _save(line, actor=actor)
    monitoring.computed_at = timezone.now()


@transaction.atomic
def round_open(
    *,
    actor: User,
    bureau: Bureau,
    year: int,
    cut_off: datetime.date | None = None,
) -> MonitoringRound:
    """Open a round for the bureau's approved targets of ``year`` as of ``cut_off`` (by
    default 7月31日), fill it from the records, and warn of what lags (once)."""
    _require(actor, "evaluations.add_monitoringround")
    if actor.bureau_id != bureau.pk:
        raise ValidationError(_("只能为本单位发起监控。"))
    cut_off = cut_off or datetime.date(year, 7, 31)
    if cut_off.year != year:
        raise ValidationError({"cut_off": _("截止日期须在监控年度内。")})
    if MonitoringRound.objects.filter(bureau=bureau, cut_off=cut_off).exists():
        raise ValidationError({"cut_off": _("本单位已有该截止日期的监控。")})
    if not PerformanceTarget.objects.filter(bureau=bureau, year=year, status=T.APPROVED).exists():
        raise ValidationError(_("%(year)s年还没有已审定的绩效目标。") % {"year": year})
    monitoring = MonitoringRound(bureau=bureau, year=year, cut_off=cut_off, opened_by=actor)
    _progress(monitoring)
    monitoring = _save(monitoring, actor=actor)
    _compute(monitoring, actor=actor)
    _save(monitoring, actor=actor)
    round_warn(monitoring)
    return monitoring


def _locked_draft(monitoring: MonitoringRound) -> MonitoringRound:
    monitoring = MonitoringRound.objects.select_for_update().get(pk=monitoring.pk)
    if monitoring.status != M.DRAFT:
        raise ValidationError(_("监控已审定，数据已冻结。"))
    return monitoring


@transaction.atomic
def round_refresh(*, actor: User, monitoring: MonitoringRound) -> MonitoringRound:
    """Recompute a draft round from the records (what people entered stays)."""
    _require(actor, "evaluations.change_monitoringround")
    monitoring = _locked_draft(monitoring)
    _compute(monitoring, actor=actor)
    _save(monitoring, actor=actor, reason=_("重新计算"))
    round_warn(monitoring)
    return monitoring


@transaction.atomic
def line_explain(
    *,
    actor: User,
    line: MonitoringLine,
    expected: Decimal | None,
    cause: str,
    measure: str,
) -> MonitoringLine:
    """Staff enter an indicator's expected year-end value, cause and corrective measure."""
    _require(actor, "evaluations.change_monitoringline")
    _locked_draft(line.entry.round)
    line.expected, line.cause, line.measure = expected, cause.strip(), measure.strip()
    return _save(line, actor=actor)


@transaction.atomic
def entry_explain(
    *, actor: User, entry: MonitoringProject, cause: str, measure: str
) -> MonitoringProject:
    """Staff explain a project's execution against time progress."""
    _require(actor, "evaluations.change_monitoringproject")
    _locked_draft(entry.round)
    entry.cause, entry.measure = cause.strip(), measure.strip()
    return _save(entry, actor=actor)


@transaction.atomic
def round_approve(
    *, actor: User, monitoring: MonitoringRound, on: datetime.date | None = None
) -> MonitoringRound:
    """The manager approves the round: its figures are frozen from then on. Every lagging
    indicator and project behind time progress must carry a cause and a measure."""
    _require(actor, "evaluations.approve_target")
    monitoring = _locked_draft(monitoring)
    missing = []
    for view in round_view(monitoring):
        if view.behind and not (view.entry.cause and view.entry.measure):
            missing.append(f"{view.entry.project.name}（{_('资金执行')}）")
        missing += [
            f"{view.entry.project.name}（{v.line.name}）"
            for v in view.lagging_lines
            if not (v.line.cause and v.line.measure)
        ]
    if missing:
        raise ValidationError(
            _("以下偏差尚未填写原因和纠偏措施：%(items)s。") % {"items": "；".join(missing)}
        )
    monitoring.status = M.APPROVED
    monitoring.approved_by = actor
    monitoring.approved_on = on or timezone.localdate()
    # Every deviation is explained and approved: the round's warnings have been acted on.
    resolve_posted(
        keys=[NoticeKey.monitoring(monitoring.pk, e.project_id) for e in monitoring.projects.all()],
        resolution=_("监控已审定"),
    )
    return _save(monitoring, actor=actor, reason=_("审定监控"))


@transaction.atomic
def round_reopen(*, actor: User, monitoring: MonitoringRound, reason: str) -> MonitoringRound:
    """The manager reopens an approved round, with a reason (recorded in its history):
    it is a draft again, recomputed from the records on the next refresh."""
    _require(actor, "evaluations.approve_target")
    monitoring = MonitoringRound.objects.select_for_update().get(pk=monitoring.pk)
    if monitoring.status != M.APPROVED:
        raise ValidationError(_("只有已审定的监控可以重新打开。"))
    if not reason.strip():
        raise ValidationError({"reason": _("重新打开已审定的监控须说明原因。")})
    monitoring.status = M.DRAFT
    monitoring.approved_by, monitoring.approved_on = None, None
    return _save(
        monitoring, actor=actor, reason=_("重新打开：%(reason)s") % {"reason": reason.strip()}
    )


def _recipients(bureau_id: int, project: Project) -> set[int]:
    """The project's owner (else the bureau's staff) and the bureau's managers."""
    roles = [str(Role.MANAGER)] if project.owner_id else [str(Role.MANAGER), str(Role.STAFF)]
    people = set(
        User.objects.filter(bureau_id=bureau_id, is_active=True, groups__name__in=roles)
        .order_by()
        .values_list("pk", flat=True)
    )
    if project.owner_id:
        people.add(project.owner_id)
    return people


def round_warn(monitoring: MonitoringRound) -> int:
    """Post one warning per lagging project of the round (an indicator projected to miss,
    or money behind time progress beyond the bureau's tolerance); a project already
    warned in this round is not warned again. Returns the number posted."""
    posted = 0
    url = reverse("evaluations:round-detail", args=[monitoring.pk])
    for view in round_view(monitoring):
        reasons = [
            _("%(name)s预计全年%(value)s%(unit)s，未达目标%(target)s%(unit)s")
            % {
                "name": v.line.name,
                "value": _number(v.year_end),
                "unit": v.line.unit,
                "target": _number(v.line.target),
            }
            for v in view.lagging_lines
        ]
        if view.behind:
            reasons.append(
                _("资金执行率%(rate)s%%，落后序时进度%(progress)s%%")
                % {"rate": view.rate, "progress": view.time_progress}
            )
        if not reasons:
            continue
        project = view.entry.project
        notice = post(
            bureau_id=monitoring.bureau_id,
            key=NoticeKey.monitoring(monitoring.pk, project.pk),
            title=_("绩效运行监控预警：%(project)s") % {"project": project.name},
            body=_("截至%(date)s：%(reasons)s。请填写偏差原因和纠偏措施。")
            % {"date": monitoring.cut_off.isoformat(), "reasons": "；".join(reasons)},
            url=url,
            recipient_ids=_recipients(monitoring.bureau_id, project),
            data={"round": monitoring.pk, "project": project.pk},
        )
        posted += notice is not None
    return posted


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"


# --- result application ------------------------------------------------------------------


def rule_list(*, user: User) -> QuerySet[ResultRule]:
    return ResultRule.objects.filter(bureau_scope(user=user)).order_by("grade")


def rule_get(*, user: User, pk: int) -> ResultRule:
    found = rule_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def rule_save(
    *,
    actor: User,
    rule: ResultRule | None = None,
    grade: str,
    effect: str,
    percent: Decimal | None = None,
    note: str = "",
) -> ResultRule:
    """The manager sets the bureau's rule for a grade."""
    _require(actor, "evaluations.change_resultrule" if rule else "evaluations.add_resultrule")
    rule = rule or ResultRule(bureau_id=actor.bureau_id)
    rule.grade, rule.effect, rule.note = grade.strip(), effect, note.strip()
    rule.percent = percent if effect == ResultRule.Effect.DEDUCT else None
    return _save(rule, actor=actor)


def results_apply(*, actor: User, evaluation: Evaluation, on: datetime.date) -> list[ResultEffect]:
    """Apply the bureau's rule for the evaluation's grade to each of its projects (called
    by the evaluation's approval, in its transaction). Each effect names its rule."""
    table = evaluation_selectors.evaluation_table(evaluation)
    rule = ResultRule.objects.filter(bureau_id=evaluation.bureau_id, grade=table.grade).first()
    if rule is None or rule.effect == ResultRule.Effect.NONE:
        return []
    effects = []
    basis = _("绩效评价《%(title)s》（%(grade)s，%(total)s分）") % {
        "title": evaluation.title,
        "grade": table.grade,
        "total": _number(table.total),
    }
    for project in evaluation.projects.all():
        installment = payment_selectors.last_open_installment(project_id=project.pk)
        if installment is None:
            continue
        effect = ResultEffect(
            evaluation=evaluation,
            rule=rule,
            rule_text=str(rule),
            project=project,
            provider=installment.contract.award.provider,
            installment=installment,
            effect=rule.effect,
            applied_on=on,
        )
        if rule.effect == ResultRule.Effect.DEDUCT:
            # At most what is still unpaid on the installment (part of it may be paid).
            remaining = payment_services.unpaid_payable(installment)
            amount = min(to_yuan(installment.planned_amount * rule.percent / HUNDRED), remaining)
            if amount <= 0:
                effect.note = _("该期已无未支付金额，未扣减。")
                effects.append(_save(effect, actor=actor))
                continue
            effect.deduction = payment_services.deduction_on_basis(
                actor=actor,
                installment=installment,
                amount=amount,
                decided_on=on,
                basis=basis,
                basis_url=evaluation.get_absolute_url(),
                reason=_("结果应用：%(rule)s") % {"rule": rule},
            )
        else:
            payment_services.installment_hold(
                actor=actor,
                installment=installment,
                reason=_("结果应用：%(basis)s，暂缓支付，待分管领导解除") % {"basis": basis},
                on=on,
            )
            effect.note = _("服务机构在下次中标时须复核。")
        effects.append(_save(effect, actor=actor))
    return effects


def results_withdraw(*, actor: User, evaluation: Evaluation, reason: str) -> list[ResultEffect]:
    """Withdraw the evaluation's effects as it is reopened (the deduction withdrawn, the
    hold released); the records of both stay."""
    on = timezone.localdate()
    effects = list(
        ResultEffect.objects.select_for_update().filter(
            evaluation=evaluation, withdrawn_on__isnull=True
        )
    )
    for effect in effects:
        why = _("评价重新打开：%(reason)s") % {"reason": reason}
        if effect.deduction_id:
            deduction = payment_selectors.deduction_of(pk=effect.deduction_id)
            if (
                deduction.withdrawn_on is None
                and deduction.installment.status == Installment.Status.PAID
            ):
                raise ValidationError(
                    _(
                        "本评价的结果应用扣减 %(amount)s 元所在的%(label)s已付清，"
                        "重新打开评价不能撤销这笔扣减；请先由财务更正该期款项。"
                    )
                    % {"amount": f"{deduction.amount:,.2f}", "label": deduction.installment.label}
                )
            if deduction.withdrawn_on is None:
                payment_services.deduction_on_basis_withdraw(
                    actor=actor, deduction=deduction, withdrawn_on=on, reason=why
                )
        if effect.effect == ResultRule.Effect.HOLD and effect.released_on is None:
            payment_services.installment_release(
                actor=actor, installment=effect.installment, reason=why, on=on
            )
        effect.withdrawn_on = on
        _save(effect, actor=actor, reason=why)
    return effects


@transaction.atomic
def effect_release(*, actor: User, effect: ResultEffect, on: datetime.date | None = None):
    """The manager releases an installment held by a result."""
    _require(actor, "evaluations.approve_target")
    effect = ResultEffect.objects.select_for_update().get(pk=effect.pk)
    if effect.effect != ResultRule.Effect.HOLD or effect.released_on or effect.withdrawn_on:
        raise ValidationError(_("没有需要解除的暂缓。"))
    on = on or timezone.localdate()
    payment_services.installment_release(
        actor=actor, installment=effect.installment, reason=_("分管领导解除暂缓"), on=on
    )
    effect.released_on = on
    return _save(effect, actor=actor, reason=_("解除暂缓"))


def effects_of(*, user: User) -> QuerySet[ResultEffect]:
    return (
        ResultEffect.objects.filter(bureau_scope(user=user, field="evaluation__bureau"))
        .select_related("evaluation", "project", "provider", "installment__contract", "deduction")
        .order_by("-applied_on", "-pk")
    )


def effect_get(*, user: User, pk: int) -> ResultEffect:
    found = effects_of(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- the provider's record ---------------------------------------------------------------


@dataclass
class LateDocuments:
    installment: Installment
    documents_due: datetime.date
    received_on: datetime.date | None
    days_late: int


@dataclass
class ProviderRecord:
    provider: Provider
    contracts: list[Contract]
    scores: list[dict]
    deductions: list[Deduction]
    late: list[LateDocuments]
    findings: list[Rectification]
    effects: list[ResultEffect]

    @property
    def contract_total(self) -> Decimal:
        return sum((c.amount for c in self.contracts), ZERO)

    @property
    def deduction_total(self) -> Decimal:
        return sum((d.amount for d in self.deductions if d.withdrawn_on is None), ZERO)

    @property
    def under_review(self) -> bool:
        """Marked for review at the next award by a held result not withdrawn."""
        return any(
            e.effect == ResultRule.Effect.HOLD and e.withdrawn_on is None for e in self.effects
        )


def provider_record(
    *, user: User, provider: Provider, today: datetime.date | None = None
) -> ProviderRecord:
    """A provider's record across the years and the bureaus the user sees (each bureau
    keeps its own provider row; they are one organisation by the unified social credit
    code): contracts and amounts, assessment and evaluation scores by year, deductions
    with their basis, installments whose documents came late, findings and how fast they
    were rectified, result effects."""
    today = today or timezone.localdate()
    scope = bureau_scope(user=user)
    provider_ids = list(
        Provider.objects.filter(scope, credit_code=provider.credit_code).values_list(
            "pk", flat=True
        )
    )
    if provider.pk not in provider_ids:
        raise Http404
    contracts = list(
        Contract.objects.filter(scope, award__provider_id__in=provider_ids)
        .select_related("award__project", "bureau")
        .order_by("start", "number")
    )
    project_ids = sorted({c.award.project_id for c in contracts})
    audits, deductions, installments = payment_selectors.provider_payment_records(
        user=user, provider_ids=provider_ids, project_ids=project_ids
    )
    scores = []
    assessments = evaluation_selectors.with_grades(audits)
    for audit in assessments:
        scores.append(
            {
                "year": audit.year,
                "kind": audit.get_kind_display(),
                "source": audit.firm,
                "project": audit.project.name if audit.project else "",
                "score": audit.score,
                "grade": getattr(audit, "derived_grade", "") or audit.grade,
            }
        )
    evaluations = (
        Evaluation.objects.filter(scope, projects__in=project_ids)
        .filter(status__in=[Evaluation.Status.APPROVED, Evaluation.Status.LOCKED])
        .distinct()
        .annotate(last_version=Max("snapshots__version"))
        .order_by("year")
    )
    snapshots = {
        (s.evaluation_id, s.version): s.data
        for s in EvaluationSnapshot.objects.filter(evaluation__in=evaluations).only(
            "evaluation_id", "version", "data"
        )
    }
    for evaluation in evaluations:
        data = snapshots.get((evaluation.pk, evaluation.last_version), {})
        scores.append(
            {
                "year": evaluation.year,
                "kind": evaluation.get_kind_display(),
                "source": evaluation.title,
                "project": "",
                "score": Decimal(data["total"]) if data.get("total") else None,
                "grade": data.get("grade", ""),
            }
        )
    scores.sort(key=lambda s: (s["year"], s["kind"]))
    late = []
    for installment in installments:
        documents = list(installment.documents.all())
        received = [d.received_on for d in documents]
        complete = documents and all(received)
        last = max(received) if complete else None
        until = last or today
        days = (until - installment.documents_due).days
        if days > 0:
            late.append(LateDocuments(installment, installment.documents_due, last, days))
    findings = list(
        Rectification.objects.filter(
            bureau_scope(user=user, field="finding__evaluation__bureau"),
            finding__project_id__in=project_ids,
        )
        .select_related("finding__evaluation", "finding__project")
        .order_by("finding__evaluation__year", "pk")
    )
    for rectification in findings:
        rectification.days_taken = (
            (rectification.completed_on - rectification.due_date).days
            if rectification.completed_on and rectification.due_date
            else None
        )
        rectification.days_overdue = evaluation_selectors.days_overdue(rectification, today)
    effects = list(
        ResultEffect.objects.filter(provider_id__in=provider_ids)
        .select_related("evaluation", "installment__contract", "deduction")
        .order_by("-applied_on")
    )
    return ProviderRecord(provider, contracts, scores, deductions, late, findings, effects)


def provider_get(*, user: User, pk: int) -> Provider:
    found = Provider.objects.filter(bureau_scope(user=user), pk=pk).first()
    if found is None:
        raise Http404
    return found


def providers_for_review(*, user: User) -> set[int]:
    """Providers of the user's bureau marked for review by a held result."""
    return set(
        ResultEffect.objects.filter(
            bureau_scope(user=user, field="evaluation__bureau"),
            effect=ResultRule.Effect.HOLD,
            withdrawn_on__isnull=True,
        ).values_list("provider_id", flat=True)
    )
