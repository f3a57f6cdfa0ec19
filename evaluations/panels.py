"""The evaluations app's panels on lower apps' pages (registered in
EvaluationsConfig.ready; see accounts/panels.py)."""

from accounts import panels
from evaluations import selectors


def overdue_rectifications(*, request, year, as_of) -> dict:
    """Rectifications past their deadline and not done on the dashboard's as-of date."""
    return {
        "overdue_rectifications": selectors.overdue_rectifications(user=request.user, today=as_of)
    }


OVERDUE_RECTIFICATIONS = panels.Panel(
    "overdue-rectifications",
    "evaluations/panels/overdue_rectifications.html",
    overdue_rectifications,
)
