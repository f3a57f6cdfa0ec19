"""Project-level views: the home page each role lands on, and the health probes."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

# The page each role starts from. Roles not listed see the general home page.
ROLE_HOME = {
    "admin": "admin:index",
    "security": "admin:index",
    "auditadmin": "security-log",
    "manager": "payments:dashboard",
    "auditor": "payments:dashboard",
    "finance": "payments:installment-list",
    "staff": "contracts:contract-list",
    "provider": "portal:home",
}


class HomeView(TemplateView):
    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        target = ROLE_HOME.get(request.user.role)
        if target and request.GET.get("stay") is None:
            return redirect(target)
        return super().get(request, *args, **kwargs)


@login_not_required
def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
def readyz(request):
    """Readiness: database, migrations, cache, broker and beat, each ``true`` or ``false``;
    503 when any is false. Names no version, host or error (config/health.py logs them)."""
    from config.health import readiness

    checks = readiness()
    ready = all(checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    response["Cache-Control"] = "no-store"
    # config.health logged each failing check as a warning; Django would log every 503 probe
    # again as an error (and send it to Sentry), several times a minute.
    response._has_been_logged = True
    return response


def whoami(request):
    """``GET /api/v1/whoami/``: the logged-in user, their role and bureau (for API clients)."""
    user = request.user
    return JsonResponse(
        {
            "username": user.username,
            "name": str(user),
            "role": user.role,
            "bureau": user.bureau.name if user.bureau else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )
