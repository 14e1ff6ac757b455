"""Progress tracking in the admin: periods can be edited, reports only looked at.

A report changes only through the review loop (the report pages and the API), which keeps
its history and its audit record; the admin shows reports and their history (their
documents and evidence are in `cchc.documents`) so that IT staff can answer a question
about them, and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cchc.audit.admin import AuditedAdmin
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.periods import period_date_problems, period_label


def _short_date(name: str, label: Any) -> Callable[[Any, Any], str]:
    """A list column of a date as dd/mm/yyyy; the admin's own format spells it out."""

    @admin.display(description=label, ordering=name)
    def show(modeladmin: Any, obj: Any) -> str:
        value = getattr(obj, name)
        return value.strftime("%d/%m/%Y") if value else "—"

    return show


class ReportingPeriodForm(forms.ModelForm):
    """The periods page's date rules, worded the same way, next to the field at fault."""

    class Meta:
        model = ReportingPeriod
        fields = ["plan", "code", "name", "kind", "starts_on", "ends_on", "due_on", "position"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        plan = data.get("plan")
        if plan is not None:
            problems = period_date_problems(
                year=plan.year,
                row=period_label(data.get("name") or ""),
                starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"),
                due_on=data.get("due_on"),
            )
            # A field with an error is left out of the model's own constraint check,
            # which would otherwise repeat the problem under the constraint's name.
            for name, message in problems:
                self.add_error(name, message)
        return data


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedAdmin):
    form = ReportingPeriodForm
    list_display = [
        "name",
        "code",
        "plan_number",
        "kind",
        "starts",
        "cut_off",
        "due",
        "position",
        "report_count",
    ]
    list_filter = ["plan__year", "kind"]
    search_fields = ["name", "code", "plan__number", "plan__title"]
    list_select_related = ["plan"]
    ordering = ["-plan__year", "plan", "position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportingPeriod]:
        return super().get_queryset(request).annotate(report_total=Count("reports"))

    starts = _short_date("starts_on", _("từ ngày"))
    cut_off = _short_date("ends_on", _("đến ngày (chốt số liệu)"))
    due = _short_date("due_on", _("hạn gửi báo cáo"))

    @admin.display(description=_("kế hoạch"), ordering="plan__year")
    def plan_number(self, period: ReportingPeriod) -> str:
        # The plan's full title would push the dates off the screen.
        return period.plan.number or str(period.plan.year)

    @admin.display(description=_("số báo cáo"), ordering="report_total")
    def report_count(self, period: ReportingPeriod) -> int:
        return int(getattr(period, "report_total", 0))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a period would take its reports with it (the foreign key cascades);
        # one that has reports stays. The list's bulk delete needs no check of its own:
        # it would delete reports too, and ProgressReportAdmin allows no deletion.
        if obj is not None and obj.reports.exists():
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited by hand: these records change only through the review loop."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["agency", "role", "activity", "via_group"]
    list_filter = ["role", "activity__plan", "agency__kind"]
    search_fields = ["agency__name", "activity__title"]
    list_select_related = ["agency", "activity", "via_group"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = [
        "assignment",
        "period",
        "status",
        "percent",
        "state",
        "version",
        "submitted_at",
        "updated_at",
    ]
    list_filter = ["state", "status", "period__plan__year", "period__kind"]
    search_fields = ["assignment__agency__name", "assignment__activity__title", "narrative"]
    list_select_related = ["assignment__agency", "assignment__activity", "period"]
    date_hierarchy = "updated_at"


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ["report", "version", "action", "actor", "at"]
    list_filter = ["action"]
    search_fields = [
        "report__assignment__agency__name",
        "report__assignment__activity__title",
        "actor__username",
    ]
    list_select_related = [
        "report__assignment__agency",
        "report__assignment__activity",
        "report__period",
        "actor",
    ]
    date_hierarchy = "at"
