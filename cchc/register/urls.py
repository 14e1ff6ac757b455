from django.contrib.auth import views as auth_views
from django.urls import path

from cchc.accounts.login import LoginView
from cchc.lib.i18n import official_language
from cchc.register import agency_plans, settle, views

urlpatterns = [
    path(
        "login/",
        # Django's, behind the login throttle (cchc/accounts/throttle.py).
        LoginView.as_view(),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/import/", views.plan_import_view, name="plan_import"),
    path(
        "plans/import/<uuid:job_id>/names/",
        settle.plan_import_settle,
        name="plan_import_settle",
    ),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/areas/<int:area_id>/", views.plan_area, name="plan_area"),
    path("plans/<int:plan_id>/needs-date/", views.needs_date, name="needs_date"),
    path(
        "plans/<int:plan_id>/needs-date/<int:activity_id>/fix/",
        views.fix_date,
        name="fix_date",
    ),
    # The plan appendix is an official document: always in Vietnamese.
    path(
        "plans/<int:plan_id>/export/<str:fmt>/",
        official_language(views.plan_export),
        name="plan_export",
    ),
    # Agencies' own plans (docs/agency-plans.md).
    path("plans/<int:plan_id>/agency-plans/", agency_plans.agency_plans, name="agency_plans"),
    path(
        "plans/<int:plan_id>/agency-plans/due/",
        agency_plans.agency_plans_due,
        name="agency_plans_due",
    ),
    path(
        "plans/<int:plan_id>/agency-plans.xlsx",
        official_language(agency_plans.agency_plans_xlsx),
        name="agency_plans_xlsx",
    ),
    path("plans/<int:plan_id>/derive/", agency_plans.plan_derive_view, name="plan_derive"),
    path("plans/<int:agency_plan_id>/own/", agency_plans.own_plan, name="own_plan"),
    path(
        "plans/<int:agency_plan_id>/own/activities/",
        agency_plans.own_plan_add_activity,
        name="own_plan_add_activity",
    ),
    path(
        "plans/<int:agency_plan_id>/own/activities/<int:agency_activity_id>/lead/",
        agency_plans.own_plan_set_lead,
        name="own_plan_set_lead",
    ),
    path(
        "plans/<int:agency_plan_id>/own/issue/", agency_plans.own_plan_issue, name="own_plan_issue"
    ),
    path("needs-date/", views.needs_date_latest, name="needs_date_latest"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:agency_id>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:agency_id>/merge/", views.agency_merge_view, name="agency_merge"),
    path("search/", views.search, name="search"),
]
