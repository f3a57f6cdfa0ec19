"""The roles of the product, kept as Django groups, and what each may do.

The whole access policy is the table :data:`ROLE_PERMISSIONS`: a role is a group, and
its permissions are ``app_label.codename`` strings. :func:`sync_roles` installs the table;
it runs from a data migration and after every ``migrate`` (so a permission added by a
later model reaches its roles, and a test database flushed between tests gets its roles
back). The table is the policy: a group holds exactly its permissions, nothing granted
beside it in the admin survives the next ``migrate``.

Three administrators keep their duties apart (三权分立, 等保 2.0): the platform's system
administrator runs the installation (bureaus, accounts, schedules) and reads no bureau's
records; a bureau's security administrator manages its accounts and roles and holds no
business role; the audit administrator reads the security audit log. Who holds which
role changes only through a role grant a second administrator confirms
(:mod:`accounts.services`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


# Choices read like every other TextChoices (one value and label a line): a declaration.
class Role(models.TextChoices):
    STAFF = "staff", _("业务科室")
    FINANCE = "finance", _("财务")
    MANAGER = "manager", _("分管领导")
    AUDITOR = "auditor", _("审计/评估")
    ADMIN = "admin", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT_ADMIN = "auditadmin", _("审计管理员")
    PROVIDER = "provider", _("服务机构")


# The roles that do a bureau's business, and the administrators' roles.
BUSINESS_ROLES = frozenset({Role.STAFF, Role.FINANCE, Role.MANAGER, Role.AUDITOR})
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY, Role.AUDIT_ADMIN})

# The provider's own people (服务机构): accounts of no bureau, linked to one provider
# organisation (contracts.ProviderMembership); they use the provider portal only.
PROVIDER_ROLES = frozenset({Role.PROVIDER})

# Roles one person may not hold together. The system and security administrators hold
# nothing else; the audit administrator is never one of the two it watches; a provider's
# person holds no role of a bureau.
INCOMPATIBLE_ROLES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Role) - {Role.ADMIN},
    Role.SECURITY: frozenset(Role) - {Role.SECURITY},
    Role.AUDIT_ADMIN: frozenset({Role.ADMIN, Role.SECURITY, Role.PROVIDER}),
    Role.PROVIDER: frozenset(Role) - {Role.PROVIDER},
    **{role: frozenset({Role.ADMIN, Role.SECURITY, Role.PROVIDER}) for role in BUSINESS_ROLES},
}

# The platform administrator's role is for accounts without a bureau; every other role
# belongs to a bureau's people.
PLATFORM_ROLES = frozenset({Role.ADMIN})

# Roles whose accounts reach the Django admin (is_staff follows the role).
ADMIN_SITE_ROLES = frozenset({Role.ADMIN, Role.SECURITY})

# Roles that log in with a second factor (TOTP) where their bureau turns it on.
OTP_ROLES = frozenset({Role.FINANCE, Role.MANAGER, *ADMIN_ROLES})


# The apps that hold a bureau's business. Reading or acting on them takes a role even
# for a superuser (User.has_perm): the superuser installs the platform, nothing more.
DUTY_APPS = frozenset({"contracts", "payments", "evaluations", "imports"})

# Models of those apps that are the platform's shared data, not a bureau's records:
# the indicator templates and grade scales every bureau scores with.
PLATFORM_MODELS = frozenset({"indicatortemplate", "templaterow", "gradescale", "gradeband"})

# When a person holds several roles, the first one here decides their home page.
ROLE_PRIORITY = [
    Role.ADMIN,
    Role.SECURITY,
    Role.AUDIT_ADMIN,
    Role.MANAGER,
    Role.FINANCE,
    Role.STAFF,
    Role.AUDITOR,
    Role.PROVIDER,
]


def _crud(app_label: str, *models_: str, actions=("add", "change", "view")) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models_ for action in actions]


CONTRACT_MODELS = ("provider", "project", "annualgoal", "award", "contract", "contractattachment")
PORTAL = "contracts.use_portal"
READ_CONTRACTS = _crud("contracts", *CONTRACT_MODELS, actions=("view",))
PAYMENT_MODELS = (
    "budget",
    "budgetevent",
    "fiscalyearclosing",
    "progresscheckpoint",
    "audit",
    "installment",
    "installmenttransition",
    "requireddocument",
    "documentfile",
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
    "evaluationsnapshot",
    "outputindicator",
    "outputupdate",
    "finding",
    "rectification",
    "indicatortemplate",
    "templaterow",
    "gradescale",
    "gradeband",
    # The performance cycle: targets, monitoring rounds, result application.
    "performancetarget",
    "targetindicator",
    "targetadjustment",
    "monitoringround",
    "monitoringproject",
    "monitoringline",
    "resultrule",
    "resulteffect",
)
CYCLE_STAFF_MODELS = (
    "performancetarget",
    "targetindicator",
    "targetadjustment",
    "monitoringround",
    "monitoringproject",
    "monitoringline",
)
READ_EVALUATIONS = _crud("evaluations", *EVALUATION_MODELS, actions=("view",))

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # 业务科室: registers providers, projects and contracts; tracks documents and outputs.
    Role.STAFF: [
        *_crud("contracts", *CONTRACT_MODELS),
        # Invites the providers' people to the portal and deactivates them.
        *_crud("contracts", "providermembership"),
        *READ_PAYMENTS,
        *_crud("payments", "audit", "requireddocument"),
        # Accepts or returns the files the provider hands in.
        "payments.review_documentfile",
        "payments.change_installment",
        "payments.request_documents",
        "payments.submit_documents",
        "payments.review_installment",
        "payments.hold_installment",
        "payments.backdate_entry",
        *READ_EVALUATIONS,
        *_crud("evaluations", "evaluation", "evaluationrow", "statedfigure"),
        *_crud("evaluations", "outputindicator", "outputupdate", "finding", "rectification"),
        *_crud("evaluations", *CYCLE_STAFF_MODELS, actions=("add", "change")),
        "evaluations.submit_evaluation",
        "imports.view_importrun",
        "imports.import_registers",
    ],
    # 财务: keeps budgets and payment schedules; records payments and deductions.
    Role.FINANCE: [
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        DASHBOARD,
        *_crud("payments", "budget", "budgetevent", "installment", "audit"),
        *_crud("payments", "requireddocument", "deduction"),
        "payments.view_documentfile",
        "payments.review_documentfile",
        *_crud("payments", "progresscheckpoint", actions=("add", "change", "delete")),
        "payments.add_payment",
        "payments.backdate_entry",
        "payments.close_fiscal_year",
        "payments.request_documents",
        "payments.submit_documents",
        "payments.review_installment",
        "payments.approve_installment",
        "payments.hold_installment",
        "payments.cancel_installment",
        *READ_EVALUATIONS,
        "imports.view_importrun",
        "imports.import_money",
    ],
    # 分管领导: reads dashboards, approves evaluations, sets the bureau's reminders
    # (who is warned when, escalations to them); read-mostly.
    Role.MANAGER: [
        *_crud("payments", "remindersettings"),
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        DASHBOARD,
        "accounts.view_history",
        "payments.approve_installment",
        "payments.hold_installment",
        "payments.cancel_installment",
        # The manager approves on paper too; the approval is entered with its own date.
        "payments.backdate_entry",
        *READ_EVALUATIONS,
        "evaluations.approve_evaluation",
        # Approves targets and monitoring rounds, keeps the result rules, releases holds.
        "evaluations.approve_target",
        *_crud("evaluations", "resultrule"),
    ],
    # 审计/评估: reads everything of the bureau, history included.
    Role.AUDITOR: [
        *READ_CONTRACTS,
        *READ_PAYMENTS,
        *READ_EVALUATIONS,
        DASHBOARD,
        "accounts.view_history",
        "imports.view_importrun",
    ],
    # 系统管理员 (the platform's, without a bureau): bureaus, accounts, Celery beat
    # schedules, the login lock-outs; the shared indicator templates and grade scales.
    # No bureau's records: neither reading nor acting.
    Role.ADMIN: [
        *_crud("accounts", "user", "bureau"),
        *_crud("accounts", "rolegrant", actions=("add", "view")),
        "accounts.confirm_rolegrant",
        "auth.view_group",
        *_crud("django_celery_beat", "periodictask", "crontabschedule", "intervalschedule"),
        *_crud("django_celery_beat", "solarschedule", "clockedschedule"),
        *_crud("axes", "accessattempt", "accesslog", "accessfailurelog", actions=("view",)),
        "axes.delete_accessattempt",
        *_crud("evaluations", *PLATFORM_MODELS, actions=("view",)),
    ],
    # 安全管理员 (a bureau's): the accounts and roles of the bureau, its second-factor
    # setting. No business role, no business record.
    Role.SECURITY: [
        *_crud("accounts", "user"),
        *_crud("accounts", "rolegrant", actions=("add", "view")),
        "accounts.confirm_rolegrant",
        "accounts.view_bureau",
        "accounts.change_bureau",
        "auth.view_group",
    ],
    # 审计管理员: reads the security audit log, nothing else.
    Role.AUDIT_ADMIN: ["accounts.view_securityevent"],
    # 服务机构: the provider portal only; what it reads and hands in is scoped by its
    # memberships (contracts.selectors.portal_provider_ids), never by a bureau.
    Role.PROVIDER: [PORTAL],
}


def roles_holding(permissions) -> list[Role]:
    """The business roles that hold every one of ``permissions`` (who can do what a 403
    refused), in the table's order."""
    wanted = set(permissions)
    if not wanted:
        return []
    return [
        role for role in Role if role in BUSINESS_ROLES and wanted <= set(ROLE_PERMISSIONS[role])
    ]


def sync_roles(apps=None) -> None:
    """Create the role groups and give each exactly the permissions of the table.

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
        wanted = {available[p] for p in ROLE_PERMISSIONS[role] if p in available}
        current = set(group.permissions.values_list("pk", flat=True))
        # Only what differs: a grant added beside the table is taken away again.
        if stale := current - wanted:
            group.permissions.remove(*stale)
        if missing := wanted - current:
            group.permissions.add(*missing)
