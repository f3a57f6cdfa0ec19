"""Load the seed report's records and the demo users.

The command lives in the top app of the import chain (evaluations → payments →
contracts → accounts) because it loads every app's demo records in order; each app keeps
its own records in its ``demo.py``.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from contracts import demo as contracts_demo
from evaluations import demo as evaluations_demo
from payments import demo as payments_demo
from payments import reminders


class Command(BaseCommand):
    help = "载入演示数据（盐田区民政局 2024 年度记录与演示用户）；重复运行不改变任何记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="在生产配置（DJANGO_DEBUG=0）下也载入。演示用户的密码是公开的，慎用。",
        )
        parser.add_argument(
            "--without-notices",
            action="store_true",
            help="不运行提醒扫描（默认载入后扫描一次，演示用户登录即可在铃铛中看到当前提醒）。",
        )

    def handle(self, *args, force=False, without_notices=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "生产配置（DJANGO_DEBUG=0）下拒绝载入演示数据：演示用户的密码是公开的。"
                "确需载入请加 --force。"
            )
        with transaction.atomic():
            context = accounts_demo.load()
            context = contracts_demo.load(context)
            context = payments_demo.load(context)
            evaluations_demo.load(context)
        if not without_notices:
            # Today's notices, in the app at once (the late installment in the bell); their
            # e-mails are the periodic scan's. A second run finds nothing new.
            reminders.run(send=reminders.APP_ONLY)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        self.stdout.write(
            "演示用户："
            + " / ".join(username for username, _name, _role in accounts_demo.DEMO_USERS)
            + "；服务机构："
            + " / ".join(username for username, _name, _org in contracts_demo.PROVIDER_USERS)
            + f"，密码 {accounts_demo.DEMO_PASSWORD}"
        )
