"""Pages of the register: who may read and change what, scoping, lists and history."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from contracts.models import Award, Contract, ContractAttachment, Project, Provider
from tests.factories import AwardFactory, ContractFactory, credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(bureau, staff_user):
    return ContractFactory(award__project__bureau=bureau, owner=staff_user)


def _urls(contract):
    award, project, provider = contract.award, contract.award.project, contract.award.provider
    detail = [
        f"/contracts/{contract.pk}/",
        f"/contracts/awards/{award.pk}/",
        f"/contracts/projects/{project.pk}/",
        f"/contracts/providers/{provider.pk}/",
    ]
    edit = [
        f"/contracts/{contract.pk}/edit/",
        f"/contracts/{contract.pk}/terminate/",
        f"/contracts/{contract.pk}/attachments/",
        f"/contracts/awards/{award.pk}/edit/",
        f"/contracts/projects/{project.pk}/edit/",
        f"/contracts/projects/{project.pk}/goals/",
        f"/contracts/providers/{provider.pk}/edit/",
    ]
    return detail, edit


LISTS = ["/contracts/", "/contracts/awards/", "/contracts/projects/", "/contracts/providers/"]
CREATES = [
    "/contracts/new/",
    "/contracts/awards/new/",
    "/contracts/projects/new/",
    "/contracts/providers/new/",
]


def test_staff_reads_and_edits(client_for, staff_user, contract):
    client = client_for(staff_user)
    detail, edit = _urls(contract)
    for url in LISTS + CREATES + detail + edit:
        if url.endswith("/goals/"):
            continue  # POST only
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["finance_user", "manager_user", "auditor_user"])
def test_other_roles_read_but_cannot_change(request, client_for, role, contract):
    client = client_for(request.getfixturevalue(role))
    detail, edit = _urls(contract)
    for url in LISTS + detail:
        assert client.get(url).status_code == 200, url
    for url in CREATES + edit:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "x", "reason": "x", "goals": "x"}).status_code == 403, url
    contract.refresh_from_db()
    assert contract.terminated_on is None
    assert contract.history.count() == 1


@pytest.mark.parametrize("role", ["staff", "finance", "manager", "auditor"])
def test_another_bureaus_user_gets_404_on_every_detail_and_edit_url(
    make_user, other_bureau, role, client, contract
):
    client.force_login(make_user(role, other_bureau))
    detail, edit = _urls(contract)
    for url in detail + edit:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x", "reason": "x", "goals": "x"}).status_code == 404, url
    for url in LISTS:
        response = client.get(url)
        assert response.status_code == 200
        assert contract.number not in response.content.decode()
    contract.refresh_from_db()
    assert contract.history.count() == 1


def test_an_attachment_is_scoped_to_its_bureau(client_for, staff_user, other_staff_user, contract):
    client = client_for(staff_user)
    pdf = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%demo\n", content_type="application/pdf")
    response = client.post(
        f"/contracts/{contract.pk}/attachments/", {"title": "合同文本", "file": pdf}
    )
    assert response.status_code == 302
    attachment = ContractAttachment.objects.get()
    assert client.get(f"/contracts/attachments/{attachment.pk}/").status_code == 200

    not_pdf = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(
        f"/contracts/{contract.pk}/attachments/", {"title": "x", "file": not_pdf}
    )
    assert "只能上传 PDF 文件。" in response.content.decode()
    assert ContractAttachment.objects.count() == 1

    client.force_login(other_staff_user)
    assert client.get(f"/contracts/attachments/{attachment.pk}/").status_code == 404


def test_history_is_shown_to_manager_and_auditor_only(
    client_for, staff_user, manager_user, auditor_user, finance_user, contract
):
    client = client_for(staff_user)
    client.post(
        f"/contracts/{contract.pk}/terminate/",
        {"terminated_on": "2024-01-15", "reason": "机构违约"},
    )
    for user in (manager_user, auditor_user):
        content = client_for(user).get(f"/contracts/{contract.pk}/").content.decode()
        assert "变更历史" in content
        assert "终止原因：— → 机构违约" in content
    for user in (staff_user, finance_user):
        assert "变更历史" not in client_for(user).get(f"/contracts/{contract.pk}/").content.decode()


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


def _contracts(bureau, n, first=0):
    award = AwardFactory(project__bureau=bureau)
    for i in range(first, first + n):
        ContractFactory(award=award, number=f"N-{i:04d}")


def test_the_contract_list_runs_a_fixed_number_of_queries(
    client_for, staff_user, bureau, django_assert_max_num_queries
):
    client = client_for(staff_user)
    _contracts(bureau, 5)
    client.get("/contracts/")  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        assert client.get("/contracts/?sort=-amount").status_code == 200
    _contracts(bureau, 495, first=5)
    with CaptureQueriesContext(connection) as five_hundred:
        response = client.get("/contracts/?sort=-amount")
    assert response.status_code == 200
    assert len(five_hundred) == len(five)
    with django_assert_max_num_queries(10):
        client.get("/contracts/?year=2024&status=expired&page=3")


def test_after_load_demo_the_list_shows_the_four_seed_contracts_in_wan(client_for, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    from accounts.models import User

    client = client_for(User.objects.get(username="staff"))
    content = client.get("/contracts/?sort=number").content.decode()
    rows = [
        ("DEMO-YTMZ-2023-01", "社会事务及福利保障社工服务项目", "132.20"),
        ("DEMO-YTMZ-2023-02", "助残社工服务项目", "101.40"),
        ("DEMO-YTMZ-2024-01", "社会事务及福利保障社工服务项目", "39.66"),
        ("DEMO-YTMZ-2024-02", "助残社工服务项目", "30.42"),
    ]
    for number, project, wan in rows:
        start = content.index(number)
        row = content[start : content.index("</tr>", start)]
        assert project in row and f'<td class="money">{wan}</td>' in row, number
    assert content.count("DEMO-YTMZ-") == 4
    assert "合同金额（万元）" in content
