from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import views
from evaluations import views as evaluation_views
from payments import views as payment_views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    # The contract page with its installments (payments extends the contracts app's page).
    path("contracts/<int:pk>/", payment_views.ContractDetailView.as_view()),
    path("contracts/", include("contracts.urls")),
    # The dashboard with the evaluations' panels (evaluations extends the payments page).
    path("payments/dashboard/", evaluation_views.DashboardView.as_view()),
    path("payments/", include("payments.urls")),
    path("evaluations/", include("evaluations.urls")),
    path(
        "api/v1/evaluations/<int:pk>/",
        evaluation_views.EvaluationApiView.as_view(),
        name="api-evaluation",
    ),
    path("api/v1/execution/", payment_views.ExecutionApiView.as_view(), name="api-execution"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Answered by config.middleware.HealthCheckMiddleware before the host check; listed
    # here for reverse() and for a reader.
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    path("api/v1/whoami/", views.whoami, name="api-whoami"),
]
