from django.urls import path

from cchc.official import views

urlpatterns = [
    path("bao-cao-dinh-ky/", views.official_list, name="official_list"),
    path("bao-cao-dinh-ky/tao/", views.official_create, name="official_create"),
    path("bao-cao-dinh-ky/<int:official_id>/", views.official_detail, name="official_detail"),
    path("bao-cao-dinh-ky/<int:official_id>/luu/", views.official_save, name="official_save"),
    path(
        "bao-cao-dinh-ky/<int:official_id>/chuyen/<slug:step>/",
        views.official_move,
        name="official_move",
    ),
    path(
        "bao-cao-dinh-ky/<int:official_id>/tong-hop/",
        views.official_consolidate,
        name="official_consolidate",
    ),
    path(
        "bao-cao-dinh-ky/<int:official_id>/tai/<slug:file_format>/",
        views.official_generate,
        name="official_generate",
    ),
    path(
        "bao-cao-dinh-ky/<int:official_id>/phien-ban/<int:official_version>/",
        views.official_version,
        name="official_version",
    ),
]
