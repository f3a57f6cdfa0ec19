"""Writes of the evaluations app.

An evaluation is created from a template (its rows copied and frozen), its computed rows
are filled from the records, people score the other rows with evidence, and it moves
draft → submitted → approved (by a manager) → locked. Only a draft changes. Approving
stores a snapshot with the report file (what exactly was approved); a manager may reopen
an approved evaluation with a reason, and the next approval stores a new version.
"""

import datetime
import hashlib
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.caching import records_changed
from accounts.models import Bureau, User
from accounts.records import record_save as _save
from accounts.records import require as _require
from accounts.records import require_move
from contracts.models import Project
from core.money import ZERO, percent
from evaluations import cycle, report, selectors
from evaluations.indicators import MOF_SCALE
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    EvaluationSnapshot,
    EvaluationTransition,
    Finding,
    GradeScale,
    IndicatorTemplate,
    OutputIndicator,
    OutputUpdate,
    Rectification,
    Source,
    StatedFigure,
)
from evaluations.selectors import Timeliness
from payments import selectors as payment_selectors

E = Evaluation.Status
HUNDRED = Decimal(100)

TRANSITIONS = {
    (E.DRAFT, E.SUBMITTED): "evaluations.submit_evaluation",
    (E.SUBMITTED, E.DRAFT): "evaluations.approve_evaluation",
    (E.SUBMITTED, E.APPROVED): "evaluations.approve_evaluation",
    (E.APPROVED, E.LOCKED): "evaluations.approve_evaluation",
    # Reopening (重新打开): explicit, by a manager, with a reason; the approved versions stay.
    (E.APPROVED, E.DRAFT): "evaluations.approve_evaluation",
}


def points(value: Decimal) -> str:
    """5.00 → "5", 7.50 → "7.5": scores and weights as people write them."""
    return format(Decimal(value).normalize(), "f")


def _locked_draft(evaluation: Evaluation) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not evaluation.is_editable:
        raise ValidationError(
            _("评价当前为“%(status)s”，不能再修改。") % {"status": evaluation.get_status_display()}
        )
    return evaluation


# --- templates -----------------------------------------------------------------------------


def template_check(weights: list[Decimal]) -> None:
    """A template's weights must total exactly 100."""
    total = sum(weights, ZERO)
    if total != HUNDRED:
        raise ValidationError(
            _("指标分值合计为 %(total)s 分，应为 100 分。") % {"total": points(total)},
            code="weights",
        )


def outcome_weight_warning(kind: str, rows) -> str:
    """产出 + 效益 should weigh at least 60 in a 部门评价 or a 第三方评价.

    The Ministry asks it of department and finance evaluations (财预〔2020〕10号); a
    third-party evaluation is commissioned by finance here, so it counts as a finance
    evaluation. A 单位自评 is exempt. The warning names the evaluation's own type.
    """
    if kind == Evaluation.Kind.SELF:
        return ""
    weight = sum((Decimal(r.weight) for r in rows if r.level1 in ("产出", "效益")), ZERO)
    if weight < 60:
        return _(
            "部门评价和第三方评价（视同财政评价）中，产出、效益指标的分值合计一般不低于 60 分；"
            "本评价为%(kind)s，当前为 %(weight)s 分。"
        ) % {"kind": Evaluation.Kind(kind).label, "weight": points(weight)}
    return ""


# --- evaluations ---------------------------------------------------------------------------


