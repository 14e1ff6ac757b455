"""Form widgets whose visible words are ours, not the browser's."""

from __future__ import annotations

from django import forms


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
