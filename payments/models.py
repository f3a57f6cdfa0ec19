"""Budgets, installments, audits and deductions, and posted payments.

What was decided is stored (each budget event, installment, deduction and
payment); what follows from it (paid so far, net payable, execution rate, lateness) is
derived in :mod:`payments.selectors`. Payments are never updated or deleted: the
database refuses it (see migration 0002), and a mistake is corrected by a reversing
payment.

Models read alike where Django's declarations do (a ``Meta`` with verbose names,
ordering and named constraints; a ``__str__``; an ``owning_bureau_id``; choices, one value
and label a line; a field with its label, bounds and default, one argument a line): each
declares its own table, so the likeness is the framework's, not a rule written twice.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Bureau
from contracts.models import MONEY, Contract, Project, positive_amount
from contracts.validators import date_range
from core.models import StoredFile
from payments.webhooks import validate_url as validate_webhook_url

CHINESE_ORDINALS = "一二三四五六七八九十"
PERCENT_RANGE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def installment_label(number: int) -> str:
    """第一期, 第二期, ... (第11期 beyond ten)."""
    if 1 <= number <= len(CHINESE_ORDINALS):
        return f"第{CHINESE_ORDINALS[number - 1]}期"
    return f"第{number}期"


class Budget(models.Model):
    """A project's budget for one fiscal (calendar) year.

    Its figures are not stored here: they follow from its dated events
    (:class:`BudgetEvent`). 全年预算数 (the full-year budget) is 年初预算 + 追加 − 调减;
    实际下达预算 (issued) is 指标下达 + 追加 − 调减 − 收回, the denominator the execution
    rate is measured against; each counts only the events dated on or before the day asked.
    """

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="budgets"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="budgets"
    )
    year = models.PositiveSmallIntegerField(
        _("预算年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    note = models.TextField(_("说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        ordering = ["-year", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="budget_unique_project_year",
                violation_error_message=_("该项目该年度已有预算。"),
            ),
        ]
        indexes = [models.Index(fields=["bureau", "year"], name="budget_bureau_year_idx")]
        permissions = [("view_dashboard", _("可查看预算执行看板"))]

    def __str__(self):
        return f"{self.project} {self.year}"

    def get_absolute_url(self):
        return reverse("payments:budget-detail", args=[self.pk])


class BudgetEvent(models.Model):
    """A dated event of a project-year's budget, with its document number (文号) and reason.

    Events are never edited or deleted (the database refuses an update): a mistake is
    corrected by a later reversing event of the same kind and the opposite amount.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial", _("年初预算")
        ISSUED = "issued", _("指标下达")
        INCREASE = "increase", _("追加")
        DECREASE = "decrease", _("调减")
        WITHDRAWAL = "withdrawal", _("收回")

    # How an event of each kind moves (全年预算, 实际下达预算): +1 adds its amount, −1
    # subtracts it, 0 leaves the figure alone. The selectors and the budget page read this.
    EFFECTS = {
        Kind.INITIAL: (1, 0),
        Kind.ISSUED: (0, 1),
        Kind.INCREASE: (1, 1),
        Kind.DECREASE: (-1, -1),
        Kind.WITHDRAWAL: (0, -1),
    }

    budget = models.ForeignKey(
        Budget, verbose_name=_("预算"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事项"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(
        _("金额（元）"), **MONEY, help_text=_("冲销记录为负数，与被冲销的记录相抵。")
    )
    dated_on = models.DateField(_("业务日期"), validators=date_range())
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    reason = models.TextField(_("事由"))
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销的记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("预算事项")
        verbose_name_plural = _("预算事项")
        ordering = ["dated_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="budget_event_amount_sign",
                violation_error_message=_("金额必须大于 0（冲销记录为负数）。"),
            ),
        ]
        indexes = [models.Index(fields=["budget", "dated_on"], name="budget_event_date_idx")]

    def __str__(self):
        return f"{self.dated_on} {self.get_kind_display()} {self.amount}"

    @property
    def owning_bureau_id(self) -> int:
        """The bureau whose records this is (accounts.caching.bureau_of)."""
        return self.budget.bureau_id

    @property
    def full_year_effect(self) -> Decimal:
        """What this event adds to 全年预算 (negative: takes away)."""
        return self.EFFECTS[self.kind][0] * self.amount

    @property
    def issued_effect(self) -> Decimal:
        """What this event adds to 实际下达预算 (negative: takes away)."""
        return self.EFFECTS[self.kind][1] * self.amount


