"""导出全部 → import into an empty bureau: the same figures, ledger and evaluation."""

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
