from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import AnnualGoal, Award, Contract, ContractAttachment, Project, Provider


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "bureau", "rating"]
    list_filter = ["bureau", "rating"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["bureau"]


class AnnualGoalInline(admin.TabularInline):
    model = AnnualGoal
    extra = 0


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "bureau", "service_field", "department"]
    list_filter = ["bureau", "service_field"]
    search_fields = ["name"]
    list_select_related = ["bureau"]
    inlines = [AnnualGoalInline]


@admin.register(Award)
class AwardAdmin(SimpleHistoryAdmin):
    list_display = ["project", "provider", "award_date", "term_months", "annual_amount"]
    list_select_related = ["project", "provider"]
    search_fields = ["project__name", "provider__name"]


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "bureau", "start", "end", "amount"]
    list_filter = ["bureau"]
    list_select_related = ["bureau"]
    search_fields = ["number", "title"]


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "contract", "uploaded_by", "uploaded_at"]
    list_select_related = ["contract", "uploaded_by"]
