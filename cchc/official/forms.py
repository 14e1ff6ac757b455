"""The admin's template form: the sections must be a list the report can print."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from cchc.official.blocks import BLOCKS
from cchc.official.models import ReportTemplate

SLOT_KEY_MAX = 40


def sections_problems(sections: Any) -> list[str]:
    """Why these sections cannot be a template, in Vietnamese; empty when they can."""
    if not isinstance(sections, list) or not sections:
        return [_("«Các phần» phải là một danh sách có ít nhất một phần.")]
    problems = []
    keys: set[str] = set()
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not str(section.get("title", "")).strip():
            problems.append(_("Phần %(n)s cần có «title».") % {"n": number})
            continue
        for key in section.get("blocks", []) or []:
            if key not in BLOCKS:
                problems.append(
                    _("Phần %(n)s: không có khối số liệu «%(key)s» (có: %(known)s).")
                    % {"n": number, "key": key, "known": ", ".join(sorted(BLOCKS))}
                )
        for slot in section.get("slots", []) or []:
            key = str(slot.get("key", "")) if isinstance(slot, dict) else ""
            if not key or len(key) > SLOT_KEY_MAX or not key.replace("-", "").isalnum():
                problems.append(
                    _("Phần %(n)s: mỗi đoạn lời văn cần «key» gồm chữ, số, dấu gạch ngang.")
                    % {"n": number}
                )
                continue
            if not str(slot.get("label", "")).strip():
                problems.append(
                    _("Phần %(n)s: đoạn «%(key)s» cần «label».") % {"n": number, "key": key}
                )
            if key in keys:
                problems.append(_("Đoạn «%(key)s» lặp lại.") % {"key": key})
            keys.add(key)
    return problems


class ReportTemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["kind", "title", "sections"]

    def clean_sections(self) -> Any:
        sections = self.cleaned_data["sections"]
        if isinstance(sections, str):
            try:
                sections = json.loads(sections)
            except ValueError:
                raise forms.ValidationError(_("«Các phần» không phải JSON hợp lệ.")) from None
        problems = sections_problems(sections)
        if problems:
            raise forms.ValidationError(problems)
        return sections
