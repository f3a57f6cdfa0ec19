"""System checks of the deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from config.production import DEVELOPMENT_SECRET_KEY


@register(Tags.security, deploy=True)
def secret_key_is_not_the_development_key(app_configs, **kwargs):
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development key committed in the source.",
                hint="Set DJANGO_SECRET_KEY to a long random value of this site's own.",
                id="config.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def files_are_shared_between_nodes(app_configs, **kwargs):
    backend = settings.STORAGES["default"]["BACKEND"]
    if backend.endswith("FileSystemStorage") and not settings.ALLOW_SINGLE_NODE:
        return [
            Warning(
                "Attachments are stored on this machine's disk (DJANGO_MEDIA_ROOT).",
                hint=(
                    "On several machines set STORAGE_URL (S3-compatible object storage) or "
                    "mount one shared folder at DJANGO_MEDIA_ROOT on every node; a "
                    "one-machine install says so with DJANGO_ALLOW_SINGLE_NODE=1."
                ),
                id="config.W001",
            )
        ]
    return []
