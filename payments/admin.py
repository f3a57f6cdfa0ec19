from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from payments.models import (
    Audit,
    Budget,
    BudgetAdjustment,
    Deduction,
    Installment,
    InstallmentTransition,
    Payment,
    ProgressCheckpoint,
    RequiredDocument,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Financial records change only through the services, never in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdjustmentInline(admin.TabularInline):
    model = BudgetAdjustment
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["project", "year", "initial_amount", "issued_amount", "bureau"]
    list_filter = ["year", "bureau"]
    list_select_related = ["project", "bureau"]
    inlines = [AdjustmentInline]


@admin.register(ProgressCheckpoint)
class ProgressCheckpointAdmin(SimpleHistoryAdmin):
    list_display = ["bureau", "year", "month", "target_percent"]
    list_filter = ["year", "bureau"]


@admin.register(Audit)
class AuditAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["kind", "firm", "project", "year", "closed_on", "score", "grade"]
    list_filter = ["kind", "year"]
    list_select_related = ["project"]


@admin.register(Installment)
class InstallmentAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["contract", "number", "planned_amount", "due_date", "status"]
    list_filter = ["status", "bureau"]
    list_select_related = ["contract"]
    search_fields = ["contract__number", "contract__title"]
    date_hierarchy = "due_date"


@admin.register(InstallmentTransition)
class InstallmentTransitionAdmin(ReadOnlyAdmin):
    list_display = ["installment", "from_status", "to_status", "actor", "at"]
    list_select_related = ["installment__contract", "actor"]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["installment", "kind", "name", "received_on"]
    list_select_related = ["installment__contract"]


@admin.register(Deduction)
class DeductionAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["installment", "audit", "amount", "decided_on", "withdrawn_on"]
    list_select_related = ["installment__contract", "audit"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "voucher_number", "installment", "kind", "amount", "posted_by"]
    list_filter = ["kind", "bureau"]
    list_select_related = ["installment__contract", "posted_by"]
    search_fields = ["voucher_number"]
    date_hierarchy = "paid_on"
