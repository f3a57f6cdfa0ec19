from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("资金支付")

    def ready(self):
        # The reminders queue their tasks by name: register them in every process.
        import payments.tasks  # noqa: F401
        from accounts import panels
        from payments.panels import INSTALLMENTS, PROJECT_MONEY

        # The installments on the contracts app's contract page.
        panels.register("contracts:contract-detail", INSTALLMENTS)
        # The project's money on the contracts app's project page (dashboard drill-down).
        panels.register("contracts:project-detail", PROJECT_MONEY)

        from accounts import todo
        from payments.todo import todos

        # 我的待办 of the roles that act on installments (accounts/todo.py).
        for task in todos():
            todo.register(task)
