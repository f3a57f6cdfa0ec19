from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, app_config, **kwargs):
    from django.apps import apps

    from accounts.roles import sync_roles

    # post_migrate is sent once per app; the permissions of every app exist by the last.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if app_config is with_models[-1]:
        sync_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与单位")

    def ready(self):
        # After every migrate (and every test flush): the roles exist with their
        # permissions, including those of models added since the data migration.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
