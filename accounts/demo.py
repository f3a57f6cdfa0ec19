"""Demo records of the accounts app: the seed's bureau and one user per role.

The bureau is the one whose 2024 evaluation report is the product's acceptance data
(深圳市盐田区民政局, division code 440308). The users are invented.
"""

from django.contrib.auth.models import Group

from accounts.models import Bureau, User
from accounts.roles import Role

DEMO_PASSWORD = "yantian2024"

DEMO_USERS = [
    # username, full name, role
    ("admin", "系统管理员", Role.ADMIN),
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
                "bureau": bureau,
                "email": f"{username}@yantian.example.cn",
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=str(role)))
        users[str(role)] = user
    return {"bureau": bureau, "users": users}
