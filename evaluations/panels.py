"""The evaluations app's panels on lower apps' pages (registered in
EvaluationsConfig.ready; see accounts/panels.py)."""

from accounts import panels
from evaluations import cycle, selectors


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


def contract_service_reports(*, request, contract) -> dict:
    """The service reports the provider handed in for the contract."""
    if not request.user.has_perm("evaluations.view_outputindicator"):
        return {"service_reports": None}
    return {"service_reports": selectors.contract_service_reports(contract=contract)}


SERVICE_REPORTS = panels.Panel(
    "service-reports",
    "evaluations/panels/contract_service_reports.html",
    contract_service_reports,
)


def provider_record(*, request, provider) -> dict:
    """The provider's record (履约档案), on its page and on the award form once chosen."""
    if provider is None:
        return {"record": None}
    return {"record": cycle.provider_record(user=request.user, provider=provider)}


PROVIDER_RECORD = panels.Panel(
    "provider-record", "evaluations/panels/provider_record.html", provider_record
)
