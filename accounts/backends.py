"""Authentication backend: Django's ModelBackend, reading a user's permissions and role
names in one query instead of three (user permissions, group permissions, groups).
Superusers get the permissions of their roles and direct grants, like everyone: what a
superuser may do beyond them is decided in ``User.has_perm``.

Every page checks permissions and shows the user's role, so this query runs on every
request; the dashboards' query budgets count it.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        """The session's user, with bureau, roles and permissions, from the access cache."""
        from accounts.caching import cached_user

        return cached_user(user_id, lambda: super(RoleModelBackend, self).get_user(user_id))

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            # Superusers too: their permissions in the duty apps are their roles'
            # (User.has_perm grants them everything else).
            by_role = (
                Group.objects.filter(user=user_obj)
                .order_by()
                .values_list(
                    "name", "permissions__content_type__app_label", "permissions__codename"
                )
            )
            direct = (
                Permission.objects.filter(user=user_obj)
                .order_by()
                .values_list(
                    Value("", output_field=CharField()), "content_type__app_label", "codename"
                )
            )
            perms, roles = set(), set()
            for role, app_label, codename in by_role.union(direct, all=True):
                if role:
                    roles.add(role)
                if codename:
                    perms.add(f"{app_label}.{codename}")
            user_obj._perm_cache = perms
            user_obj._role_names = frozenset(roles)
        return user_obj._perm_cache
