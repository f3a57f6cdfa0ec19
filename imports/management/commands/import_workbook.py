"""python manage.py import_workbook FILE [FILE ...] --bureau NAME [--dry-run] [--user USERNAME]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Bureau, User
from imports import services
from imports.models import ImportRun
from imports.reader import check_size


class Command(BaseCommand):
    help = "导入工作簿（.xlsx，或以工作表命名的 .csv）：全部成功才写入，任何问题都不写入。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--bureau", required=True, help="购买单位名称")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--user", help="录入人用户名（默认本单位第一位财务人员）")

    def handle(self, *args, files, bureau, dry_run, user, **options):
        target = Bureau.objects.filter(name=bureau).first()
        if target is None:
            raise CommandError(_("找不到购买单位“%(name)s”。") % {"name": bureau})
        if user:
            actor = User.objects.filter(username=user, bureau=target, is_active=True).first()
            if actor is None:
                raise CommandError(_("“%(name)s”不是本单位的在职用户。") % {"name": user})
        else:
            actor = services.default_actor(target)
            if actor is None:
                raise CommandError(_("本单位没有财务人员，请用 --user 指定录入人。"))
        failed = False
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(_("找不到文件 %(name)s。") % {"name": name})
            size = path.stat().st_size
            try:
                check_size(size)
                data = path.read_bytes()
            except Exception as exc:  # the size refusal, or an unreadable file
                self.stderr.write(f"{path.name}：{exc}")
                failed = True
                continue
            result = services.workbook_import(
                actor=actor, bureau=target, data=data, filename=path.name, dry_run=dry_run
            )
            self._report(path.name, result, dry_run)
            if result.problems:
                failed = True
            elif result.applied:
                ImportRun.objects.create(
                    bureau=target,
                    user=actor,
                    file_name=path.name[:200],
                    sha256=services.sha256(data),
                    size=len(data),
                    source="command",
                    status=ImportRun.Status.DONE,
                    progress=100,
                    counts=result.counts_dict(),
                    finished_at=timezone.now(),
                )
        if failed:
            raise SystemExit(1)

    def _report(self, filename, result, dry_run):
        self.stdout.write(filename)
        for sheet, counts in result.counts.items():
            self.stdout.write(
                _("  %(sheet)s：新增 %(created)s，更新 %(updated)s，不变 %(unchanged)s")
                % {"sheet": sheet, **counts.as_dict()}
            )
        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.problems:
            self.stderr.write(
                _("共 %(count)s 个问题，未写入任何记录。") % {"count": len(result.problems)}
            )
        elif dry_run:
            self.stdout.write(_("检查通过（试运行，未写入）。"))
        else:
            self.stdout.write(_("导入完成。"))
