"""The role × bureau × URL matrix: every page of the product, every export and every page of
the admin site, opened on the demo bureau's records by each role of another bureau, by the
platform's administrator and by the demo bureau's own security and audit administrators.
None of them reads a business record of the bureau (contract numbers, providers, vouchers,
report numbers); none but the platform's administrator reads its people. 0 leaks."""

import io
import zipfile

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import RoleGrant, User
from accounts.roles import Role
from contracts.models import (
    Award,
    Contract,
    ContractAttachment,
    Project,
    Provider,
    ProviderMembership,
)
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    EvidenceFile,
    Finding,
    MonitoringLine,
    MonitoringProject,
    MonitoringRound,
    OutputIndicator,
    PerformanceTarget,
    Rectification,
    RectificationResponse,
    ResultEffect,
    ServiceReport,
    TargetIndicator,
)
from imports.models import ImportRun
from payments.models import (
    Audit,
    Budget,
    Deduction,
    DocumentFile,
    Installment,
    Notification,
    Payment,
    ProgressCheckpoint,
    RequiredDocument,
)
from tests.factories import BureauFactory

pytestmark = pytest.mark.django_db

# What only the demo bureau's business records hold.
BUSINESS = ["DEMO-YTMZ", "温馨社工服务中心", "正阳社会工作服务中心", "DEMO-记-", "诚安审字"]
# The demo bureau's people (by name).
PEOPLE = ["李财务", "王分管", "陈社工科", "赵审计"]

# URL name → the record its <int:pk> names.
RECORD_OF = {
    "provider": Provider,
    "project": Project,
    "award": Award,
    "contract": Contract,
    "attachment-add": Contract,
    "contract-schedule": Contract,
    "attachment-download": ContractAttachment,
    "installment": Installment,
    "document-add": Installment,
    "documents-receive-all": Installment,
    "deduction-create": Installment,
    "payment-create": Installment,
    "document-receive": RequiredDocument,
    "document-accept": RequiredDocument,
    "document-return": RequiredDocument,
    "document-upload": RequiredDocument,
    "document-file": DocumentFile,
    "membership-deactivate": ProviderMembership,
    "deduction-withdraw": Deduction,
    "payment-reverse": Payment,
    "budget": Budget,
    "checkpoint-delete": ProgressCheckpoint,
    "audit": Audit,
    "notification-open": Notification,
    "evaluation": Evaluation,
    "stated-figure": Evaluation,
    "snapshot-report": Evaluation,
    "finding-create": Evaluation,
    "api-evaluation": Evaluation,
    "row-score": EvaluationRow,
    "finding-update": Finding,
    "rectification-create": Finding,
    "rectification-update": Rectification,
    "output": OutputIndicator,
    "service-report": ServiceReport,
    "rectification-response": RectificationResponse,
    "rectification-respond": Rectification,
    "evidence-file": EvidenceFile,
    "target": PerformanceTarget,
    "indicator": TargetIndicator,
    "round": MonitoringRound,
    "line-explain": MonitoringLine,
    "entry-explain": MonitoringProject,
    "effect-release": ResultEffect,
    "importrun": ImportRun,
}
NOT_PAGES = {"logout", "set_language", "password-reset-confirm", "invitation"}


def _model_for(name: str):
    for prefix, model in RECORD_OF.items():
        if name == prefix or name.startswith(f"{prefix}-"):
            return model
    raise AssertionError(f"no record named for the URL {name}")


def _product_urls():
    """Every URL of the product with its <int:pk> set to a record of the demo bureau."""
    urls = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                if route != "admin/":
                    walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and p.name not in NOT_PAGES:
                if "<int:pk>" in route:
                    record = _model_for(p.name)._base_manager.order_by("pk").first()
                    route = route.replace("<int:pk>", str(record.pk if record else 1))
                route = route.replace("<int:version>", "1")
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns)
    return urls


