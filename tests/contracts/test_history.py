"""The change history of contracts, goals and attachments: shown to the roles that review
(manager, auditor, administrator), linked records by name, in a bounded number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import services
from tests.factories import ContractFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(bureau, staff_user):
    return ContractFactory(award__project__bureau=bureau, owner=staff_user)


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
