"""The admin reads in Chinese: django-axes, Celery beat under 定时任务, roles by their
Chinese names (the group list, the user list's role column and filter, the choices) and
permissions named in Chinese."""

import re

import pytest


def _text(response) -> str:
    html = re.sub(
        r"<script.*?</script>|<style.*?</style>", " ", response.content.decode(), flags=re.S
    )
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    ("url", "shown", "not_shown"),
    [
        ("/admin/", ["登录锁定", "定时任务"], ["Axes", "Access attempts", "Periodic"]),
        (
            "/admin/axes/accesslog/",
            ["登录日志", "尝试时间", "退出时间", "访问路径"],
            ["Attempt Time", "Logout Time"],
        ),
        ("/admin/axes/accessattempt/", ["登录失败记录"], ["Attempt Time", "Locked Out"]),
        ("/admin/auth/group/", ["业务科室", "财务", "分管领导", "审计/评估"], []),
        ("/admin/accounts/user/", ["角色", "业务科室"], []),
        ("/admin/accounts/user/add/", ["保存后可继续填写其他信息"], ["After you"]),
        (
            "/admin/django_celery_beat/periodictask/add/",
            ["执行计划", "参数", "执行选项", "计划说明"],
            ["Task Name", "Schedule", "Arguments", "Execution Options", "Crontab translation"],
        ),
        (
            "/admin/django_celery_beat/crontabschedule/add/",
            ["使用此计划的定时任务"],
            ["Periodic Tasks Using This Schedule"],
        ),
    ],
)
def test_the_admin_is_chinese(client, demo, url, shown, not_shown):
    client.force_login(demo["admin"])
    response = client.get(url)
    assert response.status_code == 200
    text = _text(response)
    for word in shown:
        assert word in text, (url, word)
    for word in not_shown:
        assert word not in text, (url, word)


def test_a_roles_permissions_are_named_in_chinese(client, demo):
    from django.contrib.auth.models import Group

    client.force_login(demo["admin"])
    group = Group.objects.get(name="finance")
    text = _text(client.get(f"/admin/auth/group/{group.pk}/change/"))
    assert "资金支付 | 分期款 | 可以查看分期款" in text
    assert "Can view" not in text