@transaction.atomic
def evaluation_create(
    *,
    actor: User,
    bureau: Bureau,
    year: int,
    title: str,
    kind: str,
    template: IndicatorTemplate,
    projects: list[Project],
    grade_scale: GradeScale | None = None,
) -> Evaluation:
    """Create an evaluation with a frozen copy of the template, its computed rows filled."""
    _require(actor, "evaluations.add_evaluation")
    rows = list(template.rows.order_by("order"))
    template_check([r.weight for r in rows])
    if not projects:
        raise ValidationError({"projects": _("请至少选择一个项目。")})
    if any(p.bureau_id != bureau.pk for p in projects):
        raise ValidationError({"projects": _("只能评价本单位的项目。")})
    evaluation = _save(
        Evaluation(
            bureau=bureau,
            year=year,
            title=title,
            kind=kind,
            template_name=template.name,
            grade_scale=grade_scale or GradeScale.objects.get(name=MOF_SCALE),
        ),
        actor=actor,
    )
    evaluation.projects.set(projects)
    # With their history's first rows, so the first score given shows as a change.
    bulk_create_with_history(
        [
            EvaluationRow(
                evaluation=evaluation,
                order=r.order,
                level1=r.level1,
                level2=r.level2,
                level3=r.level3,
                content=r.content,
                target_value=r.target_value,
                weight=r.weight,
                source=r.source,
            )
            for r in rows
        ],
        EvaluationRow,
        default_user=actor,
    )
    _compute(evaluation, actor=actor)
    return evaluation


def _as_of(year: int) -> datetime.date:
    return min(timezone.localdate(), datetime.date(year, 12, 31))


