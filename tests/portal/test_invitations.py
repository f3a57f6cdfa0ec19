"""Bureau staff invite a provider's person; the one-time, expiring link sets a password;
staff deactivate; an NGO serving two bureaus keeps one account that sees both."""

import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import RoleGrant, User
from contracts import services
from contracts.models import Provider, ProviderMembership
from tests.factories import BureauFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Wenxin-portal-2026"


def invite(client, demo, email="chen@wenxin.example.cn"):
    provider = Provider.objects.get(name="深圳市温馨社工服务中心")
    client.force_login(demo["staff"])
    response = client.post(
        f"/contracts/providers/{provider.pk}/invite/", {"email": email, "full_name": "陈出纳"}
    )
    assert response.status_code == 302
    client.logout()
    return provider


def signs_in(client, username, password) -> bool:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def link_in(message) -> str:
    return re.search(r"http://\S+/accounts/invitation/\S+/", message.body).group(0)


def test_staff_invite_and_the_link_sets_a_password_once(
    demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        provider = invite(client, demo)
    [message] = mail.outbox
    assert message.to == ["chen@wenxin.example.cn"]
    assert "深圳市盐田区民政局" in message.subject
    user = User.objects.get(email="chen@wenxin.example.cn")
    assert (user.bureau, user.role, user.has_usable_password()) == (None, "provider", False)
    assert ProviderMembership.objects.get(user=user).provider == provider
    assert RoleGrant.objects.get(user=user).requested_by == demo["staff"]

    url = link_in(message)
    url = url[url.index("/accounts/") :]
    response = client.get(url, follow=True)
    assert "设置登录密码" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert signs_in(client, "chen@wenxin.example.cn", NEW_PASSWORD)
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/portal/"
    client.logout()
    # Once only.
    response = client.get(url, follow=True)
    assert "该邀请链接无效或已过期" in response.content.decode()


def test_the_invitation_link_expires(demo, client, django_capture_on_commit_callbacks):
    with (
        time_machine.travel("2026-12-01 09:00 +0800", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invite(client, demo)
    url = link_in(mail.outbox[0])
    url = url[url.index("/accounts/") :]
    with time_machine.travel("2026-12-04 09:01 +0800", tick=False):
        response = client.get(url, follow=True)
    assert "该邀请链接无效或已过期" in response.content.decode()


def test_deactivated_provider_user_can_no_longer_sign_in(demo, client):
    membership = ProviderMembership.objects.get(user=demo["wenxin"])
    client.force_login(demo["staff"])
    response = client.post(f"/contracts/provider-users/{membership.pk}/deactivate/")
    assert response.status_code == 302
    demo["wenxin"].refresh_from_db()
    assert demo["wenxin"].is_active is False
    client.logout()
    assert not signs_in(client, "wenxin", "yantian2024")
    client.force_login(demo["staff"])
    page = client.get(f"/contracts/providers/{membership.provider_id}/").content.decode()
    assert "已停用" in page


def test_only_the_bureaus_staff_invite_and_deactivate(demo, client):
    provider = Provider.objects.get(name="深圳市温馨社工服务中心")
    membership = ProviderMembership.objects.get(user=demo["wenxin"])
    for username in ("finance", "auditor", "wenxin", "zhengyang"):
        client.force_login(demo[username])
        assert client.post(
            f"/contracts/providers/{provider.pk}/invite/", {"email": "x@example.cn"}
        ).status_code in (403, 404)
        assert client.post(
            f"/contracts/provider-users/{membership.pk}/deactivate/"
        ).status_code in (403, 404)
    assert not User.objects.filter(email="x@example.cn").exists()
    demo["wenxin"].refresh_from_db()
    assert demo["wenxin"].is_active


def test_a_bureaus_address_cannot_become_a_provider_account(demo):
    provider = Provider.objects.get(name="深圳市温馨社工服务中心")
    with pytest.raises(ValidationError):
        services.provider_user_invite(
            actor=demo["staff"], provider=provider, email=demo["finance"].email
        )


def test_an_ngo_serving_two_bureaus_sees_both_and_each_bureau_only_its_own(demo, client):
    wenxin = Provider.objects.get(name="深圳市温馨社工服务中心")
    nanshan = BureauFactory(name="深圳市南山区民政局", division_code="440305")
    from django.contrib.auth.models import Group

    ns_staff = UserFactory(username="ns-staff", bureau=nanshan)
    ns_staff.groups.add(Group.objects.get(name="staff"))
    contract = ContractFactory(
        award__project__bureau=nanshan,
        award__provider__bureau=nanshan,
        award__provider__credit_code=wenxin.credit_code,
        award__provider__name=wenxin.name,
        number="NS-2024-001",
    )
    ns_provider = contract.award.provider
    services.provider_user_invite(actor=ns_staff, provider=ns_provider, email=demo["wenxin"].email)
    assert demo["wenxin"].provider_memberships.count() == 2
    client.force_login(demo["wenxin"])
    home = client.get("/portal/").content.decode()
    assert "NS-2024-001" in home and "DEMO-YTMZ-2024-01" in home
    # 南山's staff see their own membership only; 盐田's provider page is not theirs.
    client.force_login(ns_staff)
    assert client.get(f"/contracts/providers/{wenxin.pk}/").status_code == 404
    page = client.get(f"/contracts/providers/{ns_provider.pk}/").content.decode()
    assert "wenxin@provider.example.cn" in page
    # Another organisation's code is refused for the same account.
    zhengyang = Provider.objects.get(name="深圳市龙岗区正阳社会工作服务中心")
    with pytest.raises(ValidationError):
        services.provider_user_invite(
            actor=demo["staff"], provider=zhengyang, email=demo["wenxin"].email
        )
