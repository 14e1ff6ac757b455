"""Forms of the pages: plan filters, the date fix, the plan import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency
from cchc.agencies.services import close_problems, merge_problems
from cchc.lib.dates import validate_plausible
from cchc.lib.widgets import FilePicker
from cchc.plans.models import Area, Assignee, Plan
from cchc.register.queries import ROLE_BOTH, PlanFilters

ROLE_CHOICES = [
    (ROLE_BOTH, _("Chủ trì hoặc phối hợp")),
    (Assignee.Role.LEAD, _("Chủ trì")),
    (Assignee.Role.COOPERATING, _("Phối hợp")),
]


class PlanFilterForm(forms.Form):
    """The filter bar of the plan page; read from GET, unknown values are ignored."""

    q = forms.CharField(
        label=_("Tìm trong kế hoạch"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Từ khóa, không cần dấu"), "id": "filter-q"}
        ),
    )
    area = forms.TypedChoiceField(label=_("Lĩnh vực"), required=False, coerce=int, empty_value=None)
    agency = forms.TypedChoiceField(
        label=_("Cơ quan"), required=False, coerce=int, empty_value=None
    )
    role = forms.ChoiceField(label=_("Vai trò"), required=False, choices=ROLE_CHOICES)
    month = forms.TypedChoiceField(
        label=_("Hạn trong tháng"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, data: object, *, areas: Iterable[Area], agencies: Iterable[Agency], year: int
    ) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["area"].choices = [("", _("Tất cả lĩnh vực"))] + [  # type: ignore[attr-defined]
            (area.pk, f"{area.code}. {area.title}") for area in areas
        ]
        by_kind: dict[str, list[tuple[int, str]]] = {}
        for agency in agencies:
            by_kind.setdefault(agency.kind, []).append((agency.pk, agency.name))
        labels = dict(Agency.Kind.choices)
        self.fields["agency"].choices = [("", _("Tất cả cơ quan"))] + [  # type: ignore[attr-defined]
            (labels.get(kind, kind), items) for kind, items in by_kind.items()
        ]
        self.fields["month"].choices = [("", _("Mọi tháng"))] + [  # type: ignore[attr-defined]
            (m, _("Tháng %(month)s/%(year)s") % {"month": f"{m:02d}", "year": year})
            for m in range(1, 13)
        ]

    def filters(self) -> PlanFilters:
        # Invalid parts are left out of cleaned_data: a stale link still shows the plan.
        self.is_valid()
        cleaned = self.cleaned_data
        return PlanFilters(
            area=cleaned.get("area"),
            agency=cleaned.get("agency"),
            role=cleaned.get("role") or ROLE_BOTH,
            month=cleaned.get("month"),
            q=cleaned.get("q") or "",
        )


class PlanChoiceForm(forms.Form):
    plan = forms.TypedChoiceField(label=_("Kế hoạch"), coerce=int, required=False)

    def __init__(self, data: object, *, plans: Iterable[Plan]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["plan"].choices = [  # type: ignore[attr-defined]
            (plan.pk, f"{plan.year} – {plan.number or plan.title}") for plan in plans
        ]


class FixDateForm(forms.Form):
    text = forms.CharField(
        label=_("Thời hạn mới"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Ví dụ: 30/06/2022 hoặc Quý II")}),
    )


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp kế hoạch"),
        help_text=_(
            "Phụ lục XLSX, văn bản DOCX hoặc tệp JSON xuất từ hệ thống; tệp .xls, .doc cũ "
            "được chuyển đổi bằng LibreOffice nếu máy chủ có cài."
        ),
        widget=FilePicker(attrs={"accept": ".xlsx,.docx,.json,.xls,.doc"}),
    )
    year = forms.IntegerField(
        label=_("Năm kế hoạch"),
        required=False,
        min_value=1990,
        max_value=2200,
        help_text=_("Để trống nếu tệp đã ghi năm."),
    )
    replace = forms.BooleanField(
        label=_("Thay thế kế hoạch đã có cùng số, ký hiệu"), required=False
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        limit = settings.CCHC_MAX_IMPORT_BYTES
        # Checked on the declared size, before a byte of the file is read.
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn (%(size)s); giới hạn là %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Tệp rỗng."))
        return upload


class AgencyMergeForm(forms.Form):
    """Merge an agency into a successor, or close it when no successor is chosen."""

    into = forms.ModelChoiceField(
        label=_("Sáp nhập vào"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("— Không có cơ quan kế thừa: giải thể —"),
        help_text=_("Các phân công đang mở chuyển sang cơ quan này từ ngày sáp nhập."),
    )
    on = forms.DateField(
        label=_("Từ ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[validate_plausible],
        error_messages={
            "required": _("Hãy nhập ngày sáp nhập hoặc giải thể."),
            "invalid": _("Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm."),
        },
    )

    def __init__(self, data: object, *, agency: Agency, initial: object = None) -> None:
        super().__init__(data, initial=initial)  # type: ignore[arg-type]
        self.agency = agency
        # Closed agencies and the agency itself are valid choices here, so that choosing
        # one gets a clear refusal from `merge_problems` rather than "not a valid choice".
        # A successor is in the same province (tenancy): one province's agency never
        # merges into another's.
        successors = Agency.objects.all()
        if agency.province_id is not None:
            successors = successors.filter(province_id=agency.province_id)
        self.fields["into"].queryset = successors.order_by(  # type: ignore[attr-defined]
            "closed_on", "sort_name"
        )
        self.fields["into"].error_messages["invalid_choice"] = _(
            "Cơ quan được chọn không có trong danh mục."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        into = data.get("into")
        if into is not None:
            problems = merge_problems(source=self.agency, into=into)
        else:
            problems = close_problems(agency=self.agency)
        if problems:
            raise forms.ValidationError(problems)
        return data
