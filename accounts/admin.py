"""The admin of accounts: bureaus, users and role grants, kept apart by duty (三权分立).

- The platform's system administrator (role ``admin``, no bureau) keeps the bureaus and
  every account but a superuser's.
- A bureau's security administrator keeps its own bureau's accounts and its second-factor
  setting, nothing of another bureau and nothing of the platform's administrators.
- Nobody edits a user's roles directly, a superuser included: a role changes by a
  :class:`~accounts.models.RoleGrant` that a second administrator confirms, and the
  grants are the history of who held which role.

Admin classes are declarations (list_display, filters, read-only fields, the permission
methods that make a register read-only), so they read like the other apps' admin
classes.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts import services
from accounts.models import Bureau, RoleGrant, User
from accounts.roles import ADMIN_ROLES, Role

# Default permissions (add/change/delete/view) are stored with English names when they are
# created; the admin names them in Chinese after their model instead.
DEFAULT_ACTIONS = {
    "add": _("可以添加%(model)s"),
    "change": _("可以修改%(model)s"),
    "delete": _("可以删除%(model)s"),
    "view": _("可以查看%(model)s"),
}


def permission_label(permission) -> str:
    """'合同管理 | 合同 | 可以添加合同' (a permission of our own keeps its Chinese name)."""
    model = permission.content_type.model_class()
    if model is None:
        return f"{permission.content_type.app_label} | {permission.name}"
    meta = model._meta
    action, _sep, rest = permission.codename.partition("_")
    name = permission.name
    if action in DEFAULT_ACTIONS and rest == meta.model_name:
        name = DEFAULT_ACTIONS[action] % {"model": meta.verbose_name}
    app = meta.app_config.verbose_name
    return f"{app} | {meta.verbose_name} | {name}"


def role_label(group) -> str:
    """A role group by its Chinese name (a group that is no role keeps its own)."""
    return str(Role(group.name).label) if group.name in Role.values else group.name


class ChineseChoicesMixin:
    """Roles and permissions in the admin's choices by their Chinese names."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        if field is not None and db_field.name == "groups":
            field.label_from_instance = role_label
        return field


class RoleListFilter(admin.SimpleListFilter):
    title = _("角色")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value()).distinct()
        return queryset


def is_platform_admin(user) -> bool:
    return user.is_superuser or user.has_role(Role.ADMIN)


class ScopedPermissions:
    """Every permission check asks whether the object is in the user's queryset (the
    history pages of simple_history look objects up past ``get_queryset``)."""

    def in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_delete_permission(request, obj)


