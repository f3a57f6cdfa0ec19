"""Service reports and rectification from the provider: the provider hands in output
values with evidence, staff verify (the values become output updates, with who and when)
or return; the provider answers a rectification addressed to it, staff close or reopen,
and the evaluation's findings section shows the trail."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import ProviderMembership
from evaluations import services as evaluation_services
from evaluations.models import OutputUpdate, Rectification, ServiceReport
from tests.factories import ContractFactory, UserFactory
from tests.helpers import at, create_evaluation, create_output

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def contract(bureau, staff_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ContractFactory(
        award__project__bureau=bureau,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
    )


@pytest.fixture
def provider_user(contract):
    user = UserFactory(username="ngo", bureau=None, email="ngo@example.cn")
    user.groups.add(Group.objects.get(name="provider"))
    ProviderMembership.objects.create(user=user, provider=contract.award.provider)
    return user


@pytest.fixture
def output(staff_user, contract):
    return create_output(staff_user, contract.award.project, year=2026)


def test_a_verified_service_report_becomes_output_updates(
    client, contract, provider_user, output, staff_user
):
    client.force_login(provider_user)
    url = f"/portal/contracts/{contract.pk}/service-reports/new/"
    assert "入户走访（2026，人次）" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            "summary": "第三季度入户走访",
            f"indicator_{output.pk}": "21",
            "evidence": [SimpleUploadedFile("签到表.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    report = ServiceReport.objects.get()
    assert report.evidence.get().original_name == "签到表.pdf"
    page = client.get(f"/portal/contracts/{contract.pk}/").content.decode()
    assert "待核实" in page and "入户走访 21人次" in page

    client.force_login(staff_user)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"/evaluations/service-reports/{report.pk}/" in page
    client.post(f"/evaluations/service-reports/{report.pk}/verify/")
    report.refresh_from_db()
    assert (report.status, report.decided_by) == ("verified", staff_user)
    update = OutputUpdate.objects.get(indicator=output)
    assert (update.date, update.amount) == (datetime.date(2026, 9, 30), Decimal("21.00"))
    assert str(staff_user) in update.note
    assert report.values.get().update == update
    client.force_login(provider_user)
    assert "已核实" in client.get(f"/portal/contracts/{contract.pk}/").content.decode()


def test_a_returned_report_counts_nothing_and_shows_the_reason(
    client, contract, provider_user, output, staff_user
):
    client.force_login(provider_user)
    client.post(
        f"/portal/contracts/{contract.pk}/service-reports/new/",
        {"period_start": "2026-07-01", "period_end": "2026-09-30", f"indicator_{output.pk}": "5"},
    )
    report = ServiceReport.objects.get()
    client.force_login(staff_user)
    client.post(f"/evaluations/service-reports/{report.pk}/return/", {"reason": "缺少签到表"})
    assert not OutputUpdate.objects.exists()
    client.force_login(provider_user)
    page = client.get(f"/portal/contracts/{contract.pk}/").content.decode()
    assert "已退回" in page and "缺少签到表" in page


def test_a_refused_evidence_file_leaves_no_report_and_no_file(
    client, contract, provider_user, output, tmp_path
):
    client.force_login(provider_user)
    response = client.post(
        f"/portal/contracts/{contract.pk}/service-reports/new/",
        {
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            f"indicator_{output.pk}": "5",
            "evidence": [SimpleUploadedFile("x.pdf", b"<svg/>")],
        },
    )
    assert response.status_code == 200
    assert "只能上传 PDF、JPG、PNG 或 OFD" in response.content.decode()
    assert not ServiceReport.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_another_provider_cannot_report_on_this_contract(client, contract, output):
    other = ContractFactory(award__project__bureau=contract.bureau)
    user = UserFactory(username="other-ngo", bureau=None)
    user.groups.add(Group.objects.get(name="provider"))
    ProviderMembership.objects.create(user=user, provider=other.award.provider)
    client.force_login(user)
    url = f"/portal/contracts/{contract.pk}/service-reports/new/"
    assert client.get(url).status_code == 404


def test_rectification_answered_by_the_provider_closed_or_reopened_by_staff(
    client, bureau, contract, provider_user, staff_user
):
    evaluation = create_evaluation(staff_user, bureau, contract.award.project)
    finding = evaluation_services.finding_save(
        actor=staff_user, evaluation=evaluation, problem="社工人员变动 3 次"
    )
    rectification = evaluation_services.rectification_save(
        actor=staff_user,
        finding=finding,
        recommendation="稳定社工队伍",
        provider=contract.award.provider,
    )
    client.force_login(provider_user)
    home = client.get("/portal/").content.decode()
    assert "稳定社工队伍" in home
    url = f"/portal/rectifications/{rectification.pk}/respond/"
    client.post(
        url, {"text": "已签订三年服务协议", "evidence": [SimpleUploadedFile("协议.pdf", PDF)]}
    )
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.IN_PROGRESS
    response = rectification.responses.get()

    client.force_login(staff_user)
    client.post(
        f"/evaluations/rectification-responses/{response.pk}/reopen/", {"note": "请附花名册"}
    )
    client.force_login(provider_user)
    assert "请附花名册" in client.get("/portal/").content.decode()
    client.post(url, {"text": "附 2026 年社工花名册"})
    second = rectification.responses.latest("pk")
    client.force_login(staff_user)
    client.post(f"/evaluations/rectification-responses/{second.pk}/close/")
    rectification.refresh_from_db()
    assert rectification.status == Rectification.Status.DONE
    assert "附 2026 年社工花名册" in rectification.evidence
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    for text in (
        "已签订三年服务协议",
        "协议.pdf",
        "请附花名册",
        "已确认整改完成",
        "已退回继续整改",
    ):
        assert text in page


@pytest.mark.parametrize(
    ("frequency", "day", "period"),
    [
        ("monthly", datetime.date(2026, 2, 14), ("2026-02-01", "2026-02-28")),
        ("monthly", datetime.date(2024, 12, 31), ("2024-12-01", "2024-12-31")),
        ("quarterly", datetime.date(2026, 8, 1), ("2026-07-01", "2026-09-30")),
        ("quarterly", datetime.date(2026, 12, 3), ("2026-10-01", "2026-12-31")),
        ("quarterly", datetime.date(2026, 1, 1), ("2026-01-01", "2026-03-31")),
    ],
)
def test_the_reporting_period_is_a_calendar_month_or_quarter(frequency, day, period):
    from evaluations.submissions import report_period

    assert tuple(d.isoformat() for d in report_period(frequency, day)) == period


def test_a_report_covers_one_whole_period_as_the_contract_says(
    client, contract, provider_user, output
):
    client.force_login(provider_user)
    url = f"/portal/contracts/{contract.pk}/service-reports/new/"
    form = {"period_start": "2026-07-01", "period_end": "2026-08-31", f"indicator_{output.pk}": "5"}
    page = client.post(url, form).content.decode()
    assert (
        "本合同约定按季度提交服务报告，报告期应为一个完整的季度，例如 2026-07-01 至 2026-09-30。"
        in page
    )
    assert not ServiceReport.objects.exists()

    contract.report_frequency = "monthly"
    contract.save()
    page = client.post(url, form).content.decode()
    assert "例如 2026-07-01 至 2026-07-31" in page
    assert not ServiceReport.objects.exists()
    # The form offers the last month that has ended, and a whole month is accepted.
    with time_machine.travel(at(datetime.date(2026, 9, 10)), tick=False):
        page = client.get(url).content.decode()
    assert 'value="2026-08-01"' in page and 'value="2026-08-31"' in page
    assert "本合同约定按月提交" in page
    client.post(url, {**form, "period_end": "2026-07-31"})
    assert ServiceReport.objects.get().period_end == datetime.date(2026, 7, 31)
