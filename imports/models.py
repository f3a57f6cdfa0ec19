"""The import history: each workbook a bureau uploaded, who, when, its SHA-256, what it
did or would do (counts per sheet) and the problems found."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Bureau


def upload_path(instance, filename):
    return f"imports/{instance.bureau_id}/{instance.sha256[:16]}/{filename}"


class ImportRun(models.Model):
    """One uploaded workbook, from the check (preview) to the applied import."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("待确认")
        REFUSED = "refused", _("有问题")
        APPLYING = "applying", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("购买单位"), on_delete=models.PROTECT, related_name="import_runs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    source = models.CharField(_("方式"), max_length=10, default="web")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    counts = models.JSONField(_("各表行数"), default=dict, blank=True)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("数据导入")
        verbose_name_plural = _("数据导入")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("import_registers", _("导入登记表（服务机构、项目、中标、合同、审计评估）")),
            ("import_money", _("导入资金表（分期、预算、付款资料、扣减、支付、冲销）")),
        ]
        indexes = [models.Index(fields=["bureau", "-created_at"], name="importrun_bureau_idx")]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("imports:importrun", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    def totals(self) -> dict:
        total = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in self.counts.values():
            for key in total:
                total[key] += counts.get(key, 0)
        return total
