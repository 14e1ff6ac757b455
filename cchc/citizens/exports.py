"""The responses as an XLSX file, a background job (`cchc.jobs.registry`).

Nothing in it leads back to a person or a device: no device hash, no address (never
stored), the submission date without its time, and telephone numbers and e-mail
addresses a citizen may have typed into the comment replaced by a marker.
"""

from __future__ import annotations

import re
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from cchc.jobs.registry import XLSX, Exporter, Output, Progress, register

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Vietnamese numbers as people write them: 0912 345 678, 0912.345.678, +84 912345678.
PHONE = re.compile(r"(?:\+?84|0)(?:[\s.\-]?\d){8,10}")
QUARTERS = ["I", "II", "III", "IV"]


def scrub(text: str) -> str:
    """The comment without the contact details it may carry."""
    text = EMAIL.sub(_("[đã ẩn thư điện tử]"), text)
    return PHONE.sub(_("[đã ẩn số điện thoại]"), text)


def _cell(value: Any) -> Any:
    # A comment starting with "=" must not become a formula in the reader's spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@register
class SurveyResponsesExporter(Exporter):
    identifier = "survey_responses"
    verbose_name = gettext_lazy("Phiếu khảo sát mức độ hài lòng (Excel)")
    mime_type = XLSX
    extension = "xlsx"

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        if params.get("agency"):
            return "agency", str(params["agency"])
        return "province", ""

    def filename(self, params: dict[str, Any]) -> str:
        period = f"quy-{params['quarter']}-" if params.get("quarter") else ""
        agency = f"-co-quan-{params['agency']}" if params.get("agency") else ""
        return f"khao-sat-hai-long-{period}{params['year']}{agency}.xlsx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.citizens.models import SurveyAnswer, SurveyQuestion, SurveyResponse

        responses = SurveyResponse.objects.filter(year=params["year"])
        if params.get("quarter"):
            responses = responses.filter(quarter=params["quarter"])
        if params.get("agency"):
            responses = responses.filter(agency_id=params["agency"])
        questions = list(
            SurveyQuestion.objects.filter(
                element__definition__in=responses.order_by().values("definition_id")
            )
            .select_related("element", "element__definition")
            .order_by("element__definition__version", "element__position", "position")
        )
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Phiếu trả lời"))
        header = [
            _("Số phiếu"),
            _("Cơ quan"),
            _("Quầy"),
            _("Năm"),
            _("Quý"),
            _("Ngày gửi"),
            _("Phiên bản phiếu"),
        ]
        header += [
            f"v{q.element.definition.version} {q.element.position}.{q.position} {q.text}"
            for q in questions
        ]
        header.append(_("Ý kiến khác"))
        sheet.append(header)
        column = {q.pk: i for i, q in enumerate(questions)}
        rows = 0
        batch = 2000
        last = 0
        base = responses.select_related("agency", "counter", "definition").order_by("pk")
        while True:
            chunk = list(base.filter(pk__gt=last)[:batch])
            if not chunk:
                break
            values: dict[int, list[Any]] = {r.pk: [None] * len(questions) for r in chunk}
            for response_id, question_id, value in SurveyAnswer.objects.filter(
                response_id__in=[r.pk for r in chunk]
            ).values_list("response_id", "question_id", "value"):
                values[response_id][column[question_id]] = value
            for r in chunk:
                sheet.append(
                    [
                        r.pk,
                        r.agency.name,
                        r.counter.name if r.counter else "",
                        r.year,
                        QUARTERS[r.quarter - 1],
                        timezone.localtime(r.submitted_at).strftime("%d/%m/%Y"),
                        r.definition.version,
                        *values[r.pk],
                        _cell(scrub(r.comment)),
                    ]
                )
            rows += len(chunk)
            last = chunk[-1].pk
            progress(rows, 0, _("Đã ghi %(rows)s phiếu…") % {"rows": rows})
        workbook.save(out)
        return Output(_("%(rows)s phiếu trả lời.") % {"rows": rows})
