"""导出全部 → import into an empty bureau: the same figures, ledger and evaluation."""

import io

import pytest

from accounts.models import Bureau
from accounts.roles import Role
from imports import services
from imports.export import workbook_bytes
from payments.models import Installment, Payment
from tests.factories import BureauFactory


@pytest.fixture
def copy(demo, make_user):
    """The demo exported, and imported into an empty bureau by its finance officer."""
    source = Bureau.objects.get(pk=demo["finance"].bureau_id)
    data = workbook_bytes(source)
    target = BureauFactory(name="深圳市大鹏新区民政局", division_code="440310")
    users = {
        role: make_user(role, target, f"copy-{role}")
        for role in Role
        if role in (Role.STAFF, Role.FINANCE, Role.MANAGER)
    }
    result = services.workbook_import(
        actor=users[Role.FINANCE], bureau=target, data=data, filename="demo.xlsx"
    )
    return {"source": source, "target": target, "data": data, "users": users, "result": result}


def test_the_demo_round_trips_with_the_same_figures(client, copy, demo):
    result = copy["result"]
    assert [str(p) for p in result.problems] == []
    assert result.applied
    assert result.counts["支付"].created == 9
    client.force_login(copy["users"][Role.MANAGER])
    data = client.get("/api/v1/execution/?year=2024").json()
    client.force_login(demo["manager"])
    original = client.get("/api/v1/execution/?year=2024").json()
    assert data["issued"] == original["issued"] == "2336000.00"
    assert data["paid"] == original["paid"] == "2177100.00"
    assert data["execution_rate"] == original["execution_rate"] == "93.20"
    client.force_login(copy["users"][Role.MANAGER])
    page = client.get("/payments/dashboard/?year=2024").content.decode()
    assert '<div class="card-figure" id="card-issued">233.60</div>' in page
    assert '<div class="card-figure" id="card-paid">217.71</div>' in page
    assert '<div class="card-figure" id="card-rate">93.20%</div>' in page
    assert '<span id="card-deducted">3.72</span>' in page

    def figures(payload):
        return [{k: v for k, v in row.items() if k != "id"} for row in payload["rows"]]

    assert figures(data) == figures(original)
    assert [i["outstanding"] for i in data["late_installments"]] == [
        i["outstanding"] for i in original["late_installments"]
    ]
    assert (
        Payment.objects.filter(bureau=copy["target"]).count()
        == Payment.objects.filter(bureau=copy["source"]).count()
    )


def test_a_second_import_of_the_same_file_changes_nothing(copy):
    before = Installment.history.count()
    result = services.workbook_import(
        actor=copy["users"][Role.FINANCE],
        bureau=copy["target"],
        data=copy["data"],
        filename="demo.xlsx",
    )
    assert [str(p) for p in result.problems] == []
    assert all(c.created == 0 and c.updated == 0 for c in result.counts.values()), result.counts
    assert Installment.history.count() == before


def _ledger(client, user):
    from openpyxl import load_workbook

    client.force_login(user)
    response = client.get("/payments/payments/export/?year=2024")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    numbers = [i for i, h in enumerate(header) if h and "金额" in str(h)]
    return len(body), [round(sum(r[i] or 0 for r in body), 2) for i in numbers]


def test_the_ledger_export_has_the_same_totals(client, copy, demo):
    assert _ledger(client, copy["users"][Role.FINANCE]) == _ledger(client, demo["finance"])


def test_the_same_evaluation_gives_the_same_table(client, copy, demo, make_user):
    from contracts.models import Project
    from evaluations import services as evaluation_services
    from evaluations.demo import SEED_TEMPLATE
    from evaluations.models import Evaluation, IndicatorTemplate, OutputIndicator

    template = IndicatorTemplate.objects.get(name=SEED_TEMPLATE)

    def table(bureau, staff):
        evaluation = evaluation_services.evaluation_create(
            actor=staff,
            bureau=bureau,
            year=2024,
            title="2024 年度绩效自评（导入核对）",
            kind=Evaluation.Kind.SELF,
            template=template,
            projects=list(Project.objects.filter(bureau=bureau).order_by("name")),
        )
        client.force_login(staff)
        data = client.get(f"/api/v1/evaluations/{evaluation.pk}/").json()
        rows = [
            {k: v for k, v in row.items() if k != "id"}
            for group in data["groups"]
            for row in group["rows"]
        ]
        computed = [r for r in rows if r["computed_value"] is not None]
        return rows, len(computed), data["total"], data["grade"], data["reconciliation"]

    source = table(copy["source"], demo["staff"])
    target = table(copy["target"], copy["users"][Role.STAFF])
    # Everything the workbook carries gives the same rows; 产出数量 reads the output
    # indicators, which are the evaluation's own records and not in the workbook.
    differ = {a["source"] for a, b in zip(target[0], source[0], strict=True) if a != b}
    assert differ == {"output_quantity"}
    projects = {p.name: p for p in Project.objects.filter(bureau=copy["target"])}
    for output in OutputIndicator.objects.filter(project__bureau=copy["source"]):
        evaluation_services.output_save(
            actor=copy["users"][Role.STAFF],
            project=projects[output.project.name],
            **{
                f.name: getattr(output, f.name)
                for f in OutputIndicator._meta.concrete_fields
                if f.name not in ("id", "project")
            },
        )
    assert table(copy["target"], copy["users"][Role.STAFF]) == source
