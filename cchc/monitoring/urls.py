"""The report pages, under /bao-cao/, and the coordinator's page of a plan's periods."""

from django.urls import path

from cchc.monitoring import views

urlpatterns = [
    path("bao-cao/", views.worklist, name="report_worklist"),
    path("bao-cao/cho-gui/", views.drafts, name="report_drafts"),
    path("bao-cao/cho-gui/gui/", views.drafts_submit, name="report_drafts_submit"),
    path("bao-cao/cho-duyet/", views.queue, name="report_queue"),
    path("bao-cao/<int:assignment_id>/<int:period_id>/", views.report_detail, name="report_detail"),
    path(
        "bao-cao/<int:assignment_id>/<int:period_id>/luu/",
        views.report_save_view,
        name="report_save",
    ),
    path(
        "bao-cao/<int:assignment_id>/<int:period_id>/gui/",
        views.report_submit_view,
        name="report_submit",
    ),
    path(
        "bao-cao/<int:assignment_id>/<int:period_id>/duyet/",
        views.report_review_view,
        name="report_review",
    ),
    path(
        "bao-cao/minh-chung/<int:evidence_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "bao-cao/minh-chung/<int:evidence_id>/go/",
        views.evidence_remove_view,
        name="evidence_remove",
    ),
    path("plans/<int:plan_id>/periods/", views.plan_periods, name="plan_periods"),
]
