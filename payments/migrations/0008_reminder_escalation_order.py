"""The escalation order of reminder levels becomes a database rule: urgent (level 3) later
than the manager (level 2). Only the settings page checked it; a row the admin saved out
of order gets its urgent threshold one day after the manager's, the smallest change that
keeps the manager's threshold as the bureau set it."""

from django.db import migrations, models
from django.db.models import F


def repair_order(apps, schema_editor):
    ReminderSettings = apps.get_model("payments", "ReminderSettings")
    ReminderSettings.objects.filter(escalate_level3_days__lte=F("escalate_level2_days")).update(
        escalate_level3_days=F("escalate_level2_days") + 1
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_admin_role_without_beat'),
        ('payments', '0007_notice_dispatch_and_dated_keys'),
    ]

    operations = [
        migrations.RunPython(repair_order, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='remindersettings',
            constraint=models.CheckConstraint(condition=models.Q(('escalate_level3_days__gt', models.F('escalate_level2_days'))), name='reminder_escalation_order', violation_error_message='紧急级别的天数应大于升级至分管领导的天数。'),
        ),
    ]
