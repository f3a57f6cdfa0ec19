from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Bureau, User


@admin.register(Bureau)
class BureauAdmin(SimpleHistoryAdmin):
    list_display = ["name", "division_code", "is_city_wide"]
    search_fields = ["name", "division_code"]
    list_filter = ["is_city_wide"]

    def get_queryset(self, request):
        from accounts.selectors import visible_bureaus

        queryset = super().get_queryset(request)
        return (
            queryset
            if request.user.is_superuser
            else queryset.filter(pk__in=visible_bureaus(user=request.user))
        )

    def get_readonly_fields(self, request, obj=None):
        # Who sees whose records follows from these two fields: only a superuser sets them.
        return [] if request.user.is_superuser else ["division_code", "is_city_wide"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def in_scope(self, request, obj) -> bool:
        return (
            obj is None
            or request.user.is_superuser
            or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        from accounts.caching import records_changed

        super().save_model(request, obj, form, change)
        # A bureau's name and place appear on cached dashboards and reports.
        records_changed(obj.pk)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "bureau", "is_active", "last_login"]
    list_filter = ["bureau", "groups", "is_active"]
    list_select_related = ["bureau"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("单位与联系方式"), {"fields": ["bureau", "full_name", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("单位与联系方式"), {"fields": ["bureau", "full_name", "phone", "groups"]}),
    ]

    def get_queryset(self, request):
        from accounts.selectors import bureau_scope

        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A bureau's administrator never sees, and so never edits, a superuser: the
        # password form would otherwise let them take the account over.
        return queryset.filter(bureau_scope(user=request.user), is_superuser=False)

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f != "bureau"]

    def in_scope(self, request, obj) -> bool:
        return (
            obj is None
            or request.user.is_superuser
            or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.in_scope(request, obj) and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # An administrator of a bureau manages its people and their roles, nothing more:
        # no superuser flag and no permissions outside the roles.
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bureau" and not request.user.is_superuser:
            from accounts.selectors import visible_bureaus

            kwargs["queryset"] = visible_bureaus(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            from django.contrib.auth.models import Group

            from accounts.roles import Role

            kwargs["queryset"] = Group.objects.filter(name__in=[str(r) for r in Role])
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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
