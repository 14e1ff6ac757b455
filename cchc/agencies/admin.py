from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from cchc.agencies.models import Agency, AgencyGroup, AgencyName, Alias, GroupMembership
from cchc.agencies.services import agency_close, agency_merge, agency_rename
from cchc.audit.admin import AuditedAdmin


class AgencyNameInline(admin.TabularInline):
    model = AgencyName
    extra = 0


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 0
    fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "admin_code", "closed_on", "merged_into"]
    list_filter = ["kind", "closed_on"]
    search_fields = ["name", "search_name", "short_name", "admin_code"]
    autocomplete_fields = ["parent", "merged_into"]
    inlines = [AgencyNameInline, AliasInline]
    # The services record renames, merges and closures with their dates.
    audit_exclude = frozenset({"name", "closed_on", "merged_into"})

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        # Renames, merges and closures go through the services so that history is kept.
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Agency.objects.get(pk=obj.pk)
        today = timezone.localdate()
        new_name, obj.name = obj.name, stored.name
        super().save_model(request, obj, form, change)
        if new_name != stored.name:
            agency_rename(agency=obj, name=new_name, on=today)
        if obj.merged_into_id and obj.merged_into_id != stored.merged_into_id:
            assert obj.merged_into is not None
            agency_merge(sources=[obj], into=obj.merged_into, on=obj.closed_on or today)
        elif obj.closed_on and not stored.closed_on:
            agency_close(agency=obj, on=obj.closed_on)


@admin.register(AgencyGroup)
class AgencyGroupAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "search_name"]
    inlines = [MembershipInline]


@admin.register(Alias)
class AliasAdmin(AuditedAdmin):
    list_display = ["name", "agency", "group"]
    search_fields = ["name", "search_name"]
    autocomplete_fields = ["agency", "group"]


@admin.register(AgencyName)
class AgencyNameAdmin(AuditedAdmin):
    list_display = ["name", "agency", "valid_from", "valid_to"]
    search_fields = ["name"]
    autocomplete_fields = ["agency"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(AuditedAdmin):
    list_display = ["group", "agency"]
    list_filter = ["group"]
    autocomplete_fields = ["group", "agency"]
