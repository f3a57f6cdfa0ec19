"""三权分立: the platform's administrator, a bureau's security administrator and its audit
administrator read and change none of the bureau's business records; no bureau account is
a superuser."""

import pytest

from accounts.models import User
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db

BUSINESS_PAGES = [
    "/contracts/",
    "/contracts/providers/",
    "/payments/dashboard/",
    "/payments/installments/",
    "/payments/payments/",
    "/payments/budgets/",
    "/evaluations/",
    "/api/v1/execution/?year=2024",
]


@pytest.fixture
def contract(bureau):
    return ContractFactory(award__project__bureau=bureau, number="YT-2024-001")


@pytest.mark.parametrize("who", ["admin_user", "security_admin", "audit_admin"])
def test_no_administrator_reads_a_bureaus_records(request, client_for, who, contract):
    client = client_for(request.getfixturevalue(who))
    for url in [*BUSINESS_PAGES, f"/contracts/{contract.pk}/"]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert "YT-2024-001" not in response.content.decode(), url
    for url in ("/admin/contracts/contract/", f"/admin/contracts/contract/{contract.pk}/change/"):
        assert client.get(url).status_code in (302, 403), url


def test_a_superuser_reads_no_bureaus_records_in_the_admin(client, contract):
    root = UserFactory(username="root", bureau=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    index = client.get("/admin/").content.decode()
    assert "/admin/contracts/contract/" not in index and "/admin/payments/payment/" not in index
    assert "/admin/accounts/bureau/" in index and "/admin/django_celery_beat/" in index
    assert client.get("/admin/contracts/contract/").status_code == 403
    assert client.get(f"/admin/contracts/contract/{contract.pk}/change/").status_code == 403
    assert client.get("/payments/installments/").status_code == 403


def test_the_audit_administrator_reads_the_security_log_and_nothing_else(client_for, audit_admin):
    client = client_for(audit_admin)
    assert client.get("/").url == "/security/audit-log/"
    assert client.get("/security/audit-log/").status_code == 200
    assert client.get("/admin/", follow=True).status_code == 403
    assert audit_admin.get_all_permissions() == {"accounts.view_securityevent"}


@pytest.mark.parametrize("who", ["staff_user", "finance_user", "manager_user", "auditor_user"])
def test_no_business_role_and_no_other_administrator_reads_the_security_log(
    request, client_for, who
):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/security/audit-log/").status_code == 403
    assert client.get("/security/audit-log/export/").status_code == 403


def test_the_security_administrator_keeps_accounts_and_the_second_factor_setting_only(
    client_for, security_admin, bureau, other_bureau
):
    client = client_for(security_admin)
    index = client.get("/admin/").content.decode()
    assert "/admin/accounts/user/" in index and "/admin/accounts/rolegrant/" in index
    assert "/admin/django_celery_beat/" not in index and "/admin/axes/" not in index
    form = client.get(f"/admin/accounts/bureau/{bureau.pk}/change/").content.decode()
    assert 'name="require_otp"' in form
    assert 'name="name"' not in form and 'name="is_city_wide"' not in form
    assert client.get(f"/admin/accounts/bureau/{other_bureau.pk}/change/").status_code == 302
    assert client.get("/admin/accounts/bureau/add/").status_code == 403
    assert client.get("/security/audit-log/").status_code == 403


def test_the_demo_has_no_superuser_and_admin_is_the_platforms_administrator(demo):
    assert not User.objects.filter(is_superuser=True).exists()
    admin = User.objects.get(username="admin")
    assert (admin.bureau, admin.is_staff, admin.role) == (None, True, "admin")
    roles = {u.username: (u.role, u.bureau_id is not None) for u in User.objects.all()}
    assert roles["secadmin"] == ("security", True)
    assert roles["auditadmin"] == ("auditadmin", True)
    # Every demo role came through the grant history.
    assert {g.user.username for g in admin.role_grants.model.objects.all()} == set(roles)


def test_an_administrator_cannot_take_over_another_administrators_account(
    client_for, security_admin, audit_admin, make_user, bureau
):
    from accounts.roles import Role

    second = make_user(Role.SECURITY, bureau, "secadmin-2")
    clerk = make_user(Role.STAFF, bureau, "clerk")
    client = client_for(security_admin)
    for target in (second, audit_admin):
        form = client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
        assert 'name="email"' not in form  # the reset e-mail stays its owner's
        response = client.post(
            f"/admin/accounts/user/{target.pk}/password/",
            {"password1": "Taken-Over-2025", "password2": "Taken-Over-2025"},
        )
        assert response.status_code == 403
        target.refresh_from_db()
        assert not target.check_password("Taken-Over-2025")
    # A business account's password the security administrator sets; its owner changes it.
    response = client.post(
        f"/admin/accounts/user/{clerk.pk}/password/",
        {"usable_password": "true", "password1": "Temp-Pass-2025!", "password2": "Temp-Pass-2025!"},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Temp-Pass-2025!") and clerk.must_change_password


def test_the_database_refuses_a_superuser_of_a_bureau(bureau):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="root-of-bureau", bureau=bureau, is_superuser=True)
