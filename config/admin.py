"""The Django admin, reachable only by the admin role (``is_staff``).

Anonymous visitors are sent to the product's own login page (where django-axes counts
failures); a logged-in user without admin rights gets 403 instead of a second login form.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    site_header = _("社工服务项目管理 · 系统管理")
    site_title = _("系统管理")
    index_title = _("系统管理")

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("accounts:login"))
