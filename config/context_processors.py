"""Template context shared by every page: the navigation a role may use, the version."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, icon, permission needed). A link shows only when the user holds the
# permission, but the view checks it again: menus are not access control.
NAVIGATION = [
    (_("首页"), "home", "house", None),
    (_("合同"), "contracts:contract-list", "file-earmark-text", "contracts.view_contract"),
    (_("服务项目"), "contracts:project-list", "kanban", "contracts.view_project"),
    (_("中标"), "contracts:award-list", "award", "contracts.view_award"),
    (_("服务机构"), "contracts:provider-list", "people", "contracts.view_provider"),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for label, url_name, icon, perm in NAVIGATION:
            if perm is None or user.has_perm(perm):
                items.append({"label": label, "url": reverse(url_name), "icon": icon})
    return {"nav_items": items, "app_version": settings.VERSION}
