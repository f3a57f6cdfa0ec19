"""The payments app's part of 我的待办 (accounts/todo.py): installments waiting for each
role's step, late installments, audits whose deductions are not recorded, and execution
behind time progress. Each count is the row count of the list it links to."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.todo import Todo
from payments.reminders import rules

INSTALLMENTS = _("分期款")
EXECUTION = _("预算执行")


def _installments(name, label, roles, query, hint="", order=10):
    from payments.views import InstallmentListView

    return Todo(
        name,
        label,
        INSTALLMENTS,
        roles=frozenset(roles),
        url="payments:installment-list",
        query=query,
        count=InstallmentListView.count_matching,
        hint=hint,
        order=order,
    )


def execution_behind(request, query) -> int | None:
    """How many of the year's projects pay behind time progress by more than the
    bureau's tolerance (the dashboard's rule, the rows it marks 落后)."""
    from payments import selectors

    user = request.user
    if not user.has_perm("payments.view_dashboard"):
        return None
    report = selectors.execution(user=user, year=selectors.default_year(user=user))
    return sum(1 for row in report.rows if row_behind(report, row))


def row_behind(report, row) -> bool:
    if row.rate is None:
        return False
    return rules.is_behind(row.rate - report.target.percent, report.tolerance)


def todos() -> list[Todo]:
    from payments.views import AuditListView

    staff, finance, manager = Role.STAFF, Role.FINANCE, Role.MANAGER
    return [
        _installments(
            "installments-awaiting-documents",
            _("待服务机构交资料（催交）"),
            [staff],
            "status=awaiting_documents",
            hint=_("资料交齐后点“资料已交齐”。"),
            order=10,
        ),
        _installments(
            "installments-files-to-review",
            _("服务机构已提交、待接收的资料"),
            [staff],
            "files_to_review=true",
            hint=_("在分期款页面逐份接收或退回。"),
            order=9,
        ),
        _installments(
            "installments-documents-submitted",
            _("资料已交、待开始审核"),
            [staff, finance],
            "status=documents_submitted",
            order=11,
        ),
        _installments(
            "installments-under-review",
            _("审核中、待审批"),
            [finance],
            "status=under_review",
            order=12,
        ),
        _installments(
            "installments-above-threshold",
            _("超过审批限额、待分管领导审批"),
            [manager],
            "status=under_review&above_threshold=true",
            order=13,
        ),
        _installments(
            "installments-approved",
            _("已审批、待支付"),
            [finance],
            "status=approved",
            order=14,
        ),
        _installments(
            "installments-late",
            _("逾期未付"),
            [staff, finance, manager],
            "late=true",
            order=15,
        ),
        Todo(
            "audits-without-deduction",
            _("审计已出报告、待登记扣减"),
            INSTALLMENTS,
            roles=frozenset({finance}),
            url="payments:audit-list",
            query="no_deduction=true",
            count=AuditListView.count_matching,
            hint=_("审计未发现需扣减的，可忽略。"),
            order=16,
        ),
        Todo(
            "execution-behind",
            _("执行进度落后于序时进度的项目"),
            EXECUTION,
            roles=frozenset({manager, finance}),
            url="payments:dashboard",
            count=execution_behind,
            order=30,
        ),
    ]
