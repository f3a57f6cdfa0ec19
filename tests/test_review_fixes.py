"""Access and input edge cases across the apps."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from contracts import services as contract_services
from evaluations import services as evaluation_services
from evaluations.models import Evaluation, Rectification
from tests.factories import AwardFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_bureau_admin_sees_only_their_bureau_in_the_admin_and_cannot_make_superusers(
    make_user, bureau, other_bureau, client, security_admin
):
    mine = ContractFactory(award__project__bureau=bureau, number="MINE-1")
    ContractFactory(award__project__bureau=other_bureau, number="THEIRS-1")
    # A staff-flagged auditor (the admin is not their place, but if a superuser let them in)
    # reads only their bureau's records there, and changes none.
    reader = make_user("auditor", bureau, "staff-flagged-auditor")
    reader.is_staff = True
    reader.save()
    client.force_login(reader)
    page = client.get("/admin/contracts/contract/").content.decode()
    assert "MINE-1" in page and "THEIRS-1" not in page
    assert client.get(f"/admin/contracts/contract/{mine.pk}/change/").status_code == 200
    assert (
        'name="number"'
        not in client.get(f"/admin/contracts/contract/{mine.pk}/change/").content.decode()
    )
    # The bureau's security administrator reads no business record at all (三权分立).
    admin = security_admin
    client.force_login(admin)
    assert client.get("/admin/contracts/contract/").status_code == 403
    assert client.get(f"/admin/contracts/contract/{mine.pk}/change/").status_code == 403
    form = client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form
    assert 'name="groups"' not in form and 'name="is_staff"' not in form
    bureau_form = client.get(f"/admin/accounts/bureau/{bureau.pk}/change/").content.decode()
    assert 'name="is_city_wide"' not in bureau_form
    assert client.get(f"/admin/accounts/bureau/{other_bureau.pk}/change/").status_code == 302


def test_the_cancel_link_does_not_take_a_url_from_the_query_string(client_for, staff_user):
    page = (
        client_for(staff_user)
        .get("/contracts/providers/new/?back=javascript:alert(1)")
        .content.decode()
    )
    assert 'href="javascript:' not in page


def test_a_contracts_award_cannot_change(staff_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    other = AwardFactory(project__bureau=bureau)
    with pytest.raises(ValidationError) as excinfo:
        contract_services.contract_update(actor=staff_user, contract=contract, award=other)
    assert "不能更换中标" in excinfo.value.message_dict["award"][0]


def test_an_award_with_contracts_keeps_its_project(staff_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    other_project = AwardFactory(project__bureau=bureau).project
    with pytest.raises(ValidationError):
        contract_services.award_update(
            actor=staff_user, award=contract.award, project=other_project
        )


def test_a_user_without_a_bureau_is_told_instead_of_a_500(client):
    from django.contrib.auth.models import Group

    nobody = UserFactory(username="no-bureau", bureau=None)
    nobody.groups.add(*Group.objects.filter(name__in=["staff", "finance", "manager"]))
    client.force_login(nobody)
    for url in (
        "/evaluations/new/",
        "/payments/audits/new/",
        "/payments/progress/",
        "/payments/reminders/settings/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "您的账户未分配单位" in response.content.decode(), url


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    from accounts.models import User

    return {u.username: u for u in User.objects.all()}


def test_recommendations_are_frozen_after_submission_but_their_follow_up_is_not(demo):
    rectification = Rectification.objects.first()
    staff = demo["staff"]
    with pytest.raises(ValidationError):
        evaluation_services.rectification_save(
            actor=staff,
            finding=rectification.finding,
            rectification=rectification,
            recommendation="改写",
        )
    evaluation_services.rectification_save(
        actor=staff,
        finding=rectification.finding,
        rectification=rectification,
        status="in_progress",
        owner="新科室",
    )
    rectification.refresh_from_db()
    assert (rectification.status, rectification.owner) == ("in_progress", "新科室")


def test_the_report_of_a_project_without_a_budget_downloads(client_for, staff_user, bureau):
    from evaluations.indicators import SEED_TEMPLATE
    from evaluations.models import IndicatorTemplate

    contract = ContractFactory(award__project__bureau=bureau)
    evaluation = evaluation_services.evaluation_create(
        actor=staff_user,
        bureau=bureau,
        year=2024,
        title="无预算",
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[contract.award.project],
    )
    assert (
        client_for(staff_user).get(f"/evaluations/{evaluation.pk}/report.docx").status_code == 200
    )


def test_the_report_notes_records_that_moved_after_approval(demo, client):
    import io

    from docx import Document

    from payments import services as payment_services
    from payments.models import Installment

    late = Installment.objects.get(status="awaiting_documents")
    finance, staff, manager = demo["finance"], demo["staff"], demo["manager"]
    for document in late.documents.all():
        payment_services.document_receive(
            actor=staff, document=document, received_on=datetime.date(2024, 12, 30)
        )
    for status, actor in (
        ("documents_submitted", staff),
        ("under_review", finance),
        ("approved", manager),
    ):
        payment_services.installment_transition(actor=actor, installment=late, to_status=status)
    payment_services.payment_post(
        actor=finance,
        installment=late,
        paid_on=datetime.date(2024, 12, 31),
        amount=Decimal("121600.00"),
        voucher_number="记-补",
    )
    client.force_login(staff)
    evaluation = Evaluation.objects.get()
    text = "\n".join(
        p.text
        for p in Document(
            io.BytesIO(client.get(f"/evaluations/{evaluation.pk}/report.docx").content)
        ).paragraphs
    )
    assert (
        "预算执行率：评分时按记录计算为 93.20%，生成本报告时记录为 98.40%，相差 5.20 个百分点"
        in text
    )
    assert (
        "全年实际支出：评分时按记录计算为 217.71 万元，生成本报告时记录为 229.87 万元，"
        "相差 12.16 万元"
    ) in text
