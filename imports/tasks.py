"""The import's Celery tasks: thin, taking a run's id, calling one function."""

from celery import shared_task

from imports import runs


@shared_task(name="imports.check_run")
def check_run(run_id: int) -> None:
    runs.run_check(run_id)


@shared_task(name="imports.apply_run")
def apply_run(run_id: int) -> None:
    runs.run_apply(run_id)
