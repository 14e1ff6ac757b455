"""Form widgets whose visible words are ours, not the browser's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


class FilePicker(forms.ClearableFileInput):
    """A file input that reads "Chọn tệp…" and lists the picked names in Vietnamese.

    The browser's own button says "Choose Files" / "No file chosen" in the browser's
    language, whatever the page's. The real input stays on top of our button, transparent,
    so a click, the keyboard and assistive technology all reach the native control; the
    script (cchc/file-pick.js) only writes the picked names beside it.
    """

    template_name = "widgets/file_pick.html"

    def __init__(self, attrs: dict[str, str] | None = None, *, multiple: bool = False) -> None:
        self.allow_multiple_selected = multiple
        super().__init__(attrs)


class QuickSelect(forms.Select):
    """A single-choice select drawn in Python, not through a template per option.

    The same HTML as Django's `Select` (options, option groups, the chosen one marked),
    for lists long enough that the template per option is most of a page's time: a
    province's 150 agencies in the review queue's filter cost about 20 ms that way.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        wanted = set(self.format_value(value))
        chosen = [False]  # as Django marks it: the first option with the value only

        def option(key: Any, label: Any) -> str:
            text = "" if key is None else str(key)
            mark = ""
            if text in wanted and not chosen[0]:
                mark, chosen[0] = " selected", True
            return f'<option value="{escape(text)}"{mark}>{escape(label)}</option>'

        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(key)}">')
                parts.extend(option(k, v) for k, v in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(key, label))
        parts.append("</select>")
        return mark_safe("\n".join(parts))
