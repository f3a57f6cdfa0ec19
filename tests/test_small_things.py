"""Small things seen in use: filters say 全部, a form sent back unchanged says so, an empty
list links to the next step, 项目负责人 lists only staff."""

import re

from contracts.models import Project


def test_list_filters_say_all_and_a_yes_no_filter_starts_at_all(client_for, demo):
    content = client_for(demo["finance"]).get("/payments/installments/").content.decode()
    assert "---------" not in content and "未知" not in content
    late = re.search(r'<select name="late".*?</select>', content, re.S).group(0)
    assert re.search(r'<option value=""[^>]*selected[^>]*>全部</option>', late)


def test_an_unchanged_form_says_nothing_was_saved(client_for, demo):
    client = client_for(demo["staff"])
    project = Project.objects.order_by("pk").first()
    form = client.get(f"/contracts/projects/{project.pk}/edit/").context["form"]
    data = {
        name: ("" if value is None else getattr(value, "pk", value))
        for name, value in form.initial.items()
        if name in form.fields
    }
    response = client.post(f"/contracts/projects/{project.pk}/edit/", data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["没有修改，未保存。"]


def test_an_empty_list_links_to_the_next_step(client_for, finance_user):
    content = client_for(finance_user).get("/payments/budgets/").content.decode()
    assert "尚未登记预算。" in content
    assert 'href="/payments/budgets/new/" id="empty-create-link">新增预算</a>' in content


def test_the_project_owner_is_chosen_among_staff(client_for, demo):
    form = client_for(demo["staff"]).get("/contracts/projects/new/").context["form"]
    owners = {user.username for user in form.fields["owner"].queryset}
    assert owners == {"staff"}
