from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cchc.accounts.login import AdminLoginForm
from cchc.accounts.models import ApiToken, User

# The admin's login goes through the same throttle, with the same message.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "province", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["agency", "province"]
    # The province of a user without an agency (a leader, an appraiser) is set here; an
    # agency's user's follows their agency (User.save). Empty: the national level.
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Công việc CCHC"), {"fields": ("full_name", "role", "agency", "province")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]
