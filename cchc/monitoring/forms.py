"""Forms of the report pages (the report itself, its output documents, review, filters)
and of the plan's reporting periods.

The forms only read and check input; every change goes through `cchc.monitoring.services`
(and `cchc.monitoring.evidence`), which check it again for the API's sake.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency
from cchc.lib.dates import validate_plausible
from cchc.lib.uploads import CheckedUpload, UploadRejected, display_name
from cchc.lib.widgets import FilePicker, QuickSelect
from cchc.monitoring.evidence import evidence_check
from cchc.monitoring.models import ProgressReport, ReportingPeriod
from cchc.monitoring.periods import PeriodRow
from cchc.monitoring.services import (
    COMMENT_MAX,
    DOCUMENTS_MAX,
    NARRATIVE_MAX,
    PERCENT_BLANK,
    PERCENT_NOT_A_NUMBER,
    PERCENT_OUT_OF_RANGE,
    REASON_MAX,
    DocumentInput,
    too_long,
)
from cchc.plans.models import Area

DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
MAX_FILES = 10


def _date_field(label: Any, *, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        validators=[validate_plausible],
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "autocomplete": "off",
                "class": "date-input",
            },
        ),
        error_messages={"invalid": _("Hãy nhập ngày theo dạng dd/mm/yyyy, ví dụ 15/03/2022.")},
    )


@dataclass(frozen=True)
class CheckedFile:
    checked: CheckedUpload
    name: str
    data: bytes
    declared_type: str | None


class EvidenceFilesField(forms.FileField):
    """Several files at once, each checked by its content before anything is saved."""

    widget = FilePicker(multiple=True)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(
                _("Mỗi lần chỉ gửi được tối đa %(count)s tệp.") % {"count": MAX_FILES}
            )
        checked = []
        for upload in uploads:
            assert isinstance(upload, UploadedFile)
            data_bytes = upload.read()
            try:
                result = evidence_check(
                    name=upload.name or "", data=data_bytes, declared_type=upload.content_type
                )
            except UploadRejected as error:
                # Every message names the file as the user picked it: with several files,
                # "Tệp rỗng." alone would not say which one.
                shown = display_name(upload.name or "")
                raise forms.ValidationError(
                    [m if shown in m else f"«{shown}»: {m}" for m in error.messages]
                ) from error
            checked.append(CheckedFile(result, upload.name or "", data_bytes, upload.content_type))
        return checked


def new_submission() -> str:
    """A token for one rendering of the report form (see `report_save`'s `submission`)."""
    return secrets.token_urlsafe(16)


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Made afresh for each page shown; saved with the version it produces.
    submission = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, empty_value=""
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=ProgressReport.Status.choices,
        widget=forms.RadioSelect(attrs={"class": "status-choice"}),
        error_messages={"required": _("Hãy chọn tình trạng của hoạt động.")},
    )
    # Any whole number 0-100; blank is refused unless the status decides it (see clean),
    # never read as 0. The server's messages are the only ones: the form is `novalidate`,
    # since a browser words its own checks in its own language.
    percent = forms.IntegerField(
        label=_("Tỷ lệ hoàn thành (%)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(
            attrs={"step": 1, "inputmode": "numeric", "class": "percent-input"}
        ),
        help_text=_("Số nguyên từ 0 đến 100; hoàn thành được tính là 100%."),
        error_messages={
            "invalid": PERCENT_NOT_A_NUMBER,
            "min_value": PERCENT_OUT_OF_RANGE,
            "max_value": PERCENT_OUT_OF_RANGE,
        },
    )
    reason = forms.CharField(
        label=_("Lý do không thực hiện"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi chọn «Không thực hiện»."),
    )
    narrative = forms.CharField(
        label=_("Kết quả thực hiện"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Một vài câu: đã làm gì, kết quả ra sao.")}
        ),
    )
    completed_on = _date_field(_("Ngày hoàn thành"), required=False)
    attachments = EvidenceFilesField(
        label=_("Đính kèm minh chứng"),
        required=False,
        help_text=_("PDF, DOCX, XLSX hoặc ảnh (PNG, JPG, WEBP); chọn được nhiều tệp."),
    )

    def clean_narrative(self) -> str:
        return _within(self, "narrative", NARRATIVE_MAX)

    def clean_reason(self) -> str:
        return _within(self, "reason", REASON_MAX)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        status = data.get("status")
        if status == ProgressReport.Status.NOT_DONE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Hãy ghi rõ lý do không thực hiện."))
        if status == ProgressReport.Status.NOT_STARTED and data.get("percent"):
            self.add_error(
                "percent", _("Hoạt động chưa triển khai thì tỷ lệ hoàn thành phải là 0.")
            )
        percent_refused = "percent" in self.errors
        if status == ProgressReport.Status.DONE:
            # Done is 100%, whatever the box said: that is shown on the saved report.
            self.errors.pop("percent", None)
            data["percent"] = 100
        elif data.get("percent") is None and not percent_refused:
            if status == ProgressReport.Status.NOT_STARTED:
                data["percent"] = 0
            elif status:
                # Blank would have been saved as 0, silently replacing what was reported.
                self.add_error("percent", PERCENT_BLANK)
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", new_submission())
        _no_silent_cut(self)


def _within(form: forms.Form, name: str, limit: int) -> str:
    """The field's text, or the service's own message when it is over the limit."""
    value: str = form.cleaned_data.get(name) or ""
    message = too_long(str(form.fields[name].label), value, limit)
    if message:
        raise forms.ValidationError(message, code="max_length")
    return value


def _no_silent_cut(form: forms.Form) -> None:
    """No `maxlength` in the page: a browser cuts a longer paste without a word, and the
    user's text is lost. The server refuses it instead, with the limit, under the field."""
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)


