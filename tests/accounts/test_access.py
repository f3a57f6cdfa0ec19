"""Login everywhere, the admin for admins only, and lock-out after repeated failures."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PUBLIC = {
    "/accounts/login/",
    "/i18n/setlang/",
    "/healthz/",  # the probes of load balancers
    "/readyz/",
    # The steps of a login (a second factor) and of a forgotten password.
    "/accounts/login/otp/",
    "/accounts/login/otp/setup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/x/x/",
    "/accounts/invitation/x/x/",
    "/accounts/password/reset/done/",
}


def _routes(patterns=None, prefix=""):
    """Every URL of the project with sample values for its parameters."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(p.pattern)
        if route.startswith("^"):  # the admin's regex routes: its index stands for them
            if prefix == "admin/" and route == "^$":
                yield "/admin/"
            continue
        route = re.sub(r"<int:\w+>", "1", route)
        route = re.sub(r"<(?:str|slug|path):\w+>|<\w+>", "x", route)
        if isinstance(p, URLResolver):
            if route == "admin/":
                yield "/admin/"
                continue
            yield from _routes(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + route


def test_every_url_but_login_redirects_an_anonymous_visitor_to_login(client):
    # The API answers 401 instead (tests/accounts/test_api_login.py).
    urls = sorted(url for url in set(_routes()) - PUBLIC if not url.startswith("/api/"))
    assert "/" in urls and "/admin/" in urls
    for url in urls:
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.redirect_chain[-1][0].startswith("/accounts/login/?next="), url
        assert response.status_code == 200, url
        assert response.resolver_match.view_name == "accounts:login", url


def test_the_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "登录" in content
    assert "用户名" in content


def test_admin_is_reachable_only_by_the_admin_role(
    client_for, admin_user, staff_user, manager_user
):
    assert client_for(admin_user).get("/admin/").status_code == 200
    for user in (staff_user, manager_user):
        response = client_for(user).get("/admin/", follow=True)
        assert response.status_code == 403


def test_five_failed_logins_lock_the_account(client, staff_user):
    for _attempt in range(4):
        response = client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()

    response = client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
    assert response.status_code == 429
    assert "连续 5 次登录失败，该账户已被锁定 30 分钟" in response.content.decode()

    # The right password does not help while the lock holds.
    response = client.post("/accounts/login/", {"username": "staff", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    # Once the cool-off time has passed, the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    response = client.post("/accounts/login/", {"username": "staff", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_another_accounts_failures_do_not_lock_this_one(client, staff_user, manager_user):
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "staff", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_password_change(client_for, staff_user):
    client = client_for(staff_user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-Secret-2025",
            "new_password2": "a-new-Secret-2025",
        },
        follow=True,
    )
    assert "密码已修改。" in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password("a-new-Secret-2025")


def test_logout_ends_the_session(client_for, staff_user):
    client = client_for(staff_user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_healthz_answers_without_a_login_or_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert (response.status_code, response.content) == (200, b"ok")


def test_whoami_names_the_user_role_and_bureau(client_for, finance_user):
    data = client_for(finance_user).get("/api/v1/whoami/").json()
    assert data == {
        "username": "finance",
        "name": str(finance_user),
        "role": "finance",
        "bureau": "深圳市盐田区民政局",
    }


def test_the_navigation_offers_each_role_its_menus(
    client_for, staff_user, finance_user, manager_user
):
    for user, present, absent in (
        (staff_user, ["合同管理", "资金支付", "绩效评价", "产出指标"], ["执行看板", "序时进度"]),
        (finance_user, ["执行看板", "序时进度", "绩效评价"], []),
        (manager_user, ["执行看板", "绩效评价", "第三方评估", "提醒设置"], ["序时进度"]),
    ):
        nav = client_for(user).get("/contracts/").content.decode().split("</nav>")[0]
        for label in present:
            assert label in nav, (user, label)
        for label in absent:
            assert label not in nav, (user, label)


def test_a_superuser_installs_the_platform_and_reads_no_bureaus_records(make_user, bureau):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    root = UserFactory(username="root", bureau=None, is_superuser=True, is_staff=True)
    # Installing and running the platform: users, bureaus, schedules, shared templates.
    for perm in (
        "accounts.change_user",
        "accounts.change_bureau",
        "django_celery_beat.change_periodictask",
        "evaluations.change_indicatortemplate",
        "evaluations.view_gradescale",
    ):
        assert root.has_perm(perm), perm
    # A bureau's records are neither read nor changed by the superuser flag (三权分立).
    for perm in (
        "contracts.view_contract",
        "payments.view_payment",
        "payments.view_dashboard",
        "evaluations.view_evaluation",
        "contracts.change_contract",
        "payments.add_payment",
        "payments.approve_installment",
        "evaluations.approve_evaluation",
    ):
        assert not root.has_perm(perm), perm

    # The platform administrator's role reads no bureau's records either.
    admin = make_user("admin", bureau, "platform-admin")
    for perm in ("payments.view_payment", "contracts.view_contract", "accounts.view_history"):
        assert not admin.has_perm(perm), perm
    assert admin.has_perm("accounts.change_bureau")
    assert admin.has_perm("django_celery_beat.change_periodictask")
    assert Group.objects.get(name="admin").user_set.filter(pk=admin.pk).exists()
