"""Existing accounts take their places under the duties apart (三权分立).

- A superuser of a bureau (``load_demo`` made the bureau's administrator one) is one no
  longer; if it held the administrator's role and no business role, it becomes the
  platform's administrator and leaves the bureau (the demo's ``admin``).
- Anyone else holding the administrator's role within a bureau managed that bureau's
  accounts: they become its security administrator, and hold no business role beside.

Each change of role is written to the role history (accounts.RoleGrant).
"""

from django.db import migrations
from django.utils import timezone

REASON = "升级：三权分立"
BUSINESS = ["staff", "finance", "manager", "auditor"]


def forward(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    now = timezone.now()
    security, _created = Group.objects.get_or_create(name="security")

    def history(user, role, action):
        RoleGrant.objects.create(
            user=user,
            role=role,
            action=action,
            status="confirmed",
            reason=REASON,
            requested_at=now,
            decided_at=now,
        )

    for user in User.objects.filter(bureau__isnull=False, groups__name="admin").distinct():
        in_business = user.groups.filter(name__in=BUSINESS).exists()
        if user.is_superuser and not in_business:
            user.is_superuser = False
            user.bureau = None
            user.save(update_fields=["is_superuser", "bureau"])
        elif user.is_superuser:  # does the bureau's business: keeps it, and only it
            user.groups.remove(*Group.objects.filter(name="admin"))
            history(user, "admin", "revoke")
        else:
            user.groups.remove(*Group.objects.filter(name__in=["admin", *BUSINESS]))
            user.groups.add(security)
            history(user, "admin", "revoke")
            history(user, "security", "grant")
    User.objects.filter(bureau__isnull=False, is_superuser=True).update(is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_security_log_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
