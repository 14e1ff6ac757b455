from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cchc.audit.admin import AuditedAdmin
from cchc.par.models import (
    UNKNOWN_POINTS_LABEL,
    Campaign,
    ClassificationBand,
    CriteriaSet,
    Criterion,
)
from cchc.par.services import FROZEN_FIELDS


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["code", "title", "max_points", "method", "points_known", "points_note"]
    readonly_fields = ["code"]
    show_change_link = True


@admin.register(CriteriaSet)
class CriteriaSetAdmin(AuditedAdmin):
    list_display = ["title", "year", "group", "status"]
    list_filter = ["year", "group", "status"]
    search_fields = ["title"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin):
    list_display = ["code", "title", "criteria_set", "max_points", "method", "points_status"]
    list_filter = ["criteria_set", "points_known", "method"]
    search_fields = ["code", "title"]

    # The same freeze as cchc.par.services: a set in use keeps its structure and points.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and (obj.criteria_set.is_in_use or obj.criteria_set.campaigns.exists()):
            return ["criteria_set", "parent", "level", "code", "position", *FROZEN_FIELDS]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.criteria_set.is_in_use:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("điểm chuẩn"))
    def points_status(self, obj: Criterion) -> str:
        return str(_("Đã rõ")) if obj.points_known else str(UNKNOWN_POINTS_LABEL)


@admin.register(ClassificationBand)
class ClassificationBandAdmin(AuditedAdmin):
    list_display = ["label", "year", "group", "lower", "upper", "regulation"]
    list_filter = ["year", "group"]


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["title", "year", "group", "self_opens", "self_closes", "appraisal_closes"]
    list_filter = ["year", "group"]
