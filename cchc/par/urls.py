"""The PAR INDEX pages, under /par/."""

from django.urls import include, path

from cchc.par import scoring_views as sv
from cchc.par import survey_views, views

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
    path("par/dot/<int:campaign_id>/phieu/", sv.scorecard_list, name="par_scorecard_list"),
    path("par/dot/<int:campaign_id>/tham-dinh/", sv.appraisers_view, name="par_appraisers"),
    path("par/dot/<int:campaign_id>/cong-bo/", sv.publish_view, name="par_publish"),
    path("par/dot/<int:campaign_id>/ket-qua/", sv.results_view, name="par_results"),
    path("par/dot/<int:campaign_id>/dieu-tra/", survey_views.survey_page, name="par_survey"),
    path(
        "par/dot/<int:campaign_id>/dieu-tra/mau.xlsx",
        survey_views.survey_template,
        name="par_survey_template",
    ),
    path(
        "par/dot/<int:campaign_id>/them-phieu/",
        survey_views.scorecards_add_view,
        name="par_scorecards_add",
    ),
    path("par/co-quan-toi/", survey_views.own_page, name="par_own"),
    path("par/phieu/<int:scorecard_id>/", sv.scorecard_detail, name="par_scorecard_detail"),
    path(
        "par/phieu/<int:scorecard_id>/nop/", sv.scorecard_submit_view, name="par_scorecard_submit"
    ),
    path(
        "par/phieu/<int:scorecard_id>/tinh-lai/",
        sv.scorecard_recompute_view,
        name="par_scorecard_recompute",
    ),
    path(
        "par/phieu/<int:scorecard_id>/chot/",
        sv.scorecard_finalise_view,
        name="par_scorecard_finalise",
    ),
    path("par/muc/<int:item_id>/tu-cham/", sv.item_self_view, name="par_item_self"),
    path("par/muc/<int:item_id>/tham-dinh/", sv.item_appraise_view, name="par_item_appraise"),
    path("par/muc/<int:item_id>/giai-trinh/", sv.item_reply_view, name="par_item_reply"),
    # Ratings, inspection plans and the downloads (cchc.par.rating_urls).
    path("", include("cchc.par.rating_urls")),
]
