"""The public survey form, built from a definition's questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts import policy
from cchc.agencies.models import Agency
from cchc.citizens.indicators import NumberInvalid, parse_decimal, read_decimal
from cchc.citizens.models import SCALE, Indicator, SurveyDefinition, SurveyQuestion
from cchc.citizens.services import COMMENT_MAX

HONEYPOT = "website"


class SurveyForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Ý kiến khác (không bắt buộc)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": gettext_lazy("Ý kiến khác dài quá %(limit_value)s ký tự; xin rút gọn."),
            "null_characters_not_allowed": gettext_lazy("Ý kiến khác chứa ký tự không hợp lệ."),
        },
    )
    # Hidden from people by the stylesheet; a bot that fills every field fills it.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, definition: SurveyDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.questions = list(
            SurveyQuestion.objects.filter(element__definition=definition)
            .select_related("element")
            .order_by("element__position", "position")
        )
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(v), label) for v, label in SCALE],
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": gettext_lazy(
                        "Mức hài lòng phải là một trong 5 mức của thang đo."
                    )
                },
            )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, ""))

    def elements(self) -> list[dict[str, Any]]:
        """The questions grouped by element, with their bound fields, for the template."""
        groups: list[dict[str, Any]] = []
        for question in self.questions:
            if not groups or groups[-1]["element"].pk != question.element_id:
                groups.append({"element": question.element, "fields": []})
            groups[-1]["fields"].append(self[f"q{question.pk}"])
        return groups

    def question_elements(self) -> dict[int, int]:
        """Question id → element id of the definition, as read for the form."""
        return {q.pk: q.element_id for q in self.questions}

    def answers(self) -> dict[int, int]:
        return {
            q.pk: self.cleaned_data[f"q{q.pk}"]
            for q in self.questions
            if self.cleaned_data.get(f"q{q.pk}") is not None
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(f"q{q.pk}") is not None for q in self.questions):
            raise forms.ValidationError(_("Xin ông/bà chọn mức hài lòng cho ít nhất một câu hỏi."))
        return cleaned


class PopulationForm(forms.Form):
    agency = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    quarter = forms.IntegerField(min_value=0, max_value=4, widget=forms.HiddenInput)
    population = forms.IntegerField(
        label=gettext_lazy("Số hồ sơ đã giải quyết (N)"),
        min_value=0,
        max_value=100_000_000,
        error_messages={
            "invalid": gettext_lazy("Số hồ sơ (N) phải là số nguyên từ 0 đến 100.000.000."),
            "min_value": gettext_lazy("Số hồ sơ (N) phải là số nguyên từ 0 đến 100.000.000."),
            "max_value": gettext_lazy("Số hồ sơ (N) phải là số nguyên từ 0 đến 100.000.000."),
            "required": gettext_lazy("Hãy nhập số hồ sơ (N)."),
        },
    )


class IndicatorForm(forms.Form):
    """An indicator's definition. The fields only read the input; the rules (unique code,
    due date after the baseline year, the target on the good side of the baseline) are
    `cchc.citizens.indicators.indicator_check`, shared with the API."""

    code = forms.CharField(
        label=gettext_lazy("Mã chỉ tiêu"),
        max_length=60,
        help_text=gettext_lazy(
            "Chữ không dấu, số, «-» hoặc «_»; ví dụ «dvc-truc-tuyen-toan-trinh»."
        ),
        error_messages={"required": gettext_lazy("Hãy ghi mã chỉ tiêu.")},
    )
    name = forms.CharField(
        label=gettext_lazy("Tên chỉ tiêu"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Hãy ghi tên chỉ tiêu.")},
    )
    unit = forms.CharField(
        label=gettext_lazy("Đơn vị tính"),
        max_length=40,
        error_messages={"required": gettext_lazy("Hãy ghi đơn vị tính.")},
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Chiều tốt"),
        choices=Indicator.Direction.choices,
        error_messages={"invalid_choice": gettext_lazy("Chọn một chiều tốt trong danh sách.")},
    )
    baseline_year = forms.IntegerField(
        label=gettext_lazy("Năm gốc"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": gettext_lazy("Hãy ghi năm gốc."),
            "invalid": gettext_lazy("Năm gốc phải là năm từ 2000 đến 2100."),
            "min_value": gettext_lazy("Năm gốc phải là năm từ 2000 đến 2100."),
            "max_value": gettext_lazy("Năm gốc phải là năm từ 2000 đến 2100."),
        },
    )
    baseline_value = forms.CharField(
        label=gettext_lazy("Giá trị năm gốc"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": gettext_lazy("Hãy ghi giá trị năm gốc.")},
    )
    target_value = forms.CharField(
        label=gettext_lazy("Chỉ tiêu cần đạt"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": gettext_lazy("Hãy ghi chỉ tiêu cần đạt.")},
    )
    due_on = forms.DateField(
        label=gettext_lazy("Hạn đạt chỉ tiêu"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=gettext_lazy(
            "Có thể nhiều năm sau năm gốc; chỉ tiêu không gắn với kỳ của kế hoạch."
        ),
        error_messages={
            "required": gettext_lazy("Hãy chọn hạn đạt chỉ tiêu."),
            "invalid": gettext_lazy("Hạn đạt chỉ tiêu phải là một ngày (dd/mm/yyyy)."),
        },
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan chịu trách nhiệm"),
        queryset=Agency.objects.none(),
        error_messages={
            "required": gettext_lazy("Chọn cơ quan chịu trách nhiệm."),
            "invalid_choice": gettext_lazy("Chọn một cơ quan trong danh sách."),
        },
    )
    source = forms.CharField(
        label=gettext_lazy("Căn cứ (văn bản giao chỉ tiêu)"),
        max_length=500,
        required=False,
    )

    def __init__(
        self, *args: Any, current: Indicator | None = None, user: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(closed_on__isnull=True)
        if current is not None:
            agencies = Agency.objects.filter(
                models.Q(closed_on__isnull=True) | models.Q(pk=current.agency_id)
            )
        # Provinces are tenants: only the user's province's agencies are offered.
        agencies = policy.agencies_of_province(user, agencies)
        self.fields["agency"].queryset = agencies.order_by("sort_name")  # type: ignore[attr-defined]
        for name in ("code", "name", "unit", "baseline_value", "target_value", "source"):
            self.fields[name].error_messages["max_length"] = gettext_lazy(
                "Dài quá %(limit_value)s ký tự."
            )
            self.fields[name].error_messages["null_characters_not_allowed"] = gettext_lazy(
                "Có ký tự không hợp lệ."
            )

    def _clean_number(self, name: str) -> str:
        text: str = self.cleaned_data.get(name, "")
        try:
            read_decimal(text)
        except NumberInvalid as refused:
            raise forms.ValidationError(str(refused), code="invalid") from refused
        return text

    def clean_baseline_value(self) -> str:
        return self._clean_number("baseline_value")

    def clean_target_value(self) -> str:
        return self._clean_number("target_value")

    def typed_values(self) -> dict[str, Any]:
        """The cleaned values, numbers read as a Vietnamese writes them (52,5)."""
        values = dict(self.cleaned_data)
        for name in ("baseline_value", "target_value"):
            values[name] = parse_decimal(values.get(name, ""))
        return values
