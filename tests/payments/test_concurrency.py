"""Two officers posting the same payment at the same moment: exactly one is posted.

This runs real threads with their own database connections. On PostgreSQL the
installment's row lock serialises them; on SQLite the write lock does.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from payments import services
from payments.models import Installment, Payment
from tests.factories import BudgetFactory, ContractFactory
from tests.helpers import approve

pytestmark = pytest.mark.django_db(transaction=True)


def _race(target, n=2):
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        barrier.wait()
        try:
            outcomes.append(target())
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.fixture
def approved_installment(bureau, staff_user, finance_user):
    contract = ContractFactory(award__project__bureau=bureau, amount=Decimal("1014000.00"))
    BudgetFactory(project=contract.award.project)
    first, *_rest = services.schedule_generate(
        actor=finance_user, contract=contract, percents=[Decimal(30), Decimal(70)]
    )
    return approve(first, staff=staff_user, finance=finance_user)


def test_two_officers_paying_the_same_installment_at_once_post_one_payment(
    approved_installment, finance_user, make_user, bureau
):
    second_officer = make_user("finance", bureau, "finance-2")
    officers = iter([finance_user, second_officer])
    lock = threading.Lock()

    def pay():
        with lock:
            officer = next(officers)
        return services.payment_post(
            actor=officer,
            installment=approved_installment,
            paid_on=datetime.date(2024, 3, 20),
            amount=Decimal("304200.00"),
            voucher_number="记-18",
        )

    outcomes = _race(pay)
    posted = [o for o in outcomes if isinstance(o, Payment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(posted) == 1 and len(refused) == 1
    assert "只有已审批的分期款才能付款" in refused[0].messages[0]
    assert Payment.objects.count() == 1
    assert Installment.objects.get(pk=approved_installment.pk).status == Installment.Status.PAID


def test_a_double_click_with_one_form_posts_once(approved_installment, finance_user):
    import uuid

    key = uuid.uuid4()

    def pay():
        return services.payment_post(
            actor=finance_user,
            installment=approved_installment,
            paid_on=datetime.date(2024, 3, 20),
            amount=Decimal("100000.00"),  # a partial payment: the status alone would not stop it
            voucher_number="记-18",
            request_key=key,
        )

    outcomes = _race(pay)
    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert Payment.objects.count() == 1
    assert Payment.objects.get().amount == Decimal("100000.00")
