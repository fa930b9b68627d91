from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core import views as core_views
from dashboard import workbench

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("policies.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("deadlines.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("letters.api_urls")),
    path("", include("prefilings.api_urls")),
    path("", include("corrections.api_urls")),
    path("", include("publication.api_urls")),
    path("", include("clarifications.api_urls")),
    path("", include("careers.api_urls")),
    path("", include("dashboard.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("", workbench.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("public/", include("policies.public_urls")),
    path("public/", include("publication.public_urls")),
    path("public/", include("careers.public_urls")),
    path("cases/", include("cases.urls")),
    path("reviews/", include("reviews.urls")),
    path("deadlines/", include("deadlines.urls")),
    path("notifications/", include("notifications.urls")),
    path("letters/", include("letters.urls")),
    path("policies/", include("policies.urls")),
    path("prefilings/", include("prefilings.urls")),
    path("corrections/", include("corrections.urls")),
    path("publication/", include("publication.urls")),
    path("clarifications/", include("clarifications.urls")),
    path("careers/", include("careers.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
]

handler403 = "core.views.error_403"
handler404 = "core.views.error_404"


if settings.DEBUG:
    pass
