from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("providers/new/", views.ProviderCreateView.as_view(), name="provider-create"),
    path("providers/<int:pk>/", views.ProviderDetailView.as_view(), name="provider-detail"),
    path("providers/<int:pk>/edit/", views.ProviderUpdateView.as_view(), name="provider-update"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project-update"),
    path("projects/<int:pk>/goals/", views.AnnualGoalSetView.as_view(), name="project-goal-set"),
    path("awards/", views.AwardListView.as_view(), name="award-list"),
    path("awards/new/", views.AwardCreateView.as_view(), name="award-create"),
    path("awards/<int:pk>/", views.AwardDetailView.as_view(), name="award-detail"),
    path("awards/<int:pk>/edit/", views.AwardUpdateView.as_view(), name="award-update"),
    path("", views.ContractListView.as_view(), name="contract-list"),
    path("export/", views.ContractExportView.as_view(), name="contract-export"),
    path("new/", views.ContractCreateView.as_view(), name="contract-create"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract-update"),
    path("<int:pk>/terminate/", views.ContractTerminateView.as_view(), name="contract-terminate"),
    path("<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment-add"),
    path(
        "attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment-download"
    ),
]
