from django.contrib import admin
from django.http import HttpRequest

from cchc.files.models import StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ["sha256", "content_type", "size", "created_at"]
    search_fields = ["sha256"]
    readonly_fields = ["sha256", "content_type", "size", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The same bytes may be evidence for several reports; nothing deletes them by hand.
        return False
