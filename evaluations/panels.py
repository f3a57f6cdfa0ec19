"""The evaluations app's panels on lower apps' pages (registered in
EvaluationsConfig.ready; see accounts/panels.py)."""

from accounts import panels
from evaluations import selectors


def overdue_rectifications(*, request, year, as_of) -> dict:
    """Rectifications past their deadline and not done, on the execution dashboard."""
    return {"overdue_rectifications": selectors.overdue_rectifications(user=request.user)}


def register_panels() -> None:
    panels.register(
        "payments:dashboard",
        panels.Panel(
            name="overdue-rectifications",
            template="evaluations/panels/overdue_rectifications.html",
            context=overdue_rectifications,
        ),
    )