class FiscalYearClosing(models.Model):
    """A bureau's closed fiscal year (年度结账): nothing dated in it is entered any more;
    a correction is dated in an open year."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="closings"
    )
    year = models.PositiveSmallIntegerField(
        _("结账年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("结账人"), on_delete=models.PROTECT
    )
    closed_at = models.DateTimeField(_("结账时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("年度结账")
        verbose_name_plural = _("年度结账")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year"],
                name="fiscal_year_closing_unique",
                violation_error_message=_("该年度已结账。"),
            ),
        ]
        permissions = [("close_fiscal_year", _("可办理年度结账"))]

    def __str__(self):
        return f"{self.bureau} {self.year}"


class ProgressCheckpoint(models.Model):
    """A bureau's own time-progress target (序时进度) at a month end, e.g. 9月底 ≥ 75%.

    Without checkpoints the target is the elapsed share of the year (month m ends at
    m/12); with them, the target in force is the latest checkpoint reached, and before
    the first one the elapsed share, capped at the first checkpoint's target.
    """

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("月份（月底）"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    target_percent = models.DecimalField(
        _("序时进度目标（%）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("序时进度节点")
        verbose_name_plural = _("序时进度节点")
        ordering = ["bureau", "year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year", "month"],
                name="checkpoint_unique_month",
                violation_error_message=_("该月已设序时进度目标。"),
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gte=0) & Q(target_percent__lte=100),
                name="checkpoint_percent_range",
                violation_error_message=_("序时进度目标必须在 0 到 100 之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} {self.target_percent}%"

    def clean(self):
        # Targets rise with the months, whichever page (or the admin) sets them.
        if self.bureau_id is None or self.year is None or self.month is None:
            return
        if self.target_percent is None:
            return
        others = ProgressCheckpoint.objects.filter(bureau_id=self.bureau_id, year=self.year)
        others = others.exclude(month=self.month).exclude(pk=self.pk)
        clash = (
            others.filter(month__lt=self.month, target_percent__gt=self.target_percent).first()
            or others.filter(month__gt=self.month, target_percent__lt=self.target_percent).first()
        )
        if clash:
            raise ValidationError(
                {
                    "target_percent": _("序时进度应随月份递增：%(month)s月底为 %(target)s%%。")
                    % {"month": clash.month, "target": clash.target_percent}
                }
            )

    @property
    def date(self) -> datetime.date:
        if self.month == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, self.month + 1, 1) - datetime.timedelta(days=1)


class Audit(models.Model):
    """An audit (专项审计, by an accounting firm) or a quality assessment (质量评估, by a
    standards agency). Deductions name one as their source; an installment can wait
    for one to close; an assessment carries the score and grade of the evaluation."""

    class Kind(models.TextChoices):
        AUDIT = "audit", _("专项审计")
        ASSESSMENT = "assessment", _("质量评估")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="audits"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    firm = models.CharField(_("实施机构"), max_length=100, help_text=_("会计师事务所或评估机构。"))
    project = models.ForeignKey(
        Project,
        verbose_name=_("服务项目"),
        on_delete=models.PROTECT,
        related_name="audits",
        null=True,
        blank=True,
        help_text=_("涉及多个项目时可留空。"),
    )
    year = models.PositiveSmallIntegerField(
        _("所属年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    started_on = models.DateField(_("开始日期"), validators=date_range())
    closed_on = models.DateField(
        _("报告日期"),
        null=True,
        blank=True,
        help_text=_("出具报告即视为关闭；关闭前，以其为前置条件的分期款不能审批。"),
        validators=date_range(),
    )
    report_number = models.CharField(_("报告编号"), max_length=60, blank=True)
    findings = models.TextField(_("主要结论"), blank=True)
    score = models.DecimalField(
        _("评估得分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    grade = models.CharField(
        _("评估等级"), max_length=20, blank=True, help_text=_("例如 优秀、良好、合格、不合格。")
    )
    satisfaction = models.CharField(_("满意度"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("审计/评估")
        verbose_name_plural = _("审计/评估")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("started_on")),
                name="audit_closed_after_start",
                violation_error_message=_("报告日期不能早于开始日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.firm} · {self.year}"

    def get_absolute_url(self):
        return reverse("payments:audit-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class Installment(models.Model):
    """One installment (分期款) of a period contract.

    Its status changes only through :func:`payments.services.installment_transition`
    (and the payment services, which move it to and from 已支付).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        AWAITING_DOCUMENTS = "awaiting_documents", _("待交资料")
        DOCUMENTS_SUBMITTED = "documents_submitted", _("资料已交")
        UNDER_REVIEW = "under_review", _("审核中")
        APPROVED = "approved", _("已审批")
        PAID = "paid", _("已支付")
        ON_HOLD = "on_hold", _("暂缓")
        CANCELLED = "cancelled", _("已取消")

    # Open statuses: the installment still expects a payment.
    OPEN = (
        Status.PLANNED,
        Status.AWAITING_DOCUMENTS,
        Status.DOCUMENTS_SUBMITTED,
        Status.UNDER_REVIEW,
        Status.APPROVED,
        Status.ON_HOLD,
    )

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="installments"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("合同"), on_delete=models.PROTECT, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("期次"), validators=[MinValueValidator(1)])
    percent = models.DecimalField(
        _("比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    planned_amount = models.DecimalField(
        _("计划金额（元）"), **MONEY, validators=[positive_amount()]
    )
    due_date = models.DateField(_("应付日期"), validators=date_range())
    documents_due = models.DateField(
        _("资料提交期限"),
        null=True,
        blank=True,
        help_text=_("服务机构应在此日期前提交付款资料。"),
        validators=date_range(),
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.PLANNED
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    approved_on = models.DateField(_("审批日期"), null=True, blank=True, validators=date_range())
    # Held by a decision (an evaluation's result rule, evaluations/cycle.py): only the
    # release of that decision lifts the hold, not the ordinary 恢复审核 step.
    held_by_decision = models.BooleanField(_("因结果应用暂缓"), default=False)
    delay_reason = models.CharField(
        _("延迟原因"),
        max_length=200,
        blank=True,
        help_text=_("例如：服务机构提交资料不及时导致财务封账。"),
    )
    gates = models.ManyToManyField(
        Audit,
        verbose_name=_("前置审计/评估"),
        blank=True,
        related_name="gated_installments",
        help_text=_("这些审计或评估出具报告后，本期款才能审批。"),
    )

    history = HistoricalRecords(m2m_fields=[gates])

    class Meta:
        verbose_name = _("分期款")
        verbose_name_plural = _("分期款")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="installment_unique_number",
                violation_error_message=_("该合同已有相同期次的分期款。"),
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__gt=0),
                name="installment_amount_positive",
                violation_error_message=_("计划金额必须大于 0。"),
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "due_date"], name="installment_bureau_due_idx"),
            models.Index(fields=["status", "due_date"], name="installment_status_due_idx"),
        ]
        permissions = [
            ("request_documents", _("可通知服务机构提交资料")),
            ("submit_documents", _("可登记资料已交齐")),
            ("review_installment", _("可审核分期款")),
            ("approve_installment", _("可审批分期款")),
            ("hold_installment", _("可暂缓或退回分期款")),
            ("cancel_installment", _("可取消分期款")),
            ("backdate_entry", _("可补录过往业务日期")),
        ]

    def __str__(self):
        return f"{self.contract.title} {self.label}"

    def get_absolute_url(self):
        return reverse("payments:installment-detail", args=[self.pk])

    @property
    def label(self) -> str:
        return installment_label(self.number)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class InstallmentTransition(models.Model):
    """Who moved an installment from one status to another, when and why.

    evaluations' ``EvaluationTransition`` has the same fields for its own table. An
    abstract model both derive from would change their migrations for no change of
    schema, so each declares its fields.
    """

    installment = models.ForeignKey(
        Installment, verbose_name=_("分期款"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=24, choices=Installment.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=24, choices=Installment.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT
    )
    dated_on = models.DateField(_("业务日期"), default=timezone.localdate)
    at = models.DateTimeField(_("录入时间"), default=timezone.now)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("分期款状态变更")
        verbose_name_plural = _("分期款状态变更")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.installment_id}: {self.from_status} → {self.to_status}"

    @property
    def backdated(self) -> bool:
        """Entered after the day it happened (补录)."""
        return self.dated_on < timezone.localdate(self.at)

    @property
    def owning_bureau_id(self) -> int:
        """The bureau whose records this is (accounts.caching.bureau_of)."""
        return self.installment.bureau_id


