"""``verify_audit_log``: walk the security audit log's hash chain; exit 1 on any break."""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit


class Command(BaseCommand):
    help = "校验安全审计日志的摘要链：发现被改动或删除的记录时列出并以状态 1 退出。"

    def handle(self, *args, **options):
        result = audit.verify()
        for problem in result.problems:
            self.stdout.write(problem)
        summary = (
            f"已校验 {result.checked} 条；最新一条为第 {result.head_seq} 条，"
            f"摘要 {result.head_hash or '—'}"
        )
        if not result.ok:
            raise CommandError(f"安全审计日志被改动：{len(result.problems)} 处问题。{summary}")
        self.stdout.write(self.style.SUCCESS(f"安全审计日志完整。{summary}"))
