"""Run the reminder scan on demand and print what it sends (or would send).

Run by hand, the command sends the e-mails and robot messages itself, one notice after
another, and prints how many went out; the periodic task leaves them to a
``deliver_notice`` task per notice instead.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from payments.models import Notice
from payments.reminders import scan


class Command(BaseCommand):
    help = (
        "运行提醒扫描并当场发送：列出新发现的提醒、此前推迟到工作时间而现在发送的提醒及接收人，"
        "站内通知、邮件和群机器人由本命令直接发出（定时任务则把邮件和群机器人交给发送任务）。"
        "--dry-run 只列出不写入、不发送。"
        "--as-of 为今天以外的日期时只能与 --dry-run 一起使用：按别的日期实际运行会改变当前状态"
        "（解除现有的提醒、重开旧的提醒）；确需如此（例如演示），加 --force。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="按此日期扫描（YYYY-MM-DD），今天以外的日期视为当天 10:00；默认今天此刻。"
            "不是今天时须同时给出 --dry-run 或 --force。",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出将要发送的提醒，不写入、不发送。"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="允许按今天以外的日期实际运行（会按该日期解除或重开现有提醒并发送）。",
        )

    def handle(self, *args, as_of=None, dry_run=False, force=False, **options):
        now = timezone.now()
        day = timezone.localdate(now)
        if as_of:
            try:
                chosen = datetime.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of 应为 YYYY-MM-DD，收到 {as_of!r}") from exc
            if chosen != day:
                if not (dry_run or force):
                    raise CommandError(
                        f"--as-of {chosen} 不是今天（{day}）：按别的日期实际运行会解除现有的提醒、"
                        "重开旧的提醒并发送。请加 --dry-run 只查看；确需实际运行，请加 --force。"
                    )
                day = chosen
                now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        outcome = scan.run(now=now, as_of=day, dry_run=dry_run, send=scan.INLINE)
        created = {n.key for n in outcome.created}
        earlier = [n for n in outcome.delivered if n.key not in created]
        if not dry_run:
            # In the app a notice shows at once; its e-mails and robot message may have
            # waited for working hours and go out now.
            seen = {n.pk for n in (*outcome.created, *earlier)}
            earlier += list(
                Notice.objects.filter(pk__in=outcome.dispatched).exclude(pk__in=seen).order_by("pk")
            )
        names = outcome.recipients
        if not dry_run:
            names = dict(
                User.objects.filter(
                    pk__in={
                        pk
                        for n in (*outcome.created, *earlier)
                        for pk in n.data.get("recipients", [])
                    }
                ).values_list("pk", "username")
            )
        mode = "（试运行，不写入、不发送）" if dry_run else ""
        self.stdout.write(f"截至 {day}{mode}")
        self.stdout.write(f"新提醒 {len(outcome.created)} 条：")
        for notice in outcome.created:
            self.stdout.write(self._line(notice, names, now))
        if earlier:
            verb = "将发送" if dry_run else "发送"
            self.stdout.write(f"{verb}此前推迟到工作时间的提醒 {len(earlier)} 条：")
            for notice in earlier:
                self.stdout.write(self._line(notice, names, now))
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
                f"已发送 {len(outcome.created) + len(earlier)} 条提醒：站内通知 {outcome.notifications} 条，"
                f"邮件 {outcome.emails} 封，群机器人 {outcome.webhooks} 次。"
            )

    @staticmethod
    def _line(notice, names, now) -> str:
        people = ", ".join(names.get(pk, str(pk)) for pk in notice.data.get("recipients", []))
        extra = (
            f"；并邮件通知服务机构 {notice.data['provider_email']}"
            if notice.data.get("provider_email")
            else ""
        )
        urgent = "【紧急】" if notice.urgent else ""
        wait = ""
        if notice.delivered_at is None and notice.deliver_after > now:
            local = timezone.localtime(notice.deliver_after)
            wait = f"（非工作时间，将于 {local.month}月{local.day}日 {local:%H:%M} 发送）"
        return (
            f"  [{notice.get_rule_display()}]{urgent} {notice.title} → {people or '（无接收人）'}"
            f"{extra}{wait}"
        )
