"""URL patterns of the provider portal."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("contracts/<int:pk>/", views.PortalContractView.as_view(), name="contract"),
    path(
        "documents/<int:pk>/upload/",
        views.PortalDocumentUploadView.as_view(),
        name="document-upload",
    ),
    path(
        "contracts/<int:pk>/service-reports/new/",
        views.PortalServiceReportCreateView.as_view(),
        name="contract-report-create",
    ),
    path(
        "rectifications/<int:pk>/respond/",
        views.PortalRectificationRespondView.as_view(),
        name="rectification-respond",
    ),
]
