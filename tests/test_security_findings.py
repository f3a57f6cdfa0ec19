"""The findings of the 等保 2.0 review (issue 16, "What was found"), each replayed as the
attack it was: every one now fails with a clear message and changes nothing (the affected
tables hold exactly the rows they held before)."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services as account_services
from accounts.models import Bureau, RoleGrant, User
from accounts.roles import Role
from contracts.models import Provider
from payments import services
from payments.models import (
    Installment,
    InstallmentTransition,
    Payment,
    ProgressCheckpoint,
    ReminderSettings,
)
from tests.factories import TEST_PASSWORD, credit_code
from tests.helpers import one_installment, pay, reminder_settings_form, submit_for_review

pytestmark = pytest.mark.django_db
S = Installment.Status


def fingerprint(*models) -> str:
    """Every row of these tables, hashed: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    for model in models:
        for row in model._base_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


MONEY_TABLES = (Installment, InstallmentTransition, Payment)
ACCOUNT_TABLES = (User, User.groups.through, RoleGrant, Bureau)


def test_one_finance_officer_cannot_review_approve_and_pay(bureau, staff_user, finance_user):
    installment = one_installment(
        bureau, staff_user, finance_user, due=datetime.date(2024, 3, 31), amount="50000.00"
    )
    submit_for_review(installment, staff=staff_user, reviewer=finance_user)
    before = fingerprint(*MONEY_TABLES)
    with pytest.raises(ValidationError, match="开始审核第一期的人不能审批该期"):
        services.installment_transition(
            actor=finance_user, installment=installment, to_status=S.APPROVED
        )
    with pytest.raises(ValidationError, match="只有已审批的分期款才能付款"):
        pay(installment, "50000.00", by=finance_user)
    assert fingerprint(*MONEY_TABLES) == before


def test_a_bureau_administrator_cannot_make_itself_finance(client, security_admin):
    client.force_login(security_admin)
    before = fingerprint(*ACCOUNT_TABLES)
    with pytest.raises(ValidationError) as refused:
        account_services.role_grant_request(
            actor=security_admin, user=security_admin, role=Role.FINANCE
        )
    assert refused.value.messages == ["不能为自己申请角色变更；请由另一位管理员办理。"]
    # Through the admin's user form: the roles are not a field it can post.
    client.post(
        f"/admin/accounts/user/{security_admin.pk}/change/",
        {"username": security_admin.username, "groups": [Group.objects.get(name="finance").pk]},
    )
    assert fingerprint(*ACCOUNT_TABLES) == before
    assert not security_admin.has_perm("payments.add_payment")


def test_no_bureau_account_is_a_superuser(demo):
    assert not User.objects.filter(is_superuser=True).exists()
    before = fingerprint(User)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(username="secadmin").update(is_superuser=True)
    assert fingerprint(User) == before


def test_a_control_character_is_refused_on_the_form(client_for, staff_user):
    before = fingerprint(Provider)
    for character in ("\x01", "\x1b"):
        response = client_for(staff_user).post(
            "/contracts/providers/new/",
            {"name": f"温馨{character}社工", "credit_code": credit_code(1)},
        )
        assert "不能包含控制字符" in response.content.decode()
    assert fingerprint(Provider) == before


def test_a_stranger_cannot_lock_the_finance_officer_out(client, finance_user):
    for _attempt in range(6):
        client.post(
            "/accounts/login/",
            {"username": "finance", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "finance", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/x", "https://10.0.0.1/hook", "https://169.254.169.254/latest/"],
)
def test_the_robot_address_cannot_point_inside(client_for, manager_user, url):
    before = fingerprint(ReminderSettings)
    response = client_for(manager_user).post(
        "/payments/reminders/settings/", reminder_settings_form(webhook_url=url)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "群机器人地址" in content and ("https://" in content or "以下主机" in content)
    assert fingerprint(ReminderSettings) == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_far_off_is_refused(client_for, approved, finance_user, day):
    before = fingerprint(*MONEY_TABLES)
    response = client_for(finance_user).post(
        f"/payments/installments/{approved.pk}/pay/",
        {
            "payment-paid_on": day,
            "payment-amount": "1.00",
            "payment-voucher_number": "记-1",
            "payment-request_key": "7d1c6c2e-1d1f-4d6a-9b8e-1a2b3c4d5e6f",
        },
    )
    assert response.context["form"].errors == {"paid_on": ["日期应在 2000 年至 2100 年之间。"]}
    assert fingerprint(*MONEY_TABLES) == before


def test_a_negative_figure_is_refused(bureau, manager_user):
    before = fingerprint(ReminderSettings)
    with pytest.raises(ValidationError) as refused:
        services.reminder_settings_save(
            actor=manager_user, bureau=bureau, tolerance_points=Decimal("-5")
        )
    assert "tolerance_points" in refused.value.message_dict
    assert fingerprint(ReminderSettings) == before


def test_a_checkpoint_with_an_invalid_year_is_refused_not_saved_under_another(
    client_for, finance_user
):
    before = fingerprint(ProgressCheckpoint)
    for year in ("20244", "abc", ""):
        response = client_for(finance_user).post(
            "/payments/progress/", {"year": year, "month": 9, "target_percent": "75"}
        )
        assert response.status_code == 200
        assert "年度应在 2000 至 2100 之间。" in response.content.decode()
    assert fingerprint(ProgressCheckpoint) == before


def test_the_auditor_sees_who_changed_the_reminder_settings(
    client_for, bureau, manager_user, auditor_user
):
    manager_user.full_name = "王分管"
    manager_user.save()
    services.reminder_settings_save(actor=manager_user, bureau=bureau, email_enabled=True)
    services.reminder_settings_save(actor=manager_user, bureau=bureau, escalate_level2_days=10)
    content = client_for(auditor_user).get("/payments/settings/history/").content.decode()
    assert "王分管" in content and "逾期升级至分管领导（天）：15 → 10" in content


def test_logged_in_pages_carry_the_security_headers(client_for, staff_user):
    response = client_for(staff_user).get("/contracts/")
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]
