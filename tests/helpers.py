"""Helpers the tests share: a contract with one installment, the way people take an
installment to 已审批 and pay it, a time of day in Shanghai, the reminder command, an
evaluation and an output of a project."""

import datetime
import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from payments import services
from payments.models import Installment
from tests.factories import BudgetFactory, ContractFactory

S = Installment.Status


def one_installment(bureau, owner, finance, *, due, amount="1000000.00", **contract):
    """A contract of ``amount`` yuan paid in one installment due on ``due``, its project
    with an issued budget of 1,000,000.00 yuan for 2024."""
    contract = ContractFactory(
        award__project__bureau=bureau, owner=owner, amount=Decimal(amount), **contract
    )
    BudgetFactory(
        project=contract.award.project,
        initial_amount=Decimal("1000000.00"),
        issued_amount=Decimal("1000000.00"),
    )
    [installment] = services.schedule_generate(
        actor=finance, contract=contract, percents=[Decimal(100)], due_dates=[due]
    )
    return installment


def submit_for_review(
    installment, *, staff, reviewer, received_on=datetime.date(2024, 1, 5)
) -> Installment:
    """Take an installment from 计划 to 审核中: documents asked for, received, submitted."""
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    for document in installment.documents.all():
        services.document_receive(actor=staff, document=document, received_on=received_on)
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.DOCUMENTS_SUBMITTED
    )
    services.installment_transition(
        actor=reviewer, installment=installment, to_status=S.UNDER_REVIEW
    )
    return installment


def approve(installment, *, staff, finance, received_on=datetime.date(2024, 1, 5)) -> Installment:
    """Take an installment from 计划 to 已审批 through the services."""
    submit_for_review(installment, staff=staff, reviewer=finance, received_on=received_on)
    services.installment_transition(actor=finance, installment=installment, to_status=S.APPROVED)
    installment.refresh_from_db()
    return installment


def pay(installment, amount, *, by, on=datetime.date(2024, 3, 20), voucher="记-1"):
    """Post a payment of ``amount`` yuan (a string) through the service."""
    return services.payment_post(
        actor=by,
        installment=installment,
        paid_on=on,
        amount=Decimal(amount),
        voucher_number=voucher,
    )


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """``day`` at ``hour:minute`` in Shanghai."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def run_reminders(*args) -> str:
    """``run_reminders`` with these arguments; what it printed."""
    out = io.StringIO()
    call_command("run_reminders", *args, stdout=out)
    return out.getvalue()


def create_evaluation(
    staff_user, bureau, project, kind="self", template=None, title="2024 年绩效评价"
):
    """A 2024 evaluation of ``project``, on the seed's template unless another is given."""
    from evaluations import services as evaluation_services
    from evaluations.indicators import SEED_TEMPLATE
    from evaluations.models import IndicatorTemplate

    return evaluation_services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title=title,
        kind=kind,
        template=template or IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[project],
    )


def reopen(evaluation, manager, reason="补充审定后登记的支付"):
    """A manager reopens an approved evaluation (back to draft, with a reason)."""
    from evaluations import services as evaluation_services

    return evaluation_services.evaluation_transition(
        actor=manager, evaluation=evaluation, to_status="draft", reason=reason
    )


def create_output(staff_user, project, name="入户走访", **data):
    """A 2024 quantity output of ``project`` (target 80 人次, no actual unless given)."""
    from evaluations import services as evaluation_services

    values = {
        "year": 2024,
        "name": name,
        "kind": "quantity",
        "unit": "人次",
        "comparator": "gte",
        "target": Decimal("80"),
        "actual": None,
        **data,
    }
    return evaluation_services.output_save(actor=staff_user, project=project, **values)
