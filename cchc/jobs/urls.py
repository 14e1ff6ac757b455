from django.urls import path

from cchc.jobs import views

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/backup/", views.backup_start, name="backup_start"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/file/", views.job_file, name="job_file"),
]
