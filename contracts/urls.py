"""URL patterns of the contracts app.

A Django url list is one ``path()`` a page, so two lists read alike line for line; the
record pages every register has (list, new, detail, edit) come from
core.urls.record_pages.
"""

from django.urls import path

from contracts import views
from core.urls import record_pages

app_name = "contracts"

urlpatterns = [
    *record_pages(views, "Provider", "providers/"),
    path(
        "providers/<int:pk>/invite/",
        views.ProviderUserInviteView.as_view(),
        name="provider-user-invite",
    ),
    path(
        "provider-users/<int:pk>/deactivate/",
        views.ProviderUserDeactivateView.as_view(),
        name="membership-deactivate",
    ),
    *record_pages(views, "Project", "projects/"),
    path("projects/<int:pk>/goals/", views.AnnualGoalSetView.as_view(), name="project-goal-set"),
    *record_pages(views, "Award", "awards/"),
    *record_pages(views, "Contract", ""),
    path("export/", views.ContractExportView.as_view(), name="contract-export"),
    path("<int:pk>/terminate/", views.ContractTerminateView.as_view(), name="contract-terminate"),
    path("<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment-add"),
    path(
        "attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment-download"
    ),
]
