"""The report's files as job kinds: DOCX, XLSX annexes and PDF (`cchc.jobs.registry`).

A file is written off the request by a worker; the job store keeps it whole or not at
all (an anonymous temporary file, then an atomic move), so a generation killed mid-way
leaves no half-written file. The job's subject is the report's agency, or the province.
"""

from __future__ import annotations

from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.jobs.registry import DOCX, XLSX, Exporter, JobFailed, Output, Progress, error, register


def _report(params: dict[str, Any]) -> Any:
    from cchc.official.models import OfficialReport

    found = (
        OfficialReport.objects.select_related("period__plan", "agency", "template")
        .filter(pk=params["report"])
        .first()
    )
    if found is None:
        raise JobFailed([error(_("Báo cáo không còn nữa."))])
    return found


class _ReportExporter(Exporter):
    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        if params.get("agency"):
            return "agency", str(params["agency"])
        return "province", ""

    def filename(self, params: dict[str, Any]) -> str:
        from cchc.dashboards.status_table import download_name

        report = _report(params)
        who = report.agency.name if report.agency else _("Toàn tỉnh")
        version = params.get("version")
        suffix = _("phiên bản %(v)s") % {"v": version} if version else ""
        return download_name(
            _("Báo cáo CCHC %(period)s %(year)s")
            % {"period": report.period.name, "year": report.period.plan.year},
            who,
            suffix,
            ext=self.extension,
        )

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.official.content import report_content
        from cchc.official.render import WRITERS, PdfUnavailable

        report = _report(params)
        progress(0, 3, _("Đang tính số liệu của báo cáo…"))
        try:
            content = report_content(
                report,
                version=params.get("version"),
                today=date.fromisoformat(params["today"]),
            )
        except KeyError:
            raise JobFailed([error(_("Báo cáo không có phiên bản này."))]) from None
        progress(1, 3, _("Đang ghi tệp…"))
        try:
            data = WRITERS[self.extension](content)
        except PdfUnavailable as failure:
            raise JobFailed([error(str(failure))], str(failure)) from None
        progress(2, 3, _("Đang lưu tệp…"))
        out.write(data)
        return Output(
            _("%(title)s, %(sections)s phần, %(annexes)s phụ lục.")
            % {
                "title": content["title"],
                "sections": len(content["sections"]),
                "annexes": len(content["annexes"]),
            },
            self.filename(params),
        )


@register
class OfficialDocxExporter(_ReportExporter):
    identifier = "official_docx"
    verbose_name = gettext_lazy("Báo cáo CCHC định kỳ (Word)")
    mime_type = DOCX
    extension = "docx"


@register
class OfficialXlsxExporter(_ReportExporter):
    identifier = "official_xlsx"
    verbose_name = gettext_lazy("Phụ lục báo cáo CCHC định kỳ (Excel)")
    mime_type = XLSX
    extension = "xlsx"


@register
class OfficialPdfExporter(_ReportExporter):
    identifier = "official_pdf"
    verbose_name = gettext_lazy("Báo cáo CCHC định kỳ (PDF)")
    mime_type = "application/pdf"
    extension = "pdf"


FORMATS = {"docx": "official_docx", "xlsx": "official_xlsx", "pdf": "official_pdf"}
