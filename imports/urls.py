from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportHomeView.as_view(), name="home"),
    path("template.xlsx", views.TemplateView.as_view(), name="template"),
    path("export.xlsx", views.ExportAllView.as_view(), name="export"),
    path("<int:pk>/", views.RunView.as_view(), name="importrun"),
    path("<int:pk>/status/", views.RunStatusView.as_view(), name="importrun-status"),
    path("<int:pk>/confirm/", views.ConfirmView.as_view(), name="importrun-confirm"),
]
