from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as BaseAdminConfig


class AdminConfig(BaseAdminConfig):
    default_site = "config.admin.AdminSite"


class ProjectConfig(AppConfig):
    """The project itself: its system checks (config/checks.py)."""

    name = "config"
    verbose_name = "config"

    def ready(self):
        from config import admin_labels, checks  # noqa: F401 - registers the checks

        # Chinese names for the third-party apps' admin pages (config/admin_labels.py).
        admin_labels.install()
