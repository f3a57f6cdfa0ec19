from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_shipped(sender, **kwargs):
    from django.apps import apps

    from evaluations.indicators import install

    # After every migrate (and every test flush) the shipped bands and templates exist.
    install(apps)


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("绩效评价")

    def ready(self):
        post_migrate.connect(
            _install_shipped, sender=self, dispatch_uid="evaluations.install_shipped"
        )
        from accounts import panels
        from evaluations.panels import OVERDUE_RECTIFICATIONS, PROVIDER_RECORD, SERVICE_REPORTS

        # The overdue rectifications on the payments app's dashboard.
        panels.register("payments:dashboard", OVERDUE_RECTIFICATIONS)
        # The provider's service reports on the contracts app's contract page.
        panels.register("contracts:contract-detail", SERVICE_REPORTS)
        # The provider's record on its page and on the award form (once one is chosen).
        panels.register("contracts:provider-detail", PROVIDER_RECORD)
        panels.register("contracts:award-create", PROVIDER_RECORD)

        from accounts import todo
        from evaluations.todo import todos

        # 我的待办: evaluations to approve, rectifications to follow up (accounts/todo.py).
        for task in todos():
            todo.register(task)
