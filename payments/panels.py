"""The payments app's panels on lower apps' pages (registered in PaymentsConfig.ready;
see accounts/panels.py)."""

import datetime

from django.utils import timezone

from accounts import panels
from accounts.selectors import who_can
from contracts.models import Contract
from payments import selectors
from payments.forms import ExecutionQueryForm


def contract_installments(*, request, contract) -> dict:
    """The contract's installment schedule with its amounts and days late."""
    installments = list(
        selectors.installment_list(user=request.user).filter(contract=contract).order_by("number")
    )
    today = timezone.localdate()
    for installment in installments:
        installment.days_late = selectors.days_late(installment, today)
    context = {
        "installments": installments,
        "schedule_total": selectors.contract_schedule_total(installments),
    }
    if not request.user.has_perm("payments.add_installment"):
        # Who makes the schedule, instead of a refusal (accounts.selectors.who_can).
        context["schedulers"] = who_can(user=request.user, permissions=["payments.add_installment"])
    return context


INSTALLMENTS = panels.Panel(
    "installments", "payments/panels/contract_installments.html", contract_installments
)


def project_money(*, request, project) -> dict:
    """The project's money: each year's budget, paid and execution rate; its contracts;
    the chosen year's installments as of the chosen date (the dashboard's drill-down)."""
    user, today = request.user, timezone.localdate()
    form = ExecutionQueryForm(request.GET or None)
    year, as_of = form.chosen()
    budgets = list(selectors.budget_list(user=user).filter(project=project).order_by("-year"))
    year = year or (budgets[0].year if budgets else today.year)
    as_of = as_of or min(today, datetime.date(year, 12, 31))
    years = []
    # One execution row per budget year: a project has a budget a year, a handful in all.
    for budget in budgets:
        end = as_of if budget.year == year else min(today, datetime.date(budget.year, 12, 31))
        row = selectors.execution_of_projects(
            user=user, project_ids=[project.pk], year=budget.year, as_of=end
        )
        years.append({"budget": budget, "row": row, "as_of": end})
    installments = list(
        selectors.installment_list(user=user, as_of=as_of)
        .filter(contract__award__project=project, due_date__year=year)
        .order_by("due_date", "number")
    )
    for installment in installments:
        installment.days_late = selectors.days_late(installment, as_of)
    contracts = list(
        Contract.objects.filter(award__project=project)
        .select_related("award__provider")
        .order_by("-start", "number")
    )
    return {
        "money_year": year,
        "money_as_of": as_of,
        "money_years": years,
        "money_contracts": contracts,
        "money_installments": installments,
        "money_planned": sum((i.planned_amount for i in installments), start=selectors.ZERO),
        "money_paid": sum((i.paid for i in installments), start=selectors.ZERO),
    }


PROJECT_MONEY = panels.Panel("money", "payments/panels/project_money.html", project_money)
