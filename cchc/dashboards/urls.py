from django.urls import path

from cchc.dashboards import views
from cchc.lib.i18n import official_language

urlpatterns = [
    path("dashboard/", views.province, name="dashboard_province"),
    path("dashboard/csv/<slug:chart>/", views.province_csv, name="dashboard_province_csv"),
    path("dashboard/agency/<int:agency_id>/", views.agency, name="dashboard_agency"),
    path(
        "dashboard/agency/<int:agency_id>/csv/<slug:chart>/",
        views.agency_csv,
        name="dashboard_agency_csv",
    ),
    # The annex goes to the province: always in Vietnamese.
    path(
        "dashboard/status-table.xlsx",
        official_language(views.status_table),
        name="status_table_export",
    ),
    path("cong-khai/", views.public_progress, name="public_progress"),
    path("cong-khai/tien-do.csv", views.public_progress_csv, name="public_progress_csv"),
    path("cong-khai/tien-do.xlsx", views.public_progress_xlsx, name="public_progress_xlsx"),
]
