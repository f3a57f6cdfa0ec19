"""Document files: the provider hands in, staff accept or return; what is refused leaves
nothing in the storage; accepting every required document submits the installment."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import Contract
from payments import services
from payments.models import DocumentFile, Installment, Notice

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ofd() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file())


def late_installment() -> Installment:
    """The demo's one unpaid 2024 installment (社会事务 2024年8-12月 第二期), late for documents."""
    contract = Contract.objects.get(number="DEMO-YTMZ-2024-01")
    return contract.installments.get(number=2)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "只能上传 PDF、JPG、PNG 或 OFD"),
        (
            "diagram.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "只能上传 PDF、JPG、PNG 或 OFD",
        ),
        ("notofd.ofd", b"PK\x03\x04" + b"\x00" * 40, "只能上传 PDF、JPG、PNG 或 OFD"),
        ("empty.pdf", b"", "文件为空"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_stored(
    demo, media, name, content, message
):
    document = late_installment().documents.first()
    with pytest.raises(ValidationError) as refused:
        services.document_file_upload(
            actor=demo["wenxin"], document=document, upload=SimpleUploadedFile(name, content)
        )
    assert message in str(refused.value)
    assert stored(media) == []
    assert DocumentFile.objects.count() == 0


def test_a_25_mb_file_is_refused_and_nothing_is_stored(demo, media):
    document = late_installment().documents.first()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (25 * 1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        services.document_file_upload(actor=demo["wenxin"], document=document, upload=big)
    assert "文件不能超过 20 MB" in str(refused.value)
    assert stored(media) == []


def test_a_filename_with_a_path_is_refused_and_nothing_is_stored(demo, media):
    document = late_installment().documents.first()
    for name in ("../../etc/invoice.pdf", "..\\invoice.pdf", "a/b.pdf"):
        with pytest.raises(ValidationError) as refused:
            services.document_file_upload(
                actor=demo["wenxin"], document=document, upload=File(io.BytesIO(PDF), name=name)
            )
        assert "文件名不合规" in str(refused.value)
    assert stored(media) == []


def test_files_are_stored_under_generated_names_and_served_safely(demo, media, client):
    document = late_installment().documents.first()
    pdf = services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("发票.pdf", PDF)
    )
    image = services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("scan.PNG", PNG)
    )
    archive = services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("发票.ofd", ofd())
    )
    names = [pdf.file.name, image.file.name, archive.file.name]
    assert all(n.startswith(f"documents/{document.installment.bureau_id}/") for n in names)
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "png", "ofd"]
    assert "发票" not in "".join(names)
    assert len(stored(media)) == 3

    client.force_login(demo["wenxin"])
    response = client.get(f"/payments/document-files/{pdf.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    response = client.get(f"/payments/document-files/{archive.pk}/")
    assert response["Content-Type"] == "application/ofd"
    assert response["Content-Disposition"].startswith("attachment")
    # The other provider's person and another bureau's staff do not reach it.
    client.force_login(demo["zhengyang"])
    assert client.get(f"/payments/document-files/{pdf.pk}/").status_code == 404
    client.force_login(demo["staff"])
    assert client.get(f"/payments/document-files/{pdf.pk}/").status_code == 200


def test_another_provider_cannot_hand_in_for_this_installment(demo, media, client):
    document = late_installment().documents.first()
    client.force_login(demo["zhengyang"])
    response = client.post(
        f"/portal/documents/{document.pk}/upload/",
        {"file": SimpleUploadedFile("invoice.pdf", PDF)},
    )
    assert response.status_code == 404
    assert stored(media) == []


def test_accepting_every_document_submits_the_installment_and_resolves_the_notice(
    demo, media, client, django_capture_on_commit_callbacks
):
    from tests.helpers import run_reminders

    installment = late_installment()
    assert installment.status == Installment.Status.AWAITING_DOCUMENTS
    run_reminders("--as-of", "2026-12-04", "--force")
    assert Notice.objects.filter(
        installment=installment, rule="documents_late", resolved_at__isnull=True
    ).exists()
    invoice, report = installment.documents.order_by("pk")
    client.force_login(demo["wenxin"])
    for document in (invoice, report):
        response = client.post(
            f"/portal/documents/{document.pk}/upload/",
            {"file": SimpleUploadedFile(f"{document.kind}.pdf", PDF)},
        )
        assert response.status_code == 302
    page = client.get(f"/portal/contracts/{installment.contract_id}/").content.decode()
    assert page.count("已提交待审") >= 2

    client.force_login(demo["staff"])
    response = client.post(
        f"/payments/documents/{report.pk}/return/", {"reason": "服务报告缺少第四季度服务数据"}
    )
    assert response.status_code == 302
    client.force_login(demo["wenxin"])
    page = client.get(f"/portal/contracts/{installment.contract_id}/").content.decode()
    assert "已退回" in page and "服务报告缺少第四季度服务数据" in page
    client.post(
        f"/portal/documents/{report.pk}/upload/",
        {"file": SimpleUploadedFile("report-v2.pdf", PDF)},
    )

    client.force_login(demo["staff"])
    client.post(f"/payments/documents/{invoice.pk}/accept/", {})
    installment.refresh_from_db()
    assert installment.status == Installment.Status.AWAITING_DOCUMENTS
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/documents/{report.pk}/accept/", {})
    installment.refresh_from_db()
    assert installment.status == Installment.Status.DOCUMENTS_SUBMITTED
    transition = installment.transitions.latest("at")
    assert (transition.actor, transition.reason) == (demo["staff"], "所需资料已全部接收")
    assert not Notice.objects.filter(
        installment=installment, rule="documents_late", resolved_at__isnull=True
    ).exists()
    client.force_login(demo["wenxin"])
    page = client.get(f"/portal/contracts/{installment.contract_id}/").content.decode()
    assert page.count("已接收") >= 2
    assert "资料已交" in page


def test_the_provider_cannot_accept_its_own_documents(demo, media, client):
    document = late_installment().documents.first()
    services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(demo["wenxin"])
    assert client.post(f"/payments/documents/{document.pk}/accept/", {}).status_code in (403, 404)
    document.refresh_from_db()
    assert document.received_on is None


def test_a_returned_document_is_e_mailed_to_the_providers_people(
    demo, media, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    document = late_installment().documents.order_by("pk").last()
    services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("r.pdf", PDF)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.document_return(actor=demo["staff"], document=document, reason="缺少签到表")
    [message] = mail.outbox
    assert message.to == ["wenxin@provider.example.cn"]
    assert message.subject == "【深圳市盐田区民政局】付款资料被退回：服务报告"
    assert "退回原因：缺少签到表" in message.body
    assert f"/portal/contracts/{document.installment.contract_id}/" in message.body


def test_staff_find_the_files_to_review_in_their_tasks(demo, media, client):
    """A file the provider hands in shows in staff's 我的待办 and opens the installments
    holding files to review; accepting it empties both."""
    installment = late_installment()
    document = installment.documents.first()
    upload = services.document_file_upload(
        actor=demo["wenxin"], document=document, upload=SimpleUploadedFile("发票.pdf", PDF)
    )
    client.force_login(demo["staff"])
    home = client.get("/").content.decode()
    assert 'id="todo-installments-files-to-review" data-count="1"' in home
    listed = client.get("/payments/installments/?files_to_review=true").content.decode()
    assert installment.get_absolute_url() in listed
    services.document_accept(actor=demo["staff"], document=document)
    upload.refresh_from_db()
    assert upload.status == DocumentFile.Status.ACCEPTED
    home = client.get("/").content.decode()
    assert 'id="todo-installments-files-to-review" data-count="0"' in home