def _admin_urls():
    """Every model's list in the admin, and the change page of its first record (of the
    demo bureau, where the model has any)."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls.append(base)
        record = model._base_manager.order_by("pk").first()
        if record is not None:
            urls.append(f"{base}{record.pk}/change/")
    return urls


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # .xlsx and .docx: the text is in their XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(n).decode("utf-8", "replace")
                for n in archive.namelist()
                if n.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


@pytest.fixture
def other_bureau_users(db):
    other = BureauFactory(name="深圳市南山区民政局", division_code="440305")
    from django.contrib.auth.models import Group

    users = {}
    for role in (Role.STAFF, Role.FINANCE, Role.MANAGER, Role.AUDITOR, Role.SECURITY):
        user = User.objects.create_user(
            username=f"ns-{role}", bureau=other, is_staff=role == Role.SECURITY
        )
        user.groups.add(Group.objects.get(name=str(role)))
        users[f"other {role}"] = user
    user = User.objects.create_user(username="ns-auditadmin", bureau=other)
    user.groups.add(Group.objects.get(name=str(Role.AUDIT_ADMIN)))
    users["other auditadmin"] = user
    return users


def _leaks(client, urls, markers):
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code != 500, url
        text = _text(response)
        found += [f"{url}: {m}" for m in markers if m in text]
    return found


def test_no_role_of_another_bureau_and_no_administrator_reads_the_bureaus_records(
    demo, client, other_bureau_users
):
    assert RoleGrant.objects.exists()  # the demo's grants are records of the admin too
    product, admin_site = _product_urls(), _admin_urls()
    assert len(product) > 80 and len(admin_site) > 50
    who = {
        **other_bureau_users,
        "platform admin": demo["admin"],
        "security admin": demo["secadmin"],
        "audit admin": demo["auditadmin"],
    }
    leaks = []
    for label, user in who.items():
        client.force_login(user)
        # The platform's administrator keeps the accounts; the bureau's own security
        # administrator keeps its people. Nobody else reads them.
        markers = BUSINESS if label in ("platform admin", "security admin") else BUSINESS + PEOPLE
        leaks += [f"{label} {leak}" for leak in _leaks(client, product + admin_site, markers)]
    assert leaks == []


def test_the_matrix_can_see_a_leak(demo, client):
    # The bureau's own finance officer reads its records: the markers are on the pages.
    client.force_login(demo["finance"])
    found = _leaks(client, ["/contracts/", "/payments/payments/export/?year=2024"], BUSINESS)
    assert "/contracts/: DEMO-YTMZ" in found
    assert "/payments/payments/export/?year=2024: DEMO-YTMZ" in found


# --- the provider role (服务机构) --------------------------------------------------------------

# What only the other demo provider's records hold, and the bureau's internal remarks.
ZHENGYANG = ["正阳", "DEMO-YTMZ-2023-02", "DEMO-YTMZ-2024-02"]
INTERNAL = ["部分支出凭证不规范", "服务机构提交资料不及时导致财务封账", "李财务", "陈社工科"]
# Pages a provider's person may open: its portal, its own account and inbox, the probes.
PROVIDER_PAGES = (
    "/portal/",
    "/accounts/",
    "/payments/notifications/",
    "/api/v1/whoami/",
    "/healthz/",
    "/readyz/",
)


def test_a_provider_user_reaches_no_bureau_page_and_no_admin_page(demo, client):
    client.force_login(demo["wenxin"])
    reached = []
    for url in _product_urls() + _admin_urls():
        if url == "/" or url.startswith(PROVIDER_PAGES):
            continue
        response = client.get(url)
        login = response.status_code == 302 and response["Location"].startswith("/admin/login/")
        if response.status_code not in (403, 404, 405) and not login:
            reached.append(f"{url}: {response.status_code}")
    assert reached == []


def test_a_provider_user_reads_its_own_records_and_nothing_else(demo, client, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path
    zhengyang = Provider.objects.get(name="深圳市龙岗区正阳社会工作服务中心")
    theirs = Contract.objects.filter(award__provider=zhengyang)
    document = RequiredDocument.objects.filter(installment__contract__in=theirs).first()
    # Their installments are all paid: a file handed in earlier, as a row.
    their_file = DocumentFile.objects.create(
        document=document,
        file=default_storage.save("documents/z.pdf", ContentFile(b"%PDF-1.4 zhengyang")),
        original_name="z.pdf",
        content_type="application/pdf",
        size=18,
        sha256="0" * 64,
        uploaded_by=demo["zhengyang"],
    )
    client.force_login(demo["wenxin"])
    # Its own portal shows its contracts, never the other provider's or internal remarks.
    own = [c.pk for c in Contract.objects.filter(award__provider__name="深圳市温馨社工服务中心")]
    pages = ["/portal/", *[f"/portal/contracts/{pk}/" for pk in own]]
    assert "DEMO-YTMZ-2024-01" in _text(client.get("/portal/"))
    assert _leaks(client, pages, ZHENGYANG + INTERNAL) == []
    # The other provider's records are missing to it.
    for contract in theirs:
        assert client.get(f"/portal/contracts/{contract.pk}/").status_code == 404
    assert client.get(f"/portal/documents/{document.pk}/upload/").status_code == 404
    assert client.get(f"/payments/document-files/{their_file.pk}/").status_code == 404
    # Every URL of the matrix: no other provider's records anywhere.
    assert _leaks(client, _product_urls() + _admin_urls(), ZHENGYANG) == []


def test_a_provider_user_of_another_bureau_reads_nothing_of_this_bureau(demo, client):
    from django.contrib.auth.models import Group

    from tests.factories import ProviderFactory

    other = BureauFactory(name="深圳市南山区民政局", division_code="440305")
    provider = ProviderFactory(bureau=other)
    user = User.objects.create_user(username="ns-provider", email="p@ns.example.cn")
    user.groups.add(Group.objects.get(name=str(Role.PROVIDER)))
    ProviderMembership.objects.create(user=user, provider=provider)
    client.force_login(user)
    assert _leaks(client, _product_urls() + _admin_urls(), BUSINESS + PEOPLE) == []
