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
        _connect_access_cache()
        _connect_security_audit()
        _connect_text_check()


def _connect_text_check():
    """No record of the product is saved with a control character (core.inputs)."""
    from django.db.models.signals import pre_save

    from core.inputs import refuse_in_instance

    pre_save.connect(refuse_in_instance, dispatch_uid="text:refuse-control-characters")


def _connect_access_cache():
    """Any change to users, bureaus, roles or grants moves the access cache's version."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from accounts.caching import access_changed, user_changed
    from accounts.models import Bureau, User

    for signal in (post_save, post_delete):
        signal.connect(user_changed, sender=User, dispatch_uid=f"access:{signal}:user")
        for model in (Bureau, Group, Permission):
            signal.connect(access_changed, sender=model, dispatch_uid=f"access:{signal}:{model}")
    for through in (User.groups.through, User.user_permissions.through):
        m2m_changed.connect(user_changed, sender=through, dispatch_uid=f"access:m2m:{through}")
    m2m_changed.connect(
        access_changed, sender=Group.permissions.through, dispatch_uid="access:m2m:group-perms"
    )


def _connect_security_audit():
    """Logins, logouts, failures, lock-outs and the admin's changes reach the security
    audit log (accounts.audit) from the signals Django and django-axes send."""
    from axes.signals import user_locked_out
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import post_save

    from accounts import audit
    from accounts.middleware import session_start

    user_logged_in.connect(session_start, dispatch_uid="security:session-start")
    user_logged_in.connect(audit.on_logged_in, dispatch_uid="audit:login")
    user_logged_out.connect(audit.on_logged_out, dispatch_uid="audit:logout")
    user_login_failed.connect(audit.on_login_failed, dispatch_uid="audit:login-failed")
    user_locked_out.connect(audit.on_locked_out, dispatch_uid="audit:locked-out")
    post_save.connect(audit.on_admin_log, sender=LogEntry, dispatch_uid="audit:admin-log")
