"""403, 404 and 500 in Chinese, in the site's layout: what happened, who can act, where to
go. (tests/config/test_browser_error_pages.py opens them in Chromium with DEBUG=0.)"""

from django.template.loader import get_template


def test_the_403_names_the_roles_and_the_people_who_act(client_for, demo):
    response = client_for(demo["staff"]).get("/payments/dashboard/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "无权操作" in content and 'id="mainnav"' in content  # the site's layout
    assert "此事由 财务、分管领导、审计/评估 办理。" in content
    assert str(demo["finance"]) in content and str(demo["manager"]) in content
    assert 'href="/"' in content


def test_the_404_says_so_in_chinese(client_for, demo):
    response = client_for(demo["staff"]).get("/payments/installments/999999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content and 'id="mainnav"' in content


def test_the_500_page_renders_without_a_request():
    # Django renders it with an empty context: no user, no request, no context processors.
    content = get_template("500.html").render({})
    assert "系统出错" in content and "返回我的待办" in content