class DocumentForm(forms.Form):
    """One output document: typed in, or picked from the agency's documents (then its
    `document_id` names it and the typed fields are shown read-only)."""

    number = forms.CharField(label=_("Số, ký hiệu"), max_length=100)
    issued_on = _date_field(_("Ngày ban hành"), required=True)
    summary = forms.CharField(label=_("Trích yếu"), max_length=1000)
    document_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_silent_cut(self)
        if self.is_picked:
            for name in ("number", "issued_on", "summary"):
                self.fields[name].widget.attrs["readonly"] = "readonly"

    @property
    def is_picked(self) -> bool:
        value = (
            self.data.get(self.add_prefix("document_id"))
            if self.is_bound
            else self.initial.get("document_id")
        )
        return bool(value)

    def as_input(self) -> DocumentInput:
        return DocumentInput(
            number=self.cleaned_data["number"],
            issued_on=self.cleaned_data["issued_on"],
            summary=self.cleaned_data["summary"],
            document_id=self.cleaned_data.get("document_id"),
        )


DocumentFormSet = forms.formset_factory(
    DocumentForm, extra=1, can_delete=True, max_num=DOCUMENTS_MAX, validate_max=True
)


def documents_from(formset: forms.BaseFormSet[DocumentForm]) -> list[DocumentInput]:
    """The rows typed in and not marked for removal; blank extra rows are no document."""
    return [
        form.as_input()
        for form in formset.forms
        if form.has_changed() and not form.cleaned_data.get("DELETE")
    ]


def _period_date_field(label: Any) -> forms.DateField:
    # Typed as dd/mm/yyyy like every other date here: a browser's date picker shows the
    # order of the browser's language (mm/dd/yyyy in an English one), whatever the page's.
    return _date_field(label, required=False)


