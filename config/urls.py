"""The site's url list: each app's list under its prefix, and the pages of no app.

A Django url list is one ``path()`` a page, so it reads like the apps' lists line for line.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import security_log, views
from evaluations import views as evaluation_views
from payments import views as payment_views

# Refusals in the site's layout, naming who can act (404 and 500: templates/404.html, 500.html).
handler403 = "config.views.permission_denied"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("help/", views.HelpView.as_view(), name="help"),
    path("accounts/", include("accounts.urls")),
    path("contracts/", include("contracts.urls")),
    path("payments/", include("payments.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("imports/", include("imports.urls")),
    path("portal/", include("portal.urls")),
    path(
        "api/v1/evaluations/<int:pk>/",
        evaluation_views.EvaluationApiView.as_view(),
        name="api-evaluation",
    ),
    path("api/v1/execution/", payment_views.ExecutionApiView.as_view(), name="api-execution"),
    path("security/audit-log/", security_log.SecurityLogView.as_view(), name="security-log"),
    path(
        "security/audit-log/export/",
        security_log.SecurityLogExportView.as_view(),
        name="security-log-export",
    ),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Answered by config.middleware.HealthCheckMiddleware before the host check; listed
    # here for reverse() and for a reader.
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    path("api/v1/whoami/", views.whoami, name="api-whoami"),
]
