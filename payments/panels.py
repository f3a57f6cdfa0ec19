"""The payments app's panels on lower apps' pages (registered in PaymentsConfig.ready;
see accounts/panels.py)."""

from django.utils import timezone

from accounts import panels
from payments import selectors


def contract_installments(*, request, contract) -> dict:
    """The contract's installment schedule with its amounts and days late."""
    installments = list(
        selectors.installment_list(user=request.user).filter(contract=contract).order_by("number")
    )
    today = timezone.localdate()
    for installment in installments:
        installment.days_late = selectors.days_late(installment, today)
    return {
        "installments": installments,
        "schedule_total": selectors.contract_schedule_total(installments),
    }


INSTALLMENTS = panels.Panel(
    "installments", "payments/panels/contract_installments.html", contract_installments
)
