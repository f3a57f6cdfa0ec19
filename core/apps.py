from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (``{% load money %}``); it has no models."""

    name = "core"
    verbose_name = "core"
