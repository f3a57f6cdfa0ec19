"""The password rule (12 characters, three kinds, unlike the user, not common), its
messages in Chinese, and a password reset by e-mail with a link that expires."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _change(client, new):
    return client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-short", "密码太短：至少需要 12 个字符。"),
        ("alllowercaseletters", "密码须至少包含大写字母、小写字母、数字、符号四类中的 3 类。"),
        ("Password1234", "这个密码太常见了。"),
        ("Chen.Sheguanke.2025", "密码跟 姓名 太相似了。"),
    ],
)
def test_a_weak_password_is_refused_with_a_chinese_message(
    client_for, staff_user, password, message
):
    staff_user.full_name = "Chen Sheguanke"
    staff_user.save()
    response = _change(client_for(staff_user), password)
    assert response.status_code == 200
    assert message in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password(TEST_PASSWORD)


def test_a_password_of_twelve_characters_and_three_kinds_is_accepted(client_for, staff_user):
    assert _change(client_for(staff_user), "Yantian#2025x").status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Yantian#2025x")


def test_a_password_is_reset_by_an_e_mailed_link_that_works_once(client, staff_user):
    staff_user.email = "staff@yantian.example.cn"
    staff_user.save()
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in page
    response = client.post("/accounts/password/reset/", {"email": "staff@yantian.example.cn"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "链接 60 分钟内有效" in page
    (message,) = mail.outbox
    assert message.subject == "社工服务项目管理：重置密码"
    assert "用户名：staff" in message.body and "60 分钟内" in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    response = client.get(link, follow=True)
    assert "设置新密码" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Reset-Secret-2025", "new_password2": "Reset-Secret-2025"}
    )
    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Reset-Secret-2025")
    assert list(
        SecurityEvent.objects.filter(kind__startswith="password")
        .order_by("seq")
        .values_list("kind", "username")
    ) == [("password_reset_requested", ""), ("password_reset", "staff")]
    # Used once, the link is dead.
    assert "该重置链接无效或已过期" in client.get(link, follow=True).content.decode()


def test_a_reset_link_expires_after_an_hour(client, staff_user):
    staff_user.email = "staff@yantian.example.cn"
    staff_user.save()
    client.post("/accounts/password/reset/", {"email": "staff@yantian.example.cn"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    with time_machine.travel(timezone.localtime() + datetime.timedelta(minutes=61)):
        page = client.get(link.group(1), follow=True).content.decode()
    assert "该重置链接无效或已过期" in page
    staff_user.refresh_from_db()
    assert staff_user.check_password(TEST_PASSWORD)
