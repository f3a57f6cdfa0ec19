"""Who may read and change the register: staff edits, the other roles read, another
bureau gets 404 on every detail and edit page, attachments included."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import ContractAttachment
from tests.factories import ContractFactory

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
