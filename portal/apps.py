from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The provider portal (服务机构门户): the pages a provider's person uses. It sits above
    evaluations and reads every app's records through their selectors; it has no models."""

    name = "portal"
    verbose_name = _("服务机构门户")