DOCUMENT_STATES = {
    "missing": _("待提交"),
    "submitted": _("已提交待审"),
    "returned": _("已退回"),
    "accepted": _("已接收"),
}


class RequiredDocument(models.Model):
    """A document the provider must hand in before an installment can be paid."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("发票")
        SERVICE_REPORT = "service_report", _("服务报告")
        FINANCIAL_REPORT = "financial_report", _("财务收支报告")
        STAFF_ROSTER = "staff_roster", _("人员花名册及考勤")
        AUDIT_REPORT = "audit_report", _("审计报告")
        OTHER = "other", _("其他")

    installment = models.ForeignKey(
        Installment, verbose_name=_("分期款"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("资料类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("资料名称"), max_length=100, blank=True)
    received_on = models.DateField(_("收到日期"), null=True, blank=True, validators=date_range())
    note = models.CharField(_("备注"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("付款资料")
        verbose_name_plural = _("付款资料")
        ordering = ["installment", "pk"]

    def __str__(self):
        return self.name or self.get_kind_display()

    @property
    def owning_bureau_id(self) -> int:
        """The bureau whose records this is (accounts.caching.bureau_of)."""
        return self.installment.bureau_id

    @property
    def title(self) -> str:
        return self.name or self.get_kind_display()

    @property
    def state(self) -> str:
        """待提交 / 已提交待审 / 已退回 / 已接收, from the received date and the latest file
        (reads ``files``, which the selectors prefetch)."""
        if self.received_on is not None:
            return "accepted"
        files = list(self.files.all())
        if not files:
            return "missing"
        latest = max(files, key=lambda f: (f.uploaded_at, f.pk))
        return latest.status

    @property
    def state_label(self) -> str:
        return DOCUMENT_STATES[self.state]


class DocumentFile(StoredFile):
    """A file the provider (or the bureau for it) hands in for a required document.

    Stored through Django's storage under a generated name (payments.uploads checked its
    content); staff accept the document (its received date is the acceptance's business
    date) or return it with a reason the provider answers with a new upload.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交待审")
        ACCEPTED = "accepted", _("已接收")
        RETURNED = "returned", _("已退回")

    document = models.ForeignKey(
        RequiredDocument, verbose_name=_("付款资料"), on_delete=models.PROTECT, related_name="files"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_on = models.DateField(_("业务日期"), null=True, blank=True, validators=date_range())
    return_reason = models.TextField(_("退回原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资料文件")
        verbose_name_plural = _("资料文件")
        ordering = ["document", "uploaded_at", "pk"]
        permissions = [("review_documentfile", _("可接收或退回服务机构提交的资料"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="documentfile_return_has_reason",
                violation_error_message=_("退回资料须填写原因。"),
            )
        ]

    def get_absolute_url(self):
        return reverse("payments:document-file", args=[self.pk])

    @property
    def owning_bureau_id(self) -> int:
        """The bureau whose records this is (accounts.caching.bureau_of)."""
        return self.document.installment.bureau_id


class Deduction(models.Model):
    """An amount cut from an installment on the strength of an audit or assessment."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="deductions"
    )
    installment = models.ForeignKey(
        Installment, verbose_name=_("分期款"), on_delete=models.PROTECT, related_name="deductions"
    )
    audit = models.ForeignKey(
        Audit,
        verbose_name=_("依据报告"),
        on_delete=models.PROTECT,
        related_name="deductions",
        null=True,
        blank=True,
    )
    # A deduction decided on other grounds than an audit (an approved evaluation's result,
    # applied by the evaluations app): what it rests on, in words, and where to read it.
    basis = models.CharField(_("扣减依据"), max_length=200, blank=True)
    basis_url = models.CharField(_("依据链接"), max_length=300, blank=True)
    amount = models.DecimalField(_("扣减金额（元）"), **MONEY, validators=[positive_amount()])
    decided_on = models.DateField(_("扣减日期"), validators=date_range())
    reason = models.TextField(_("扣减原因"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT
    )
    withdrawn_on = models.DateField(_("撤销日期"), null=True, blank=True, validators=date_range())
    withdrawal_reason = models.TextField(_("撤销原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("扣减")
        verbose_name_plural = _("扣减")
        ordering = ["decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="deduction_amount_positive",
                violation_error_message=_("扣减金额必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(audit__isnull=False) | ~Q(basis=""),
                name="deduction_has_basis",
                violation_error_message=_("扣减须有依据（审计/评估报告或其他依据）。"),
            ),
        ]

    def __str__(self):
        return f"{self.installment} −{self.amount}"

    @property
    def basis_text(self) -> str:
        """What the deduction rests on: its report, or the basis named in words."""
        return str(self.audit.firm) if self.audit_id else self.basis

    @property
    def basis_link(self) -> str:
        return self.audit.get_absolute_url() if self.audit_id else self.basis_url


class PostedPaymentError(ValidationError):
    """An attempt to change or delete a posted payment."""

    def __init__(self):
        super().__init__(_("已过账的支付不能修改或删除，请登记冲销。"), code="posted_payment")


class PaymentQuerySet(models.QuerySet):
    """Payments in bulk can be read and added, never updated or deleted."""

    def update(self, **kwargs):
        raise PostedPaymentError()

    def delete(self):
        raise PostedPaymentError()

    delete.queryset_only = True  # as Django's own: Payment.objects.delete() does not exist


class Payment(models.Model):
    """Money actually paid against one installment, or a reversal of such a payment.

    Posted payments are immutable. Saving a payment again, deleting it, or updating or
    deleting payments in bulk raises :class:`PostedPaymentError` with a message people
    can read; beneath that, the database refuses UPDATE and DELETE (migrations 0002 and
    0006), whatever the code. A reversal is a payment of the opposite amount that names
    the original.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("支付")
        REVERSAL = "reversal", _("冲销")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="payments"
    )
    installment = models.ForeignKey(
        Installment, verbose_name=_("分期款"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    paid_on = models.DateField(_("支付日期"), validators=date_range())
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    voucher_number = models.CharField(_("凭证号"), max_length=40)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销的支付"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    reason = models.TextField(_("说明"), blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT
    )
    posted_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # One per submitted form: a double click or a resubmission cannot post twice.
    request_key = models.UUIDField(_("提交标识"), default=uuid.uuid4, unique=True, editable=False)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="payment") & Q(amount__gt=0) & Q(reverses__isnull=True))
                | (
                    Q(kind="reversal") & Q(amount__lt=0) & Q(reverses__isnull=False) & ~Q(reason="")
                ),
                name="payment_kind_consistent",
                violation_error_message=_("支付金额必须大于 0；冲销金额为负数，并须写明原因。"),
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "paid_on"], name="payment_bureau_date_idx"),
        ]

    def __str__(self):
        return f"{self.voucher_number} {self.amount}"

    def save(self, *args, force_insert=False, **kwargs):
        # Not a business rule but the ledger's integrity: the clear message for what the
        # database triggers would refuse anyway.
        if not self._state.adding or (self.pk is not None and not force_insert):
            raise PostedPaymentError()
        super().save(*args, force_insert=force_insert, **kwargs)

    def delete(self, *args, **kwargs):
        raise PostedPaymentError()


