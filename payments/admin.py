"""Payments in the admin: read-only and scoped to the user's bureau, except the
time-progress checkpoints a bureau's administrator may set here too."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import BureauScopedAdmin
from payments.models import (
    Audit,
    Budget,
    Deduction,
    Installment,
    InstallmentTransition,
    Notice,
    Payment,
    ProgressCheckpoint,
    ReminderSettings,
    RequiredDocument,
)


@admin.register(Budget)
class BudgetAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["project", "year", "bureau"]
    list_filter = ["year"]
    list_select_related = ["project", "bureau"]


@admin.register(ProgressCheckpoint)
class ProgressCheckpointAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    read_only = False
    list_display = ["bureau", "year", "month", "target_percent"]
    list_filter = ["year"]


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    read_only = False
    list_display = [
        "bureau",
        "due_soon_days",
        "escalate_level2_days",
        "escalate_level3_days",
        "webhook_url",
    ]


@admin.register(Audit)
class AuditAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["kind", "firm", "project", "year", "closed_on", "score", "grade"]
    list_filter = ["kind", "year"]
    list_select_related = ["project"]


@admin.register(Installment)
class InstallmentAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["contract", "number", "planned_amount", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["contract"]
    search_fields = ["contract__number", "contract__title"]
    date_hierarchy = "due_date"
    list_per_page = 25  # the page size of the product's own list


@admin.register(InstallmentTransition)
class InstallmentTransitionAdmin(BureauScopedAdmin):
    bureau_field = "installment__bureau"
    list_display = ["installment", "from_status", "to_status", "actor", "at"]
    list_select_related = ["installment__contract", "actor"]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    bureau_field = "installment__bureau"
    list_display = ["installment", "kind", "name", "received_on"]
    list_select_related = ["installment__contract"]


@admin.register(Deduction)
class DeductionAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["installment", "audit", "amount", "decided_on", "withdrawn_on"]
    list_select_related = ["installment__contract", "audit"]


@admin.register(Payment)
class PaymentAdmin(BureauScopedAdmin):
    list_display = ["paid_on", "voucher_number", "installment", "kind", "amount", "posted_by"]
    list_filter = ["kind"]
    list_select_related = ["installment__contract", "posted_by"]
    search_fields = ["voucher_number"]
    date_hierarchy = "paid_on"


@admin.register(Notice)
class NoticeAdmin(BureauScopedAdmin):
    list_display = ["title", "rule", "level", "created_at", "delivered_at", "resolved_at"]
    list_filter = ["rule", "level"]
