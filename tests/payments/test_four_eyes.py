"""Four eyes on every payment (四眼原则): whoever started the review of an installment does
not approve it, whoever approved it does not post its payment, and above the bureau's
threshold only a manager approves. Enforced in the services, so the pages, the API and
the admin are held to it; a bureau can turn it off."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from payments import services
from payments.models import Installment, InstallmentTransition, Payment
from tests.helpers import one_installment, pay, submit_for_review

pytestmark = pytest.mark.django_db
S = Installment.Status
D = datetime.date


@pytest.fixture
def second_finance(make_user, bureau):
    user = make_user(Role.FINANCE, bureau, "finance2")
    user.full_name = "周出纳"
    user.save()
    return user


def _under_review(bureau, staff, reviewer, finance, amount):
    installment = one_installment(bureau, staff, finance, due=D(2024, 3, 31), amount=amount)
    return submit_for_review(installment, staff=staff, reviewer=reviewer)


def _state(installment):
    """What a refused move must leave as it was."""
    return (
        Installment.objects.get(pk=installment.pk).status,
        InstallmentTransition.objects.filter(installment=installment).count(),
        Payment.objects.filter(installment=installment).count(),
    )


def _refused(move, installment) -> list[str]:
    """The messages of a refused move; the installment, its history and payments as
    they were."""
    before = _state(installment)
    with pytest.raises(ValidationError) as refused:
        move()
    assert _state(installment) == before
    return refused.value.messages


def _approve(actor, installment):
    return services.installment_transition(
        actor=actor, installment=installment, to_status=S.APPROVED
    )


def test_one_finance_officer_cannot_review_approve_and_pay_one_installment(
    bureau, staff_user, finance_user, second_finance, manager_user
):
    # finance holds review, approve and pay: the attack of the issue, step by step.
    installment = _under_review(bureau, staff_user, finance_user, finance_user, "50000.00")
    assert _refused(lambda: _approve(finance_user, installment), installment) == [
        "按照不相容岗位分离（四眼原则），开始审核第一期的人不能审批该期。"
        f"可由 {'、'.join(sorted([str(manager_user), '周出纳']))} 办理。"
    ]
    _approve(second_finance, installment)
    assert _refused(lambda: pay(installment, "50000.00", by=second_finance), installment) == [
        "按照不相容岗位分离（四眼原则），审批第一期的人不能登记该期付款。"
        f"可由 {finance_user} 办理。"
    ]
    pay(installment, "50000.00", by=finance_user)
    assert Installment.objects.get(pk=installment.pk).status == S.PAID
    moves = InstallmentTransition.objects.filter(installment=installment)
    reviewer = moves.get(to_status=S.UNDER_REVIEW).actor
    approver = moves.get(to_status=S.APPROVED).actor
    payer = Payment.objects.get(installment=installment).posted_by
    assert (reviewer, approver, payer) == (finance_user, second_finance, finance_user)


def test_above_the_threshold_a_finance_approval_is_refused_and_a_managers_accepted(
    bureau, staff_user, finance_user, second_finance, manager_user
):
    installment = _under_review(bureau, staff_user, staff_user, finance_user, "100000.01")
    assert _refused(lambda: _approve(second_finance, installment), installment) == [
        "第一期计划金额 100,000.01 元，超过本单位 100,000.00 元的审批限额，须由分管领导审批。"
        f"可由 {manager_user} 办理。"
    ]
    _approve(manager_user, installment)
    assert Installment.objects.get(pk=installment.pk).status == S.APPROVED


def test_exactly_at_the_threshold_finance_may_approve(
    bureau, staff_user, finance_user, second_finance
):
    installment = _under_review(bureau, staff_user, staff_user, finance_user, "100000.00")
    services.installment_transition(
        actor=second_finance, installment=installment, to_status=S.APPROVED
    )
    assert Installment.objects.get(pk=installment.pk).status == S.APPROVED


def test_a_reviewer_who_resumes_after_a_hold_still_cannot_approve(
    bureau, staff_user, finance_user, second_finance
):
    installment = _under_review(bureau, staff_user, finance_user, finance_user, "50000.00")
    services.installment_transition(
        actor=second_finance, installment=installment, to_status=S.ON_HOLD, reason="待审计"
    )
    services.installment_transition(
        actor=second_finance, installment=installment, to_status=S.UNDER_REVIEW
    )
    for reviewer in (finance_user, second_finance):
        with pytest.raises(ValidationError, match="开始审核第一期的人不能审批该期"):
            services.installment_transition(
                actor=reviewer, installment=installment, to_status=S.APPROVED
            )


def test_with_no_one_else_the_refusal_says_to_ask_the_security_administrator(
    bureau, staff_user, finance_user
):
    installment = _under_review(bureau, staff_user, finance_user, finance_user, "50000.00")
    with pytest.raises(ValidationError) as refused:
        services.installment_transition(
            actor=finance_user, installment=installment, to_status=S.APPROVED
        )
    assert refused.value.messages[0].endswith(
        "本单位暂无其他可办理此操作的人员，请联系安全管理员分配角色。"
    )


def test_a_bureau_that_turns_the_rule_off_lets_one_officer_do_it_all(
    bureau, staff_user, finance_user
):
    bureau.four_eyes = False
    bureau.save()
    installment = _under_review(bureau, staff_user, finance_user, finance_user, "500000.00")
    services.installment_transition(
        actor=finance_user, installment=installment, to_status=S.APPROVED
    )
    pay(installment, "500000.00", by=finance_user)
    assert Installment.objects.get(pk=installment.pk).status == S.PAID


def test_the_page_shows_the_refusal_and_changes_nothing(
    client_for, bureau, staff_user, finance_user, manager_user
):
    installment = _under_review(bureau, staff_user, finance_user, finance_user, "50000.00")
    before = _state(installment)
    response = client_for(finance_user).post(
        f"/payments/installments/{installment.pk}/transition/", {"to_status": S.APPROVED}
    )
    assert response.status_code == 200
    assert "开始审核第一期的人不能审批该期。" in response.content.decode()
    assert f"可由 {manager_user} 办理。" in response.content.decode()
    assert _state(installment) == before


def test_the_threshold_is_the_bureaus_own(bureau, staff_user, finance_user, second_finance):
    bureau.approval_threshold = Decimal("10000.00")
    bureau.save()
    installment = _under_review(bureau, staff_user, staff_user, finance_user, "50000.00")
    with pytest.raises(ValidationError, match="超过本单位 10,000.00 元的审批限额"):
        services.installment_transition(
            actor=second_finance, installment=installment, to_status=S.APPROVED
        )


def test_the_demo_history_has_three_people_on_every_paid_installment(demo):
    paid = Installment.objects.filter(payments__isnull=False).distinct()
    assert paid.count() == 9
    for installment in paid:
        moves = InstallmentTransition.objects.filter(installment=installment)
        reviewers = {m.actor.username for m in moves.filter(to_status=S.UNDER_REVIEW)}
        approvers = {m.actor.username for m in moves.filter(to_status=S.APPROVED)}
        payers = {p.posted_by.username for p in installment.payments.all()}
        assert (reviewers, approvers, payers) == ({"finance"}, {"manager"}, {"finance"})
