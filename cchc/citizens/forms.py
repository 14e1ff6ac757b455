"""The public survey form, built from a definition's questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.citizens.models import SCALE, SurveyDefinition, SurveyQuestion
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
