"""数据导入 on the web: the template, upload → preview → confirm → result, the history,
and who may do what."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.roles import Role
from imports import workbook as fmt
from imports.models import ImportRun
from payments.models import Payment
from tests.factories import ContractFactory
from tests.imports import books


@pytest.fixture
def finance(bureau, make_user):
    return make_user(Role.FINANCE, bureau, "web-finance")


@pytest.fixture
def staff(bureau, make_user):
    return make_user(Role.STAFF, bureau, "web-staff")


def upload(client, data: bytes, name="台账.xlsx", capture=None):
    with capture(execute=True):
        response = client.post("/imports/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportRun.objects.latest("pk"), response["Location"]


def test_the_template_has_every_sheet_a_guide_lists_and_examples(client, finance):
    client.force_login(finance)
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [fmt.GUIDE_SHEET, *[s.name for s in fmt.SHEETS]]
    assert [c.value for c in book["支付"][1]] == [
        "凭证号*",
        "合同编号*",
        "期次*",
        "支付日期*",
        "金额（元）*",
    ]
    assert book["支付"]["A2"].value.startswith(fmt.EXAMPLE_MARK)
    lists = {str(v.sqref): v.formula1 for v in book["预算"].data_validations.dataValidation}
    assert lists == {"D2:D20000": '"年初预算,指标下达,追加,调减,收回"'}
    assert "残障康复" in book["服务项目"].data_validations.dataValidation[0].formula1


def test_the_template_uploaded_as_it_is_imports_nothing(
    client, finance, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    data = client.get("/imports/template.xlsx").content
    run, _url = upload(client, data, capture=django_capture_on_commit_callbacks)
    # The example rows are skipped; 业务科室's sheets hold only examples, so finance may
    # upload the template as it is.
    assert run.status == ImportRun.Status.CHECKED
    assert run.totals() == {"created": 0, "updated": 0, "unchanged": 0}


def test_upload_preview_confirm_result(
    client,
    bureau,
    finance,
    staff,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    # 业务科室 registered the contract; finance imports its money.
    contract = ContractFactory(
        award__project__bureau=bureau, number="WEB-01", amount="100000.00", signed_on="2024-01-10"
    )
    sheets = {
        "分期": [["WEB-01", 1, "100000.00", "2024-03-31", "发票", "2024-03-20"]],
        "付款资料": [["WEB-01", 1, "发票", "2024-03-10"]],
        "支付": [["W-V-1", "WEB-01", 1, "2024-03-25", "-100000.00"]],
    }
    client.force_login(finance)
    run, url = upload(client, books.xlsx(sheets), capture=django_capture_on_commit_callbacks)
    assert run.status == ImportRun.Status.REFUSED
    page = client.get(url).content.decode()
    assert "发现 1 个问题，未写入任何记录" in page
    assert "<td>支付!2</td><td>金额（元）</td><td>-100000.00</td><td>金额不能为负数。</td>" in page
    assert 'id="confirm-button"' not in page

    sheets["支付"][0][4] = "100000.00"
    run, url = upload(client, books.xlsx(sheets), capture=django_capture_on_commit_callbacks)
    assert run.problems == []
    assert run.status == ImportRun.Status.CHECKED
    assert Payment.objects.count() == 0  # the preview writes nothing
    page = client.get(url).content.decode()
    assert '<tr><td>支付</td><td class="text-end">1</td>' in page
    assert 'id="confirm-button"' in page
    assert client.get(f"/imports/{run.pk}/status/").json() == {
        "status": "checked",
        "label": "待确认",
        "progress": 100,
        "running": False,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{run.pk}/confirm/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Payment.objects.get().installment.contract == contract
    assert "导入完成" in client.get(url).content.decode()
    # A second confirmation does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{run.pk}/confirm/")
    assert Payment.objects.count() == 1
    with django_assert_max_num_queries(12):
        history = client.get("/imports/").content.decode()
    assert run.sha256[:12] in history and "web-finance" in history or str(finance) in history


def test_staff_may_not_import_money_sheets(
    client, bureau, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    run, url = upload(
        client,
        books.xlsx({"支付": [["V", "C", 1, "2024-01-01", "1"]]}),
        capture=django_capture_on_commit_callbacks,
    )
    assert run.status == ImportRun.Status.REFUSED
    assert "您的角色不能导入“支付”表（财务负责）" in client.get(url).content.decode()


def test_access(
    client, bureau, finance, make_user, other_bureau, django_capture_on_commit_callbacks
):
    assert client.get("/imports/").status_code == 302  # to the login page
    client.force_login(make_user(Role.MANAGER, bureau, "web-manager"))
    assert client.get("/imports/").status_code == 403
    client.force_login(finance)
    run, _url = upload(
        client, books.xlsx({"服务机构": []}), capture=django_capture_on_commit_callbacks
    )
    other = make_user(Role.FINANCE, other_bureau, "other-finance")
    client.force_login(other)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert client.get(f"/imports/{run.pk}/status/").status_code == 404
    assert client.post(f"/imports/{run.pk}/confirm/").status_code == 404


def test_the_history_is_bounded(client, bureau, finance, django_assert_max_num_queries):
    for n in range(60):
        ImportRun.objects.create(
            bureau=bureau, user=finance, file_name=f"f{n}.xlsx", sha256="0" * 64
        )
    client.force_login(finance)
    with django_assert_max_num_queries(12):
        page = client.get("/imports/").content.decode()
    assert page.count("f5") >= 1 and page.count(".xlsx</td>") == 50


def test_the_auditor_reads_the_history_and_imports_nothing(client, bureau, make_user):
    client.force_login(make_user(Role.AUDITOR, bureau, "web-auditor"))
    page = client.get("/imports/").content.decode()
    assert 'id="import-history"' in page and 'id="upload-form"' not in page
    data = books.xlsx({"服务机构": [["机构", books.CODE, "", "", ""]]})
    response = client.post("/imports/", {"file": SimpleUploadedFile("a.xlsx", data)})
    assert response.status_code == 403
    assert ImportRun.objects.count() == 0
