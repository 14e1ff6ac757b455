"""The audit trail in the admin, and the admin base class that writes to it."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpRequest

from cchc.audit.log import log_action
from cchc.audit.models import AuditRecord


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, QuerySet | list | tuple | set):
        return [_plain(v) for v in value]
    try:
        json.dumps(value, cls=DjangoJSONEncoder)
    except TypeError:
        return str(value)  # a file, a range: what the admin would show
    return value


def _fields(obj: models.Model, names: list[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, models.Manager):
            value = list(value.all())
        values[name] = _plain(value)
    return values


class AuditedAdmin(admin.ModelAdmin):
    """A model admin whose adds, changes and deletions, inlines included, go into the
    audit trail with the changed fields' values before and after.

    `audit_exclude` names fields whose changes a service records itself.
    """

    audit_exclude: frozenset[str] = frozenset()

    def _changed(self, form: BaseForm) -> list[str]:
        return [name for name in form.changed_data if name not in self.audit_exclude]

    def _log(
        self, request: HttpRequest, obj: models.Model, verb: str, before: Any, after: Any
    ) -> None:
        log_action(
            actor=request.user,
            action=f"{obj._meta.label_lower}.{verb}",
            obj=obj,
            before=before,
            after=after,
            source="web",
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        names = self._changed(form)
        before = None
        if change:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = _fields(stored, names) if stored is not None else None
        super().save_model(request, obj, form, change)
        if not change or names:
            self._log(request, obj, "update" if change else "create", before, _fields(obj, names))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        deleted_forms = list(getattr(formset, "deleted_forms", []))
        changed = []
        for inline in formset.forms:
            if inline in deleted_forms or not inline.has_changed():
                continue
            names = self._changed(inline)
            before = None
            if inline.instance.pk is not None:
                stored = type(inline.instance)._default_manager.filter(pk=inline.instance.pk)
                first = stored.first()
                before = _fields(first, names) if first is not None else None
            changed.append((inline.instance, before, names))
        deleted = [
            (f.instance, _fields(f.instance, list(f.fields)))
            for f in deleted_forms
            if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        for instance, before, names in changed:
            if instance.pk is not None:
                verb = "create" if before is None else "update"
                self._log(request, instance, verb, before, _fields(instance, names))
        for instance, before in deleted:
            self._log(request, instance, "delete", before, None)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._log(request, obj, "delete", self._everything(obj), None)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._log(request, obj, "delete", self._everything(obj), None)
        super().delete_queryset(request, queryset)

    def _everything(self, obj: models.Model) -> dict[str, Any]:
        return _fields(obj, [f.name for f in obj._meta.concrete_fields if not f.primary_key])


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by `log_action` and by nobody else."""

    list_display = ["at", "actor_label", "source", "action", "object_type", "object_label"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["actor_label", "object_label", "object_id", "action"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
