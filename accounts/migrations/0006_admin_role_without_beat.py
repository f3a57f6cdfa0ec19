"""Take the Celery beat schedules away from the administrator role.

A periodic task names any registered task with any arguments, so editing one is as
powerful as running code: schedules are for superusers only.
"""

from django.db import migrations


def revoke_beat(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    beat = Permission.objects.filter(content_type__app_label="django_celery_beat")
    for group in Group.objects.filter(name="admin"):
        group.permissions.remove(*beat)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_remove_bureau_webhook_url_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(revoke_beat, migrations.RunPython.noop)]
