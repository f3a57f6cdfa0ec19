"""The auditor sees who changed an evaluation's row scores and stated figures, on the
evaluation's own history."""

from decimal import Decimal

import pytest

from evaluations import services
from evaluations.models import EvaluationRow, StatedFigure
from tests.helpers import create_evaluation

pytestmark = pytest.mark.django_db


def test_row_scores_and_stated_figures_show_who_changed_them(
    client_for, staff_user, auditor_user, bureau, project
):
    staff_user.full_name = "陈社工科"
    staff_user.save()
    evaluation = create_evaluation(staff_user, bureau, project)
    row = EvaluationRow.objects.filter(evaluation=evaluation, source="manual").first()
    services.row_score(actor=staff_user, row=row, score=row.weight, evidence="有佐证")
    services.stated_figure_set(
        actor=staff_user,
        evaluation=evaluation,
        key=StatedFigure.Key.choices[0][0],
        value=Decimal("94.31"),
        source="自评报告",
    )
    response = client_for(auditor_user).get(f"/evaluations/{evaluation.pk}/")
    content = response.content.decode()
    history = content[content.index('id="history"') :]
    assert f"{row.level3 or row.level2} · " in history
    assert f"评价得分：— → {row.weight}" in history
    assert f"{StatedFigure.Key.choices[0][1]} · " in history
    assert "陈社工科" in history
