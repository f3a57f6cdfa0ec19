"""Reads of the evaluations app: the scored table with its subtotals, total and grade, the
reconciliation of stated figures, outputs and findings, scoped to the user's bureau."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.caching import cached
from accounts.models import User
from accounts.selectors import bureau_scope
from core.history import history_entries, history_of, merged_history
from core.money import ZERO, wan_text
from evaluations.indicators import SHENZHEN_SCALE
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    EvaluationSnapshot,
    EvidenceFile,
    Finding,
    GradeBand,
    OutputIndicator,
    OutputUpdate,
    Rectification,
    RectificationResponse,
    ServiceReport,
    ServiceReportValue,
    StatedFigure,
)
from payments import selectors as payment_selectors
from payments.models import Audit

# A stated figure differs from the records when they disagree by more than this.
TOLERANCE = Decimal("0.005")


def evaluation_list(*, user: User) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(bureau_scope(user=user))
        .select_related("grade_scale", "bureau")
        .annotate(
            total=Coalesce(Sum("rows__score"), ZERO), weight=Coalesce(Sum("rows__weight"), ZERO)
        )
        .prefetch_related(
            Prefetch("grade_scale__bands", queryset=GradeBand.objects.order_by("-lower"))
        )
    )


def evaluation_get(*, user: User, pk: int) -> Evaluation:
    return get_object_or_404(
        Evaluation.objects.filter(bureau_scope(user=user)).select_related("grade_scale", "bureau"),
        pk=pk,
    )


def _get_through(model, *, user: User, through: str, **lookup):
    """The record of ``model`` that ``lookup`` names, if the user's bureau owns it through
    ``through`` (its evaluation, its finding's evaluation), with that record; else 404."""
    return get_object_or_404(
        model.objects.filter(bureau_scope(user=user, field=f"{through}__bureau")).select_related(
            through
        ),
        **lookup,
    )


def evaluation_row_get(*, user: User, pk: int) -> EvaluationRow:
    return _get_through(EvaluationRow, user=user, through="evaluation", pk=pk)


@dataclass
class Group:
    """One 一级 indicator (决策/过程/产出/效益) with its rows and subtotals."""

    name: str
    rows: list[EvaluationRow] = field(default_factory=list)

    @property
    def weight(self) -> Decimal:
        return sum((r.weight for r in self.rows), ZERO)

    @property
    def score(self) -> Decimal:
        return sum((r.score or ZERO for r in self.rows), ZERO)


@dataclass
class Reconciliation:
    key: str
    label: str
    stated: Decimal
    computed: Decimal | None
    source: str

    @property
    def differs(self) -> bool:
        return self.computed is None or abs(self.stated - self.computed) > TOLERANCE

    @property
    def difference(self) -> Decimal | None:
        return None if self.computed is None else self.stated - self.computed


@dataclass
class Table:
    evaluation: Evaluation
    groups: list[Group]
    reconciliations: list[Reconciliation]
    bands: list[GradeBand]

    @property
    def rows(self) -> list[EvaluationRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def weight(self) -> Decimal:
        return sum((g.weight for g in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((g.score for g in self.groups), ZERO)

    @property
    def unscored(self) -> int:
        return sum(1 for r in self.rows if r.score is None)

    @property
    def grade(self) -> str:
        return self.evaluation.grade_scale.grade_for(self.total, self.bands)

    @property
    def flags(self) -> list[Reconciliation]:
        return [r for r in self.reconciliations if r.differs]

    def row_for(self, source: str) -> EvaluationRow | None:
        return next((r for r in self.rows if r.source == source), None)


def evaluation_table(evaluation: Evaluation) -> Table:
    """The scored table laid out like the report's, with reconciliation of stated figures.

    Three queries: rows, stated figures, grade bands.
    """
    groups: dict[str, Group] = {}
    for row in evaluation.rows.order_by("order"):
        groups.setdefault(row.level1, Group(name=row.level1)).rows.append(row)
    figures = evaluation.computed_figures or {}
    reconciliations = [
        Reconciliation(
            key=stated.key,
            label=stated.get_key_display(),
            stated=stated.value,
            computed=Decimal(figures[stated.key]) if figures.get(stated.key) is not None else None,
            source=stated.source,
        )
        for stated in evaluation.stated_figures.order_by("pk")
    ]
    bands = list(evaluation.grade_scale.bands.order_by("-lower"))
    return Table(
        evaluation=evaluation,
        groups=list(groups.values()),
        reconciliations=reconciliations,
        bands=bands,
    )


# --- outputs -------------------------------------------------------------------------------


def with_actuals(queryset: QuerySet[OutputIndicator]) -> QuerySet[OutputIndicator]:
    """Annotate ``recorded``: the sum of dated updates (None when there are none)."""
    updates = (
        OutputUpdate.objects.filter(indicator=OuterRef("pk"))
        .order_by()
        .values("indicator")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    return queryset.annotate(recorded=Subquery(updates))


def actual_of(indicator: OutputIndicator) -> Decimal | None:
    """The actual: the sum of the dated updates once there are any, else the stored value.

    The services keep the two apart (no update while a non-zero actual is stored, no edit
    of the stored actual once updates exist), so the switch never changes a figure.
    """
    recorded = getattr(indicator, "recorded", None)
    return recorded if recorded is not None else indicator.actual


def output_list(*, user: User) -> QuerySet[OutputIndicator]:
    return with_actuals(
        OutputIndicator.objects.filter(
            bureau_scope(user=user, field="project__bureau")
        ).select_related("project")
    )


def output_get(*, user: User, pk: int) -> OutputIndicator:
    return get_object_or_404(output_list(user=user), pk=pk)


def outputs_of(*, project_ids, year: int) -> list[OutputIndicator]:
    """The outputs of the projects and year with their dated updates (two queries)."""
    return list(
        with_actuals(OutputIndicator.objects.filter(project_id__in=project_ids, year=year))
        .select_related("project")
        .prefetch_related(Prefetch("updates", queryset=OutputUpdate.objects.order_by("date", "pk")))
        .order_by("project_id", "order", "pk")
    )


def completion(indicator: OutputIndicator) -> Decimal | None:
    """Share of the target reached, capped at 100% (None without an actual)."""
    actual = actual_of(indicator)
    if actual is None:
        return None
    if not indicator.target:
        return Decimal("100")
    return min(actual * Decimal(100) / indicator.target, Decimal(100))


def deadline_of(indicator: OutputIndicator) -> datetime.date:
    """The planned completion date, or the end of the indicator's year."""
    return indicator.due_on or datetime.date(indicator.year, 12, 31)


def reached_on(indicator: OutputIndicator) -> datetime.date | None:
    """The day the indicator reached its target: the dated update that took the running sum
    to the target (the last such crossing, should a correction take it back below), or,
    without updates, its completion date. None when no date says so.

    Reads ``indicator.updates.all()``: prefetch it (``outputs_of`` does).
    """
    updates = list(indicator.updates.all())
    if not updates:
        return indicator.completed_on if (completion(indicator) or 0) >= 100 else None
    reached, running = None, ZERO
    for update in updates:
        before, running = running, running + update.amount
        if running >= indicator.target and (before < indicator.target or reached is None):
            reached = update.date
    return reached if running >= indicator.target else None


class Timeliness:
    """How an output counts for 完成及时性."""

    ON_TIME = "on_time"  # reached its target by its deadline
    LATE = "late"  # reached it after, or not at all by a deadline that has passed
    UNDATED = "undated"  # reached it, but no date says when: not counted
    PENDING = "pending"  # not reached yet, deadline still ahead: not counted


def timeliness_of(indicator: OutputIndicator, *, as_of: datetime.date) -> str:
    """Whether the output was completed on time (当年完成, or by its planned date).

    An output below its target once its deadline has passed is late, dates or not. One
    at its target counts on time only when a date proves it: the update that reached the
    target, or the completion date entered with a stored actual. An output at its target
    with no date is left out (``UNDATED``) rather than presumed on time.
    """
    deadline = deadline_of(indicator)
    if (completion(indicator) or 0) < 100:
        return Timeliness.LATE if as_of >= deadline else Timeliness.PENDING
    reached = reached_on(indicator)
    if reached is None:
        return Timeliness.UNDATED
    return Timeliness.ON_TIME if reached <= deadline else Timeliness.LATE


def output_frozen_by(*, project_id: int, year: int) -> Evaluation | None:
    """The approved or locked evaluation covering a project's year, if any: its report
    reads these outputs, so they must not change any more."""
    return (
        Evaluation.objects.filter(
            projects=project_id,
            year=year,
            status__in=[Evaluation.Status.APPROVED, Evaluation.Status.LOCKED],
        )
        .order_by("pk")
        .first()
    )


# --- findings, rectification, assessments ----------------------------------------------------


def findings_of(evaluation: Evaluation, *, today: datetime.date | None = None) -> list[Finding]:
    """The evaluation's findings with their rectifications, each rectification with its
    ``days_overdue`` on ``today`` (see :func:`days_overdue`)."""
    today = today or timezone.localdate()
    findings = list(
        evaluation.findings.select_related("project")
        .prefetch_related(
            Prefetch(
                "rectifications",
                queryset=Rectification.objects.select_related("provider").prefetch_related(
                    _responses()
                ),
            )
        )
        .order_by("order", "pk")
    )
    for finding in findings:
        for rectification in finding.rectifications.all():
            rectification.days_overdue = days_overdue(rectification, today)
    return findings


def rectification_list(*, user: User) -> QuerySet[Rectification]:
    """The bureau's recommendations and their rectification, with problem and evaluation."""
    return Rectification.objects.filter(
        bureau_scope(user=user, field="finding__evaluation__bureau")
    ).select_related("finding__evaluation", "finding__project")


def overdue_q(today: datetime.date) -> Q:
    """Rectifications past their deadline and not done on ``today`` (:func:`days_overdue`
    in SQL): one completed after that day was still open on it."""
    done_by_then = Q(status=Rectification.Status.DONE) & (
        Q(completed_on__isnull=True) | Q(completed_on__lte=today)
    )
    return Q(due_date__lt=today) & ~done_by_then


def days_overdue(rectification: Rectification, today: datetime.date) -> int:
    """Days a rectification is past its deadline and not done on ``today``; 0 when it is
    not overdue then."""
    completed_on = rectification.completed_on
    done = rectification.status == Rectification.Status.DONE and (
        completed_on is None or completed_on <= today
    )
    if done or rectification.due_date is None:
        return 0
    return max((today - rectification.due_date).days, 0)


def rectification_get(*, user: User, pk: int) -> Rectification:
    return _get_through(Rectification, user=user, through="finding__evaluation", pk=pk)


def finding_get(*, user: User, pk: int) -> Finding:
    return _get_through(Finding, user=user, through="evaluation", pk=pk)


def overdue_rectifications(
    *, user: User, today: datetime.date | None = None, limit: int = 20
) -> list[Rectification]:
    """Rectifications past their deadline and not done (for the manager's dashboard, cached)."""
    today = today or timezone.localdate()
    return cached(
        user=user,
        name="overdue_rectifications",
        parts=(today, limit),
        compute=lambda: list(
            Rectification.objects.filter(
                bureau_scope(user=user, field="finding__evaluation__bureau")
            )
            .filter(overdue_q(today))
            .select_related("finding__evaluation")
            .order_by("due_date", "pk")[:limit]
        ),
    )


def assessments_of(*, evaluation: Evaluation) -> list[Audit]:
    """The third-party assessments (质量评估) of the evaluation's projects and year, each
    with the grade its score gives (see ``with_grades``)."""
    return with_grades(
        payment_selectors.audits_of_projects(
            bureau_id=evaluation.bureau_id,
            project_ids=[p.pk for p in evaluation.projects.all()],
            year=evaluation.year,
            kind=Audit.Kind.ASSESSMENT,
        )
    )


def with_grades(audits) -> list[Audit]:
    """Set ``derived_grade`` and ``grade_differs`` on each assessment (one query).

    The payments app keeps the grade an agency wrote as free text, and cannot read the
    grade bands, which belong to this app. Where the evaluations read an assessment, the
    grade comes from its score and the Shenzhen assessment bands stored as data
    (``SHENZHEN_SCALE``: 优秀/良好/合格/不合格); a typed grade that disagrees is flagged.
    """
    audits = list(audits)
    assessments = [a for a in audits if a.kind == Audit.Kind.ASSESSMENT]
    if not assessments:
        return audits
    bands = list(GradeBand.objects.filter(scale__name=SHENZHEN_SCALE).order_by("-lower"))
    for audit in assessments:
        audit.derived_grade = grade_of(audit.score, bands)
        audit.grade_differs = bool(
            audit.grade and audit.derived_grade and audit.grade.strip() != audit.derived_grade
        )
    return audits


def grade_of(score: Decimal | None, bands: list[GradeBand]) -> str:
    """The label of the band holding ``score`` (bands ordered from the top)."""
    if score is None:
        return ""
    for band in bands:
        if band.lower <= score and (band.upper is None or score < band.upper):
            return band.label
    return ""


def assessment_snapshot(assessments: list[Audit]) -> list[dict]:
    """What an approval freezes of the assessments (strings, for JSON)."""
    return [
        {
            "id": a.pk,
            "firm": a.firm,
            "project": a.project.name if a.project else "",
            "score": None if a.score is None else f"{a.score:.2f}",
            "grade": getattr(a, "derived_grade", "") or a.grade,
        }
        for a in assessments
    ]


def stated_figures(evaluation: Evaluation) -> list[StatedFigure]:
    return list(evaluation.stated_figures.order_by("pk"))


def evaluation_history(evaluation: Evaluation, *, limit: int = 50) -> list[dict]:
    """The evaluation's changes with those of its rows (scores) and stated figures, each
    with who made it, newest first."""
    rows = history_entries(
        EvaluationRow.history.filter(evaluation_id=evaluation.pk),
        model=EvaluationRow,
        limit=limit,
        label=lambda record: record.level3 or record.level2,
    )
    figures = history_entries(
        StatedFigure.history.filter(evaluation_id=evaluation.pk),
        model=StatedFigure,
        limit=limit,
        label=lambda record: record.get_key_display(),
    )
    return merged_history(history_of(evaluation, limit=limit), rows, figures, limit=limit)


# --- approved versions -------------------------------------------------------------------------


def snapshots_of(evaluation: Evaluation) -> list[EvaluationSnapshot]:
    """The evaluation's approved versions, the latest first."""
    return list(evaluation.snapshots.select_related("approved_by").order_by("-version"))


def snapshot_get(*, user: User, pk: int, version: int) -> EvaluationSnapshot:
    return _get_through(
        EvaluationSnapshot, user=user, through="evaluation", evaluation_id=pk, version=version
    )


# key of the approval's figures → (name, kind): "money" in yuan, shown in 万; "rate" in %.
SNAPSHOT_FIGURES = {
    "full_year": (gettext_lazy("全年预算"), "money"),
    "issued": (gettext_lazy("实际下达预算"), "money"),
    "paid": (gettext_lazy("全年实际支出"), "money"),
    "deducted": (gettext_lazy("审计扣减"), "money"),
    "late": (gettext_lazy("逾期未付"), "money"),
    "funds_in_place": (gettext_lazy("资金到位率"), "rate"),
    "execution_rate": (gettext_lazy("预算执行率"), "rate"),
    "output_quantity": (gettext_lazy("产出数量完成率"), "rate"),
    "timeliness": (gettext_lazy("完成及时性"), "rate"),
}


def _shown(value: str | None, kind: str) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    if kind == "money":
        return f"{wan_text(value, places=2)}万"
    if kind == "rate":
        return f"{value:.2f}%"
    return format(value.normalize(), "f")


def snapshot_differences(then: dict, now: dict) -> list[str]:
    """What changed in the records since an approval, one line each, in the user's terms:
    "全年实际支出 217.71万 → 229.87万". ``then`` and ``now`` are what
    ``services.snapshot_data`` gives: the approval's and today's."""
    lines = []
    before, after = then.get("figures", {}), now.get("figures", {})
    for key, (name, kind) in SNAPSHOT_FIGURES.items():
        if key in before and before.get(key) != after.get(key):
            lines.append(f"{name} {_shown(before[key], kind)} → {_shown(after.get(key), kind)}")
    for label, old, new in _changed_items(then, now, "assessments", _assessment_label):
        lines.append(
            f"{label} "
            + (_("得分 %(score)s（%(grade)s）") % _assessment_values(old) if old else "—")
            + " → "
            + (_("得分 %(score)s（%(grade)s）") % _assessment_values(new) if new else _("已删除"))
        )
    for label, old, new in _changed_items(then, now, "outputs", _output_label):
        unit = (old or new)["unit"]
        lines.append(
            f"{label} "
            + (f"{_shown(old['actual'], '')}{unit}" if old and old["actual"] else "—")
            + " → "
            + (f"{_shown(new['actual'], '')}{unit}" if new and new["actual"] else "—")
        )
    return lines


def _changed_items(then: dict, now: dict, key: str, label):
    """(label, old, new) for each item of ``key`` that changed, appeared or disappeared."""
    before = {item["id"]: item for item in then.get(key, [])}
    after = {item["id"]: item for item in now.get(key, [])}
    for pk in [*before, *(pk for pk in after if pk not in before)]:
        old, new = before.get(pk), after.get(pk)
        if old != new:
            yield label(old or new), old, new


def _assessment_label(item: dict) -> str:
    return _("%(firm)s对%(project)s的质量评估") % {
        "firm": item["firm"],
        "project": item["project"] or _("各项目"),
    }


def _assessment_values(item: dict) -> dict:
    return {"score": _shown(item["score"], ""), "grade": item["grade"] or "—"}


def _output_label(item: dict) -> str:
    return _("%(project)s产出“%(name)s”实际完成值") % item


# --- service reports and rectification answers (the provider portal) ---------------------------


def _reports(queryset) -> list[ServiceReport]:
    return list(
        queryset.select_related("submitted_by", "decided_by", "contract").prefetch_related(
            Prefetch(
                "values",
                queryset=ServiceReportValue.objects.select_related("indicator", "update"),
            ),
            "evidence",
        )[:100]
    )


def contract_service_reports(*, contract) -> list[ServiceReport]:
    """A contract's service reports with their values and evidence, latest first."""
    return _reports(ServiceReport.objects.filter(contract=contract))


def service_report_get(*, user: User, pk: int) -> ServiceReport:
    """A service report of the user's bureau (staff verify or return it)."""
    return get_object_or_404(
        ServiceReport.objects.filter(bureau_scope(user=user, field="contract__bureau"))
        .select_related("contract__award__project", "contract__award__provider")
        .prefetch_related(
            Prefetch("values", queryset=ServiceReportValue.objects.select_related("indicator")),
            "evidence",
        ),
        pk=pk,
    )


def response_get(*, user: User, pk: int) -> RectificationResponse:
    """A provider's rectification answer of the user's bureau."""
    return get_object_or_404(
        RectificationResponse.objects.filter(
            bureau_scope(user=user, field="rectification__finding__evaluation__bureau")
        ).select_related("rectification__finding__evaluation"),
        pk=pk,
    )


def _responses():
    return Prefetch(
        "responses",
        queryset=RectificationResponse.objects.select_related(
            "submitted_by", "decided_by"
        ).prefetch_related("evidence"),
    )


def portal_rectifications(*, user: User) -> list[Rectification]:
    """The rectifications addressed to the user's provider, with its answers."""
    from contracts.selectors import portal_provider_ids

    return list(
        Rectification.objects.filter(provider_id__in=portal_provider_ids(user=user))
        .select_related("finding__evaluation__bureau", "finding__project", "provider")
        .prefetch_related(_responses())
        .order_by("status", "due_date", "pk")[:200]
    )


def portal_rectification_get(*, user: User, pk: int) -> Rectification:
    from contracts.selectors import portal_provider_ids

    return get_object_or_404(
        Rectification.objects.filter(provider_id__in=portal_provider_ids(user=user)).select_related(
            "finding__evaluation__bureau"
        ),
        pk=pk,
    )


def evidence_file_get(*, user: User, pk: int) -> EvidenceFile:
    """An evidence file the user may open: of their bureau, or their own provider's."""
    from contracts.selectors import portal_provider_ids

    if user.has_perm("contracts.use_portal"):
        ids = portal_provider_ids(user=user)
        scope = Q(report__contract__award__provider_id__in=ids) | Q(
            response__rectification__provider_id__in=ids
        )
    elif user.has_perm("evaluations.view_outputindicator"):
        scope = bureau_scope(user=user, field="report__contract__bureau") | bureau_scope(
            user=user, field="response__rectification__finding__evaluation__bureau"
        )
    else:
        scope = Q(pk__in=[])
    return get_object_or_404(EvidenceFile.objects.filter(scope), pk=pk)
