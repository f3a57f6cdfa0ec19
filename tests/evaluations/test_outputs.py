"""Output indicators: dated records add up to the actual, which then cannot be typed; a
typed actual must be cleared before records start; an approved or locked evaluation
freezes the outputs it covers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations import selectors, services
from evaluations.models import Evaluation, OutputIndicator
from tests.factories import ContractFactory
from tests.helpers import create_evaluation, create_output

pytestmark = pytest.mark.django_db
D = datetime.date


def test_outputs_add_up_their_dated_records(bureau, staff_user):
    contract = ContractFactory(award__project__bureau=bureau)
    indicator = services.output_save(
        actor=staff_user,
        project=contract.award.project,
        year=2024,
        name="入户走访",
        kind="quantity",
        unit="人次",
        comparator="gte",
        target=Decimal("80"),
        actual=None,
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=datetime.date(2024, 3, 1), amount=Decimal("40")
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=datetime.date(2024, 9, 1), amount=Decimal("45")
    )
    with pytest.raises(ValidationError):
        services.output_record(
            actor=staff_user,
            indicator=indicator,
            date=datetime.date(2025, 1, 2),
            amount=Decimal("1"),
        )
    [loaded] = selectors.outputs_of(project_ids=[contract.award.project_id], year=2024)
    assert selectors.actual_of(loaded) == Decimal("85.00")
    assert selectors.completion(loaded) == Decimal("100")


# --- updates versus the stored actual -------------------------------------------------


def test_the_first_update_is_refused_while_a_stored_actual_exists(staff_user, project):
    indicator = create_output(staff_user, project, actual=Decimal("85"))
    with pytest.raises(ValidationError) as excinfo:
        services.output_record(
            actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("500")
        )
    assert excinfo.value.messages == [
        "该指标已直接填写实际完成值 85人次；分次记录将取代该值。"
        "请先在“修改”中清空实际完成值，再按日期逐次记录。"
    ]
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("85.00")
    assert not indicator.updates.exists()
    # Cleared first, the updates are the actual.
    services.output_save(
        actor=staff_user,
        indicator=indicator,
        project=project,
        actual=None,
    )
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("500")
    )
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("500.00")


def test_with_updates_the_stored_actual_cannot_be_typed(staff_user, project, client_for):
    indicator = create_output(staff_user, project)
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("30")
    )
    with pytest.raises(ValidationError) as excinfo:
        services.output_save(
            actor=staff_user, indicator=indicator, project=project, actual=Decimal("85")
        )
    assert excinfo.value.message_dict == {
        "actual": ["该指标已有分次记录，实际完成值为各次记录之和，不能直接修改。"]
    }
    client = client_for(staff_user)
    page = client.get(f"/evaluations/outputs/{indicator.pk}/edit/").content.decode()
    field = page[page.index('name="actual"') - 200 : page.index('name="actual"') + 300]
    assert "disabled" in field
    assert "已有分次记录，实际完成值为各次记录之和，在指标页面按日期记录。" in page
    # The disabled field keeps its value whatever is posted.
    form = {
        "project": project.pk,
        "year": 2024,
        "order": 0,
        "name": "入户走访",
        "kind": "quantity",
        "unit": "人次",
        "comparator": "gte",
        "target": "80",
        "actual": "999",
        "note": "改说明",
    }
    response = client.post(f"/evaluations/outputs/{indicator.pk}/edit/", form)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.actual, indicator.note) == (None, "改说明")
    [loaded] = selectors.outputs_of(project_ids=[project.pk], year=2024)
    assert selectors.actual_of(loaded) == Decimal("30.00")


# --- outputs frozen by an approved or locked evaluation -------------------------------


def _approve(evaluation, staff_user, manager_user, *, lock=False):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(
            actor=staff_user, row=row, score=row.weight, override_reason="按佐证评分"
        )
    services.evaluation_transition(
        actor=staff_user, evaluation=evaluation, to_status=Evaluation.Status.SUBMITTED
    )
    services.evaluation_transition(
        actor=manager_user, evaluation=evaluation, to_status=Evaluation.Status.APPROVED
    )
    if lock:
        services.evaluation_transition(
            actor=manager_user, evaluation=evaluation, to_status=Evaluation.Status.LOCKED
        )


@pytest.mark.parametrize(("lock", "status"), [(False, "已审定"), (True, "已锁定")])
def test_outputs_of_an_approved_or_locked_evaluation_cannot_change(
    bureau, staff_user, manager_user, project, client_for, lock, status
):
    indicator = create_output(staff_user, project)
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 5, 1), amount=Decimal("30")
    )
    evaluation = create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
    _approve(evaluation, staff_user, manager_user, lock=lock)
    message = f"2024年度绩效评价“2024 年绩效自评”{status}，产出指标不能再修改。"

    with pytest.raises(ValidationError) as excinfo:
        services.output_record(
            actor=staff_user, indicator=indicator, date=D(2024, 6, 1), amount=Decimal("50")
        )
    assert excinfo.value.messages == [message]
    with pytest.raises(ValidationError) as excinfo:
        services.output_save(
            actor=staff_user, indicator=indicator, project=project, target=Decimal("20")
        )
    assert excinfo.value.messages == [message]
    with pytest.raises(ValidationError) as excinfo:
        create_output(staff_user, project, "新指标")
    assert excinfo.value.messages == [message]

    client = client_for(staff_user)
    response = client.post(
        f"/evaluations/outputs/{indicator.pk}/record/", {"date": "2024-06-01", "amount": "50"}
    )
    assert message in response.content.decode()
    response = client.get(f"/evaluations/outputs/{indicator.pk}/edit/", follow=True)
    assert message in response.content.decode()
    page = client.get(f"/evaluations/outputs/{indicator.pk}/").content.decode()
    assert message in page and 'action="/evaluations/outputs/' not in page

    indicator.refresh_from_db()
    assert indicator.target == Decimal("80.00")
    assert [u.amount for u in indicator.updates.all()] == [Decimal("30.00")]
    assert not OutputIndicator.objects.filter(name="新指标").exists()


def test_a_draft_or_submitted_evaluation_leaves_the_outputs_open(bureau, staff_user, project):
    indicator = create_output(staff_user, project)
    create_evaluation(staff_user, bureau, project, title="2024 年绩效自评")
    services.output_record(
        actor=staff_user, indicator=indicator, date=D(2024, 6, 1), amount=Decimal("50")
    )
    assert indicator.updates.count() == 1
