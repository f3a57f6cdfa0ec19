"""Fixes from the third review of the contracts register."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import AnnualGoal, Award, Contract, Project
from tests.factories import AwardFactory, ContractFactory, ProjectFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def _contract_post(award, **overrides):
    data = {
        "award": award.pk,
        "number": "YT-2024-01",
        "title": "2024年度合同",
        "signed_on": "2024-05-20",
        "start": "2024-06-01",
        "end": "2024-12-31",
        "amount": "100000.00",
        "social_workers_senior": "0",
        "social_workers_intermediate": "1",
        "social_workers_assistant": "2",
        "supervision_hours": "40",
    }
    data.update(overrides)
    return data


# --- 1. constraint messages ----------------------------------------------------------------


def test_an_end_before_the_start_gets_a_clear_message_and_saves_nothing(
    client_for, staff_user, bureau
):
    award = AwardFactory(project__bureau=bureau)
    response = client_for(staff_user).post(
        "/contracts/new/", _contract_post(award, start="2024-06-01", end="2024-01-30")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "服务期止必须晚于服务期起。" in content
    assert "contract_start_before_end" not in content
    assert not Contract.objects.exists()


def test_every_constraint_a_form_can_reach_has_a_message_of_its_own():
    from django.apps import apps

    without = {
        constraint.name
        for label in ("contracts", "payments", "evaluations")
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
    }
    # Written only by the reminder run, never through a form.
    assert without == {"notification_once_per_person"}


# --- 3. history of goals and attachments, linked records by name --------------------------


def test_goal_history_is_on_the_project_page_for_the_roles_that_review(
    client_for, staff_user, manager_user, auditor_user, finance_user, bureau
):
    project = ProjectFactory(bureau=bureau)
    client = client_for(staff_user)
    url = f"/contracts/projects/{project.pk}/goals/"
    assert client.post(url, {"year": "2024", "goals": "开展个案 5 个"}).status_code == 302
    assert client.post(url, {"year": "2024", "goals": "开展个案 8 个"}).status_code == 302
    for user in (manager_user, auditor_user):
        content = client_for(user).get(f"/contracts/projects/{project.pk}/").content.decode()
        section = content[content.index('id="goal-history"') :]
        assert "年度目标变更历史" in section
        assert "2024 年度目标 · 已修改" in section
        assert "2024 年度目标 · 已创建" in section
        assert "年度目标：开展个案 5 个 → 开展个案 8 个" in section
    for user in (staff_user, finance_user):
        content = client_for(user).get(f"/contracts/projects/{project.pk}/").content.decode()
        assert "年度目标变更历史" not in content


def test_attachment_history_is_on_the_contract_page_for_the_roles_that_review(
    client_for, staff_user, auditor_user, finance_user, bureau
):
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    pdf = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%demo\n", content_type="application/pdf")
    client = client_for(staff_user)
    response = client.post(
        f"/contracts/{contract.pk}/attachments/", {"title": "合同文本（签字盖章版）", "file": pdf}
    )
    assert response.status_code == 302
    content = client_for(auditor_user).get(f"/contracts/{contract.pk}/").content.decode()
    section = content[content.index('id="attachment-history"') :]
    assert "附件变更历史" in section
    assert "合同文本（签字盖章版） · 已创建" in section
    content = client_for(finance_user).get(f"/contracts/{contract.pk}/").content.decode()
    assert "附件变更历史" not in content


def test_a_changed_link_shows_names_in_a_bounded_number_of_queries(
    client_for, staff_user, manager_user, make_user, bureau
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts import services

    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    colleagues = []
    for i in range(6):
        user = make_user("staff", bureau, f"colleague{i}")
        user.full_name = f"同事{i}"
        user.save()
        colleagues.append(user)
    client = client_for(manager_user)
    url = f"/contracts/{contract.pk}/"

    services.contract_update(actor=staff_user, contract=contract, owner=colleagues[0])
    client.get(url)
    with CaptureQueriesContext(connection) as one_change:
        content = client.get(url).content.decode()
    assert f"经办人：{staff_user} → 同事0" in content
    assert "#" + str(colleagues[0].pk) not in content

    for user in colleagues[1:]:
        services.contract_update(actor=staff_user, contract=contract, owner=user)
    with CaptureQueriesContext(connection) as six_changes:
        content = client.get(url).content.decode()
    assert "经办人：同事4 → 同事5" in content
    assert len(six_changes) == len(one_change)


# --- 4. upper bounds ------------------------------------------------------------------------


def test_a_goal_year_outside_2000_to_2100_is_refused(client_for, staff_user, bureau):
    project = ProjectFactory(bureau=bureau)
    client = client_for(staff_user)
    url = f"/contracts/projects/{project.pk}/goals/"
    for year in ("99999", "2101", "1999"):
        response = client.post(url, {"year": year, "goals": "开展个案 5 个"})
        assert response.status_code == 200, year
        assert "年度应在 2000 至 2100 之间。" in response.content.decode(), year
    assert not AnnualGoal.objects.exists()
    assert client.post(url, {"year": "2100", "goals": "开展个案 5 个"}).status_code == 302
    assert list(AnnualGoal.objects.values_list("year", flat=True)) == [2100]


def test_staffing_and_supervision_hours_have_upper_bounds(client_for, staff_user, bureau):
    award = AwardFactory(
        project__bureau=bureau, term_start=datetime.date(2024, 1, 1), term_months=36
    )
    client = client_for(staff_user)
    response = client.post(
        "/contracts/new/",
        _contract_post(
            award,
            social_workers_senior="99999",
            social_workers_intermediate="1000",
            supervision_hours="99999999999",
        ),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("每个等级的社工人数不能超过 999 人，请核对。") == 2
    assert "督导时数不能超过 100000 小时，请核对。" in content
    assert not Contract.objects.exists()

    response = client.post(
        "/contracts/new/",
        _contract_post(
            award,
            social_workers_senior="999",
            social_workers_intermediate="999",
            social_workers_assistant="999",
            supervision_hours="100000",
        ),
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.social_workers_total, contract.supervision_hours) == (2997, 100000)


def test_award_dates_and_term_are_bounded(client_for, staff_user, bureau):
    project = ProjectFactory(bureau=bureau)
    provider = ProviderFactory(bureau=bureau)
    response = client_for(staff_user).post(
        "/contracts/awards/new/",
        {
            "project": project.pk,
            "provider": provider.pk,
            "procurement_method": "open_tender",
            "award_date": "9999-05-01",
            "term_start": "9999-06-01",
            "term_months": "32000",
            "annual_amount": "1322000.00",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("日期应在 2000 年至 2100 年之间。") == 2
    assert "中标期不能超过 120 个月。" in content
    assert not Award.objects.exists()


# --- 5. exports honour invalid filters -------------------------------------------------------


@pytest.mark.parametrize(
    ("list_url", "export_url"),
    [
        ("/contracts/", "/contracts/export/"),
        ("/payments/installments/", "/payments/installments/export/"),
    ],
)
def test_an_invalid_filter_exports_nothing(
    client_for, staff_user, finance_user, bureau, list_url, export_url
):
    ContractFactory(award__project__bureau=bureau, number="HT-VISIBLE")
    user = staff_user if list_url == "/contracts/" else finance_user
    client = client_for(user)
    content = client.get(list_url + "?year=abc").content.decode()
    assert 'id="export-link"' not in content
    response = client.get(export_url + "?year=abc")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "筛选条件有误，未导出：年度：输入一个数字。"
    response = client.get(export_url + "?year=2024")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- 6. a duplicate project name is reported on the name field ------------------------------


def test_a_duplicate_project_name_is_reported_beside_the_name(client_for, staff_user, bureau):
    ProjectFactory(bureau=bureau, name="助残社工服务项目")
    other = ProjectFactory(bureau=bureau, name="社区建设社工服务项目")
    client = client_for(staff_user)
    data = {"name": "助残社工服务项目", "service_field": "disability"}
    for url in ("/contracts/projects/new/", f"/contracts/projects/{other.pk}/edit/"):
        response = client.post(url, data)
        assert response.status_code == 200, url
        form = response.context["form"]
        assert form.errors == {"name": ["本单位已有同名服务项目。"]}, url
    assert sorted(Project.objects.values_list("name", flat=True)) == [
        "助残社工服务项目",
        "社区建设社工服务项目",
    ]


# --- 7. the contract owner is one of the bureau's staff -------------------------------------


def test_the_owner_choices_are_the_staff_of_the_contracts_bureau(
    client_for,
    staff_user,
    finance_user,
    manager_user,
    auditor_user,
    other_staff_user,
    make_user,
    bureau,
):
    from django.contrib.auth.models import Group

    colleague = make_user("staff", bureau, "colleague")
    award = AwardFactory(
        project__bureau=bureau, term_start=datetime.date(2024, 1, 1), term_months=36
    )
    client = client_for(staff_user)
    choices = list(client.get("/contracts/new/").context["form"].fields["owner"].queryset)
    assert choices == [colleague, staff_user]

    response = client.post("/contracts/new/", _contract_post(award, owner=finance_user.pk))
    assert list(response.context["form"].errors) == ["owner"]
    assert not Contract.objects.exists()

    assert (
        client.post("/contracts/new/", _contract_post(award, owner=colleague.pk)).status_code == 302
    )
    contract = Contract.objects.get()
    # The owner moves to finance: they stay on their contracts until someone is chosen.
    colleague.groups.remove(Group.objects.get(name="staff"))
    form = client.get(f"/contracts/{contract.pk}/edit/").context["form"]
    assert list(form.fields["owner"].queryset) == [colleague, staff_user]
    response = client.post(
        f"/contracts/{contract.pk}/edit/", _contract_post(award, owner=colleague.pk, title="改名")
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.title, contract.owner) == ("改名", colleague)


def test_the_service_refuses_a_new_owner_without_the_staff_role(staff_user, finance_user, bureau):
    from django.core.exceptions import ValidationError

    from contracts import services

    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    with pytest.raises(ValidationError) as refused:
        services.contract_update(actor=staff_user, contract=contract, owner=finance_user)
    assert refused.value.message_dict == {"owner": ["经办人必须是业务科室的用户。"]}
    contract.refresh_from_db()
    assert contract.owner == staff_user
