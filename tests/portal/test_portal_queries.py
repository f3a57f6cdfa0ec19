"""The portal's pages read a bounded number of queries: 5 contracts or 200, 5 installments
of a contract or 60 (with their documents and files)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import ProviderMembership
from payments.models import DocumentFile, Installment, RequiredDocument
from tests.factories import AwardFactory, UserFactory, contracts_in_bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_user(bureau):
    award = AwardFactory(project__bureau=bureau)
    user = UserFactory(username="ngo", bureau=None)
    user.groups.add(Group.objects.get(name="provider"))
    ProviderMembership.objects.create(user=user, provider=award.provider)
    return user, award


def _installments(contracts, per_contract: int, uploader) -> None:
    today = timezone.localdate()
    installments = Installment.objects.bulk_create(
        Installment(
            bureau_id=contract.bureau_id,
            contract=contract,
            number=n + 1,
            planned_amount=Decimal("1000.00"),
            due_date=today + datetime.timedelta(days=n),
            documents_due=today - datetime.timedelta(days=3) + datetime.timedelta(days=n),
            status="awaiting_documents",
        )
        for contract in contracts
        for n in range(per_contract)
    )
    documents = RequiredDocument.objects.bulk_create(
        RequiredDocument(installment=i, kind=kind)
        for i in installments
        for kind in ("invoice", "service_report")
    )
    DocumentFile.objects.bulk_create(
        DocumentFile(
            document=d,
            file=f"documents/x/{d.pk}.pdf",
            original_name="a.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=uploader,
        )
        for d in documents
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_portal_home_reads_as_many_queries_for_5_contracts_as_for_200(
    client, bureau, provider_user
):
    user, award = provider_user
    client.force_login(user)
    few = contracts_in_bulk(bureau, [f"F-{n}" for n in range(5)], award=award)
    _installments(few, 1, user)
    client.get("/portal/")  # warm the session and the user's cache
    with_few = _queries(client, "/portal/")
    many = contracts_in_bulk(bureau, [f"M-{n}" for n in range(195)], award=award)
    _installments(many, 1, user)
    assert _queries(client, "/portal/") == with_few


def test_the_contract_page_reads_as_many_queries_for_5_installments_as_for_60(
    client, bureau, provider_user
):
    user, award = provider_user
    client.force_login(user)
    [small] = contracts_in_bulk(bureau, ["S-1"], award=award)
    [large] = contracts_in_bulk(bureau, ["L-1"], award=award)
    _installments([small], 5, user)
    _installments([large], 60, user)
    client.get(f"/portal/contracts/{small.pk}/")
    assert _queries(client, f"/portal/contracts/{small.pk}/") == _queries(
        client, f"/portal/contracts/{large.pk}/"
    )
