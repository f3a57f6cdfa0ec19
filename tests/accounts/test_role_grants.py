"""Role grants: nobody grants themselves a role; a grant waits for a second administrator;
every change of roles is kept in the grant history (三权分立, 等保 2.0)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts import services
from accounts.models import RoleGrant, SecurityEvent
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_security_admin(make_user, bureau):
    user = make_user(Role.SECURITY, bureau, "secadmin-2")
    user.is_staff = True
    user.save()
    return user


def _roles(user) -> set[str]:
    return set(type(user).objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_a_security_administrator_cannot_grant_a_role_to_themselves(security_admin, client):
    with pytest.raises(ValidationError) as excinfo:
        services.role_grant_request(actor=security_admin, user=security_admin, role=Role.AUDITOR)
    assert excinfo.value.messages == ["不能为自己申请角色变更；请由另一位管理员办理。"]
    assert not RoleGrant.objects.exists()

    # Through the admin: their own account is not even offered, and a forged post is refused.
    client.force_login(security_admin)
    page = client.get("/admin/accounts/rolegrant/add/").content.decode()
    assert f'<option value="{security_admin.pk}"' not in page
    response = client.post(
        "/admin/accounts/rolegrant/add/",
        {"user": security_admin.pk, "role": "finance", "action": "grant", "reason": "自己"},
    )
    assert response.status_code == 200
    assert not RoleGrant.objects.exists()
    assert _roles(security_admin) == {"security"}


def test_the_database_refuses_a_self_requested_grant(security_admin):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=security_admin, role="finance", requested_by=security_admin)


def test_a_grant_is_pending_until_a_second_administrator_confirms_it(
    security_admin, second_security_admin, make_user, bureau
):
    clerk = make_user(Role.STAFF, bureau, "new-clerk")
    grant = services.role_grant_request(
        actor=security_admin, user=clerk, role=Role.FINANCE, reason="兼任出纳"
    )
    assert grant.status == RoleGrant.Status.PENDING
    assert _roles(clerk) == {"staff"}  # nothing changed yet

    # The requester cannot confirm their own request; the user cannot either.
    with pytest.raises(ValidationError) as excinfo:
        services.role_grant_confirm(actor=security_admin, grant=grant)
    assert excinfo.value.messages == ["角色授权须由申请人和本人以外的另一位管理员确认。"]
    assert _roles(clerk) == {"staff"}

    services.role_grant_confirm(actor=second_security_admin, grant=grant)
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert (grant.requested_by, grant.decided_by) == (security_admin, second_security_admin)
    assert _roles(clerk) == {"staff", "finance"}
    # Confirmed once: a second confirmation changes nothing.
    with pytest.raises(ValidationError, match="该申请已处理"):
        services.role_grant_confirm(actor=second_security_admin, grant=grant)

    # A revocation follows the same path, and the history keeps both.
    revoke = services.role_grant_request(
        actor=second_security_admin, user=clerk, role=Role.FINANCE, action="revoke"
    )
    services.role_grant_confirm(actor=security_admin, grant=revoke)
    assert _roles(clerk) == {"staff"}
    history = list(
        RoleGrant.objects.filter(user=clerk)
        .order_by("pk")
        .values_list("role", "action", "status", "requested_by__username", "decided_by__username")
    )
    assert history == [
        ("finance", "grant", "confirmed", "secadmin", "secadmin-2"),
        ("finance", "revoke", "confirmed", "secadmin-2", "secadmin"),
    ]
    kinds = list(SecurityEvent.objects.order_by("seq").values_list("kind", "username"))
    assert [k for k in kinds if k[0].startswith("role_")] == [
        ("role_requested", "secadmin"),
        ("role_confirmed", "secadmin-2"),
        ("role_requested", "secadmin-2"),
        ("role_confirmed", "secadmin"),
    ]


def test_a_security_administrator_holds_no_business_role(
    security_admin, second_security_admin, make_user, bureau
):
    with pytest.raises(ValidationError) as excinfo:
        services.role_grant_request(
            actor=second_security_admin, user=security_admin, role=Role.FINANCE
        )
    assert excinfo.value.messages == ["三权分立：财务 不能与该用户已有的 安全管理员 角色兼任。"]
    manager = make_user(Role.MANAGER, bureau, "a-manager")
    with pytest.raises(ValidationError) as excinfo:
        services.role_grant_request(actor=security_admin, user=manager, role=Role.SECURITY)
    assert "三权分立：安全管理员 不能与该用户已有的 分管领导 角色兼任。" in excinfo.value.messages
    assert not RoleGrant.objects.exists()


def test_a_security_administrator_manages_only_their_own_bureau(
    security_admin, make_user, other_bureau, admin_user, client
):
    stranger = make_user(Role.STAFF, other_bureau, "other-clerk")
    with pytest.raises(ValidationError, match="您不能为该用户办理这一角色"):
        services.role_grant_request(actor=security_admin, user=stranger, role=Role.FINANCE)
    with pytest.raises(ValidationError, match="您不能为该用户办理这一角色"):
        services.role_grant_request(actor=security_admin, user=admin_user, role=Role.AUDITOR)
    client.force_login(security_admin)
    users = client.get("/admin/accounts/user/").content.decode()
    assert "other-clerk" not in users and "secadmin" in users
    assert client.get(f"/admin/accounts/user/{stranger.pk}/change/").status_code == 302
    # Nor the platform's administrator's role, not even for their own people.
    page = client.get("/admin/accounts/rolegrant/add/").content.decode()
    assert 'value="admin"' not in page and 'value="finance"' in page


def test_a_grant_through_the_admin_waits_for_another_administrator(
    security_admin, second_security_admin, make_user, bureau, client
):
    clerk = make_user(Role.STAFF, bureau, "new-clerk")
    client.force_login(security_admin)
    response = client.post(
        "/admin/accounts/rolegrant/add/",
        {"user": clerk.pk, "role": "auditor", "action": "grant", "reason": "协助年度评价"},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get()
    assert (grant.status, grant.requested_by) == ("pending", security_admin)
    assert _roles(clerk) == {"staff"}
    # Confirming one's own request is refused with a message; nothing changes.
    response = client.post(
        "/admin/accounts/rolegrant/",
        {"action": "confirm", "_selected_action": [grant.pk]},
        follow=True,
    )
    assert "角色授权须由申请人和本人以外的另一位管理员确认。" in response.content.decode()
    assert _roles(clerk) == {"staff"}

    client.force_login(second_security_admin)
    response = client.post(
        "/admin/accounts/rolegrant/",
        {"action": "confirm", "_selected_action": [grant.pk]},
        follow=True,
    )
    assert "已确认" in response.content.decode()
    assert _roles(clerk) == {"staff", "auditor"}
    # The user's page shows the history; the roles are not a field anyone edits.
    page = client.get(f"/admin/accounts/user/{clerk.pk}/change/").content.decode()
    assert "角色变更历史" in page and "协助年度评价" in page
    assert 'name="groups"' not in page


def test_the_admin_site_flag_follows_the_administrators_roles(
    security_admin, second_security_admin, make_user, bureau
):
    person = make_user(Role.AUDITOR, bureau, "future-secadmin")
    revoke = services.role_grant_request(
        actor=security_admin, user=person, role=Role.AUDITOR, action="revoke"
    )
    services.role_grant_confirm(actor=second_security_admin, grant=revoke)
    grant = services.role_grant_request(actor=security_admin, user=person, role=Role.SECURITY)
    services.role_grant_confirm(actor=second_security_admin, grant=grant)
    person.refresh_from_db()
    assert person.is_staff and _roles(person) == {"security"}


def test_an_administrator_created_account_changes_its_password_at_first_login(
    security_admin, bureau, client
):
    client.force_login(security_admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "zhang.san",
            "usable_password": "true",
            "password1": "Initial-Pass-2025",
            "password2": "Initial-Pass-2025",
            "bureau": bureau.pk,
            "full_name": "张三",
            "email": "",
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = type(security_admin).objects.get(username="zhang.san")
    assert user.must_change_password and user.bureau == bureau and not user.is_staff

    client.force_login(user)
    response = client.get("/contracts/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/"
    assert "您的密码由管理员设置，请先修改密码。" in response.content.decode()
    assert client.get("/api/v1/whoami/").json() == {"detail": "请先修改初始密码。"}
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Initial-Pass-2025",
            "new_password1": "Mine-Own-Secret-77",
            "new_password2": "Mine-Own-Secret-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/api/v1/whoami/").status_code == 200


def test_grant_role_installs_the_first_administrators_with_history(db):
    root_admin = UserFactory(username="ops", bureau=None)
    call_command("grant_role", "ops", "admin", verbosity=0)
    root_admin.refresh_from_db()
    assert root_admin.is_staff and _roles(root_admin) == {"admin"}
    grant = RoleGrant.objects.get(user=root_admin)
    assert (grant.status, grant.requested_by, grant.reason) == (
        "confirmed",
        None,
        "安装时由命令行授予",
    )
