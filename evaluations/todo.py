"""The evaluations app's part of 我的待办 (accounts/todo.py): evaluations to approve or
finish, rectifications to follow up. Each count is the row count of the list it links to."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.todo import Todo

EVALUATIONS = _("绩效评价与整改")


def todos() -> list[Todo]:
    from evaluations.views import EvaluationListView, RectificationListView

    def evaluations(name, label, roles, query, order):
        return Todo(
            name,
            label,
            EVALUATIONS,
            roles=frozenset(roles),
            url="evaluations:evaluation-list",
            query=query,
            count=EvaluationListView.count_matching,
            order=order,
        )

    def rectifications(name, label, query, order):
        return Todo(
            name,
            label,
            EVALUATIONS,
            roles=frozenset({Role.STAFF}),
            url="evaluations:finding-list",
            query=query,
            count=RectificationListView.count_matching,
            order=order,
        )

    return [
        evaluations(
            "evaluations-submitted",
            _("已提交、待审定的绩效评价"),
            [Role.MANAGER],
            "status=submitted",
            20,
        ),
        evaluations("evaluations-draft", _("草稿中的绩效评价"), [Role.STAFF], "status=draft", 21),
        rectifications("rectifications-overdue", _("逾期未完成的整改"), "overdue=true", 22),
        rectifications("rectifications-open", _("未开始的整改"), "status=open", 23),
        rectifications("rectifications-in-progress", _("整改中"), "status=in_progress", 24),
    ]
