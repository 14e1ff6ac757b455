"""Pages of ratings, inspection plans and the PAR INDEX downloads, under /par/."""

from django.urls import path

from cchc.par import rating_views as views

urlpatterns = [
    path("par/muc-do-hoan-thanh/", views.ratings_page, name="par_ratings"),
    path("par/kiem-tra/", views.inspections_page, name="par_inspections"),
    path(
        "par/kiem-tra/<int:inspection_id>/", views.inspection_detail, name="par_inspection_detail"
    ),
    path(
        "par/kiem-tra/co-quan/<int:selection_id>/phat-hien/",
        views.finding_add,
        name="par_finding_add",
    ),
    path("par/dot/<int:campaign_id>/xep-hang/", views.ranking_page, name="par_ranking"),
    path(
        "par/dot/<int:campaign_id>/xep-hang/<str:fmt>/",
        views.ranking_download,
        name="par_ranking_download",
    ),
    path(
        "par/phieu/<int:scorecard_id>/tai/<str:fmt>/",
        views.scorecard_download,
        name="par_scorecard_download",
    ),
]