@admin.register(Bureau)
class BureauAdmin(ScopedPermissions, SimpleHistoryAdmin):
    list_display = ["name", "division_code", "is_city_wide", "require_otp", "four_eyes"]
    search_fields = ["name", "division_code"]
    list_filter = ["is_city_wide", "require_otp"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_platform_admin(request.user):
            return queryset
        return queryset.filter(pk=request.user.bureau_id)

    def get_readonly_fields(self, request, obj=None):
        # Who sees whose records follows from these fields: only the platform sets them.
        # A bureau's security administrator turns its second factor on or off.
        if is_platform_admin(request.user):
            return []
        return ["name", "division_code", "is_city_wide"]

    def has_add_permission(self, request):
        return is_platform_admin(request.user) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        from accounts.caching import records_changed

        super().save_model(request, obj, form, change)
        # A bureau's name and place appear on cached dashboards and reports.
        records_changed(obj.pk)


# What a grant's row shows, on the user's page and in the list of grants.
GRANT_COLUMNS = [
    "role",
    "action",
    "status",
    "reason",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their record, never added, changed or deleted there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoleGrantInline(ReadOnlyInline):
    """The user's role history, read-only: grants change through the role-grant page."""

    model = RoleGrant
    fk_name = "user"
    fields = readonly_fields = GRANT_COLUMNS
    verbose_name_plural = _("角色变更历史")

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(User)
class UserAdmin(ChineseChoicesMixin, ScopedPermissions, BaseUserAdmin):
    list_display = ["username", "full_name", "bureau", "roles", "is_active", "last_login"]
    list_filter = ["bureau", RoleListFilter, "is_active"]
    list_select_related = ["bureau"]
    search_fields = ["username", "full_name", "email"]
    readonly_fields = ["roles", "last_login", "date_joined"]
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("单位与联系方式"), {"fields": ["bureau", "full_name", "email", "phone"]}),
        (
            _("状态与角色"),
            {"fields": ["is_active", "must_change_password", "roles", "is_staff", "is_superuser"]},
        ),
        (_("直接授予的权限"), {"fields": ["user_permissions"]}),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("单位与联系方式"), {"fields": ["bureau", "full_name", "email", "phone"]}),
    ]

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return (
            "、".join(
                str(Role(name).label)
                for name in obj.groups.values_list("name", flat=True)
                if name in Role.values
            )
            or "—"
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        user = request.user
        if user.is_superuser:
            return queryset
        # Nobody but a superuser sees a superuser: the password form would hand it over.
        queryset = queryset.filter(is_superuser=False)
        if user.has_role(Role.ADMIN):
            return queryset
        if user.has_role(Role.SECURITY) and user.bureau_id is not None:
            return queryset.filter(bureau_id=user.bureau_id)
        return queryset.none()

    def get_list_filter(self, request):
        if is_platform_admin(request.user):
            return self.list_filter
        return [f for f in self.list_filter if f != "bureau"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @staticmethod
    def guarded(request, obj) -> bool:
        """Another administrator's account: its e-mail and password are its owner's alone,
        or one administrator could take over a second one and confirm their own grants."""
        return (
            obj is not None
            and obj.pk != request.user.pk
            and not request.user.is_superuser
            and obj.groups.filter(name__in=ADMIN_ROLES).exists()
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "email"] if self.guarded(request, obj) else readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # An administrator manages people and, through grants, their roles: no superuser
        # flag, no admin-site flag (it follows the roles), no permissions beside roles.
        hidden = {"is_superuser", "is_staff", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
            if any(f not in hidden for f in options["fields"])
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bureau" and not is_platform_admin(request.user):
            kwargs["queryset"] = Bureau.objects.filter(pk=request.user.bureau_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # Created with a password the administrator knows: its owner changes it first.
            services.password_set_by_administrator(user=obj)

    def user_change_password(self, request, id, form_url=""):
        if self.guarded(request, self.get_queryset(request).filter(pk=id).first()):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_queryset(request).filter(pk=id).first()
            if user is not None:
                services.password_set_by_administrator(user=user)
        return response


class RoleGrantForm(forms.ModelForm):
    """Asks for a grant; the checks are the service's (:func:`services.role_grant_request`)."""

    class Meta:
        model = RoleGrant
        fields = ["user", "role", "action", "reason"]

    def clean(self):
        data = super().clean()
        user, role, action = data.get("user"), data.get("role"), data.get("action")
        if user and role and action:
            try:
                services.role_grant_check(actor=self.actor, user=user, role=role, action=action)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedPermissions, admin.ModelAdmin):
    form = RoleGrantForm
    list_display = ["user", *GRANT_COLUMNS]
    list_filter = ["status", "role", "action"]
    list_select_related = ["user", "requested_by", "decided_by"]
    search_fields = ["user__username", "user__full_name"]
    actions = ["confirm", "reject"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if is_platform_admin(user):
            return queryset
        if user.has_role(Role.SECURITY) and user.bureau_id is not None:
            return queryset.filter(user__bureau_id=user.bureau_id)
        return queryset.none()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Whom the administrator manages, never themselves.
            kwargs["queryset"] = (
                UserAdmin(User, self.admin_site).get_queryset(request).exclude(pk=request.user.pk)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            allowed = services.grantable_roles(request.user)
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        grant = services.role_grant_request(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            action=obj.action,
            reason=obj.reason,
        )
        obj.pk, obj.requested_by, obj.requested_at = (
            grant.pk,
            grant.requested_by,
            grant.requested_at,
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_confirm_permission(self, request):
        return request.user.has_perm("accounts.confirm_rolegrant")

    @admin.action(description=_("确认所选申请（生效）"), permissions=["confirm"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, services.role_grant_confirm, _("已确认"))

    @admin.action(description=_("拒绝所选申请"), permissions=["confirm"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.role_grant_reject, _("已拒绝"))

    def _decide(self, request, queryset, decide, done):
        for grant in queryset:
            try:
                decide(actor=request.user, grant=grant)
            except ValidationError as exc:
                self.message_user(request, f"{grant}：{'；'.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{grant}：{done}", messages.SUCCESS)


class BureauScopedAdmin(admin.ModelAdmin):
    """An admin page that shows a non-superuser only their bureau's records.

    ``bureau_field`` is the path from the model to its Bureau. Records of the product
    change through its pages, where the rules live; the admin only reads them, except
    where a subclass says otherwise.
    """

    bureau_field = "bureau"
    read_only = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        from accounts.selectors import bureau_scope

        return queryset.filter(bureau_scope(user=request.user, field=self.bureau_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bureau" and not request.user.is_superuser:
            from accounts.selectors import visible_bureaus

            kwargs["queryset"] = visible_bureaus(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        from accounts.caching import bureau_of, records_changed

        before = form.initial.get("bureau") if change else None
        super().save_model(request, obj, form, change)
        # Cached dashboards and reminders read these records too.
        records_changed(bureau_of(obj), before if isinstance(before, int) else None)

    def delete_model(self, request, obj):
        from accounts.caching import bureau_of, records_changed

        bureau_id = bureau_of(obj)
        super().delete_model(request, obj)
        records_changed(bureau_id)

    def delete_queryset(self, request, queryset):
        from accounts.caching import bureau_of, records_changed

        bureau_ids = {bureau_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        records_changed(*bureau_ids)

    def in_scope(self, request, obj) -> bool:
        """Whether an object (or none) is one the user may see: the history pages of
        simple_history look objects up past ``get_queryset``, so every check asks."""
        return (
            obj is None
            or request.user.is_superuser
            or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self.read_only and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return (
            not self.read_only
            and self.in_scope(request, obj)
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            not self.read_only
            and self.in_scope(request, obj)
            and super().has_delete_permission(request, obj)
        )


# Roles (groups) by their Chinese names, their permissions in Chinese.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ChineseChoicesMixin, BaseGroupAdmin):
    list_display = ["role_name", "name"]

    @admin.display(description=_("角色"), ordering="name")
    def role_name(self, obj):
        return role_label(obj)

    @admin.display(description=_("权限"))
    def permission_names(self, obj):
        permissions = obj.permissions.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "codename"
        )
        return format_html_join(
            mark_safe("<br>"), "{}", ((permission_label(p),) for p in permissions)
        )

    def get_fields(self, request, obj=None):
        # Read-only (a role is the table in accounts/roles.py): its name and its
        # permissions, in Chinese.
        if obj is not None and not self.has_change_permission(request, obj):
            return ["role_name", "name", "permission_names"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["role_name", "name", "permission_names"]
        return super().get_readonly_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        group = self.get_object(request, object_id)
        if group is not None:
            extra_context = {**(extra_context or {}), "title": role_label(group)}
        return super().change_view(request, object_id, form_url, extra_context)