def figures_for(evaluation: Evaluation, *, actor: User) -> dict:
    """What the records say about the evaluation's projects and year (strings, for JSON)."""
    project_ids = [p.pk for p in evaluation.projects.all()]
    as_of = _as_of(evaluation.year)
    total = payment_selectors.execution_of_projects(
        user=actor, project_ids=project_ids, year=evaluation.year, as_of=as_of
    )
    outputs = selectors.outputs_of(project_ids=project_ids, year=evaluation.year)
    quantity = [o for o in outputs if o.kind == OutputIndicator.Kind.QUANTITY]
    shares = [selectors.completion(o) for o in quantity]
    output_rate = (
        (sum((s or ZERO for s in shares), ZERO) / len(shares)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        if shares
        else None
    )
    counts = Counter(selectors.timeliness_of(o, as_of=as_of) for o in outputs)
    on_time, late = counts[Timeliness.ON_TIME], counts[Timeliness.LATE]
    output_timeliness = percent(Decimal(on_time), Decimal(on_time + late))
    paid_on_time, due = payment_selectors.installment_punctuality(
        project_ids=project_ids, year=evaluation.year, as_of=as_of
    )
    punctuality = percent(Decimal(paid_on_time), Decimal(due))
    parts = [share for share in (punctuality, output_timeliness) if share is not None]
    timeliness = (
        (sum(parts, ZERO) / len(parts)).quantize(Decimal("0.01"), ROUND_HALF_UP) if parts else None
    )

    def text(value):
        return None if value is None else f"{value:.2f}"

    return {
        "as_of": as_of.isoformat(),
        "initial": text(total.initial),
        "full_year": text(total.full_year),
        "issued": text(total.issued),
        "paid": text(total.paid),
        "deducted": text(total.deducted),
        "late": text(total.late),
        "funds_in_place": text(total.funds_in_place_rate),
        "execution_rate": text(total.rate),
        "execution_rate_full_year": text(total.rate_full_year),
        "output_quantity": text(output_rate),
        "outputs_quantity": len(quantity),
        "outputs_total": len(outputs),
        "outputs_on_time": on_time,
        "outputs_late": late,
        "outputs_undated": counts[Timeliness.UNDATED],
        "outputs_pending": counts[Timeliness.PENDING],
        "output_timeliness": text(output_timeliness),
        "installments_due": due,
        "installments_paid_on_time": paid_on_time,
        "installment_punctuality": text(punctuality),
        "timeliness": text(timeliness),
    }


def _score(weight: Decimal, rate: str | None) -> Decimal | None:
    if rate is None:
        return None
    share = min(Decimal(rate), HUNDRED) / HUNDRED
    return (weight * share).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _timeliness_note(figures: dict) -> str:
    """How 完成及时性 was computed, in words a reviewer can check."""
    installments = (
        _(
            "分期款按期支付 %(installments_paid_on_time)s/%(installments_due)s 期（%(installment_punctuality)s%%）"
        )
        if figures["installments_due"]
        else _("当年无到期分期款")
    )
    counted = figures["outputs_on_time"] + figures["outputs_late"]
    outputs = (
        _("产出指标按期完成 %(outputs_on_time)s/%(counted)s 项（%(output_timeliness)s%%）")
        if counted
        else _("无可判断完成时间的产出指标")
    )
    left_out = (
        _("；%(outputs_undated)s 项已达目标但无完成日期（无分次记录或完成日期），未计入")
        if figures["outputs_undated"]
        else ""
    )
    pending = (
        _("；%(outputs_pending)s 项未到计划完成日期，未计入") if figures["outputs_pending"] else ""
    )
    rule = _("。取两项的平均值；只有一项有数据时取该项。")
    values = {**figures, "counted": counted}
    return (
        installments % values
        + "；"
        + outputs % values
        + (left_out % values if left_out else "")
        + (pending % values if pending else "")
        + rule
    )


def _compute(evaluation: Evaluation, *, actor: User) -> Evaluation:
    """Fill the computed rows from the records; a person's override of a score stays."""
    figures = figures_for(evaluation, actor=actor)
    now = timezone.now()
    notes = {
        Source.FUNDS_IN_PLACE: (
            _("实际下达预算 %(issued)s 元 ÷ 全年预算 %(full_year)s 元"),
            "funds_in_place",
        ),
        Source.EXECUTION_RATE: (
            _("截至 %(as_of)s 支付 %(paid)s 元 ÷ 实际下达预算 %(issued)s 元（分母：实际到位资金）"),
            "execution_rate",
        ),
        Source.OUTPUT_QUANTITY: (
            _("%(outputs_quantity)s 项数量类产出指标完成率（实际 ÷ 目标，每项最高 100%%）的平均值"),
            "output_quantity",
        ),
        Source.TIMELINESS: (None, "timeliness"),
    }
    # The formula text shows money with thousands separators (2,177,100.00 元), as a voucher.
    shown = {
        **figures,
        **{
            name: f"{Decimal(figures[name]):,.2f}"
            for name in ("issued", "full_year", "paid")
            if figures.get(name) is not None
        },
    }
    for row in evaluation.rows.exclude(source=Source.MANUAL):
        note, key = notes[row.source]
        value = figures.get(key)
        row.computed_value = Decimal(value) if value is not None else None
        row.computed_score = _score(row.weight, value)
        row.computed_note = _timeliness_note(figures) if note is None else note % shown
        row.computed_at = now
        row.actual_value = f"{value}%" if value is not None else _("无记录")
        if not row.score_overridden:
            row.score = row.computed_score
        _save(row, actor=actor)
    evaluation.computed_figures = figures
    evaluation.computed_at = now
    return _save(evaluation, actor=actor)


@transaction.atomic
def evaluation_refresh(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Recompute the rows records supply (drafts only: a submitted evaluation is frozen)."""
    _require(actor, "evaluations.change_evaluationrow")
    evaluation = _locked_draft(evaluation)
    return _compute(evaluation, actor=actor)


@transaction.atomic
def row_score(
    *,
    actor: User,
    row: EvaluationRow,
    score: Decimal | None,
    evidence: str = "",
    actual_value: str | None = None,
    override_reason: str = "",
) -> EvaluationRow:
    """Score one row. A computed row's value cannot change; a different score needs a reason."""
    _require(actor, "evaluations.change_evaluationrow")
    _locked_draft(row.evaluation)
    row = EvaluationRow.objects.select_for_update().get(pk=row.pk)
    if score is not None and (score < 0 or score > row.weight):
        raise ValidationError(
            {"score": _("得分应在 0 到 %(weight)s 分之间。") % {"weight": points(row.weight)}}
        )
    row.evidence = evidence.strip()
    if row.is_computed:
        overridden = score != row.computed_score
        if overridden and not override_reason.strip():
            raise ValidationError(
                {
                    "override_reason": _(
                        "该行得分由记录计算为 %(computed)s 分；调整为其他分数须说明理由。"
                    )
                    % {
                        "computed": points(row.computed_score)
                        if row.computed_score is not None
                        else "—"
                    }
                }
            )
        row.score_overridden = overridden
        row.override_reason = override_reason.strip() if overridden else ""
    elif actual_value is not None:
        row.actual_value = actual_value.strip()
    row.score = score
    return _save(row, actor=actor, reason=_("人工调整计算得分") if row.score_overridden else "")


@transaction.atomic
def evaluation_update(*, actor: User, evaluation: Evaluation, **fields) -> Evaluation:
    """Edit the title and the narrative of a draft."""
    _require(actor, "evaluations.change_evaluation")
    evaluation = _locked_draft(evaluation)
    for name, value in fields.items():
        setattr(evaluation, name, value)
    return _save(evaluation, actor=actor)


def _reason_missing(source: str, target: str) -> str:
    """Why a move needs a reason it was not given: a return, and a reopening."""
    if (source, target) == (E.SUBMITTED, E.DRAFT):
        return _("退回须说明原因。")
    if (source, target) == (E.APPROVED, E.DRAFT):
        return _("重新打开已审定的评价须说明原因。")
    return ""


@transaction.atomic
def evaluation_transition(
    *,
    actor: User,
    evaluation: Evaluation,
    to_status: str,
    reason: str = "",
    on: datetime.date | None = None,
) -> Evaluation:
    """Move an evaluation along draft → submitted → approved → locked (or back).

    Approval stores a snapshot (:class:`EvaluationSnapshot`) with the report file; ``on``
    is the approval's business date (审定日期, today by default), printed as the report's
    成文日期. Reopening an approved evaluation takes a manager and a reason; its approved
    versions stay downloadable and the next approval stores a new one.
    """
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    source = evaluation.status
    require_move(
        actor, TRANSITIONS, E, source, to_status, _("评价不能从“%(source)s”变为“%(target)s”。")
    )
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("日期不能晚于今天。")})
    if on.year < evaluation.year:
        raise ValidationError(
            {"on": _("日期不能早于评价年度 %(year)s 年。") % {"year": evaluation.year}}
        )
    if to_status == E.SUBMITTED:
        unscored = evaluation.rows.filter(score__isnull=True).count()
        if unscored:
            raise ValidationError(_("还有 %(n)s 项指标未评分，不能提交。") % {"n": unscored})
    missing = _reason_missing(source, to_status)
    if missing and not reason.strip():
        raise ValidationError({"reason": missing})
    at = timezone.now()
    if on != today:  # a decision taken on an earlier day is logged on that day
        at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    EvaluationTransition.objects.create(
        evaluation=evaluation,
        from_status=source,
        to_status=to_status,
        actor=actor,
        at=at,
        reason=reason.strip(),
    )
    evaluation.status = to_status
    evaluation.status_changed_at = at
    evaluation._history_user = actor
    evaluation._history_date = at
    evaluation._change_reason = reason.strip() or str(E(to_status).label)
    evaluation.save(update_fields=["status", "status_changed_at"])
    if to_status == E.APPROVED:
        _snapshot_store(evaluation, actor=actor, on=on)
        # The bureau's result rules act on the approved grade (结果应用) ...
        cycle.results_apply(actor=actor, evaluation=evaluation, on=on)
    elif source == E.APPROVED and to_status == E.DRAFT:
        # ... and only reopening the evaluation undoes what they did.
        cycle.results_withdraw(actor=actor, evaluation=evaluation, reason=reason.strip())
    records_changed(evaluation.bureau_id)
    return evaluation