class PeriodForm(forms.Form):
    """One row of a plan's periods table.

    Blanks are allowed here: `periods_update` checks the rows and words every problem
    with the row it is about, for this page and any other caller alike.
    """

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Mã"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": "period-code", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=_("Tên kỳ"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "period-name"}),
    )
    kind = forms.ChoiceField(
        label=_("Loại kỳ"),
        required=False,
        choices=[("", "—"), *ReportingPeriod.Kind.choices],
    )
    starts_on = _period_date_field(_("Từ ngày"))
    ends_on = _period_date_field(_("Đến ngày (chốt số liệu)"))
    due_on = _period_date_field(_("Hạn gửi báo cáo"))
    position = forms.IntegerField(
        label=_("Thứ tự"),
        required=False,
        min_value=0,
        max_value=32767,
        widget=forms.NumberInput(attrs={"class": "period-position", "inputmode": "numeric"}),
    )

    def as_row(self) -> PeriodRow:
        data = self.cleaned_data
        return PeriodRow(
            id=data.get("id"),
            code=data.get("code") or "",
            name=data.get("name") or "",
            kind=data.get("kind") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            due_on=data.get("due_on"),
            position=data.get("position"),
            delete=bool(data.get("DELETE")),
        )


PeriodFormSet = forms.formset_factory(
    PeriodForm, extra=1, can_delete=True, can_delete_extra=False, max_num=50, validate_max=True
)


def period_rows(formset: forms.BaseFormSet[PeriodForm]) -> list[tuple[PeriodForm, PeriodRow]]:
    """The rows to save, each with its form; the untouched empty row is no period."""
    return [
        (form, form.as_row())
        for index, form in enumerate(formset.forms)
        if index < formset.initial_form_count() or form.has_changed()
    ]


class VersionForm(forms.Form):
    """Submit, remove a file: the only input is the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(choices=[(APPROVE, _("Duyệt")), (RETURN, _("Trả lại"))])
    comment = forms.CharField(
        label=_("Ý kiến của cơ quan thường trực"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Bắt buộc khi trả lại: cần bổ sung, sửa gì.")}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_silent_cut(self)

    def clean_comment(self) -> str:
        return _within(self, "comment", COMMENT_MAX)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Hãy ghi ý kiến khi trả lại báo cáo."))
        return data


class AgencyChoiceForm(forms.Form):
    agency = forms.TypedChoiceField(
        label=_("Cơ quan"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(self, data: Any, *, agencies: Iterable[Agency]) -> None:
        super().__init__(data)
        self.fields["agency"].choices = _agency_choices(agencies)  # type: ignore[attr-defined]

    def chosen(self) -> int | None:
        return self.cleaned_data.get("agency") if self.is_valid() else None


def _agency_choices(agencies: Iterable[Agency]) -> list[tuple[Any, Any]]:
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for agency in agencies:
        by_kind.setdefault(agency.kind, []).append((agency.pk, agency.name))
    labels = dict(Agency.Kind.choices)
    return [("", _("Tất cả cơ quan"))] + [
        (labels.get(kind, kind), items) for kind, items in by_kind.items()
    ]


class QueueFilterForm(forms.Form):
    agency = forms.TypedChoiceField(
        label=_("Cơ quan"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    area = forms.TypedChoiceField(
        label=_("Lĩnh vực"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    period = forms.TypedChoiceField(
        label=_("Kỳ báo cáo"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(
        self,
        data: Any,
        *,
        agencies: Iterable[Agency],
        areas: Iterable[Area],
        periods: Iterable[ReportingPeriod],
    ) -> None:
        super().__init__(data)
        self.fields["agency"].choices = _agency_choices(agencies)  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("Tất cả lĩnh vực"))] + [  # type: ignore[attr-defined]
            (area.pk, f"{area.code}. {area.title}") for area in areas
        ]
        self.fields["period"].choices = [("", _("Mọi kỳ"))] + [  # type: ignore[attr-defined]
            (period.pk, period.name) for period in periods
        ]

    def filters(self) -> dict[str, int]:
        """The valid filters only: a stale link must not break the page."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: cleaned[name]
            for name in ("agency", "area", "period")
            if name not in self.errors and cleaned.get(name) is not None
        }
