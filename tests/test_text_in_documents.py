"""Text that cannot break documents: control characters are refused (line breaks of
every kind normalised to a line feed) at the form and at the service, and every export
and report is written whatever an older record already holds."""

import io
import uuid
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DataError, connection, models, transaction
from django.db.models.functions import Concat, Left

from accounts import audit
from accounts.models import SecurityEvent
from contracts import services as contract_services
from contracts.models import Provider
from core.inputs import CHECKED_APPS, UNCHECKED_MODELS
from evaluations.models import Evaluation
from payments.models import BudgetEvent, Payment
from tests.factories import credit_code

pytestmark = pytest.mark.django_db

CONTROLS = "".join(chr(code) for code in range(0x20))
# NUL apart: PostgreSQL's text cannot hold it at all (the database refuses it, the test
# below); SQLite stores it but its string functions stop at it, so it is written as a
# whole value into the providers' names.
STORABLE = CONTROLS[1:]


def _text_fields():
    """Every free-text field of the product's records: (model, field)."""
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in CHECKED_APPS or meta.model_name in UNCHECKED_MODELS:
            continue
        if meta.model_name.startswith("historical"):
            continue
        for field in meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or field.choices:
                continue
            if field.name in ("username", "password") or field._validators:
                continue  # account keys and codes of a checked format are not free text
            yield model, field


def _store_every_control_character():
    """Write the control characters after the text of every text field of every row, past
    the services (as a record stored before inputs were cleaned would hold them); cut to
    the field's length, so the shortest fields get the first of them."""
    count = 0
    for model, field in _text_fields():
        if model in (Payment, BudgetEvent):
            continue  # posted payments and budget events cannot be updated: one more each below
        value = Concat(models.F(field.name), models.Value(STORABLE))
        if isinstance(field, models.CharField) and field.max_length:
            value = Left(value, field.max_length)
        count += model._base_manager.update(**{field.name: value})
    if connection.vendor == "sqlite":
        for provider in Provider.objects.all():
            Provider.objects.filter(pk=provider.pk).update(name=f"{provider.name}\x00")
    paid = Payment.objects.filter(kind=Payment.Kind.PAYMENT).order_by("pk").first()
    Payment.objects.bulk_create(
        [
            Payment(
                bureau_id=paid.bureau_id,
                installment_id=paid.installment_id,
                kind=Payment.Kind.PAYMENT,
                paid_on=paid.paid_on,
                amount=Decimal("0.01"),
                voucher_number=f"记{STORABLE}",
                reason=STORABLE,
                posted_by_id=paid.posted_by_id,
                request_key=uuid.uuid4(),
            )
        ]
    )
    event = BudgetEvent.objects.order_by("pk").first()
    BudgetEvent.objects.bulk_create(
        [
            BudgetEvent(
                budget_id=event.budget_id,
                kind=BudgetEvent.Kind.INCREASE,
                amount=Decimal("0.01"),
                dated_on=event.dated_on,
                document_number=f"文{STORABLE}"[:60],
                reason=STORABLE,
                recorded_by_id=event.recorded_by_id,
            )
        ]
    )
    return count


def test_every_export_and_report_is_written_whatever_the_records_hold(demo, client):
    assert _store_every_control_character() > 300
    names = {"深圳市温馨社工服务中心", "深圳市龙岗区正阳社会工作服务中心"}
    nul = "\x00" if connection.vendor == "sqlite" else ""
    stored = {f"{name}{STORABLE}{nul}" for name in names}
    assert {p.name for p in Provider.objects.all()} == stored
    # The security log keeps what a stranger typed; NUL becomes U+FFFD (PostgreSQL).
    event = audit.record(SecurityEvent.Kind.EXPORT, user=demo["finance"], detail=f"导出{CONTROLS}")
    assert SecurityEvent.objects.get(pk=event.pk).detail == f"导出\ufffd{CONTROLS[1:]}"
    evaluation = Evaluation.objects.get(year=2024)

    client.force_login(demo["finance"])
    for url in (
        "/contracts/export/",
        "/payments/installments/export/?year=2024",
        "/payments/payments/export/",
        "/payments/execution/export/?year=2024",
        f"/evaluations/{evaluation.pk}/table.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/contracts/export/").content))
    rows = list(workbook.active.iter_rows(min_row=2, values_only=True))[:-1]  # no 合计
    column = rows[0].index("服务机构")
    providers = {row[column] for row in rows[1:]}
    # What a document cannot hold is stripped; tab, line feed and CR stay.
    assert providers == {f"{name}\t\n\r" for name in names}

    # The approved version's stored report, and the report written from the records now.
    assert client.get(f"/evaluations/{evaluation.pk}/versions/1/report.docx").status_code == 200
    response = client.get(f"/evaluations/{evaluation.pk}/report.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    assert "\x1b" not in "".join(p.text for p in document.paragraphs)

    client.force_login(demo["auditadmin"])
    response = client.get("/security/audit-log/export/")
    assert response.status_code == 200
    openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL rule")
def test_postgresql_refuses_nul_even_past_the_services(bureau):
    with pytest.raises((DataError, ValueError)), transaction.atomic():
        Provider.objects.filter(bureau=bureau).update(name="a\x00b")
        Provider.objects.create(bureau=bureau, name="a\x00b", credit_code="x")


@pytest.mark.parametrize("code", [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
def test_the_service_refuses_every_control_character_with_a_message(bureau, staff_user, code):
    with pytest.raises(ValidationError) as refused:
        contract_services.provider_create(
            actor=staff_user,
            bureau=bureau,
            name=f"温馨{chr(code)}社工",
            credit_code=credit_code(1),
        )
    assert refused.value.message_dict["name"] == [
        f"机构名称：不能包含控制字符 U+{code:04X}（第 3 个字符），请删除后重新输入。"
    ]
    assert not Provider.objects.exists()


def _provider_form(name, address):
    return {
        "name": name,
        "credit_code": credit_code(1),
        "legal_representative": "",
        "contact_person": "",
        "phone": "",
        "email": "",
        "address": address,
        "bank_name": "",
        "bank_account": "",
    }


def test_the_form_refuses_escape_and_nothing_is_saved(client_for, staff_user):
    response = client_for(staff_user).post(
        "/contracts/providers/new/", _provider_form("温馨\x1b[31m社工", "")
    )
    assert response.status_code == 200
    assert "不能包含控制字符 U+001B（第 3 个字符），请删除后重新输入。" in response.content.decode()
    assert not Provider.objects.exists()


def test_the_form_turns_words_line_breaks_into_line_feeds(client_for, staff_user):
    response = client_for(staff_user).post(
        "/contracts/providers/new/",
        _provider_form("温馨社工", "盐田区\x0b海山街道\r\n17 号\r东\x0c座"),
    )
    assert response.status_code == 302
    assert Provider.objects.get().address == "盐田区\n海山街道\n17 号\n东\n座"


def test_an_account_whose_older_name_holds_a_control_character_still_signs_in(client, staff_user):
    from accounts.models import User
    from tests.factories import TEST_PASSWORD as PASSWORD

    User.objects.filter(pk=staff_user.pk).update(first_name="张\x1b三")
    response = client.post(
        "/accounts/login/", {"username": staff_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    staff_user.refresh_from_db()
    assert staff_user.last_login is not None
