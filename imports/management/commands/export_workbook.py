"""python manage.py export_workbook FILE --bureau NAME: the bureau's records (导出全部)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Bureau
from imports.export import workbook_bytes


class Command(BaseCommand):
    help = "导出全部：按导入工作簿的格式写出本单位的记录，可再次导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--bureau", required=True, help="购买单位名称")

    def handle(self, *args, file, bureau, **options):
        target = Bureau.objects.filter(name=bureau).first()
        if target is None:
            raise CommandError(_("找不到购买单位“%(name)s”。") % {"name": bureau})
        Path(file).write_bytes(workbook_bytes(target))
        self.stdout.write(_("已导出到 %(file)s。") % {"file": file})
