from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.audit.admin import AuditedAdmin
from cchc.reminders.models import CalendarDay, CalendarFeed, Notification, ReminderLog


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


class ReadOnlyAdmin(AuditedAdmin):
    """Records of what was sent: kept as evidence, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "kind", "agency", "recipient", "assignment", "due_on"]
    list_filter = ["kind", "sent_on"]
    search_fields = ["recipient", "agency__name"]
    list_select_related = ["agency", "assignment__agency", "assignment__activity"]
    date_hierarchy = "sent_on"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "kind", "user", "title", "read_at"]
    list_filter = ["kind", "sent_on"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]


@admin.action(description=_("Thu hồi đường dẫn lịch đã chọn"))
def revoke(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    modeladmin.message_user(
        request, _("Đã thu hồi %(count)s đường dẫn.") % {"count": count}, messages.SUCCESS
    )


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["agency", "created_at", "created_by", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["agency__name"]
    list_select_related = ["agency", "created_by"]
    exclude = ["token"]
    actions = [revoke]
