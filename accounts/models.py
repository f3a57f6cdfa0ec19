"""Bureaus (购买单位) and the people who work in them."""

from django.contrib.auth.models import AbstractUser, _user_has_perm
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import DUTY_APPS, ROLE_PRIORITY, Role

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

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    def has_perm(self, perm, obj=None):
        """Django's check, except that a superuser does the bureau's business only by role.

        A superuser runs the platform (users, bureaus, schedules) and may read every
        record, but recording, approving or paying is a duty of the bureau's roles: only
        finance pays, only a manager approves (DESIGN.md). So for the apps of
        :data:`~accounts.roles.DUTY_APPS`, anything but a ``view_`` permission comes from
        the superuser's own roles, like anybody else's.
        """
        if self.is_active and self.is_superuser:
            app_label, _dot, codename = perm.partition(".")
            if app_label not in DUTY_APPS or codename.startswith("view_"):
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
