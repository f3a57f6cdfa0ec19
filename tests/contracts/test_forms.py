"""The register's forms: the chain of provider, project, award and contract posted in turn;
refusals with a clear message beside the field that saves nothing (dates, bounds, duplicate
names, the owner); a cancel link that stays on the site."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import AnnualGoal, Award, Contract, Project, Provider
from tests.factories import AwardFactory, ProjectFactory, ProviderFactory, credit_code

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


def test_staff_creates_the_chain_by_posting_forms(client_for, staff_user, bureau):
    client = client_for(staff_user)
    response = client.post(
        "/contracts/providers/new/",
        {"name": "深圳市新社工服务中心", "credit_code": credit_code(99).lower()},
    )
    provider = Provider.objects.get()
    assert response["Location"] == f"/contracts/providers/{provider.pk}/"
    assert provider.bureau == bureau
    assert provider.credit_code == credit_code(99)

    client.post(
        "/contracts/projects/new/",
        {"name": "社区建设社工服务项目", "service_field": "community"},
    )
    project = Project.objects.get()
    client.post(
        "/contracts/awards/new/",
        {
            "project": project.pk,
            "provider": provider.pk,
            "procurement_method": "open_tender",
            "award_date": "2024-06-01",
            "term_start": "2024-07-01",
            "term_months": "36",
            "annual_amount": "1322000.00",
        },
    )
    award = Award.objects.get()
    assert award.term_end == datetime.date(2027, 6, 30)
    response = client.post(
        "/contracts/new/",
        {
            "award": award.pk,
            "number": "YT-2024-09",
            "title": "2024-2025年度合同",
            "signed_on": "2024-06-20",
            "start": "2024-07-01",
            "end": "2025-06-30",
            "amount": "1322000.00",
            "social_workers_senior": "0",
            "social_workers_intermediate": "2",
            "social_workers_assistant": "3",
            "supervision_hours": "100",
        },
        follow=True,
    )
    contract = Contract.objects.get()
    assert contract.bureau == bureau
    assert contract.amount == Decimal("1322000.00")
    assert "合同已登记。" in response.content.decode()


def test_refused_forms_show_messages_and_save_nothing(client_for, staff_user, bureau):
    client = client_for(staff_user)
    response = client.post(
        "/contracts/providers/new/", {"name": "某机构", "credit_code": "91350100M000100Y44"}
    )
    assert "第 18 位应为 3" in response.content.decode()
    assert not Provider.objects.exists()

    award = AwardFactory(project__bureau=bureau)
    base = {
        "award": award.pk,
        "number": "YT-1",
        "title": "t",
        "signed_on": "2023-07-01",
        "social_workers_senior": "0",
        "social_workers_intermediate": "0",
        "social_workers_assistant": "0",
        "supervision_hours": "0",
    }
    response = client.post(
        "/contracts/new/", {**base, "start": "2025-01-01", "end": "2025-12-31", "amount": "10"}
    )
    assert "超出中标期" in response.content.decode()
    response = client.post(
        "/contracts/new/", {**base, "start": "2023-08-01", "end": "2024-07-31", "amount": "-10"}
    )
    assert "金额必须大于 0。" in response.content.decode()
    assert not Contract.objects.exists()


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


# --- upper bounds ---------------------------------------------------------------------


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


# --- names and the owner --------------------------------------------------------------


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


# --- the cancel link ------------------------------------------------------------------


def test_the_cancel_link_does_not_take_a_url_from_the_query_string(client_for, staff_user):
    page = (
        client_for(staff_user)
        .get("/contracts/providers/new/?back=javascript:alert(1)")
        .content.decode()
    )
    assert 'href="javascript:' not in page