def default_due_soon_days():
    return [15, 7, 3]


ESCALATION_ORDER_MESSAGE = _("紧急级别的天数应大于升级至分管领导的天数。")
# The scan reads installments due this far ahead at most.
MAX_DUE_SOON_DAYS = 365


class ReminderSettings(models.Model):
    """A bureau's reminder thresholds, working hours and group robot (one row per bureau)."""

    bureau = models.OneToOneField(
        Bureau, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="reminder_settings"
    )
    due_soon_days = models.JSONField(
        _("到期提醒（提前天数）"),
        default=default_due_soon_days,
        help_text=_("应付日期前多少天提醒，例如 [15, 7, 3]。"),
    )
    escalate_level2_days = models.PositiveSmallIntegerField(
        _("逾期升级至分管领导（天）"), default=15
    )
    escalate_level3_days = models.PositiveSmallIntegerField(_("逾期标为紧急（天）"), default=30)
    payment_deadline_days = models.PositiveSmallIntegerField(
        _("审批后付款期限（天）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "《保障中小企业款项支付条例》：验收后 30 日内付款，合同另有约定的不超过 60 日。"
        ),
    )
    tolerance_points = models.DecimalField(
        _("落后序时进度容忍度（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=PERCENT_RANGE,
    )
    year_end_target = models.DecimalField(
        _("年末执行率目标（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=PERCENT_RANGE,
    )
    projection_from_month = models.PositiveSmallIntegerField(
        _("从几月起预警年末执行率"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    work_start = models.TimeField(_("工作时间起"), default=datetime.time(9, 0))
    work_end = models.TimeField(_("工作时间止"), default=datetime.time(18, 0))
    work_days = models.JSONField(
        _("工作日"),
        default=list,
        blank=True,
        help_text=_("ISO 星期几，1=周一 … 7=周日；留空为周一至周五。"),
    )
    email_enabled = models.BooleanField(_("发送邮件"), default=True)
    webhook_url = models.URLField(
        _("群机器人地址"),
        blank=True,
        validators=[validate_webhook_url],
        help_text=_(
            "企业微信（qyapi.weixin.qq.com）/钉钉（oapi.dingtalk.com）群机器人的 https "
            "Webhook 地址；留空则不推送。"
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_start__lt=models.F("work_end")),
                name="reminder_hours_order",
                violation_error_message=_("工作时间止必须晚于工作时间起。"),
            ),
            # Escalation runs one way: to the manager first, urgent later (the admin and
            # the settings page both save through here).
            models.CheckConstraint(
                condition=Q(escalate_level3_days__gt=models.F("escalate_level2_days")),
                name="reminder_escalation_order",
                violation_error_message=ESCALATION_ORDER_MESSAGE,
            ),
        ]

    def __str__(self):
        return str(self.bureau)

    def clean(self):
        """The escalation order beside its field, and due-soon days that make sense (a
        JSON field the database cannot check): whole days from 1 to 365."""
        errors = {}
        level2, level3 = self.escalate_level2_days, self.escalate_level3_days
        if level2 is not None and level3 is not None and level3 <= level2:
            errors["escalate_level3_days"] = ESCALATION_ORDER_MESSAGE
        days = self.due_soon_days
        if (
            not isinstance(days, list)
            or not days
            or any(type(d) is not int or not 1 <= d <= MAX_DUE_SOON_DAYS for d in days)
            or len(set(days)) != len(days)
        ):
            errors["due_soon_days"] = _(
                "到期提醒天数应为 1 到 %(max)s 之间互不相同的整数，例如 [15, 7, 3]。"
            ) % {"max": MAX_DUE_SOON_DAYS}
        if errors:
            raise ValidationError(errors)

    @property
    def working_days(self) -> list[int]:
        return self.work_days or [1, 2, 3, 4, 5]


class Notice(models.Model):
    """Something that threatens the execution rate, found once by the reminder scan.

    ``key`` (rule, object, level, period) is unique: a second scan, a retry or two beat
    ticks at once find the notice already there and send nothing again.
    """

    class Rule(models.TextChoices):
        DUE_SOON = "due_soon", _("分期款即将到期")
        DOCUMENTS_LATE = "documents_late", _("付款资料逾期未交")
        LATE = "late", _("分期款逾期未付")
        APPROVED_UNPAID = "approved_unpaid", _("审批后逾期未付款")
        BEHIND_TARGET = "behind_target", _("执行进度落后序时进度")
        PROJECTION_LOW = "projection_low", _("预计年末执行率不达标")
        # Posted by the evaluations app's monitoring rounds, not found by the scan.
        MONITORING = "monitoring", _("绩效运行监控预警")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="notices"
    )
    key = models.CharField(_("提醒标识"), max_length=120, unique=True)
    rule = models.CharField(_("规则"), max_length=20, choices=Rule.choices)
    level = models.PositiveSmallIntegerField(_("级别"), default=1)
    urgent = models.BooleanField(_("紧急"), default=False)
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("分期款"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    deliver_after = models.DateTimeField(
        _("发送时间"), help_text=_("工作时间外发现的提醒，等到工作时间再发送。")
    )
    delivered_at = models.DateTimeField(_("已发送"), null=True, blank=True)
    dispatched_at = models.DateTimeField(
        _("已外发"),
        null=True,
        blank=True,
        help_text=_("邮件与群机器人消息已由发送任务认领（每条提醒只认领一次）。"),
    )
    webhook_sent_at = models.DateTimeField(_("已推送群机器人"), null=True, blank=True)
    provider_emailed_at = models.DateTimeField(_("已邮件通知服务机构"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("已解除"), null=True, blank=True)
    resolution = models.CharField(_("解除原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["delivered_at", "deliver_after"], name="notice_delivery_idx"),
            models.Index(fields=["bureau", "resolved_at"], name="notice_open_idx"),
        ]

    def __str__(self):
        return self.title


class Notification(models.Model):
    """A notice as one person sees it in the notification centre."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("提醒"), on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient"], name="notification_once_per_person"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return f"{self.recipient}: {self.notice}"
