"""The payment approval form (付款审批单) of an approved installment: figures and capitals,
deductions, documents, who reviewed and approved; a PDF through LibreOffice."""

import shutil
import subprocess

import pytest

from contracts.models import Contract

pytestmark = pytest.mark.django_db


def third_installment():
    # 社会事务 2023-2024年度 第三期: 39.66万 planned, 1.52万 deducted, paid 38.14万.
    return Contract.objects.get(number="DEMO-YTMZ-2023-01").installments.get(number=3)


def test_the_form_states_the_net_payable_in_figures_and_capitals(demo, client):
    installment = third_installment()
    client.force_login(demo["finance"])
    page = client.get(f"/payments/installments/{installment.pk}/").content.decode()
    assert f"/payments/installments/{installment.pk}/approval-form/" in page
    response = client.get(f"/payments/installments/{installment.pk}/approval-form/")
    text = response.content.decode()
    assert "¥381,400.00" in text
    assert "叁拾捌万壹仟肆佰元整" in text
    assert "深圳市温馨社工服务中心" in text
    assert "DEMO-诚安审字〔2024〕第018号" in text
    assert "15,200.00" in text
    assert "css/approval-print.css" in text
    approved = installment.transitions.filter(to_status="approved").latest("at")
    assert f"{approved.actor} {approved.dated_on:%Y-%m-%d}" in text


def test_no_form_before_approval_and_none_for_others(demo, client):
    late = Contract.objects.get(number="DEMO-YTMZ-2024-01").installments.get(number=2)
    client.force_login(demo["finance"])
    assert client.get(f"/payments/installments/{late.pk}/approval-form/").status_code == 404
    client.force_login(demo["wenxin"])
    url = f"/payments/installments/{third_installment().pk}/approval-form/"
    assert client.get(url).status_code in (403, 404)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_form_downloads_as_pdf(demo, client, tmp_path):
    installment = third_installment()
    client.force_login(demo["finance"])
    response = client.get(f"/payments/installments/{installment.pk}/approval-form.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        path = tmp_path / "form.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(
            [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "叁拾捌万壹仟肆佰元整" in text
        assert "付款审批单" in text
