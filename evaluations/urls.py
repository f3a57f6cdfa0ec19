"""URL patterns of the evaluations app.

A Django url list is one ``path()`` a page, so two lists read alike line for line; the
record pages every register has (list, new, detail, edit) come from
core.urls.record_pages.
"""

from django.urls import path

from core.urls import record_pages
from evaluations import views

app_name = "evaluations"

urlpatterns = [
    *record_pages(views, "Evaluation", "", edit="edit"),
    path("<int:pk>/report.docx", views.EvaluationReportView.as_view(), name="evaluation-report"),
    path(
        "<int:pk>/versions/<int:version>/report.docx",
        views.SnapshotReportView.as_view(),
        name="snapshot-report",
    ),
    path("<int:pk>/table.xlsx", views.EvaluationExportView.as_view(), name="evaluation-export"),
    path(
        "<int:pk>/transition/",
        views.EvaluationTransitionView.as_view(),
        name="evaluation-transition",
    ),
    path("<int:pk>/refresh/", views.EvaluationRefreshView.as_view(), name="evaluation-refresh"),
    path("<int:pk>/stated/", views.StatedFigureView.as_view(), name="stated-figure"),
    path("<int:pk>/findings/new/", views.FindingCreateView.as_view(), name="finding-create"),
    path("rows/<int:pk>/", views.RowScoreView.as_view(), name="row-score"),
    path("findings/", views.RectificationListView.as_view(), name="finding-list"),
    path("findings/<int:pk>/", views.FindingUpdateView.as_view(), name="finding-update"),
    path(
        "findings/<int:pk>/rectifications/new/",
        views.RectificationCreateView.as_view(),
        name="rectification-create",
    ),
    path(
        "rectifications/<int:pk>/",
        views.RectificationUpdateView.as_view(),
        name="rectification-update",
    ),
    *record_pages(views, "Output", "outputs/"),
    path(
        "service-reports/<int:pk>/", views.ServiceReportDetailView.as_view(), name="service-report"
    ),
    path(
        "service-reports/<int:pk>/verify/",
        views.ServiceReportVerifyView.as_view(),
        name="service-report-verify",
    ),
    path(
        "service-reports/<int:pk>/return/",
        views.ServiceReportReturnView.as_view(),
        name="service-report-return",
    ),
    path(
        "rectification-responses/<int:pk>/close/",
        views.RectificationCloseView.as_view(),
        name="rectification-response-close",
    ),
    path(
        "rectification-responses/<int:pk>/reopen/",
        views.RectificationReopenView.as_view(),
        name="rectification-response-reopen",
    ),
    path("evidence/<int:pk>/", views.EvidenceFileView.as_view(), name="evidence-file"),
    path("outputs/<int:pk>/record/", views.OutputRecordView.as_view(), name="output-record"),
]
