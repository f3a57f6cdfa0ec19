"""Demo records of the accounts app: the seed's bureau and one user per role.

The bureau is the one whose 2024 evaluation report is the product's acceptance data
(深圳市盐田区民政局, division code 440308). The users are invented. ``admin`` is the
platform's system administrator: it belongs to no bureau and reads none of its records;
``secadmin`` and ``auditadmin`` are the bureau's security and audit administrators.

The demo's password is public and shorter than the password rule asks; the accounts are
marked as having chosen it (no change forced at first login) so the demo logs in as
documented. Their roles are installed like an installation's first roles, kept in the
role-grant history.
"""

from accounts import services
from accounts.models import Bureau, User
from accounts.roles import Role

DEMO_PASSWORD = "yantian2024"

DEMO_USERS = [
    # username, full name, role
    ("admin", "系统管理员", Role.ADMIN),
    ("secadmin", "孙安全", Role.SECURITY),
    ("auditadmin", "周审计管理", Role.AUDIT_ADMIN),
    ("manager", "王分管", Role.MANAGER),
    ("finance", "李财务", Role.FINANCE),
    ("staff", "陈社工科", Role.STAFF),
    ("auditor", "赵审计", Role.AUDITOR),
]


def load() -> dict:
    bureau, _created = Bureau.objects.get_or_create(
        name="深圳市盐田区民政局", defaults={"division_code": "440308"}
    )
    users = {}
    for username, full_name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                # The platform administrator belongs to no bureau.
                "bureau": None if role == Role.ADMIN else bureau,
                "email": f"{username}@yantian.example.cn",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            services.role_grant_install(user=user, role=role, reason="演示数据")
        users[str(role)] = user
    return {"bureau": bureau, "users": users}
