from django.urls import path

from cchc.citizens import feedback_views, indicator_views, views

urlpatterns = [
    # Public: what a QR code opens (no account).
    path("khao-sat/<int:agency_id>/", views.survey_agency, name="survey_agency"),
    path("khao-sat/quay/<int:counter_id>/", views.survey_counter, name="survey_counter"),
    path("khao-sat/cam-on/", views.survey_thanks, name="survey_thanks"),
    # The province and the agencies.
    path("khao-sat/ket-qua/", views.survey_results, name="survey_results"),
    path("khao-sat/ket-qua/so-ho-so/", views.survey_population, name="survey_population"),
    path("khao-sat/ket-qua/xlsx/", views.survey_export, name="survey_export"),
    path("khao-sat/ma-qr/", views.survey_links, name="survey_links"),
    path("khao-sat/ma-qr/them-quay/", views.survey_counter_add, name="survey_counter_add"),
    path(
        "khao-sat/ma-qr/<int:agency_id>.png",
        views.survey_qr_agency_png,
        name="survey_qr_agency_png",
    ),
    path(
        "khao-sat/ma-qr/quay/<int:counter_id>.png",
        views.survey_qr_counter_png,
        name="survey_qr_counter_png",
    ),
    path(
        "khao-sat/ma-qr/<int:agency_id>/in/", views.survey_sheet_agency, name="survey_sheet_agency"
    ),
    path(
        "khao-sat/ma-qr/quay/<int:counter_id>/in/",
        views.survey_sheet_counter,
        name="survey_sheet_counter",
    ),
    # Feedback on regulations: public form and lookup; the province's and agencies' pages.
    path("phan-anh/", feedback_views.feedback_form, name="feedback_form"),
    path("phan-anh/tra-cuu/", feedback_views.feedback_lookup, name="feedback_lookup"),
    path("phan-anh/xu-ly/", feedback_views.feedback_list, name="feedback_list"),
    path(
        "phan-anh/xu-ly/<int:feedback_id>/", feedback_views.feedback_detail, name="feedback_detail"
    ),
    path(
        "phan-anh/tep/<int:attachment_id>/",
        feedback_views.feedback_attachment,
        name="feedback_attachment",
    ),
    # Indicators.
    path("chi-tieu/", indicator_views.indicator_list, name="indicator_list"),
    path("chi-tieu/nhap/", indicator_views.indicator_import, name="indicator_import"),
    path("chi-tieu/them/", indicator_views.indicator_create, name="indicator_create"),
    path("chi-tieu/<int:indicator_id>/sua/", indicator_views.indicator_edit, name="indicator_edit"),
    path(
        "chi-tieu/so-lieu/<int:measurement_id>/minh-chung/",
        indicator_views.measurement_evidence,
        name="measurement_evidence",
    ),
    path("chi-tieu/xlsx/", indicator_views.indicator_export, name="indicator_export"),
    path("chi-tieu/<int:indicator_id>/", indicator_views.indicator_detail, name="indicator_detail"),
]
