from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.EvaluationListView.as_view(), name="evaluation-list"),
    path("new/", views.EvaluationCreateView.as_view(), name="evaluation-create"),
    path("<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation-detail"),
    path("<int:pk>/edit/", views.EvaluationEditView.as_view(), name="evaluation-edit"),
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
    path("outputs/", views.OutputListView.as_view(), name="output-list"),
    path("outputs/new/", views.OutputCreateView.as_view(), name="output-create"),
    path("outputs/<int:pk>/", views.OutputDetailView.as_view(), name="output-detail"),
    path("outputs/<int:pk>/edit/", views.OutputUpdateView.as_view(), name="output-update"),
    path("outputs/<int:pk>/record/", views.OutputRecordView.as_view(), name="output-record"),
]
