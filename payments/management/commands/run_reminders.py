"""Run the reminder scan on demand and print what it sends (or would send)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments import reminders


class Command(BaseCommand):
    help = "运行提醒扫描：列出新发现的提醒及接收人；--dry-run 只列出不发送。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="按此日期扫描（YYYY-MM-DD），视为当天 10:00；默认今天此刻。",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出将要发送的提醒，不写入、不发送。"
        )

    def handle(self, *args, as_of=None, dry_run=False, **options):
        if as_of:
            try:
                day = datetime.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of 应为 YYYY-MM-DD，收到 {as_of!r}") from exc
            now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        else:
            now = timezone.now()
            day = timezone.localdate(now)
        outcome = reminders.run(now=now, as_of=day, dry_run=dry_run)
        mode = "（试运行，不写入、不发送）" if dry_run else ""
        self.stdout.write(f"截至 {day}{mode}")
        names = outcome.recipients
        if not dry_run:
            names = dict(
                reminders.User.objects.filter(
                    pk__in={pk for n in outcome.created for pk in n.data.get("recipients", [])}
                ).values_list("pk", "username")
            )
        self.stdout.write(f"新提醒 {len(outcome.created)} 条：")
        for notice in outcome.created:
            people = ", ".join(names.get(pk, str(pk)) for pk in notice.data.get("recipients", []))
            extra = (
                f"；并邮件通知服务机构 {notice.data['provider_email']}"
                if notice.data.get("provider_email")
                else ""
            )
            urgent = "【紧急】" if notice.urgent else ""
            self.stdout.write(
                f"  [{notice.get_rule_display()}]{urgent} {notice.title} → {people or '（无接收人）'}{extra}"
            )
        if outcome.reopened:
            self.stdout.write(f"重新出现 {len(outcome.reopened)} 条：")
            for notice in outcome.reopened:
                self.stdout.write(f"  [{notice.get_rule_display()}] {notice.title}")
        self.stdout.write(f"解除 {len(outcome.resolved)} 条：")
        for notice in outcome.resolved:
            self.stdout.write(
                f"  [{notice.get_rule_display()}] {notice.title}（{notice.resolution}）"
            )
        if not dry_run:
            self.stdout.write(
                f"已发送 {len(outcome.delivered)} 条提醒：站内通知 {outcome.notifications} 条，"
                f"邮件 {outcome.emails} 封，群机器人 {outcome.webhooks} 次。"
            )