def snapshot_data(evaluation: Evaluation, *, actor: User) -> dict:
    """What the evaluation and the records say now, as an approval keeps it (strings, for
    JSON): the rows, the stated figures, the figures the records give, the total and the
    grade, the assessments and outputs its report reads, and the narrative."""
    table = selectors.evaluation_table(evaluation)
    project_ids = [p.pk for p in evaluation.projects.all()]

    def text(value):
        return None if value is None else f"{value:.2f}"

    return {
        "rows": [
            {
                "order": r.order,
                "level1": r.level1,
                "level2": r.level2,
                "level3": r.level3,
                "weight": text(r.weight),
                "actual_value": r.actual_value,
                "computed_value": text(r.computed_value),
                "computed_score": text(r.computed_score),
                "score": text(r.score),
                "score_overridden": r.score_overridden,
                "override_reason": r.override_reason,
                "evidence": r.evidence,
            }
            for r in table.rows
        ],
        "stated": [
            {"key": r.key, "label": str(r.label), "value": text(r.stated), "source": r.source}
            for r in table.reconciliations
        ],
        "figures": figures_for(evaluation, actor=actor),
        "total": text(table.total),
        "grade": table.grade,
        # Assessments live in the payments app, which cannot know that an evaluation was
        # approved on them: the snapshot keeps what they said, so the page names changes.
        "assessments": selectors.assessment_snapshot(
            selectors.assessments_of(evaluation=evaluation)
        ),
        "outputs": [
            {
                "id": o.pk,
                "project": o.project.name,
                "name": o.name,
                "unit": o.unit,
                "actual": text(selectors.actual_of(o)),
            }
            for o in selectors.outputs_of(project_ids=project_ids, year=evaluation.year)
        ],
        "narrative": {name: getattr(evaluation, name) for name in Evaluation.NARRATIVE_FIELDS},
    }


