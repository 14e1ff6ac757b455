"""URL map: pages, the REST API under /api/, the admin."""

from django.contrib import admin
from django.urls import include, path

from cchc.api.views import api

urlpatterns = [
    path("", include("cchc.register.urls")),
    path("", include("cchc.monitoring.urls")),
    path("", include("cchc.reminders.urls")),
    path("", include("cchc.dashboards.urls")),
    path("", include("cchc.documents.urls")),
    path("", include("cchc.jobs.urls")),
    path("", include("cchc.par.urls")),
    path("", include("cchc.citizens.urls")),
    path("", include("cchc.official.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
