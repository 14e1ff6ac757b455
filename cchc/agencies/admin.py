from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency, AgencyGroup, AgencyName, Alias, GroupMembership
from cchc.agencies.services import agency_rename
from cchc.audit.admin import AuditedAdmin
from cchc.lib import calendar


class AgencyNameInline(admin.TabularInline):
    model = AgencyName
    extra = 0


class AliasInline(admin.TabularInline):
    model = Alias
    fk_name = "agency"
    extra = 0
    fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["agency"]
    fields = ["agency", "valid_from", "valid_to"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "admin_code", "closed_on", "merged_into"]
    list_filter = ["kind", "closed_on"]
    search_fields = ["name", "search_name", "short_name", "admin_code"]
    autocomplete_fields = ["parent", "merged_into"]
    inlines = [AgencyNameInline, AliasInline]
    actions = ["merge_or_close"]
    # The services record renames, merges and closures with their dates.
    audit_exclude = frozenset({"name", "closed_on", "merged_into"})

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> Any:
        # A merge or closure moves open assignments and needs its confirmation page:
        # it is not a field to type into.
        if obj is not None:
            return ["closed_on", "merged_into"]
        return []

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        # Renames go through the service so that the old name is kept.
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Agency.objects.get(pk=obj.pk)
        today = calendar.today()
        new_name, obj.name = obj.name, stored.name
        super().save_model(request, obj, form, change)
        if new_name != stored.name:
            agency_rename(agency=obj, name=new_name, on=today)

    @admin.action(description=_("Sáp nhập hoặc giải thể cơ quan đã chọn…"))
    def merge_or_close(self, request: HttpRequest, queryset: QuerySet[Agency]) -> Any:
        if queryset.count() != 1:
            self.message_user(
                request, _("Hãy chọn đúng một cơ quan để sáp nhập hoặc giải thể."), messages.ERROR
            )
            return None
        agency = queryset.get()
        return redirect(reverse("agency_merge", args=[agency.pk]))


@admin.register(AgencyGroup)
class AgencyGroupAdmin(AuditedAdmin):
    list_display = ["name", "code", "province"]
    search_fields = ["name", "search_name"]
    autocomplete_fields = ["province"]
    inlines = [MembershipInline]


@admin.register(Alias)
class AliasAdmin(AuditedAdmin):
    list_display = ["name", "agency", "group", "province", "ignored"]
    list_filter = ["ignored"]
    search_fields = ["name", "search_name"]
    autocomplete_fields = ["agency", "group"]


@admin.register(AgencyName)
class AgencyNameAdmin(AuditedAdmin):
    list_display = ["name", "agency", "valid_from", "valid_to"]
    search_fields = ["name"]
    autocomplete_fields = ["agency"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(AuditedAdmin):
    list_display = ["group", "agency", "valid_from", "valid_to"]
    list_filter = ["group"]
    autocomplete_fields = ["group", "agency"]
