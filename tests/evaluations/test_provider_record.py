"""The provider's record (服务机构履约档案): the demo's 深圳市温馨社工服务中心 with its 2024
assessment, its deductions and its late second installment; its Excel export; bureau
scope; and the record shown when staff register a new award for the provider."""

import io

import openpyxl
import pytest

from contracts.models import Provider

NAME = "深圳市温馨社工服务中心"


@pytest.fixture
def provider(demo):
    return Provider.objects.get(name=NAME)


def test_the_demo_provider_record(provider, demo, client):
    client.force_login(demo["staff"])
    response = client.get(f"/evaluations/providers/{provider.pk}/record/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"服务机构履约档案：{NAME}" in page
    scores = page[page.index('id="record-scores"') : page.index('id="record-deductions"')]
    assert "<td>2024</td><td>质量评估</td><td>深圳市盐田区汇研社会工作标准事务所</td>" in scores
    assert "<td>88</td><td>良好</td>" in scores
    deductions = page[page.index('id="record-deductions"') : page.index('id="record-late"')]
    assert "1.52" in deductions
    late = page[page.index('id="record-late"') : page.index('id="record-findings"')]
    assert "2024年8-12月" in late
    assert "第二期" in late
    assert "未交齐" in late


def test_the_record_exports_to_excel(provider, demo, client):
    client.force_login(demo["staff"])
    response = client.get(f"/evaluations/providers/{provider.pk}/record.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["合同", "评价与评估", "扣减", "资料迟交", "问题与整改"]
    scores = list(book["评价与评估"].iter_rows(min_row=2, values_only=True))
    assert (2024, "质量评估", "深圳市盐田区汇研社会工作标准事务所") in [s[:3] for s in scores]
    assessment = next(s for s in scores if s[1] == "质量评估")
    assert (assessment[4], assessment[5]) == (88, "良好")
    amounts = [row[4] for row in book["扣减"].iter_rows(min_row=2, values_only=True)]
    assert 15200 in amounts
    late = list(book["资料迟交"].iter_rows(min_row=2, values_only=True))
    assert len(late) == 1
    assert "2024年8-12月" in late[0][0] and late[0][1] == "第二期" and late[0][3] is None


def test_another_bureau_gets_404(provider, client, other_staff_user):
    client.force_login(other_staff_user)
    assert client.get(f"/evaluations/providers/{provider.pk}/record/").status_code == 404
    assert client.get(f"/evaluations/providers/{provider.pk}/record.xlsx").status_code == 404


def test_the_record_shows_when_staff_register_a_new_award_for_the_provider(provider, demo, client):
    client.force_login(demo["staff"])
    blank = client.get("/contracts/awards/new/").content.decode()
    assert "服务机构履约档案" not in blank
    page = client.get(f"/contracts/awards/new/?provider={provider.pk}").content.decode()
    assert f"服务机构履约档案：{NAME}" in page
    assert "<td>88</td><td>良好</td>" in page
    assert "js/award_form.js" in page
    detail = client.get(f"/contracts/providers/{provider.pk}/").content.decode()
    assert 'id="provider-record-panel"' in detail


def test_one_organisation_across_bureaus_each_bureau_seeing_its_own(
    bureau, other_bureau, staff_user, make_user, client_for
):
    """The same organisation (one credit code) holds contracts with two district bureaus:
    each district sees its own contracts only; the city (深圳市民政局) sees both."""
    from accounts.roles import Role
    from tests.factories import BureauFactory, ContractFactory, ProviderFactory, credit_code

    code = credit_code(900)
    ours = ProviderFactory(bureau=bureau, name="深圳市同心社工服务中心", credit_code=code)
    theirs = ProviderFactory(bureau=other_bureau, name="深圳市同心社工服务中心", credit_code=code)
    ContractFactory(award__provider=ours, award__project__bureau=bureau, number="HT-盐田-1")
    ContractFactory(award__provider=theirs, award__project__bureau=other_bureau, number="HT-南山-1")

    page = client_for(staff_user).get(f"/evaluations/providers/{ours.pk}/record/")
    text = page.content.decode()
    assert "HT-盐田-1" in text and "HT-南山-1" not in text

    city = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    city_staff = make_user(Role.AUDITOR, city, "city-auditor")
    text = client_for(city_staff).get(f"/evaluations/providers/{ours.pk}/record/").content.decode()
    assert "HT-盐田-1" in text and "HT-南山-1" in text
