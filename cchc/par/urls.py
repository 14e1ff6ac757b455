"""The PAR INDEX pages, under /par/."""

from django.urls import include, path

from cchc.par import views

urlpatterns = [
    path("par/", views.set_list, name="par_set_list"),
    path("par/nhap/", views.set_import_view, name="par_set_import"),
    path("par/<int:set_id>/", views.set_detail, name="par_set_detail"),
    path("par/<int:set_id>/xlsx/", views.set_export, name="par_set_export"),
    path("par/<int:set_id>/sao-chep/", views.set_copy_view, name="par_set_copy"),
    path("par/<int:set_id>/mo-dot/", views.campaign_create_view, name="par_campaign_create"),
    path("par/tieu-chi/<int:criterion_id>/sua/", views.criterion_edit, name="par_criterion_edit"),
    path(
        "par/tieu-chi/<int:criterion_id>/xoa/",
        views.criterion_delete_view,
        name="par_criterion_delete",
    ),
    path("par/dot/<int:campaign_id>/", views.campaign_detail, name="par_campaign_detail"),
    # Ratings, inspection plans and the downloads (cchc.par.rating_urls).
    path("", include("cchc.par.rating_urls")),
]
