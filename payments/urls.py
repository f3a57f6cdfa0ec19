"""URL patterns of the payments app.

A Django url list is one ``path()`` a page, so two lists read alike line for line; the
record pages every register has (list, new, detail, edit) come from
core.urls.record_pages.
"""

from django.urls import path

from core.urls import record_pages
from payments import views

app_name = "payments"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("installments/", views.InstallmentListView.as_view(), name="installment-list"),
    path(
        "installments/export/",
        views.InstallmentLedgerExportView.as_view(),
        name="installment-export",
    ),
    path("execution/export/", views.ExecutionExportView.as_view(), name="execution-export"),
    path("payments/export/", views.PaymentLedgerExportView.as_view(), name="payment-export"),
    path(
        "installments/<int:pk>/", views.InstallmentDetailView.as_view(), name="installment-detail"
    ),
    path(
        "installments/<int:pk>/transition/",
        views.InstallmentTransitionView.as_view(),
        name="installment-transition",
    ),
    path(
        "installments/<int:pk>/details/",
        views.InstallmentDetailsView.as_view(),
        name="installment-details",
    ),
    path("installments/<int:pk>/documents/", views.DocumentAddView.as_view(), name="document-add"),
    path(
        "installments/<int:pk>/documents/receive-all/",
        views.DocumentsReceiveAllView.as_view(),
        name="documents-receive-all",
    ),
    path(
        "installments/<int:pk>/deductions/",
        views.DeductionCreateView.as_view(),
        name="deduction-create",
    ),
    path("installments/<int:pk>/pay/", views.PaymentCreateView.as_view(), name="payment-create"),
    path("documents/<int:pk>/accept/", views.DocumentAcceptView.as_view(), name="document-accept"),
    path("documents/<int:pk>/return/", views.DocumentReturnView.as_view(), name="document-return"),
    path("documents/<int:pk>/upload/", views.DocumentUploadView.as_view(), name="document-upload"),
    path(
        "installments/<int:pk>/approval-form/",
        views.ApprovalFormView.as_view(),
        name="installment-approval-form",
    ),
    path(
        "installments/<int:pk>/approval-form.pdf",
        views.ApprovalFormPdfView.as_view(),
        name="installment-approval-form-pdf",
    ),
    path("document-files/<int:pk>/", views.DocumentFileView.as_view(), name="document-file"),
    path(
        "documents/<int:pk>/receive/", views.DocumentReceiveView.as_view(), name="document-receive"
    ),
    path(
        "deductions/<int:pk>/withdraw/",
        views.DeductionWithdrawView.as_view(),
        name="deduction-withdraw",
    ),
    path("payments/", views.PaymentLedgerView.as_view(), name="payment-list"),
    path("deductions/", views.DeductionListView.as_view(), name="deduction-list"),
    path("payments/<int:pk>/reverse/", views.PaymentReverseView.as_view(), name="payment-reverse"),
    path(
        "contracts/<int:pk>/schedule/",
        views.ContractScheduleView.as_view(),
        name="contract-schedule",
    ),
    *record_pages(views, "Budget", "budgets/"),
    path("budgets/<int:pk>/events/", views.BudgetEventView.as_view(), name="budget-event"),
    path(
        "budgets/<int:pk>/events/<int:event>/reverse/",
        views.BudgetEventReverseView.as_view(),
        name="budget-event-reverse",
    ),
    path("progress/", views.CheckpointView.as_view(), name="checkpoints"),
    path("closings/", views.FiscalYearCloseView.as_view(), name="closings"),
    path(
        "progress/<int:pk>/delete/", views.CheckpointDeleteView.as_view(), name="checkpoint-delete"
    ),
    *record_pages(views, "Audit", "audits/"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification-open"),
    path(
        "notifications/read-all/",
        views.NotificationsReadAllView.as_view(),
        name="notifications-read-all",
    ),
    path("reminders/settings/", views.ReminderSettingsView.as_view(), name="reminder-settings"),
    path("settings/history/", views.SettingsHistoryView.as_view(), name="settings-history"),
]
