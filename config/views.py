"""Project-level views: the home page each role lands on."""

from django.shortcuts import redirect
from django.views.generic import TemplateView

# The page each role starts from. Roles not listed see the general home page.
ROLE_HOME = {
    "admin": "admin:index",
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
