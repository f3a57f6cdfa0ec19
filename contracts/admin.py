"""The contracts register in the admin: read-only, scoped to the user's bureau (the
register's pages are where records change, under the services' rules).

Admin classes are declarations (list_display, filters, read-only fields, the permission
methods that make a register read-only), so they read like the other apps' admin
classes.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import BureauScopedAdmin, ReadOnlyInline
from contracts.models import AnnualGoal, Award, Contract, ContractAttachment, Project, Provider


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["name", "credit_code", "bureau", "rating"]
    list_filter = ["rating"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["bureau"]


class AnnualGoalInline(ReadOnlyInline):
    model = AnnualGoal


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["name", "bureau", "service_field", "department"]
    list_filter = ["service_field"]
    search_fields = ["name"]
    list_select_related = ["bureau"]
    inlines = [AnnualGoalInline]


@admin.register(Award)
class AwardAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    bureau_field = "project__bureau"
    list_display = ["project", "provider", "award_date", "term_months", "annual_amount"]
    list_select_related = ["project", "provider"]
    search_fields = ["project__name", "provider__name"]


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["number", "title", "bureau", "start", "end", "amount"]
    list_select_related = ["bureau"]
    search_fields = ["number", "title"]


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    bureau_field = "contract__bureau"
    list_display = ["title", "contract", "uploaded_by", "uploaded_at"]
    list_select_related = ["contract", "uploaded_by"]
