"""The register a bureau works from: providers, projects, awards and period contracts.

A *project* (服务项目) is what the bureau buys; an *award* (中标) is a project won by a
provider for a term at an annual price; under an award the bureau signs *period
contracts* (合同), each a service year or a bridging period, which the payments app
splits into installments.

Models read alike where Django's declarations do (a ``Meta`` with verbose names,
ordering and named constraints; a ``__str__``; choices, one value and label a line): each
declares its own table, so the likeness is the framework's, not a rule written twice.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.caching import owned_through
from accounts.models import Bureau
from contracts.validators import date_range, validate_credit_code, year_range

MONEY = {"max_digits": 14, "decimal_places": 2}
MAX_SOCIAL_WORKERS = 999  # per grade
MAX_SUPERVISION_HOURS = 100_000
MAX_TERM_MONTHS = 120


def positive_amount():
    return MinValueValidator(Decimal("0.01"), message=_("金额必须大于 0。"))


def max_social_workers():
    return MaxValueValidator(
        MAX_SOCIAL_WORKERS, message=_("每个等级的社工人数不能超过 999 人，请核对。")
    )


class ServiceField(models.TextChoices):
    """The 16 fields of social-work service of 深府办规〔2020〕11号 (the seed's first paragraph)."""

    SOCIAL_WELFARE = "social_welfare", _("社会福利")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
    CHARITY = "charity", _("慈善事业")
    COMMUNITY = "community", _("社区建设")
    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    MENTAL_HEALTH = "mental_health", _("精神卫生")
    DISABILITY = "disability", _("残障康复")
    EDUCATION = "education", _("教育辅导")
    EMPLOYMENT = "employment", _("就业援助")
    WORKER_SUPPORT = "worker_support", _("职工帮扶")
    CRIME_PREVENTION = "crime_prevention", _("犯罪预防")
    DRUG_REHABILITATION = "drug_rehabilitation", _("禁毒戒毒")
    CORRECTION = "correction", _("矫治帮教")
    HEALTH = "health", _("卫生健康")
    MEDIATION = "mediation", _("纠纷调解")
    EMERGENCY = "emergency", _("应急处置")


class Provider(models.Model):
    """A service provider (服务机构): the NGO that won the tender."""

    class Rating(models.TextChoices):
        A5 = "5A", "5A"
        A4 = "4A", "4A"
        A3 = "3A", "3A"
        A2 = "2A", "2A"
        A1 = "1A", "1A"

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="providers"
    )
    name = models.CharField(_("机构名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18 位，末位为 GB 32100-2015 校验位；民政登记的社会服务机构以 52 开头。"),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(
        _("联系邮箱"), blank=True, help_text=_("资料逾期提醒会发送到此邮箱。")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    rating = models.CharField(
        _("社会组织评估等级"), max_length=2, choices=Rating.choices, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "credit_code"],
                name="provider_unique_code_per_bureau",
                violation_error_message=_("本单位已登记相同统一社会信用代码的服务机构。"),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("contracts:provider-detail", args=[self.pk])


class Project(models.Model):
    """A service project (服务项目) the bureau buys, with its goals."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("项目名称"), max_length=100)
    service_field = models.CharField(_("服务领域"), max_length=32, choices=ServiceField.choices)
    department = models.CharField(
        _("服务科室"), max_length=50, blank=True, help_text=_("项目社工驻点服务的科室或单位。")
    )
    description = models.TextField(_("项目概况"), blank=True)
    long_term_goals = models.TextField(_("中长期目标"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("项目负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        help_text=_("业务科室的负责人；付款与资料提醒发给他。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "name"],
                name="project_unique_name_per_bureau",
                violation_error_message=_("本单位已有同名服务项目。"),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("contracts:project-detail", args=[self.pk])


class AnnualGoal(models.Model):
    """A project's goals for one year (年度目标)."""

    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.CASCADE, related_name="annual_goals"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=year_range())
    goals = models.TextField(_("年度目标"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="annual_goal_unique_year",
                violation_error_message=_("该项目已有该年度的目标。"),
            )
        ]

    def __str__(self):
        return f"{self.project} {self.year}"

    owning_bureau_id = owned_through("project")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class Award(models.Model):
    """A project won by a provider (中标) for a term at an annual price."""

    class Method(models.TextChoices):
        OPEN_TENDER = "open_tender", _("公开招标")
        INVITED_TENDER = "invited_tender", _("邀请招标")
        NEGOTIATION = "negotiation", _("竞争性谈判")
        CONSULTATION = "consultation", _("竞争性磋商")
        SINGLE_SOURCE = "single_source", _("单一来源")
        INQUIRY = "inquiry", _("询价")
        FRAMEWORK = "framework", _("框架协议")

    project = models.ForeignKey(
        Project, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="awards"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("中标机构"), on_delete=models.PROTECT, related_name="awards"
    )
    procurement_method = models.CharField(_("采购方式"), max_length=20, choices=Method.choices)
    award_date = models.DateField(_("中标日期"), validators=date_range())
    term_start = models.DateField(
        _("中标期起"),
        validators=date_range(),
        help_text=_("中标服务期的第一天；结束日期按中标期月数推算。"),
    )
    term_months = models.PositiveSmallIntegerField(
        _("中标期（月）"),
        validators=[
            MinValueValidator(1),
            MaxValueValidator(MAX_TERM_MONTHS, message=_("中标期不能超过 120 个月。")),
        ],
    )
    annual_amount = models.DecimalField(
        _("中标金额（元/年）"), **MONEY, validators=[positive_amount()]
    )
    notice_number = models.CharField(_("中标公告编号"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("中标")
        verbose_name_plural = _("中标")
        ordering = ["-award_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_amount__gt=0),
                name="award_annual_amount_positive",
                violation_error_message=_("中标金额必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(term_months__gt=0),
                name="award_term_positive",
                violation_error_message=_("中标期至少为 1 个月。"),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.provider}"

    def get_absolute_url(self):
        return reverse("contracts:award-detail", args=[self.pk])

    owning_bureau_id = owned_through("project")

    @property
    def term_end(self) -> datetime.date:
        """The last day of the term: term_start plus term_months, less a day."""
        return add_months(self.term_start, self.term_months) - datetime.timedelta(days=1)


class Contract(models.Model):
    """A period contract (合同) signed under an award: a service year or a bridging period.

    Its status is derived, never stored: 已终止 once a termination is recorded, else by
    the service period against today (see :func:`contracts.selectors.with_status`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("未生效")
        ACTIVE = "active", _("履行中")
        EXPIRED = "expired", _("已到期")
        TERMINATED = "terminated", _("已终止")

    # Denormalised from award.project.bureau so that contract numbers can be unique per
    # bureau in the database and lists can be scoped without joins.
    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="contracts"
    )
    award = models.ForeignKey(
        Award, verbose_name=_("中标"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("合同编号"), max_length=60)
    title = models.CharField(
        _("合同名称"), max_length=100, help_text=_("例如“2023-2024年度合同”“2024年8-12月合同”。")
    )
    signed_on = models.DateField(_("签订日期"), validators=date_range())
    start = models.DateField(_("服务期起"), validators=date_range())
    end = models.DateField(_("服务期止"), validators=date_range())
    amount = models.DecimalField(_("合同金额（元）"), **MONEY, validators=[positive_amount()])
    continuing_service = models.BooleanField(
        _("持续性服务"),
        default=False,
        help_text=_("政府采购法实施条例：合同期一般不超过 1 年，持续性服务不超过 3 年。"),
    )
    social_workers_senior = models.PositiveSmallIntegerField(
        _("高级社工师（人）"), default=0, validators=[max_social_workers()]
    )
    social_workers_intermediate = models.PositiveSmallIntegerField(
        _("中级社工师（人）"), default=0, validators=[max_social_workers()]
    )
    social_workers_assistant = models.PositiveSmallIntegerField(
        _("助理社工师（人）"), default=0, validators=[max_social_workers()]
    )
    supervision_hours = models.PositiveIntegerField(
        _("督导时数（小时）"),
        default=0,
        validators=[
            MaxValueValidator(
                MAX_SUPERVISION_HOURS, message=_("督导时数不能超过 100000 小时，请核对。")
            )
        ],
    )

    class ReportFrequency(models.TextChoices):
        MONTHLY = "monthly", _("按月")
        QUARTERLY = "quarterly", _("按季度")

    report_frequency = models.CharField(
        _("服务报告周期"),
        max_length=10,
        choices=ReportFrequency.choices,
        default=ReportFrequency.QUARTERLY,
        help_text=_("服务机构在门户提交服务报告的周期：每份报告覆盖一个完整的自然月或季度。"),
    )
    payment_term_days = models.PositiveSmallIntegerField(
        _("付款期限（天）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "验收（审批）后多少天内付款；留空按本单位提醒设置（默认 30 天）。"
            "《保障中小企业款项支付条例》：合同另有约定的不超过 60 日。"
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contracts",
        help_text=_("业务科室的经办人；付款与资料提醒发给他。"),
    )
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True, validators=date_range())
    termination_reason = models.TextField(_("终止原因"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        ordering = ["-start", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "number"],
                name="contract_unique_number_per_bureau",
                violation_error_message=_("本单位已有相同编号的合同。"),
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="contract_start_before_end",
                violation_error_message=_("服务期止必须晚于服务期起。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="contract_amount_positive",
                violation_error_message=_("合同金额必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | ~Q(termination_reason=""),
                name="contract_termination_has_reason",
                violation_error_message=_("终止合同须填写终止原因。"),
            ),
        ]
        indexes = [models.Index(fields=["bureau", "start", "end"], name="contract_period_idx")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:contract-detail", args=[self.pk])

    def status_on(self, day: datetime.date | None = None) -> str:
        """The status on ``day`` (today by default), by the same rule as the database."""
        day = day or timezone.localdate()
        if self.terminated_on is not None:
            return self.Status.TERMINATED
        if day < self.start:
            return self.Status.PENDING
        if day > self.end:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status_label(self) -> str:
        """The status label; uses the ``status`` annotation of the selectors when present."""
        return self.Status(getattr(self, "status", None) or self.status_on()).label

    @property
    def social_workers_total(self) -> int:
        return (
            self.social_workers_senior
            + self.social_workers_intermediate
            + self.social_workers_assistant
        )


def attachment_path(instance, filename):
    return f"contracts/{instance.contract.bureau_id}/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    """A file kept with a contract, such as the signed contract as PDF."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("合同"), on_delete=models.PROTECT, related_name="attachments"
    )
    title = models.CharField(_("附件名称"), max_length=100)
    file = models.FileField(
        _("文件（PDF）"),
        upload_to=attachment_path,
        validators=[FileExtensionValidator(["pdf"])],
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同附件")
        verbose_name_plural = _("合同附件")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title

    owning_bureau_id = owned_through("contract")


class ProviderMembership(models.Model):
    """A provider's person (服务机构账户) linked to a bureau's provider record.

    Each bureau that registers the provider invites its people itself: an NGO serving two
    bureaus has one account with a membership in each, and sees both bureaus' contracts
    with it; each bureau sees and deactivates only its own memberships. The account itself
    belongs to no bureau and holds the provider role only.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.PROTECT,
        related_name="provider_memberships",
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(_("有效"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    invited_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务机构账户")
        verbose_name_plural = _("服务机构账户")
        ordering = ["provider", "user"]
        permissions = [("use_portal", _("可使用服务机构门户"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"],
                name="providermembership_unique",
                violation_error_message=_("该账户已关联此服务机构。"),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.provider}"

    owning_bureau_id = owned_through("provider")
