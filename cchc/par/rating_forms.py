"""Forms of the ratings and inspection pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cchc.accounts import tenancy
from cchc.agencies.models import AgencyGroup
from cchc.lib.dates import validate_plausible
from cchc.par.inspection import SEED_MAX, InspectionError, parse_seed
from cchc.par.ratings import scheme_problems

YEAR_MIN, YEAR_MAX = 2000, 2200


class _NoNul:
    """Refuse NUL characters in every text field with a Vietnamese message (PostgreSQL
    cannot store them; SQLite would)."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        for name in list(self.data.keys()):  # type: ignore[attr-defined]
            value = self.data.get(name)  # type: ignore[attr-defined]
            if isinstance(value, str) and "\x00" in value:
                self.add_error(None, _("Dữ liệu gửi lên chứa ký tự không hợp lệ."))  # type: ignore[attr-defined]
                break
        return data


class YearGroupForm(_NoNul, forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    group = forms.ModelChoiceField(
        label=_("Nhóm cơ quan"), queryset=AgencyGroup.objects.order_by("name")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The user's province's groups only (cchc.accounts.tenancy).
        self.fields["group"].queryset = tenancy.scope(  # type: ignore[attr-defined]
            AgencyGroup.objects.all(), user
        ).order_by("name")


class SchemeForm(_NoNul, forms.Form):
    weight_on_time = forms.IntegerField(
        label=_("Trọng số tỷ lệ đúng hạn (%)"), min_value=0, max_value=100
    )
    weight_index = forms.IntegerField(
        label=_("Trọng số chỉ số CCHC (%)"), min_value=0, max_value=100
    )
    bands = forms.CharField(
        label=_("Các mức"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_(
            "Mỗi dòng một mức: tên; từ điểm; đến dưới điểm (để trống ở mức cao nhất). "
            "Ví dụ: Hoàn thành tốt; 75; 90"
        ),
    )
    source_note = forms.CharField(
        label=_("Căn cứ"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )

    def clean_bands(self) -> list[tuple[str, Decimal, Decimal | None]]:
        bands = []
        for number, line in enumerate(self.cleaned_data["bands"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("Dòng %(n)s: cần đúng ba phần «tên; từ; đến dưới».") % {"n": number}
                )
            try:
                lower = Decimal(parts[1].replace(",", "."))
                upper = Decimal(parts[2].replace(",", ".")) if parts[2] else None
            except InvalidOperation:
                raise forms.ValidationError(
                    _("Dòng %(n)s: điểm phải là số.") % {"n": number}
                ) from None
            if not lower.is_finite() or (upper is not None and not upper.is_finite()):
                raise forms.ValidationError(_("Dòng %(n)s: điểm phải là số.") % {"n": number})
            if not (0 <= lower <= 100) or (upper is not None and not 0 < upper <= 100):
                raise forms.ValidationError(
                    _("Dòng %(n)s: điểm phải từ 0 đến 100.") % {"n": number}
                )
            if len(parts[0]) > 60:
                raise forms.ValidationError(
                    _("Dòng %(n)s: tên mức dài quá 60 ký tự.") % {"n": number}
                )
            bands.append((parts[0], lower, upper))
        return bands

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            for problem in scheme_problems(
                data["weight_on_time"], data["weight_index"], data["bands"]
            ):
                self.add_error(None, problem)
        return data


class DrawForm(YearGroupForm):
    seed = forms.CharField(
        label=_("Số khởi tạo (seed)"),
        max_length=12,
        help_text=_(
            "Số nguyên từ 0 đến %(max)s. Cùng số khởi tạo và cùng dữ liệu cho cùng danh sách."
        )
        % {"max": SEED_MAX},
    )
    share = forms.IntegerField(
        label=_("Tỷ lệ tối thiểu (%)"), min_value=1, max_value=100, initial=30
    )

    def clean_seed(self) -> int:
        try:
            return parse_seed(self.cleaned_data["seed"])
        except InspectionError as error:
            raise forms.ValidationError(str(error)) from None


class FindingForm(_NoNul, forms.Form):
    text = forms.CharField(
        label=_("Nội dung phát hiện"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    remedy = forms.CharField(
        label=_("Yêu cầu khắc phục"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    due_on = forms.DateField(
        label=_("Hạn khắc phục"),
        validators=[validate_plausible],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
