"""Performance evaluation (绩效评价): indicator templates, evaluations and their scored
rows, output indicators, findings and rectification, and the figures stated by hand that
the records must reconcile with.

An evaluation keeps a frozen copy of its template's rows, so a later change of the
template never changes a past evaluation. Totals and grades are derived, never stored.

Models read alike where Django's declarations do (a ``Meta`` with verbose names,
ordering and named constraints; a ``__str__``; choices, one value and label a line), and
``EvaluationTransition`` has the fields of payments' ``InstallmentTransition`` because
each is the status history of its own table: the likeness is the framework's, not a rule
written twice.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.caching import bureau_of, owned_through
from accounts.models import Bureau
from contracts.models import Project
from contracts.validators import date_range
from core.models import StoredFile

SCORE = {"max_digits": 5, "decimal_places": 2}
# Scores, weights and figures are never negative; an output update is a signed correction.
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class GradeScale(models.Model):
    """A set of grade bands (e.g. the Ministry's 优/良/中/差), stored as data."""

    name = models.CharField(_("名称"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("等级标准")
        verbose_name_plural = _("等级标准")

    def __str__(self):
        return self.name

    def grade_for(self, total: Decimal | None, bands=None) -> str:
        if total is None:
            return ""
        for band in bands if bands is not None else self.bands.all():
            if band.lower <= total and (band.upper is None or total < band.upper):
                return band.label
        return ""


class GradeBand(models.Model):
    """One band: ``lower`` ≤ total < ``upper`` (no upper: up to and including 100)."""

    scale = models.ForeignKey(
        GradeScale, verbose_name=_("等级标准"), on_delete=models.CASCADE, related_name="bands"
    )
    label = models.CharField(_("等级"), max_length=10)
    lower = models.DecimalField(_("下限（含）"), **SCORE, validators=NON_NEGATIVE)
    upper = models.DecimalField(
        _("上限（不含）"), **SCORE, null=True, blank=True, validators=NON_NEGATIVE
    )

    class Meta:
        verbose_name = _("等级区间")
        verbose_name_plural = _("等级区间")
        ordering = ["scale", "-lower"]
        constraints = [
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=F("lower")),
                name="grade_band_order",
                violation_error_message=_("上限必须大于下限。"),
            ),
        ]

    def __str__(self):
        return f"{self.label} [{self.lower}, {self.upper or 100}]"


class Source(models.TextChoices):
    """Where a row's actual value comes from."""

    MANUAL = "manual", _("人工评分")
    FUNDS_IN_PLACE = "funds_in_place", _("资金到位率（预算记录）")
    EXECUTION_RATE = "execution_rate", _("预算执行率（支付记录）")
    OUTPUT_QUANTITY = "output_quantity", _("产出数量完成率（产出指标）")
    TIMELINESS = "timeliness", _("完成及时性（产出与分期款日期）")


class IndicatorTemplate(models.Model):
    """A three-level indicator table (一级/二级/三级) with weights totalling 100."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("可用"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标模板")
        verbose_name_plural = _("指标模板")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TemplateRow(models.Model):
    template = models.ForeignKey(
        IndicatorTemplate, verbose_name=_("指标模板"), on_delete=models.CASCADE, related_name="rows"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    level1 = models.CharField(_("一级指标"), max_length=20)
    level2 = models.CharField(_("二级指标"), max_length=30)
    level3 = models.CharField(_("三级指标"), max_length=60, blank=True)
    content = models.TextField(_("指标内容"), blank=True)
    target_value = models.CharField(_("指标值"), max_length=100, blank=True)
    weight = models.DecimalField(
        _("分值"), **SCORE, validators=[MinValueValidator(Decimal("0.01"))]
    )
    source = models.CharField(
        _("数据来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标模板行")
        verbose_name_plural = _("指标模板行")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "order"],
                name="template_row_unique_order",
                violation_error_message=_("模板中已有相同序号的指标。"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="template_row_weight_positive",
                violation_error_message=_("分值必须大于 0。"),
            ),
        ]

    def __str__(self):
        return f"{self.level1}/{self.level2}/{self.level3}"


class Evaluation(models.Model):
    """A yearly evaluation of a bureau's purchased services, scored on a frozen table."""

    class Kind(models.TextChoices):
        SELF = "self", _("单位自评")
        DEPARTMENT = "department", _("部门评价")
        THIRD_PARTY = "third_party", _("第三方评价")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已审定")
        LOCKED = "locked", _("已锁定")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(
        _("评价年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("标题"), max_length=120)
    kind = models.CharField(_("评价类型"), max_length=12, choices=Kind.choices, default=Kind.SELF)
    projects = models.ManyToManyField(
        Project, verbose_name=_("评价项目"), related_name="evaluations"
    )
    template_name = models.CharField(
        _("指标模板"), max_length=100, help_text=_("创建时所用模板的名称（指标行已复制保存）。")
    )
    grade_scale = models.ForeignKey(
        GradeScale, verbose_name=_("等级标准"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    # Narrative only a person can write; the report takes it from here.
    background = models.TextField(_("项目背景与政策依据"), blank=True)
    purpose = models.TextField(_("评价目的、对象和范围"), blank=True)
    method = models.TextField(_("评价原则、方法和标准"), blank=True)
    process = models.TextField(_("评价工作过程"), blank=True)
    conclusion = models.TextField(_("综合评价结论"), blank=True)
    decision_analysis = models.TextField(_("项目决策情况分析"), blank=True)
    process_analysis = models.TextField(_("项目过程情况分析"), blank=True)
    benefit_analysis = models.TextField(_("项目效益情况分析"), blank=True)
    experience = models.TextField(_("主要经验及做法"), blank=True)
    # What the records gave when the computed rows were last filled: frozen once approved.
    computed_figures = models.JSONField(_("记录计算结果"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    history = HistoricalRecords()

    # What a person writes (the title and the narrative): edited together, frozen on approval.
    NARRATIVE_FIELDS = (
        "title",
        "background",
        "purpose",
        "method",
        "process",
        "conclusion",
        "decision_analysis",
        "process_analysis",
        "benefit_analysis",
        "experience",
    )

    class Meta:
        verbose_name = _("绩效评价")
        verbose_name_plural = _("绩效评价")
        ordering = ["-year", "title"]
        permissions = [
            ("submit_evaluation", _("可提交绩效评价")),
            ("approve_evaluation", _("可审定绩效评价")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evaluations:evaluation-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class EvaluationTransition(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("绩效评价"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=Evaluation.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Evaluation.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("评价状态变更")
        verbose_name_plural = _("评价状态变更")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.evaluation_id}: {self.from_status} → {self.to_status}"

    owning_bureau_id = owned_through("evaluation")


def snapshot_path(instance, filename):
    return f"evaluations/{instance.evaluation.bureau_id}/{instance.evaluation_id}/{filename}"


class EvaluationSnapshot(models.Model):
    """What an approval froze (审定版本): every row, the stated figures, the figures the
    records gave, the grade and the narrative, and the report file as it was generated.

    Written once by :func:`evaluations.services.evaluation_transition` and never changed:
    the report downloaded for the version is this file, byte for byte, whatever the
    records say later. A reopened and re-approved evaluation gets a new version.
    """

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("绩效评价"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    version = models.PositiveSmallIntegerField(_("版本"))
    approved_on = models.DateField(_("审定日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    data = models.JSONField(_("审定内容"), default=dict)
    report = models.FileField(_("评价报告"), upload_to=snapshot_path, max_length=200)
    report_sha256 = models.CharField(_("报告 SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("审定版本")
        verbose_name_plural = _("审定版本")
        ordering = ["evaluation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "version"],
                name="evaluation_snapshot_unique_version",
                violation_error_message=_("该评价已有相同版本号的审定版本。"),
            ),
        ]

    def __str__(self):
        return f"{self.evaluation} v{self.version}"

    def get_absolute_url(self):
        return reverse("evaluations:snapshot-report", args=[self.evaluation_id, self.version])

    owning_bureau_id = owned_through("evaluation")


class EvaluationRow(models.Model):
    """One scored row: a frozen copy of a template row, and what was found."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("绩效评价"), on_delete=models.CASCADE, related_name="rows"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    level1 = models.CharField(_("一级指标"), max_length=20)
    level2 = models.CharField(_("二级指标"), max_length=30)
    level3 = models.CharField(_("三级指标"), max_length=60, blank=True)
    content = models.TextField(_("指标内容"), blank=True)
    target_value = models.CharField(_("指标值"), max_length=100, blank=True)
    weight = models.DecimalField(_("分值"), **SCORE, validators=NON_NEGATIVE)
    source = models.CharField(
        _("数据来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    actual_value = models.CharField(_("实际完成值"), max_length=200, blank=True)
    computed_value = models.DecimalField(
        _("计算值（%）"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("由记录计算，不能手工修改。"),
    )
    computed_score = models.DecimalField(_("计算得分"), **SCORE, null=True, blank=True)
    computed_note = models.TextField(_("计算依据"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    score = models.DecimalField(
        _("评价得分"), **SCORE, null=True, blank=True, validators=NON_NEGATIVE
    )
    score_overridden = models.BooleanField(_("人工调整计算得分"), default=False)
    override_reason = models.TextField(_("调整理由"), blank=True)
    evidence = models.TextField(_("评分依据"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价指标行")
        verbose_name_plural = _("评价指标行")
        ordering = ["evaluation", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "order"],
                name="evaluation_row_unique_order",
                violation_error_message=_("评价表中已有相同序号的指标。"),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=F("weight"))),
                name="evaluation_row_score_within_weight",
                violation_error_message=_("评价得分必须在 0 与分值之间。"),
            ),
            models.CheckConstraint(
                condition=Q(score_overridden=False) | ~Q(override_reason=""),
                name="evaluation_row_override_has_reason",
                violation_error_message=_("人工调整计算得分须填写调整理由。"),
            ),
        ]

    def __str__(self):
        return f"{self.level1}/{self.level2}/{self.level3}"

    owning_bureau_id = owned_through("evaluation")

    @property
    def is_computed(self) -> bool:
        return self.source != Source.MANUAL


class StatedFigure(models.Model):
    """A figure stated by hand (in a narrative, an imported report) to reconcile with records."""

    class Key(models.TextChoices):
        EXECUTION_RATE = "execution_rate", _("预算执行率（%）")
        FUNDS_IN_PLACE = "funds_in_place", _("资金到位率（%）")
        PAID = "paid", _("全年实际支出（元）")
        ISSUED = "issued", _("实际下达预算（元）")

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("绩效评价"),
        on_delete=models.CASCADE,
        related_name="stated_figures",
    )
    key = models.CharField(_("数字"), max_length=20, choices=Key.choices)
    value = models.DecimalField(
        _("陈述值"), max_digits=14, decimal_places=2, validators=NON_NEGATIVE
    )
    source = models.CharField(
        _("出处"), max_length=200, help_text=_("例如：自评报告正文“一、基本情况”。")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("陈述数字")
        verbose_name_plural = _("陈述数字")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "key"],
                name="stated_figure_unique_key",
                violation_error_message=_("该评价已填写这一陈述数字。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_key_display()} {self.value}"

    owning_bureau_id = owned_through("evaluation")


class OutputIndicator(models.Model):
    """An output indicator (产出指标) of a project for a year: target and actual.

    With dated updates, the actual is their sum; without, it is the stored value. The two
    never mix: the first update is refused while a non-zero actual is stored, and once
    updates exist the stored actual can no longer be edited (see services.output_record).
    """

    class Kind(models.TextChoices):
        QUANTITY = "quantity", _("数量")
        RATE = "rate", _("比率")
        SATISFACTION = "satisfaction", _("满意度")

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", "≥"
        ABOUT = "about", _("约")
        EQUAL = "eq", "="

    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.CASCADE, related_name="outputs"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("指标名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.QUANTITY)
    unit = models.CharField(_("单位"), max_length=10)
    comparator = models.CharField(
        _("比较"), max_length=5, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target = models.DecimalField(
        _("目标值"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    actual = models.DecimalField(
        _("实际完成值"),
        max_digits=12,
        decimal_places=2,
        validators=NON_NEGATIVE,
        null=True,
        blank=True,
        help_text=_("有分次记录时，实际值为各次之和。"),
    )
    due_on = models.DateField(
        _("计划完成日期"),
        null=True,
        blank=True,
        help_text=_("留空则为当年 12 月 31 日。"),
        validators=date_range(),
    )
    completed_on = models.DateField(
        _("完成日期"),
        null=True,
        blank=True,
        help_text=_("未分次记录时，达到目标值的日期；用于判断完成及时性。"),
        validators=date_range(),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("产出指标")
        verbose_name_plural = _("产出指标")
        ordering = ["project", "year", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "name"],
                name="output_unique_name",
                violation_error_message=_("该项目该年度已有同名产出指标。"),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.target}{self.unit}"

    owning_bureau_id = owned_through("project")


class OutputUpdate(models.Model):
    """A dated addition to an output indicator's actual (e.g. 3 home visits on a day)."""

    indicator = models.ForeignKey(
        OutputIndicator,
        verbose_name=_("产出指标"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    date = models.DateField(_("日期"), validators=date_range())
    amount = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("产出记录")
        verbose_name_plural = _("产出记录")
        ordering = ["indicator", "date", "pk"]

    def __str__(self):
        return f"{self.date} +{self.amount}"

    owning_bureau_id = owned_through("indicator")


class Finding(models.Model):
    """A problem found (存在的问题) and its cause."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("绩效评价"), on_delete=models.CASCADE, related_name="findings"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    project = models.ForeignKey(
        Project,
        verbose_name=_("服务项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
    )
    problem = models.TextField(_("问题"))
    cause = models.TextField(_("原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["evaluation", "order", "pk"]

    def __str__(self):
        return self.problem[:40]

    owning_bureau_id = owned_through("evaluation")


class Rectification(models.Model):
    """A recommendation (建议) and the rectification that follows it (整改)."""

    class Status(models.TextChoices):
        OPEN = "open", _("未开始")
        IN_PROGRESS = "in_progress", _("整改中")
        DONE = "done", _("已完成")

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="rectifications"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    recommendation = models.TextField(_("建议"))
    owner = models.CharField(_("责任人/科室"), max_length=60, blank=True)
    due_date = models.DateField(_("整改期限"), null=True, blank=True, validators=date_range())
    status = models.CharField(
        _("整改状态"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    evidence = models.TextField(_("完成情况及佐证"), blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True, validators=date_range())
    provider = models.ForeignKey(
        "contracts.Provider",
        verbose_name=_("整改服务机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        help_text=_("选中后，该整改出现在服务机构门户，由服务机构答复整改情况。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["finding", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(completed_on__isnull=False) & ~Q(evidence="")),
                name="rectification_done_has_evidence",
                violation_error_message=_("整改完成须填写完成日期和完成情况及佐证。"),
            ),
        ]

    def __str__(self):
        return self.recommendation[:40]

    owning_bureau_id = owned_through("finding")


# --- what the provider hands in through its portal ---------------------------------------------


class ServiceReport(models.Model):
    """A periodic service report (服务报告) the provider hands in for a contract: the values
    of the project's output indicators for the period, and evidence files. Staff verify it
    (each value becomes an output update the evaluation counts) or return it with a reason.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待核实")
        VERIFIED = "verified", _("已核实")
        RETURNED = "returned", _("已退回")

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("合同"),
        on_delete=models.PROTECT,
        related_name="service_reports",
    )
    period_start = models.DateField(_("报告期起"), validators=date_range())
    period_end = models.DateField(_("报告期止"), validators=date_range())
    summary = models.TextField(_("服务情况"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务报告")
        verbose_name_plural = _("服务报告")
        ordering = ["contract", "-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="servicereport_period_order",
                violation_error_message=_("报告期止不能早于报告期起。"),
            ),
            # One report per period: a returned one may be handed in again.
            models.UniqueConstraint(
                fields=["contract", "period_start", "period_end"],
                condition=~Q(status="returned"),
                name="servicereport_one_per_period",
                violation_error_message=_(
                    "该报告期已提交服务报告（待核实或已核实），不能重复提交；被退回的报告可重新提交。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.contract.title} {self.period_start}—{self.period_end}"

    def get_absolute_url(self):
        return reverse("evaluations:service-report", args=[self.pk])

    owning_bureau_id = owned_through("contract")


class ServiceReportValue(models.Model):
    """One output indicator's value in a service report; on verification, the output
    update it became."""

    report = models.ForeignKey(
        ServiceReport, verbose_name=_("服务报告"), on_delete=models.CASCADE, related_name="values"
    )
    indicator = models.ForeignKey(
        OutputIndicator, verbose_name=_("产出指标"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(
        _("本期完成"), max_digits=12, decimal_places=2, validators=NON_NEGATIVE
    )
    update = models.OneToOneField(
        OutputUpdate,
        verbose_name=_("产出记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_value",
    )

    class Meta:
        verbose_name = _("服务报告产出值")
        verbose_name_plural = _("服务报告产出值")
        ordering = ["report", "indicator__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"],
                name="servicereportvalue_unique_indicator",
                violation_error_message=_("同一服务报告中每项产出指标只能填写一次。"),
            )
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.amount}"

    owning_bureau_id = owned_through("report")


class RectificationResponse(models.Model):
    """The provider's answer to a rectification addressed to it: what it did, with
    evidence; staff close the rectification on it or reopen it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待确认")
        CLOSED = "closed", _("已确认整改完成")
        REOPENED = "reopened", _("已退回继续整改")

    rectification = models.ForeignKey(
        Rectification, verbose_name=_("整改"), on_delete=models.PROTECT, related_name="responses"
    )
    text = models.TextField(_("整改情况"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decision = models.CharField(
        _("确认结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.TextField(_("确认意见"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改答复")
        verbose_name_plural = _("整改答复")
        ordering = ["rectification", "submitted_at", "pk"]

    def __str__(self):
        return self.text[:40]

    owning_bureau_id = owned_through("rectification")


class EvidenceFile(StoredFile):
    """An evidence file of a service report or of a rectification answer, checked and
    stored like the payment documents' files (payments.uploads)."""

    report = models.ForeignKey(
        ServiceReport,
        verbose_name=_("服务报告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    response = models.ForeignKey(
        RectificationResponse,
        verbose_name=_("整改答复"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )

    class Meta:
        verbose_name = _("佐证文件")
        verbose_name_plural = _("佐证文件")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False, response__isnull=True)
                | Q(report__isnull=True, response__isnull=False),
                name="evidencefile_one_owner",
                violation_error_message=_("佐证文件须属于一份服务报告或一次整改答复。"),
            )
        ]

    @property
    def owning_bureau_id(self):
        return bureau_of(self.report or self.response)


# --- the performance cycle: targets, monitoring rounds, result application -------------------
# Targets declared with the budget (绩效目标), monitored mid-year (运行监控, 财预〔2019〕136号),
# and the evaluation's result applied (结果应用). Written by evaluations/cycle.py.

TARGET_VALUE = {"max_digits": 12, "decimal_places": 2}


class Comparator(models.TextChoices):
    """How a target is read: at least, at most, exactly, about."""

    AT_LEAST = "gte", "≥"
    AT_MOST = "lte", "≤"
    EQUAL = "eq", "="
    ABOUT = "about", _("约")


class PerformanceTarget(models.Model):
    """A project's performance targets for a year (绩效目标申报): declared from its outputs
    and the evaluation template, approved by the manager, then frozen; changed afterwards
    only by a dated adjustment with a reason (:class:`TargetAdjustment`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审定")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_on = models.DateField(_("审定日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        ordering = ["-year", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="performance_target_unique_year",
                violation_error_message=_("该项目该年度已有绩效目标。"),
            ),
        ]
        permissions = [("approve_target", _("可审定绩效目标与监控"))]

    def __str__(self):
        return f"{self.project} {self.year}"

    def get_absolute_url(self):
        return reverse("evaluations:target-detail", args=[self.pk])


class TargetIndicator(models.Model):
    """One indicator of a target: category (产出/效益/满意度), value, unit, comparator.

    ``value`` is the value as declared; adjustments after approval are dated rows of
    :class:`TargetAdjustment`, and the value in force on a day is the last of them.
    """

    class Category(models.TextChoices):
        OUTPUT = "output", _("产出指标")
        EFFECT = "effect", _("效益指标")
        SATISFACTION = "satisfaction", _("满意度指标")

    target = models.ForeignKey(
        PerformanceTarget,
        verbose_name=_("绩效目标"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    category = models.CharField(_("指标类别"), max_length=12, choices=Category.choices)
    name = models.CharField(_("指标名称"), max_length=60)
    comparator = models.CharField(
        _("比较"), max_length=5, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    value = models.DecimalField(_("指标值"), **TARGET_VALUE, validators=NON_NEGATIVE)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    # Counted through the year (home visits): projected straight-line; a rate or a
    # satisfaction is a level, projected as it stands.
    cumulative = models.BooleanField(_("累计指标"), default=True)
    output = models.ForeignKey(
        OutputIndicator,
        verbose_name=_("产出指标"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标指标")
        verbose_name_plural = _("目标指标")
        ordering = ["target", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "order"],
                name="target_indicator_unique_order",
                violation_error_message=_("该绩效目标已有相同序号的指标。"),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.get_comparator_display()}{self.value}{self.unit}"

    owning_bureau_id = owned_through("target")


class TargetAdjustment(models.Model):
    """A dated change of an approved target's indicator value, with its reason."""

    indicator = models.ForeignKey(
        TargetIndicator,
        verbose_name=_("目标指标"),
        on_delete=models.PROTECT,
        related_name="adjustments",
    )
    dated_on = models.DateField(_("调整日期"), validators=date_range())
    old_value = models.DecimalField(_("原指标值"), **TARGET_VALUE)
    new_value = models.DecimalField(_("新指标值"), **TARGET_VALUE, validators=NON_NEGATIVE)
    reason = models.TextField(_("调整理由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("目标调整")
        verbose_name_plural = _("目标调整")
        ordering = ["indicator", "dated_on", "pk"]

    def __str__(self):
        return f"{self.indicator.name}: {self.old_value} → {self.new_value}"

    owning_bureau_id = owned_through("indicator")


class MonitoringRound(models.Model):
    """A mid-year monitoring round (运行监控) of a bureau's projects as of a cut-off date.

    While a draft its figures are recomputed from the records; the manager's approval
    freezes them (the rows keep what they said; later records do not change them).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审定")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    cut_off = models.DateField(_("监控截止日期"), validators=date_range())
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    time_progress = models.DecimalField(_("序时进度（%）"), max_digits=7, decimal_places=2)
    tolerance = models.DecimalField(_("容忍偏差（百分点）"), max_digits=5, decimal_places=2)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_on = models.DateField(_("审定日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("绩效运行监控")
        verbose_name_plural = _("绩效运行监控")
        ordering = ["-year", "-cut_off"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "cut_off"],
                name="monitoring_round_unique_cut_off",
                violation_error_message=_("本单位已有该截止日期的监控。"),
            ),
        ]

    def __str__(self):
        return _("%(year)s年绩效运行监控（截至%(date)s）") % {
            "year": self.year,
            "date": f"{self.cut_off.month}月{self.cut_off.day}日",
        }

    def get_absolute_url(self):
        return reverse("evaluations:round-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class MonitoringProject(models.Model):
    """A project in a round: its money as of the cut-off, and why it lags, if it does."""

    round = models.ForeignKey(
        MonitoringRound, verbose_name=_("监控"), on_delete=models.CASCADE, related_name="projects"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="+"
    )
    initial = models.DecimalField(_("年初预算（元）"), max_digits=16, decimal_places=2)
    full_year = models.DecimalField(_("全年预算（元）"), max_digits=16, decimal_places=2)
    issued = models.DecimalField(_("实际下达（元）"), max_digits=16, decimal_places=2)
    paid = models.DecimalField(_("执行数（元）"), max_digits=16, decimal_places=2)
    scheduled = models.DecimalField(_("年内待付（元）"), max_digits=16, decimal_places=2)
    cause = models.TextField(_("偏差原因"), blank=True)
    measure = models.TextField(_("纠偏措施"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监控项目")
        verbose_name_plural = _("监控项目")
        ordering = ["round", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "project"],
                name="monitoring_project_unique",
                violation_error_message=_("该监控已包含此项目。"),
            ),
        ]

    def __str__(self):
        return str(self.project)

    owning_bureau_id = owned_through("round")


class MonitoringLine(models.Model):
    """An indicator in a round: target, reached by the cut-off, expected at year end."""

    entry = models.ForeignKey(
        MonitoringProject,
        verbose_name=_("监控项目"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    indicator = models.ForeignKey(
        TargetIndicator, verbose_name=_("目标指标"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    category = models.CharField(_("指标类别"), max_length=12)
    name = models.CharField(_("指标名称"), max_length=60)
    comparator = models.CharField(_("比较"), max_length=5, choices=Comparator.choices)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    target = models.DecimalField(_("年度指标值"), **TARGET_VALUE)
    reached = models.DecimalField(_("截至日完成值"), **TARGET_VALUE, null=True, blank=True)
    projected = models.DecimalField(_("直线推算全年值"), **TARGET_VALUE, null=True, blank=True)
    expected = models.DecimalField(
        _("全年预计完成值"),
        **TARGET_VALUE,
        null=True,
        blank=True,
        help_text=_("留空则按直线推算。"),
    )
    cause = models.TextField(_("偏差原因"), blank=True)
    measure = models.TextField(_("纠偏措施"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监控指标")
        verbose_name_plural = _("监控指标")
        ordering = ["entry", "order"]

    def __str__(self):
        return self.name

    owning_bureau_id = owned_through("entry")

    @property
    def year_end(self) -> Decimal | None:
        """What the year is expected to end at: entered, else the straight line."""
        return self.expected if self.expected is not None else self.projected


class ResultRule(models.Model):
    """A bureau's rule of result application (结果应用) on an evaluation's final grade."""

    class Effect(models.TextChoices):
        NONE = "none", _("无")
        DEDUCT = "deduct", _("扣减末期款")
        HOLD = "hold", _("暂缓末期款并标记服务机构")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("评价等级"), max_length=10)
    effect = models.CharField(_("处理"), max_length=10, choices=Effect.choices)
    percent = models.DecimalField(
        _("扣减比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("结果应用规则")
        verbose_name_plural = _("结果应用规则")
        ordering = ["bureau", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "grade"],
                name="result_rule_unique_grade",
                violation_error_message=_("本单位已有该等级的规则。"),
            ),
            models.CheckConstraint(
                condition=~Q(effect="deduct") | Q(percent__isnull=False),
                name="result_rule_deduct_has_percent",
                violation_error_message=_("扣减须填写扣减比例。"),
            ),
        ]

    def __str__(self):
        text = f"{self.grade} → {self.get_effect_display()}"
        return f"{text} {self.percent}%" if self.effect == self.Effect.DEDUCT else text

    def get_absolute_url(self):
        return reverse("evaluations:rule-list")


class ResultEffect(models.Model):
    """What a rule did when an evaluation was approved; withdrawn when it is reopened."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("绩效评价"), on_delete=models.PROTECT, related_name="effects"
    )
    rule = models.ForeignKey(
        ResultRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="effects"
    )
    # The rule as it read when applied (rules are data and may change later).
    rule_text = models.CharField(_("规则内容"), max_length=120)
    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "contracts.Provider", verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="+"
    )
    installment = models.ForeignKey(
        "payments.Installment",
        verbose_name=_("分期款"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deduction = models.ForeignKey(
        "payments.Deduction",
        verbose_name=_("扣减"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    effect = models.CharField(_("处理"), max_length=10, choices=ResultRule.Effect.choices)
    applied_on = models.DateField(_("应用日期"))
    released_on = models.DateField(_("解除暂缓日期"), null=True, blank=True)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("结果应用")
        verbose_name_plural = _("结果应用")
        ordering = ["-applied_on", "pk"]

    def __str__(self):
        return f"{self.evaluation}: {self.rule_text}"

    owning_bureau_id = owned_through("evaluation")

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None
