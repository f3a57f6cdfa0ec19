"""Whether a rectification is overdue is decided once, in the evaluations' selectors: the
evaluation page, the findings list and its overdue filter all say the same."""

import datetime
import re

import pytest
from django.utils import timezone

from evaluations import selectors, services
from evaluations.models import Rectification

D = datetime.date
S = Rectification.Status


@pytest.mark.parametrize(
    ("status", "due_date", "expected"),
    [
        (S.OPEN, D(2025, 1, 31), 74),
        (S.IN_PROGRESS, D(2025, 3, 31), 15),
        (S.OPEN, D(2025, 4, 14), 1),
        (S.OPEN, D(2025, 4, 15), 0),  # due today: not yet overdue
        (S.OPEN, D(2025, 6, 30), 0),
        (S.DONE, D(2025, 1, 31), 0),  # done, however late
        (S.OPEN, None, 0),  # no deadline
    ],
)
def test_days_overdue_count_past_the_deadline_until_done(status, due_date, expected):
    rectification = Rectification(status=status, due_date=due_date)
    assert selectors.days_overdue(rectification, D(2025, 4, 15)) == expected


@pytest.mark.parametrize(
    ("completed_on", "expected"),
    [(D(2025, 4, 1), 0), (D(2025, 4, 15), 0), (D(2025, 5, 20), 74)],
)
def test_a_rectification_done_after_the_as_of_date_was_overdue_on_it(completed_on, expected):
    """As of 15 April 2025, one due 31 January and done on 20 May was 74 days overdue."""
    rectification = Rectification(status=S.DONE, due_date=D(2025, 1, 31), completed_on=completed_on)
    assert selectors.days_overdue(rectification, D(2025, 4, 15)) == expected


def _badges(page: str) -> list[str]:
    """The status badges of the rectifications on the evaluation page, in order."""
    findings = page[page.index('id="finding-') :]
    return re.findall(r'<li>[^<]+<span class="badge (bg-[\w-]+)">', findings)


def test_the_page_and_the_list_filter_agree_on_what_is_overdue(
    demo, demo_evaluation, client, monkeypatch
):
    users, evaluation = demo, demo_evaluation
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2025, 4, 15))
    client.force_login(users["manager"])
    assert _badges(client.get(evaluation.get_absolute_url()).text) == [
        "bg-secondary",  # due 2025-06-30
        "bg-secondary",  # due 2025-06-30
        "bg-danger",  # due 2025-03-31
        "bg-danger",  # due 2025-01-31
    ]
    for day in (D(2025, 1, 31), D(2025, 2, 1), D(2025, 4, 15), D(2026, 1, 1)):
        in_sql = set(Rectification.objects.filter(selectors.overdue_q(day)).values_list("pk"))
        in_python = {(r.pk,) for r in Rectification.objects.all() if selectors.days_overdue(r, day)}
        assert in_sql == in_python, day

    first = Rectification.objects.get(recommendation__startswith="根据项目进展督促")
    services.rectification_save(
        actor=users["staff"],
        finding=first.finding,
        rectification=first,
        status="done",
        completed_on=D(2025, 1, 20),
        evidence="已建立资料提交提醒。",
    )
    badges = _badges(client.get(evaluation.get_absolute_url()).text)
    assert badges == ["bg-secondary", "bg-secondary", "bg-danger", "bg-success"]
