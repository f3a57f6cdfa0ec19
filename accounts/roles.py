"""The roles of the product, kept as Django groups, and what each may do.

The whole access policy is the table :data:`ROLE_PERMISSIONS`: a role is a group, and
its permissions are ``app_label.codename`` strings. :func:`sync_roles` installs the table;
it runs from a data migration and after every ``migrate`` (so a permission added by a
later model reaches its roles, and a test database flushed between tests gets its roles
back). It only adds: an administrator may grant more in the admin, never less than here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("业务科室")
    FINANCE = "finance", _("财务")
    MANAGER = "manager", _("分管领导")
    AUDITOR = "auditor", _("审计/评估")
    ADMIN = "admin", _("系统管理员")


# The apps that hold a bureau's business. Acting on them (adding, changing, paying,
# approving) takes a role even for a superuser; reading does not (User.has_perm).
DUTY_APPS = frozenset({"contracts", "payments", "evaluations"})

# When a person holds several roles, the first one here decides their home page.
ROLE_PRIORITY = [Role.ADMIN, Role.MANAGER, Role.FINANCE, Role.STAFF, Role.AUDITOR]


def _crud(app_label: str, *models_: str, actions=("add", "change", "view")) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models_ for action in actions]


CONTRACT_MODELS = ("provider", "project", "annualgoal", "award", "contract", "contractattachment")
READ_CONTRACTS = _crud("contracts", *CONTRACT_MODELS, actions=("view",))
PAYMENT_MODELS = (
    "budget",
    "budgetadjustment",
    "progresscheckpoint",
    "audit",
    "installment",
    "installmenttransition",
    "requireddocument",
    "deduction",
    "payment",
    "remindersettings",
    "notice",
)
READ_PAYMENTS = _crud("payments", *PAYMENT_MODELS, actions=("view",))
DASHBOARD = "payments.view_dashboard"
EVALUATION_MODELS = (
    "evaluation",
    "evaluationrow",
    "statedfigure",
    "outputindicator",
    "outputupdate",
    "finding",
    "rectification",
    "indicatortemplate",
    "templaterow",
    "gradescale",
    "gradeband",
)
READ_EVALUATIONS = _crud("evaluations", *EVALUATION_MODELS, actions=("view",))

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # 业务科室: registers providers, projects and contracts; tracks documents and outputs.
    Role.STAFF: [
        *_crud("contracts", *CONTRACT_MODELS),
        *READ_PAYMENTS,
        *_crud("payments", "audit", "requireddocument"),
        "payments.change_installment",
        "payments.request_documents",
        "payments.submit_documents",
        "payments.review_installment",
        "payments.hold_installment",
        *READ_EVALUATIONS,
        *_crud("evaluations", "evaluation", "evaluationrow", "statedfigure"),
        *_crud("evaluations", "outputindicator", "outputupdate", "finding", "rectification"),
        "evaluations.submit_evaluation",
    ],
    # 财务: keeps budgets and payment schedules; records payments and deductions.
    Role.FINANCE: [
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        DASHBOARD,
        *_crud("payments", "budget", "budgetadjustment", "installment", "audit"),
        *_crud("payments", "requireddocument", "deduction"),
        *_crud("payments", "progresscheckpoint", actions=("add", "change", "delete")),
        "payments.add_payment",
        "payments.request_documents",
        "payments.submit_documents",
        "payments.review_installment",
        "payments.approve_installment",
        "payments.hold_installment",
        "payments.cancel_installment",
        *READ_EVALUATIONS,
    ],
    # 分管领导: reads dashboards, approves evaluations; read-mostly.
    Role.MANAGER: [
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        DASHBOARD,
        "accounts.view_history",
        "payments.approve_installment",
        "payments.hold_installment",
        "payments.cancel_installment",
        *READ_EVALUATIONS,
        "evaluations.approve_evaluation",
    ],
    # 审计/评估: reads everything of the bureau, history included.
    Role.AUDITOR: [
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        *READ_EVALUATIONS,
        DASHBOARD,
        "accounts.view_history",
    ],
    # 系统管理员: users, bureaus, reminder settings; reads the records. Celery beat
    # schedules name arbitrary tasks, so they stay with superusers.
    Role.ADMIN: [
        *_crud("accounts", "user", "bureau"),
        "accounts.delete_user",
        "accounts.view_history",
        "auth.view_group",
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        DASHBOARD,
        *_crud("payments", "progresscheckpoint", actions=("add", "change", "delete")),
        *_crud("payments", "remindersettings"),
        *READ_EVALUATIONS,
        *_crud("evaluations", "indicatortemplate", "templaterow", "gradescale", "gradeband"),
    ],
}


def sync_roles(apps=None) -> None:
    """Create the role groups and give them at least the permissions of the table.

    ``apps`` is a migration's app registry, or None for the live one. Permissions of
    apps not migrated yet are skipped; the post-migrate run adds them.
    """
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    available = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in Role:
        group, _created = Group.objects.get_or_create(name=str(role))
        wanted = [available[p] for p in ROLE_PERMISSIONS[role] if p in available]
        group.permissions.add(*wanted)
