"""Fixtures of the payments tests: a contract with a 30/40/30 schedule, and helpers to
take an installment to 已审批 the way people do."""

import datetime
from decimal import Decimal

import pytest

from payments import services
from payments.models import Installment
from tests.factories import BudgetFactory, ContractFactory

S = Installment.Status


@pytest.fixture
def contract(bureau, staff_user):
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("1014000.00")
    )
    BudgetFactory(project=contract.award.project, year=2024)
    return contract


@pytest.fixture
def schedule(contract, finance_user):
    return services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(30), Decimal(40), Decimal(30)],
        due_dates=[
            datetime.date(2023, 9, 30),
            datetime.date(2024, 3, 31),
            datetime.date(2024, 7, 31),
        ],
    )


def approve(installment, *, staff, finance, received_on=datetime.date(2024, 1, 5)):
    """Take an installment from 计划 to 已审批 through the services."""
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.AWAITING_DOCUMENTS
    )
    for document in installment.documents.all():
        services.document_receive(actor=staff, document=document, received_on=received_on)
    services.installment_transition(
        actor=staff, installment=installment, to_status=S.DOCUMENTS_SUBMITTED
    )
    services.installment_transition(
        actor=finance, installment=installment, to_status=S.UNDER_REVIEW
    )
    services.installment_transition(actor=finance, installment=installment, to_status=S.APPROVED)
    installment.refresh_from_db()
    return installment


@pytest.fixture
def approved(schedule, staff_user, finance_user):
    """The second installment (405,600.00 yuan), approved and unpaid."""
    return approve(schedule[1], staff=staff_user, finance=finance_user)
