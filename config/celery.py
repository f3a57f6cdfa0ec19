"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("socialwork")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_queue() -> None:
    """The embedded broker keeps its messages in folders that must exist."""
    from django.conf import settings

    queue_dir = getattr(settings, "CELERY_QUEUE_DIR", None)
    if queue_dir is not None:
        for sub in ("queue", "processed", "control"):
            (queue_dir / sub).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender, **kwargs):
    _ensure_filesystem_queue()
