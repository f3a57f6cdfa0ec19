"""Project-level views: the home page each role lands on, and the health probes."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts import todo
from accounts.roles import BUSINESS_ROLES, Role
from accounts.selectors import who_can

# The page each role starts from. Roles not listed (the business roles that act: staff,
# finance, manager, and any role a later app adds) land on 我的待办, the home page.
ROLE_HOME = {
    "admin": "admin:index",
    "security": "admin:index",
    "auditadmin": "security-log",
    "auditor": "payments:dashboard",
    # The provider's own portal (portal app) until it registers its 我的待办 tasks.
    "provider": "portal:home",
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


# 使用说明: what each role does, in order, each step a link (URL name, optional query).
HELP_STEPS = {
    "staff": [
        (_("登记服务机构、服务项目、中标与合同"), "contracts:contract-list", ""),
        (_("合同签订后，请财务制定分期计划（合同页面有链接）"), "contracts:contract-list", ""),
        (
            _("到期前通知服务机构提交付款资料，逐项登记收到日期"),
            "payments:installment-list",
            "status=awaiting_documents",
        ),
        (
            _("资料交齐后开始审核，或退回补交"),
            "payments:installment-list",
            "status=documents_submitted",
        ),
        (_("跟进产出指标、问题与整改"), "evaluations:finding-list", ""),
        (_("年末填报绩效评价并提交分管领导审定"), "evaluations:evaluation-list", ""),
    ],
    "finance": [
        (_("登记预算：年初预算、指标下达、追加、调减"), "payments:budget-list", ""),
        (
            _("为每份合同制定分期计划（可按比例生成，或逐期填写金额）"),
            "contracts:contract-list",
            "",
        ),
        (
            _("审核资料已交齐的分期款；超过审批限额的由分管领导审批"),
            "payments:installment-list",
            "status=under_review",
        ),
        (_("登记审计扣减"), "payments:audit-list", ""),
        (
            _("对已审批的分期款登记付款（审批人以外的人）"),
            "payments:installment-list",
            "status=approved",
        ),
        (_("对照序时进度查看预算执行，年末结账"), "payments:dashboard", ""),
    ],
    "manager": [
        (_("查看预算执行看板与逾期分期款"), "payments:dashboard", ""),
        (
            _("审批超过限额的分期款"),
            "payments:installment-list",
            "status=under_review&above_threshold=true",
        ),
        (_("审定绩效评价"), "evaluations:evaluation-list", "status=submitted"),
        (_("设置提醒（提前天数、工作时间、群机器人）"), "payments:reminder-settings", ""),
    ],
    "auditor": [
        (_("查看预算执行看板"), "payments:dashboard", ""),
        (_("查阅分期款、支付台账与扣减"), "payments:payment-list", ""),
        (_("查阅绩效评价与整改"), "evaluations:evaluation-list", ""),
    ],
}


class HelpView(TemplateView):
    """使用说明: the user's roles' steps, each a link, and the installment workflow (who
    makes the schedule, who reviews, approves and pays) drawn once for everyone."""

    template_name = "help.html"

    def dispatch(self, request, *args, **kwargs):
        # The bureau's business roles; a provider's people have their portal.
        if request.user.is_authenticated and not request.user.has_role(*BUSINESS_ROLES):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sections = []
        for role in Role:
            if role.value in HELP_STEPS and user.has_role(role):
                steps = [
                    {"label": label, "url": reverse(name) + (f"?{query}" if query else "")}
                    for label, name, query in HELP_STEPS[role.value]
                ]
                sections.append({"role": role.label, "steps": steps})
        context["sections"] = sections
        return context


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
