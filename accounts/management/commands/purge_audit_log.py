"""``purge_audit_log``: delete security audit entries older than the retention."""

from django.core.management.base import BaseCommand

from accounts import audit


class Command(BaseCommand):
    help = (
        "删除超过保留期（AUDIT_LOG_RETENTION_DAYS，至少 180 天）的安全审计日志；"
        "较新的记录数据库拒绝删除。"
    )

    def handle(self, *args, **options):
        deleted = audit.purge()
        self.stdout.write(
            self.style.SUCCESS(f"已删除 {deleted} 条超过 {audit.retention_days()} 天的审计日志。")
        )
