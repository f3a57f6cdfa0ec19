"""``load_demo``: the seed's bureau and one user per role, loaded once."""

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import Bureau, User

pytestmark = pytest.mark.django_db

HOME_PAGES = {
    "admin": ("/admin/", "系统管理"),
    "secadmin": ("/admin/", "系统管理"),
    "auditadmin": ("/security/audit-log/", "安全审计日志"),
    # The roles that act land on 我的待办 (config.views.HomeView).
    "manager": ("/", "我的待办"),
    "finance": ("/", "我的待办"),
    "staff": ("/", "我的待办"),
    "auditor": ("/payments/dashboard/", "预算执行看板"),
}


def _snapshot():
    from django.apps import apps

    return {
        model._meta.label: sorted(model.objects.values_list("pk", flat=True))
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "contracts", "payments", "evaluations"}
    }


def test_load_demo_twice_changes_nothing(demo, settings):
    # The demo fixture holds what a first load_demo wrote (tests/demo.py).
    settings.DEBUG = True
    first = _snapshot()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("load_demo", "--without-notices", verbosity=0)
    assert _snapshot() == first
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert Bureau.objects.get().name == "深圳市盐田区民政局"
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "admin",
        "auditadmin",
        "auditor",
        "finance",
        "manager",
        "secadmin",
        "staff",
        "wenxin",
        "zhengyang",
    ]


def test_load_demo_leaves_the_current_notices_in_the_bell(demo, settings, client):
    from payments.models import Notification

    settings.DEBUG = True
    call_command("load_demo", verbosity=0)  # the demo fixture's load was without notices
    after_first = _snapshot()
    assert Notification.objects.filter(recipient=demo["staff"]).exists()
    call_command("load_demo", verbosity=0)
    assert _snapshot() == after_first  # the second scan finds nothing new
    client.force_login(demo["staff"])
    page = client.get("/").content.decode()
    assert 'id="unread-count"' in page
    inbox = client.get("/payments/notifications/").content.decode()
    assert "2024年8-12月合同 第二期 已逾期" in inbox


def test_load_demo_refuses_a_production_configuration(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", verbosity=0)
    assert not User.objects.exists()
    call_command("load_demo", "--force", verbosity=0)
    assert User.objects.count() == 9  # 7 of the bureau and platform, 2 providers'


ROLES = {"secadmin": "security", "auditadmin": "auditadmin"}


@pytest.mark.parametrize("username", list(HOME_PAGES))
def test_each_demo_user_logs_in_to_their_home_page(client, demo, username):
    response = client.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    user = User.objects.get(username=username)
    assert response.context["user"] == user
    assert user.role == ROLES.get(username, username)
    path, title = HOME_PAGES[username]
    assert response.redirect_chain[-1][0] == path
    assert title in response.content.decode()
