"""The admin edits report templates; every save is a new version, so the reports already
made keep the version they were made from."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Max
from django.http import HttpRequest

from cchc.official.forms import ReportTemplateForm
from cchc.official.models import OfficialReport, ReportTemplate


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    form = ReportTemplateForm
    list_display = ["kind", "version", "title", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["version", "created_at", "created_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        latest = ReportTemplate.objects.filter(kind=obj.kind).aggregate(v=Max("version"))["v"]
        obj.pk = None
        obj._state.adding = True
        obj.version = (latest or 0) + 1
        obj.created_by = request.user
        super().save_model(request, obj, form, False)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OfficialReport)
class OfficialReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "version", "updated_at"]
    list_filter = ["state", "period__kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
