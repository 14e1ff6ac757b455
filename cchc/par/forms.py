"""Forms of the PAR INDEX pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cchc.accounts import tenancy
from cchc.agencies.models import AgencyGroup
from cchc.lib.dates import validate_plausible
from cchc.lib.widgets import FilePicker
from cchc.par.document import fmt_points
from cchc.par.models import Criterion
from cchc.par.services import FROZEN_FIELDS, Windows, window_problems

YEAR_MIN, YEAR_MAX = 2000, 2200


class SetFilterForm(forms.Form):
    year = forms.IntegerField(
        label=_("Năm"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX
    )
    group = forms.ModelChoiceField(
        label=_("Nhóm cơ quan"),
        queryset=AgencyGroup.objects.none(),
        required=False,
        empty_label=_("— Mọi nhóm —"),
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]


class SetImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp bộ tiêu chí (XLSX)"),
        help_text=_("Trang «Tiêu chí» với các cột Mã, Tên, Điểm tối đa, Cách chấm…"),
        widget=FilePicker(attrs={"accept": ".xlsx"}),
    )
    year = forms.IntegerField(
        label=_("Năm đánh giá"),
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        help_text=_("Để trống nếu tệp đã ghi năm ở trang «Thông tin»."),
    )
    group = forms.ModelChoiceField(
        label=_("Nhóm cơ quan"),
        queryset=AgencyGroup.objects.order_by("name"),
        required=False,
        empty_label=_("— Theo tệp —"),
    )
    replace = forms.BooleanField(
        label=_("Thay thế bản nháp đã có cùng năm và nhóm"), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The user's province's groups only (cchc.accounts.tenancy).
        self.fields["group"].queryset = tenancy.scope(  # type: ignore[attr-defined]
            AgencyGroup.objects.all(), user
        ).order_by("name")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.CCHC_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn (%(size)s); giới hạn là %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Tệp rỗng."))
        return upload


class SetCopyForm(forms.Form):
    year = forms.IntegerField(label=_("Sang năm"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    title = forms.CharField(
        label=_("Tên bộ tiêu chí mới"),
        max_length=255,
        required=False,
        help_text=_("Để trống: «Bộ tiêu chí PAR INDEX năm … – nhóm …»."),
    )


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = [
            "title",
            "guidance",
            "max_points",
            "method",
            "computation_key",
            "points_known",
            "points_note",
            "max_differs_reason",
        ]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 3}),
            "points_note": forms.Textarea(attrs={"rows": 2}),
            "max_differs_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, frozen: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # "10", not "10.00": the maximum as the table writes it.
            self.initial["max_points"] = fmt_points(self.instance.max_points).replace(",", ".")
        if frozen:
            # A set in use keeps its points and methods (cchc.par.services): the fields show
            # them, and what a browser posts for them is ignored.
            for name in FROZEN_FIELDS:
                self.fields[name].disabled = True


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        validators=[validate_plausible],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Tên đợt đánh giá"), max_length=255, required=False)
    self_opens = _date_field(_("Tự đánh giá từ ngày"))
    self_closes = _date_field(_("Tự đánh giá đến hết ngày"))
    appraisal_opens = _date_field(_("Thẩm định từ ngày"))
    appraisal_closes = _date_field(_("Thẩm định đến hết ngày"))
    reply_opens = _date_field(_("Giải trình từ ngày"))
    reply_closes = _date_field(_("Giải trình đến hết ngày"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [n for n in self.fields if n != "title"]
        if all(isinstance(data.get(n), date) for n in names):
            windows = Windows(**{n: data[n] for n in names})
            for name, message in window_problems(windows).items():
                self.add_error(name, message)
        return data

    def windows(self) -> Windows:
        return Windows(**{n: self.cleaned_data[n] for n in self.fields if n != "title"})
