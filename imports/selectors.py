"""Reads of the import history, scoped to the user's bureau."""

from django.http import Http404

from accounts.models import User
from imports.models import ImportRun

HISTORY_SIZE = 50


def run_list(*, user: User):
    """The bureau's latest imports, who made them first (one query)."""
    if user.bureau_id is None:
        return ImportRun.objects.none()
    return ImportRun.objects.filter(bureau_id=user.bureau_id).select_related("user")[:HISTORY_SIZE]


def run_get(*, user: User, pk: int) -> ImportRun:
    run = ImportRun.objects.filter(pk=pk, bureau_id=user.bureau_id).select_related("user").first()
    if run is None or user.bureau_id is None:
        raise Http404
    return run
