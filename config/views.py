"""Project-level views: the home page each role lands on, and the health probes."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from accounts import todo
from accounts.selectors import who_can

# The page each role starts from. Roles not listed (the business roles that act: staff,
# finance, manager, and any role a later app adds) land on 我的待办, the home page.
ROLE_HOME = {
    "admin": "admin:index",
    "security": "admin:index",
    "auditadmin": "security-log",
    "auditor": "payments:dashboard",
}


class HomeView(TemplateView):
    """我的待办: what waits for the user, grouped and counted, each a link to its list
    (accounts/todo.py; each app registers its own tasks)."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        target = ROLE_HOME.get(request.user.role)
        if target and request.GET.get("stay") is None:
            return redirect(target)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["todo_groups"] = todo.for_request(self.request)
        return context


def permission_denied(request, exception):
    """403 in the site's layout: what was refused, which roles do it and who holds them in
    the user's bureau (accounts.selectors.who_can), and where to go instead."""
    needed = [a for a in getattr(exception, "args", ()) if isinstance(a, str) and "." in a]
    user = getattr(request, "user", None)
    roles, people = ([], []) if user is None else who_can(user=user, permissions=needed)
    return render(request, "403.html", {"roles": roles, "people": people}, status=403)


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
