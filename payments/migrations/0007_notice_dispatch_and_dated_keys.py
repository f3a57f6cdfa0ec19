"""Notices: a claim for their e-mail and robot messages, and keys that carry the due date.

Notices already delivered were sent by the old inline delivery: they count as dispatched,
so the new delivery task does not send them again. The keys of due-soon and late notices
gain the due date they were raised for (``late:{pk}:{due}:L{level}``), so that an
installment late again after its due date moved gets a new notice instead of reopening
the old one.
"""

from django.db import migrations, models
from django.db.models import F


def forwards(apps, schema_editor):
    Notice = apps.get_model("payments", "Notice")
    Notice.objects.filter(delivered_at__isnull=False, dispatched_at__isnull=True).update(
        dispatched_at=F("delivered_at")
    )
    notices = Notice.objects.filter(rule__in=["due_soon", "late"]).select_related("installment")
    changed = []
    for notice in notices.iterator(chunk_size=2000):
        parts = notice.key.split(":")
        if len(parts) != 3 or notice.installment is None:
            continue  # already dated
        due = (notice.data or {}).get("due_date") or notice.installment.due_date.isoformat()
        notice.key = f"{parts[0]}:{parts[1]}:{due}:{parts[2]}"
        changed.append(notice)
    Notice.objects.bulk_update(changed, ["key"], batch_size=500)


def backwards(apps, schema_editor):
    Notice = apps.get_model("payments", "Notice")
    changed = []
    for notice in Notice.objects.filter(rule__in=["due_soon", "late"]).iterator(chunk_size=2000):
        parts = notice.key.split(":")
        if len(parts) == 4:
            notice.key = f"{parts[0]}:{parts[1]}:{parts[3]}"
            changed.append(notice)
    # Two periods of one installment would share an undated key: keep the newest.
    seen = set()
    for notice in sorted(changed, key=lambda n: n.created_at, reverse=True):
        if notice.key in seen:
            notice.key = f"{notice.key}:{notice.pk}"
        seen.add(notice.key)
    Notice.objects.bulk_update(changed, ["key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_payment_delete_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="dispatched_at",
            field=models.DateTimeField(
                blank=True,
                help_text="邮件与群机器人消息已由发送任务认领（每条提醒只认领一次）。",
                null=True,
                verbose_name="已外发",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
