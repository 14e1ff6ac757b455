"""Documents in the admin: looked at, never edited by hand.

A document changes only through `cchc.documents.services` (the report pages and the
API), which keep the audit trail; IT staff see here what an agency recorded and where
each document is linked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cchc.documents.models import Document, DocumentFile, DocumentLink


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentFileInline(_ReadOnlyInline):
    model = DocumentFile
    fields = ["filename", "stored", "uploaded_by", "uploaded_at"]


class DocumentLinkInline(_ReadOnlyInline):
    model = DocumentLink
    fields = ["role", "target_type", "target_id", "added_by", "added_at"]


@admin.register(Document)
class DocumentAdmin(_ReadOnly):
    list_display = ["__str__", "issued_on", "summary", "agency"]
    list_filter = ["agency__kind"]
    search_fields = ["number", "summary", "agency__name", "files__filename"]
    list_select_related = ["agency"]
    date_hierarchy = "issued_on"
    inlines = [DocumentFileInline, DocumentLinkInline]


@admin.register(DocumentLink)
class DocumentLinkAdmin(_ReadOnly):
    list_display = ["document", "role", "target_type", "target_id", "added_at"]
    list_filter = ["role", "target_type"]
    list_select_related = ["document", "target_type"]
