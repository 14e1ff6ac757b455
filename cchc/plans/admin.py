from django.contrib import admin

from cchc.audit.admin import AuditedAdmin
from cchc.plans.models import (
    Activity,
    Area,
    Assignee,
    DueDate,
    Indicator,
    Plan,
    Responsibility,
    Task,
)


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ["code", "title", "position"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name", "comparator", "target", "unit", "baseline", "baseline_year", "due_on"]


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    list_display = ["number", "title", "year", "issuer", "issued_on", "status", "province"]
    list_filter = ["year", "status"]
    search_fields = ["number", "title", "issuer"]
    autocomplete_fields = ["province"]
    inlines = [AreaInline, IndicatorInline]


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ["code", "title", "plan"]
    list_filter = ["plan"]
    search_fields = ["title"]


@admin.register(Task)
class TaskAdmin(AuditedAdmin):
    list_display = ["number", "title", "area", "plan"]
    list_filter = ["plan", "area__code"]
    search_fields = ["title", "search_text"]
    list_select_related = ["area", "plan"]


class AssigneeInline(admin.TabularInline):
    model = Assignee
    extra = 0
    autocomplete_fields = ["agency", "group"]


class DueDateInline(admin.TabularInline):
    model = DueDate
    extra = 0


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["title", "task", "deadline", "first_due", "needs_date"]
    list_filter = ["plan", "needs_date", "deadline_kind"]
    search_fields = ["title", "search_text", "deadline"]
    list_select_related = ["task"]
    inlines = [AssigneeInline, DueDateInline]


@admin.register(Assignee)
class AssigneeAdmin(AuditedAdmin):
    list_display = ["written_name", "role", "agency", "group", "activity"]
    list_filter = ["role"]
    search_fields = ["written_name"]
    autocomplete_fields = ["agency", "group"]
    raw_id_fields = ["activity"]


@admin.register(DueDate)
class DueDateAdmin(AuditedAdmin):
    list_display = ["due_on", "activity"]
    raw_id_fields = ["activity"]


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ["name", "plan", "comparator", "target", "unit", "due_on"]
    list_filter = ["plan"]


@admin.register(Responsibility)
class ResponsibilityAdmin(AuditedAdmin):
    list_display = ["heading", "plan", "position"]
    list_filter = ["plan"]
    filter_horizontal = ["agencies", "groups"]
