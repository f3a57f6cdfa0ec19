"""The life of an evaluation: submitted once every row is scored, approved by a manager,
then read-only; a return to draft needs a reason; a locked evaluation refuses every change
and cannot go back."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import services
from evaluations.models import Evaluation, Finding, StatedFigure
from tests.helpers import create_evaluation

pytestmark = pytest.mark.django_db
E = Evaluation.Status


def _score_all(evaluation, user):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(
            actor=user,
            row=row,
            score=row.weight,
            evidence="ok",
            override_reason="无记录，按佐证评分",
        )


def test_submit_needs_every_row_scored_approval_needs_a_manager_then_it_is_read_only(
    draft, staff_user, manager_user, finance_user
):
    with pytest.raises(ValidationError) as excinfo:
        services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    assert "项指标未评分，不能提交" in excinfo.value.messages[0]
    _score_all(draft, staff_user)
    services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    for user in (staff_user, finance_user):
        with pytest.raises(PermissionDenied):
            services.evaluation_transition(actor=user, evaluation=draft, to_status=E.APPROVED)
    services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.APPROVED)
    row = draft.rows.get(order=1)
    before = (row.score, row.evidence)
    with pytest.raises(ValidationError) as excinfo:
        services.row_score(actor=staff_user, row=row, score=Decimal("1"))
    assert excinfo.value.messages == ["评价当前为“已审定”，不能再修改。"]
    with pytest.raises(ValidationError):
        services.evaluation_update(actor=staff_user, evaluation=draft, title="改标题")
    with pytest.raises(ValidationError):
        services.evaluation_refresh(actor=staff_user, evaluation=draft)
    row.refresh_from_db()
    draft.refresh_from_db()
    assert (row.score, row.evidence) == before and draft.title == "2024 年绩效自评"
    services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.LOCKED)
    with pytest.raises(ValidationError):
        services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.DRAFT)


def test_a_return_to_draft_needs_a_reason(draft, staff_user, manager_user):
    _score_all(draft, staff_user)
    services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    with pytest.raises(ValidationError):
        services.evaluation_transition(actor=manager_user, evaluation=draft, to_status=E.DRAFT)
    services.evaluation_transition(
        actor=manager_user, evaluation=draft, to_status=E.DRAFT, reason="补充佐证"
    )
    assert draft.transitions.latest("pk").reason == "补充佐证"


def _lock(evaluation, staff_user, manager_user):
    for row in evaluation.rows.filter(score__isnull=True):
        services.row_score(actor=staff_user, row=row, score=row.weight, override_reason="佐证")
    services.evaluation_transition(actor=staff_user, evaluation=evaluation, to_status=E.SUBMITTED)
    services.evaluation_transition(actor=manager_user, evaluation=evaluation, to_status=E.APPROVED)
    services.evaluation_transition(actor=manager_user, evaluation=evaluation, to_status=E.LOCKED)


def test_a_locked_evaluation_refuses_changes_over_http(
    bureau, staff_user, manager_user, project, client_for
):
    evaluation = create_evaluation(staff_user, bureau, project)
    _lock(evaluation, staff_user, manager_user)
    row = evaluation.rows.get(order=1)
    client = client_for(staff_user)
    message = "评价当前为“已锁定”，不能再修改。"
    for url, data in (
        (f"/evaluations/rows/{row.pk}/", {"score": "1", "evidence": "改"}),
        (f"/evaluations/{evaluation.pk}/edit/", {"title": "改标题"}),
        (
            f"/evaluations/{evaluation.pk}/stated/",
            {"key": "execution_rate", "value": "90", "source": "x"},
        ),
        (f"/evaluations/{evaluation.pk}/findings/new/", {"order": 1, "problem": "新问题"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, url
        assert message in response.content.decode(), url
    response = client.post(f"/evaluations/{evaluation.pk}/refresh/", follow=True)
    assert message in response.content.decode()
    row.refresh_from_db()
    evaluation.refresh_from_db()
    assert (row.score, row.evidence) == (Decimal("5.00"), "")
    assert (evaluation.title, evaluation.status) == ("2024 年绩效评价", E.LOCKED)
    assert not StatedFigure.objects.exists() and not Finding.objects.exists()
    # A locked evaluation cannot go back.
    client = client_for(manager_user)
    response = client.post(
        f"/evaluations/{evaluation.pk}/transition/", {"to_status": "draft", "reason": "重评"}
    )
    assert "评价不能从“已锁定”变为“草稿”。" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == E.LOCKED
