"""Template context shared by every page: the navigation a role may use, the version."""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts import caching
from accounts.roles import BUSINESS_ROLES
from payments.reminders import inbox

# (label, url name [?query], icon, permission needed), or a group: (label, icon, [items]). A link
# shows only when the user holds the permission, but the view checks it again: menus are
# not access control.
# A table: the groups' entries read alike because each is one menu entry.
NAVIGATION = [
    (_("我的待办"), "home", "list-check", None),
    (_("执行看板"), "payments:dashboard", "speedometer2", "payments.view_dashboard"),
    (_("我的资料"), "portal:home", "inbox", "contracts.use_portal"),
    (_("安全审计"), "security-log", "shield-lock", "accounts.view_securityevent"),
    (
        _("合同管理"),
        "file-earmark-text",
        [
            (_("合同"), "contracts:contract-list", "file-earmark-text", "contracts.view_contract"),
            (_("服务项目"), "contracts:project-list", "kanban", "contracts.view_project"),
            (_("中标"), "contracts:award-list", "award", "contracts.view_award"),
            (_("服务机构"), "contracts:provider-list", "people", "contracts.view_provider"),
        ],
    ),
    (
        _("资金支付"),
        "cash-coin",
        [
            (
                _("分期款"),
                "payments:installment-list",
                "calendar-check",
                "payments.view_installment",
            ),
            (_("支付台账"), "payments:payment-list", "journal-text", "payments.view_payment"),
            (_("扣减"), "payments:deduction-list", "scissors", "payments.view_deduction"),
            (_("预算"), "payments:budget-list", "piggy-bank", "payments.view_budget"),
            (_("序时进度"), "payments:checkpoints", "graph-up", "payments.add_progresscheckpoint"),
            (_("审计与评估"), "payments:audit-list", "clipboard-check", "payments.view_audit"),
            (
                _("提醒设置"),
                "payments:reminder-settings",
                "bell",
                "payments.change_remindersettings",
            ),
            (
                _("设置变更历史"),
                "payments:settings-history",
                "clock-history",
                "accounts.view_history",
            ),
        ],
    ),
    (
        _("绩效评价"),
        "clipboard-data",
        [
            (
                _("绩效评价"),
                "evaluations:evaluation-list",
                "clipboard-data",
                "evaluations.view_evaluation",
            ),
            (
                _("产出指标"),
                "evaluations:output-list",
                "bar-chart",
                "evaluations.view_outputindicator",
            ),
            (
                _("问题与整改"),
                "evaluations:finding-list",
                "list-check",
                "evaluations.view_rectification",
            ),
            (
                _("绩效目标"),
                "evaluations:target-list",
                "bullseye",
                "evaluations.view_performancetarget",
            ),
            (
                _("运行监控"),
                "evaluations:round-list",
                "activity",
                "evaluations.view_monitoringround",
            ),
            (
                _("结果应用"),
                "evaluations:rule-list",
                "sliders",
                "evaluations.view_resultrule",
            ),
            (
                _("第三方评估"),
                "payments:audit-list?kind=assessment",
                "patch-check",
                "payments.view_audit",
            ),
        ],
    ),
    (_("数据导入"), "imports:home", "upload", "imports.view_importrun"),
]


def _item(user, label, url_name, icon, perm):
    """A link; ``url_name`` may carry a query string ("payments:audit-list?kind=…")."""
    if perm is None or user.has_perm(perm):
        name, _sep, query = url_name.partition("?")
        url = reverse(name) + (f"?{query}" if query else "")
        return {"label": label, "url": url, "icon": icon}
    return None


def _navigation_items(user) -> list[dict]:
    items = []
    for entry in NAVIGATION:
        if len(entry) == 3:  # a group
            label, icon, children = entry
            links = [link for link in (_item(user, *child) for child in children) if link]
            if links:
                items.append({"label": label, "icon": icon, "children": links})
        else:
            link = _item(user, *entry)
            if link:
                items.append(link)
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "app_version": settings.VERSION, "unread_notifications": 0}
    unread = inbox.unread_count(user)
    return {
        # Built only when the navigation bar is rendered, not when it comes from the cache.
        "nav_items": SimpleLazyObject(lambda: _navigation_items(user)),
        "app_version": settings.VERSION,
        "unread_notifications": unread,
        # The rendered menu is cached (base.html; accounts/caching.py: navigation).
        "nav_key": caching.navigation_key(user, request.path),
        # 使用说明 is for the bureau's business roles (the provider has its portal).
        "show_help": SimpleLazyObject(lambda: user.has_role(*BUSINESS_ROLES)),
    }
