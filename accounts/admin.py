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
