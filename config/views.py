"""Project-level views: the home page each role lands on."""

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
    return HttpResponse("ok", content_type="text/plain")


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