def _snapshot_store(evaluation: Evaluation, *, actor: User, on: datetime.date):
    """Freeze the approved evaluation and its report (stored through Django's storage)."""
    content = report.build(evaluation, user=actor, issued_on=on)
    digest = hashlib.sha256(content).hexdigest()
    version = EvaluationSnapshot.objects.filter(evaluation=evaluation).order_by("-version").first()
    snapshot = EvaluationSnapshot(
        evaluation=evaluation,
        version=version.version + 1 if version else 1,
        approved_on=on,
        approved_by=actor,
        data=snapshot_data(evaluation, actor=actor),
        report_sha256=digest,
    )
    snapshot.report.save(
        f"v{snapshot.version}-{digest[:16]}.docx", ContentFile(content), save=False
    )
    return _save(snapshot, actor=actor)


@transaction.atomic
def stated_figure_set(
    *, actor: User, evaluation: Evaluation, key: str, value: Decimal, source: str
) -> StatedFigure:
    """Record a figure stated by hand, to be reconciled with the records."""
    _require(actor, "evaluations.change_evaluation")
    evaluation = _locked_draft(evaluation)
    figure = StatedFigure.objects.filter(evaluation=evaluation, key=key).first() or StatedFigure(
        evaluation=evaluation, key=key
    )
    figure.value, figure.source = value, source
    return _save(figure, actor=actor)


# --- outputs -------------------------------------------------------------------------------


def output_frozen_message(*, project_id: int, year: int) -> str:
    """Why a project-year's outputs cannot change: an approved or locked evaluation's
    report reads them. Empty when they can."""
    evaluation = selectors.output_frozen_by(project_id=project_id, year=year)
    if evaluation is None:
        return ""
    return _("%(year)s年度绩效评价“%(title)s”%(status)s，产出指标不能再修改。") % {
        "year": year,
        "title": evaluation.title,
        "status": evaluation.get_status_display(),
    }


def _refuse_if_frozen(project_id: int, year: int) -> None:
    message = output_frozen_message(project_id=project_id, year=year)
    if message:
        raise ValidationError(message)


@transaction.atomic
def output_save(
    *, actor: User, indicator: OutputIndicator | None = None, project: Project, **data
) -> OutputIndicator:
    """Register or edit an output indicator.

    Refused for a project-year covered by an approved or locked evaluation (before and
    after the edit). Once dated updates exist the actual is their sum, so the stored
    actual cannot be changed any more.
    """
    permission = (
        "evaluations.change_outputindicator" if indicator else "evaluations.add_outputindicator"
    )
    _require(actor, permission)
    if indicator is not None:
        indicator = OutputIndicator.objects.select_for_update().get(pk=indicator.pk)
        _refuse_if_frozen(indicator.project_id, indicator.year)
        if "actual" in data and data["actual"] != indicator.actual and indicator.updates.exists():
            raise ValidationError(
                {"actual": _("该指标已有分次记录，实际完成值为各次记录之和，不能直接修改。")}
            )
    indicator = indicator or OutputIndicator(project=project)
    indicator.project = project
    for name, value in data.items():
        setattr(indicator, name, value)
    _refuse_if_frozen(project.pk, indicator.year)
    clash = OutputIndicator.objects.filter(
        project=project, year=indicator.year, name=indicator.name
    ).exclude(pk=indicator.pk)
    if clash.exists():
        raise ValidationError({"name": _("该项目本年度已有同名产出指标。")})
    return _save(indicator, actor=actor)


@transaction.atomic
def output_record(
    *, actor: User, indicator: OutputIndicator, date: datetime.date, amount: Decimal, note: str = ""
) -> OutputUpdate:
    """Add a dated amount; the indicator's actual becomes the sum of its records.

    The first update is refused while a non-zero actual is stored: the updates would
    silently replace it (one update of 500 over a stored 85 would give 500). Clear the
    stored actual first and record what was done as dated updates; nothing is converted
    automatically, because only a person knows the dates the stored figure was reached.
    """
    _require(actor, "evaluations.change_outputindicator")
    indicator = OutputIndicator.objects.select_for_update().get(pk=indicator.pk)
    _refuse_if_frozen(indicator.project_id, indicator.year)
    if date.year != indicator.year:
        raise ValidationError({"date": _("日期应在 %(year)s 年内。") % {"year": indicator.year}})
    if indicator.actual and not indicator.updates.exists():
        raise ValidationError(
            _(
                "该指标已直接填写实际完成值 %(actual)s%(unit)s；分次记录将取代该值。"
                "请先在“修改”中清空实际完成值，再按日期逐次记录。"
            )
            % {"actual": points(indicator.actual), "unit": indicator.unit}
        )
    return _save(
        OutputUpdate(indicator=indicator, date=date, amount=amount, note=note.strip()), actor=actor
    )


# --- findings and rectification --------------------------------------------------------------


@transaction.atomic
def finding_save(
    *, actor: User, evaluation: Evaluation, finding: Finding | None = None, **data
) -> Finding:
    _require(actor, "evaluations.change_finding" if finding else "evaluations.add_finding")
    _locked_draft(evaluation)  # the problems are part of the report: frozen once submitted
    project = data.get("project")
    if project is not None and project.bureau_id != evaluation.bureau_id:
        raise ValidationError({"project": _("只能选择本单位的项目。")})
    finding = finding or Finding(evaluation=evaluation)
    for name, value in data.items():
        setattr(finding, name, value)
    return _save(finding, actor=actor)


@transaction.atomic
def rectification_save(
    *, actor: User, finding: Finding, rectification: Rectification | None = None, **data
) -> Rectification:
    """Record a recommendation and follow its rectification; 已完成 needs a date and evidence."""
    _require(
        actor,
        "evaluations.change_rectification" if rectification else "evaluations.add_rectification",
    )
    if rectification is None:
        # New recommendations belong to the report; their follow-up goes on after it.
        _locked_draft(finding.evaluation)
    elif not finding.evaluation.is_editable:
        frozen = [
            name
            for name in ("recommendation", "order")
            if name in data and data[name] != getattr(rectification, name)
        ]
        if frozen:
            raise ValidationError(
                {frozen[0]: _("评价已提交，建议内容不能再改；可以更新整改状态、完成日期和佐证。")}
            )
    provider = data.get("provider")
    if provider is not None and provider.bureau_id != finding.evaluation.bureau_id:
        raise ValidationError({"provider": _("只能选择本单位登记的服务机构。")})
    rectification = rectification or Rectification(finding=finding)
    for name, value in data.items():
        setattr(rectification, name, value)
    if rectification.status == Rectification.Status.DONE:
        missing = {}
        if not rectification.completed_on:
            missing["completed_on"] = _("已完成的整改须填写完成日期。")
        if not (rectification.evidence or "").strip():
            missing["evidence"] = _("已完成的整改须说明完成情况及佐证。")
        if missing:
            raise ValidationError(missing)
    return _save(rectification, actor=actor)
