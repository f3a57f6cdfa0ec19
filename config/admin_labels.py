"""Chinese names for what the admin shows of third-party apps (django-axes has no Chinese
catalogue; django-celery-beat's misses a few), set on their apps' and models' metadata
once at start-up, so every admin page, filter and column reads in Chinese.

(Roles and permissions in Chinese are accounts/admin.py's: it owns them.)
"""

from django.utils.translation import gettext_lazy as _

APPS = {
    "axes": _("登录锁定"),
    # Every Celery-beat schedule under one section.
    "django_celery_beat": _("定时任务"),
}

MODELS = {
    ("axes", "accessattempt"): (_("登录失败记录"), _("登录失败记录")),
    ("axes", "accessfailurelog"): (_("登录失败日志"), _("登录失败日志")),
    ("axes", "accesslog"): (_("登录日志"), _("登录日志")),
    ("axes", "accessattemptexpiration"): (_("锁定到期"), _("锁定到期")),
    ("django_celery_beat", "periodictask"): (_("定时任务"), _("定时任务")),
}

FIELDS = {
    "axes": {
        "user_agent": _("浏览器标识"),
        "ip_address": _("IP 地址"),
        "username": _("用户名"),
        "http_accept": _("HTTP Accept 头"),
        "path_info": _("访问路径"),
        "attempt_time": _("尝试时间"),
        "get_data": _("GET 参数"),
        "post_data": _("POST 参数"),
        "failures_since_start": _("失败次数"),
        "locked_out": _("是否锁定"),
        "logout_time": _("退出时间"),
        "session_hash": _("会话标识摘要（sha256）"),
        "access_attempt": _("登录失败记录"),
        "expires_at": _("到期时间"),
    },
    "django_celery_beat": {
        "task": _("任务名称"),
        "ident": _("标识"),
        "last_update": _("最后更新"),
    },
}


def install() -> None:
    from django.apps import apps

    for label, name in APPS.items():
        apps.get_app_config(label).verbose_name = name
    for (label, model_name), (singular, plural) in MODELS.items():
        meta = apps.get_model(label, model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural
    for label, fields in FIELDS.items():
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if field.name in fields and hasattr(field, "verbose_name"):
                    field.verbose_name = fields[field.name]
    _axes_admin()
    _beat_admin()


def _beat_admin() -> None:
    """Celery beat's admin texts its catalogue lacks: the sections of a task's form, the
    crontab's reading, the tasks listed under a schedule."""
    from django_celery_beat import admin as beat_admin

    sections = {
        "Schedule": _("执行计划"),
        "Arguments": _("参数"),
        "Execution Options": _("执行选项"),
    }
    task_admin = beat_admin.PeriodicTaskAdmin
    task_admin.fieldsets = tuple(
        (sections.get(str(title), title) if title else title, options)
        for title, options in task_admin.fieldsets
    )

    def crontab_translation(self, obj):
        return obj.crontab.human_readable if obj.crontab_id else "—"

    crontab_translation.short_description = _("计划说明")
    task_admin.crontab_translation = crontab_translation
    inline = beat_admin.PeriodicTaskInline
    inline.verbose_name = inline.verbose_name_plural = _("使用此计划的定时任务")


def _axes_admin() -> None:
    """The lock-out list's own filter and columns (django-axes' admin texts)."""
    from axes import admin as axes_admin
    from django.conf import settings

    axes_admin.IsLockedOutFilter.title = _("是否锁定")
    axes_admin.IsLockedOutFilter.lookups = lambda self, request, model_admin: (
        ("yes", _("是")),
        ("no", _("否")),
    )

    def status(self, obj):
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return _("还可尝试 %(n)s 次") % {"n": left} if left > 0 else _("已锁定")

    def expiration(self, obj):
        return obj.expiration.expires_at if hasattr(obj, "expiration") else _("未设置")

    status.short_description = _("状态")
    expiration.short_description = _("到期时间")
    axes_admin.AccessAttemptAdmin.status = status
    axes_admin.AccessAttemptAdmin.expiration = expiration
