from django.contrib import admin

from cchc.agencies.models import Agency, AgencyGroup, AgencyName, Alias, GroupMembership


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
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "admin_code", "closed_on", "merged_into"]
    list_filter = ["kind", "closed_on"]
    search_fields = ["name", "search_name", "short_name", "admin_code"]
    autocomplete_fields = ["parent", "merged_into"]
    inlines = [AgencyNameInline, AliasInline]


@admin.register(AgencyGroup)
class AgencyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "search_name"]
    inlines = [MembershipInline]


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "group"]
    search_fields = ["name", "search_name"]
    autocomplete_fields = ["agency", "group"]


@admin.register(AgencyName)
class AgencyNameAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "valid_from", "valid_to"]
    search_fields = ["name"]
    autocomplete_fields = ["agency"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["group", "agency"]
    list_filter = ["group"]
    autocomplete_fields = ["group", "agency"]
