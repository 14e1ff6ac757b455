from django.contrib import admin
from django.http import HttpRequest

from cchc.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by the pages and the command line, and run by workers."""

    list_display = ("created_at", "kind", "status", "asked_by", "summary")
    list_filter = ("status", "kind")
    search_fields = ("kind", "summary", "asked_by__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
