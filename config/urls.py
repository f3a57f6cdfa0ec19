from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    path("contracts/", include("contracts.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
