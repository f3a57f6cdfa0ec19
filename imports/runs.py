"""The life of an uploaded workbook: stored, checked in the background (the preview),
confirmed, applied in the background; its progress read by the page that waits.

The apply runs in one database transaction, so its progress cannot be read from the
run's own row until it commits: the running task publishes it in the cache (shared by
web and worker nodes, as the broker is) and the row keeps the final figure
(``accounts.caching.IMPORT_PROGRESS``: state of a task in flight, not a copy of any record).
"""

import logging

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import caching
from accounts.models import Bureau, User
from imports import services
from imports.models import ImportRun

logger = logging.getLogger(__name__)
PROGRESS = caching.IMPORT_PROGRESS

R = ImportRun.Status


def run_create(*, user: User, bureau: Bureau, data: bytes, filename: str, source="web"):
    """Store an upload and queue its check (the caller enqueues after the commit)."""
    run = ImportRun(
        bureau=bureau,
        user=user,
        file_name=filename[:200],
        sha256=services.sha256(data),
        size=len(data),
        source=source,
    )
    run.file.save(filename[-100:], ContentFile(data), save=False)
    run.save()
    return run


def progress_of(run: ImportRun) -> int:
    if not run.is_running:
        return 100 if run.status in (R.DONE, R.CHECKED, R.REFUSED, R.FAILED) else run.progress
    return cache.get(PROGRESS.key(run.pk), run.progress)


def _publish(run_id: int):
    def publish(percent: int) -> None:
        cache.set(PROGRESS.key(run_id), percent, PROGRESS.timeout)

    return publish


def _read(run: ImportRun) -> bytes:
    with run.file.open("rb") as handle:
        return handle.read()


def _execute(run_id: int, *, expected: str, dry_run: bool, done: str, failed: str) -> None:
    run = ImportRun.objects.select_related("bureau", "user").get(pk=run_id)
    if run.status != expected:
        return  # a redelivered task: the run has moved on
    try:
        result = services.workbook_import(
            actor=run.user,
            bureau=run.bureau,
            data=_read(run),
            filename=run.file_name,
            dry_run=dry_run,
            allowed_sheets=services.sheets_of(run.user),
            progress=_publish(run.pk),
        )
    except Exception:
        logger.exception("import run %s failed", run_id)
        result = services.Result(
            problems=[
                services.Problem(run.file_name, 0, "", _("导入时发生内部错误，未写入任何记录。"))
            ]
        )
    services.run_record(run=run, result=result)
    run.status = done if result.ok else failed
    run.progress = 100
    run.finished_at = timezone.now()
    run.save(
        update_fields=["counts", "problems", "problem_count", "status", "progress", "finished_at"]
    )
    cache.set(PROGRESS.key(run.pk), 100, PROGRESS.timeout)


def run_check(run_id: int) -> None:
    """The preview: everything the import would do, rolled back."""
    _execute(run_id, expected=R.CHECKING, dry_run=True, done=R.CHECKED, failed=R.REFUSED)


def run_apply(run_id: int) -> None:
    _execute(run_id, expected=R.APPLYING, dry_run=False, done=R.DONE, failed=R.FAILED)


@transaction.atomic
def run_confirm(*, user: User, run: ImportRun) -> ImportRun:
    """Confirm a checked run: it moves to 导入中 once (a second click changes nothing)."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != R.CHECKED:
        return run
    run.status = R.APPLYING
    run.progress = 0
    run.save(update_fields=["status", "progress"])
    cache.set(PROGRESS.key(run.pk), 0, PROGRESS.timeout)
    return run
