"""Bureaus (购买单位), the people who work in them, their role grants, and the security
audit log (安全审计).

Models read alike where Django's declarations do (a ``Meta`` with verbose names and named
constraints; a foreign key to the user spelled out one option a line; choices, one value
and label a line): each declares its own table, so the likeness is the framework's.
"""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, _user_has_perm
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import DUTY_APPS, PLATFORM_MODELS, ROLE_PRIORITY, Role

division_code_validator = RegexValidator(
    r"^\d{6}$", _("行政区划代码为 6 位数字，例如盐田区 440308。")
)


class Bureau(models.Model):
    """A purchasing unit: a civil-affairs bureau (民政局) of a district, city or province.

    Users of a city-wide bureau see the records of every bureau whose administrative
    division code lies under theirs (a city 440300 sees 440308, 440303, ...).
    """

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    division_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        validators=[division_code_validator],
        help_text=_("6 位国家行政区划代码：省 XX0000，市 XXXX00，区县 XXXXXX。"),
    )
    is_city_wide = models.BooleanField(
        _("市级（跨单位）"),
        default=False,
        help_text=_("选中后，本单位用户可查看辖区内所有单位的记录。"),
    )
    require_otp = models.BooleanField(
        _("登录须动态口令"),
        default=False,
        db_default=False,
        help_text=_(
            "选中后，本单位的财务、分管领导和管理员登录时除密码外还须输入手机验证器"
            "（TOTP）生成的 6 位动态口令。"
        ),
    )
    # Segregation of duties on payments (不相容岗位分离), set by the security administrator
    # so that the people it restrains cannot turn it off themselves.
    four_eyes = models.BooleanField(
        _("付款四眼原则"),
        default=True,
        db_default=True,
        help_text=_(
            "选中后，开始审核分期款的人不能审批该期，审批的人不能登记该期付款；"
            "超过审批限额的分期款须由分管领导审批。"
        ),
    )
    approval_threshold = models.DecimalField(
        _("分管领导审批限额（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("100000.00"),
        db_default=Decimal("100000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("计划金额超过此限额的分期款须由分管领导审批（四眼原则开启时）。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["division_code", "name"]
        permissions = [("view_history", _("可查看变更历史"))]
        indexes = [models.Index(fields=["division_code"], name="bureau_division_idx")]

    def __str__(self):
        return self.name

    @property
    def scope_prefix(self) -> str:
        """The division-code prefix a city-wide bureau oversees."""
        code = self.division_code
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return code


class UserManager(BaseUserManager):
    """Users come with their bureau: every scoped query starts from it."""

    def get_queryset(self):
        return super().get_queryset().select_related("bureau")


class User(AbstractUser):
    """A person who logs in. Belongs to exactly one bureau; roles are groups."""

    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("用户只能查看本单位的记录；超级管理员可以不属于任何单位。"),
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        db_default=False,
        help_text=_("由管理员创建或重设密码的账户，首次登录须先修改密码。"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # The superuser installs the platform; nobody of a bureau is one (三权分立).
            models.CheckConstraint(
                condition=Q(is_superuser=False) | Q(bureau__isnull=True),
                name="user_superuser_without_bureau",
                violation_error_message=_("超级管理员仅用于安装，不能属于任何单位。"),
            )
        ]

    def __str__(self):
        return self.full_name or self.username

    def has_perm(self, perm, obj=None):
        """Django's check, except that a superuser does the bureau's business only by role.

        The superuser installs the platform (三权分立): it neither reads nor changes a
        bureau's records. For the apps of :data:`~accounts.roles.DUTY_APPS`, permissions
        come from the superuser's own roles, like anybody else's, except on the shared
        templates and grade scales (:data:`~accounts.roles.PLATFORM_MODELS`).
        """
        if self.is_active and self.is_superuser:
            app_label, _dot, codename = perm.partition(".")
            if app_label not in DUTY_APPS or codename.partition("_")[2] in PLATFORM_MODELS:
                return True
        return _user_has_perm(self, perm, obj)

    @property
    def role_names(self) -> frozenset[str]:
        """The names of the user's role groups (read with the permissions when possible)."""
        if not self.is_authenticated:
            return frozenset()
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(str(r) for r in roles))

    @property
    def role(self) -> str | None:
        """The primary role: the one that decides the home page."""
        for role in ROLE_PRIORITY:
            if role in self.role_names:
                return str(role)
        return None

    @property
    def role_label(self) -> str:
        role = self.role
        return Role(role).label if role else ""


class RoleGrant(models.Model):
    """One change of one user's roles (授予 or 撤销), in force once a second administrator
    confirms it.

    The rows are the history of who held which role when: requested by whom, confirmed
    or refused by whom. Nobody grants themselves a role, and nobody confirms their own
    request (checked by :mod:`accounts.services` and again by the database).
    """

    class Action(models.TextChoices):
        GRANT = "grant", _("授予")
        REVOKE = "revoke", _("撤销")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已生效")
        REJECTED = "rejected", _("已拒绝")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    action = models.CharField(_("操作"), max_length=10, choices=Action, default=Action.GRANT)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.PENDING, editable=False
    )
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text=_("为空：安装时由命令行授予。"),
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["-requested_at", "-pk"]
        permissions = [("confirm_rolegrant", _("可确认他人申请的角色授权"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requested_by=F("user")),
                name="rolegrant_not_self_requested",
                violation_error_message=_("不能为自己申请角色。"),
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("user")) & ~Q(decided_by=F("requested_by")),
                name="rolegrant_second_person_decides",
                violation_error_message=_("角色授权须由申请人和本人以外的管理员确认。"),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(status="pending"),
                name="rolegrant_one_pending_per_role",
                violation_error_message=_("该用户的这一角色已有待确认的申请。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.user} {self.get_role_display()}"


class SecurityEvent(models.Model):
    """One entry of the security audit log (安全审计): who, when, from where, what.

    Append-only: the database refuses UPDATE, and DELETE of anything younger than the
    retention (migration 0008). Each entry carries the hash of the one before it, so
    ``manage.py verify_audit_log`` finds an entry edited or removed past the database's
    guard (:mod:`accounts.audit`).
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账户锁定")
        OTP_FAILED = "otp_failed", _("动态口令错误")
        OTP_ENROLLED = "otp_enrolled", _("绑定动态口令")
        LOGOUT = "logout", _("退出登录")
        SESSION_EXPIRED = "session_expired", _("会话超时")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("申请重置密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        ROLE_REQUESTED = "role_requested", _("申请角色变更")
        ROLE_CONFIRMED = "role_confirmed", _("确认角色变更")
        ROLE_REJECTED = "role_rejected", _("拒绝角色变更")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")
        ADMIN_CHANGE = "admin_change", _("后台变更")
        PERMISSION_DENIED = "permission_denied", _("越权访问被拒")
        LOG_PURGED = "log_purged", _("清理过期审计日志")

    seq = models.PositiveBigIntegerField(_("序号"), unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), editable=False)
    kind = models.CharField(_("事件"), max_length=30, choices=Kind)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    path = models.CharField(_("地址"), max_length=300, blank=True)
    detail = models.CharField(_("内容"), max_length=500, blank=True)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, editable=False)
    hash = models.CharField(_("摘要"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("安全审计日志")
        verbose_name_plural = _("安全审计日志")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["bureau", "-created_at"], name="securityevent_bureau_idx"),
            models.Index(fields=["created_at"], name="securityevent_created_idx"),
        ]

    def __str__(self):
        return f"{self.seq} {self.get_kind_display()} {self.username}"


class SecurityLogAnchor(models.Model):
    """Where the hash chain starts after a purge of entries past the retention: the last
    purged entry's sequence number and hash."""

    through_seq = models.PositiveBigIntegerField(_("清理至序号"), unique=True)
    hash = models.CharField(_("摘要"), max_length=64)
    purged = models.PositiveIntegerField(_("清理条数"))
    created_at = models.DateTimeField(_("清理时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审计日志清理记录")
        verbose_name_plural = _("审计日志清理记录")
        ordering = ["-through_seq"]

    def __str__(self):
        return f"{self.through_seq} {self.hash[:12]}"
