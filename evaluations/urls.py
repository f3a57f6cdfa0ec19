"""URL patterns of the evaluations app.

A Django url list is one ``path()`` a page, so two lists read alike line for line; the
record pages every register has (list, new, detail, edit) come from
core.urls.record_pages.
"""

from django.urls import path

from core.urls import record_pages
from evaluations import cycle_views as cv
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
    # The performance cycle: targets, monitoring rounds, result application, provider record.
    path("targets/", cv.TargetListView.as_view(), name="target-list"),
    path("targets/new/", cv.TargetDeclareView.as_view(), name="target-declare"),
    path("targets/<int:pk>/", cv.TargetDetailView.as_view(), name="target-detail"),
    path("targets/<int:pk>/approve/", cv.TargetApproveView.as_view(), name="target-approve"),
    path("target-indicators/<int:pk>/", cv.TargetIndicatorSetView.as_view(), name="indicator-set"),
    path(
        "target-indicators/<int:pk>/adjust/",
        cv.TargetAdjustView.as_view(),
        name="indicator-adjust",
    ),
    path("monitoring/", cv.RoundListView.as_view(), name="round-list"),
    path("monitoring/new/", cv.RoundOpenView.as_view(), name="round-open"),
    path("monitoring/<int:pk>/", cv.RoundDetailView.as_view(), name="round-detail"),
    path("monitoring/<int:pk>/refresh/", cv.RoundRefreshView.as_view(), name="round-refresh"),
    path("monitoring/<int:pk>/approve/", cv.RoundApproveView.as_view(), name="round-approve"),
    path("monitoring/<int:pk>/reopen/", cv.RoundReopenView.as_view(), name="round-reopen"),
    path(
        "monitoring/<int:pk>/table.xlsx",
        cv.RoundTableView.as_view(kind="xlsx"),
        name="round-table-xlsx",
    ),
    path(
        "monitoring/<int:pk>/table.docx",
        cv.RoundTableView.as_view(kind="docx"),
        name="round-table-docx",
    ),
    path("monitoring/lines/<int:pk>/", cv.LineExplainView.as_view(), name="line-explain"),
    path("monitoring/projects/<int:pk>/", cv.EntryExplainView.as_view(), name="entry-explain"),
    path("results/", cv.RuleListView.as_view(), name="rule-list"),
    path("results/rules/", cv.RuleSaveView.as_view(), name="rule-save"),
    path("results/<int:pk>/release/", cv.EffectReleaseView.as_view(), name="effect-release"),
    path("providers/<int:pk>/record/", cv.ProviderRecordView.as_view(), name="provider-record"),
    path(
        "providers/<int:pk>/record.xlsx",
        cv.ProviderRecordExportView.as_view(),
        name="provider-record-export",
    ),
]
