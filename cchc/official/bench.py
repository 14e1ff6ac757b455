"""How long the province's annual report takes: figures, DOCX, XLSX annexes and PDF.

`cchc bench` prints it for the demo plan (when loaded) and for its synthetic province.
The report is made in a transaction that is rolled back: the database keeps nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cchc.lib import calendar
from cchc.official.content import live_content, province_agency, province_place
from cchc.official.models import OfficialReport, ReportTemplate
from cchc.official.render import PdfUnavailable, soffice_path, write_docx, write_pdf, write_xlsx
from cchc.plans.models import Plan


@dataclass
class ReportTiming:
    plan: str
    period: str
    content: float
    queries: int
    docx: float
    xlsx: float
    pdf: float | None
    docx_bytes: int


class _Rollback(Exception):
    pass


def time_province_report(plan: Plan, *, pdf: bool = True) -> ReportTiming | None:
    """Time the province's report for the plan's annual period (its last one)."""
    period = plan.periods.filter(kind="year").order_by("-position").first() or (
        plan.periods.order_by("-position").first()
    )
    template = ReportTemplate.current("year")
    if period is None or template is None:
        return None
    timing: ReportTiming | None = None
    try:
        with transaction.atomic():
            report = OfficialReport.objects.create(
                template=template,
                period=period,
                agency=None,
                place=province_place(province_agency()),
                dated_on=period.due_on,
            )
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                content = live_content(report, today=calendar.today())
            content_s = time.perf_counter() - started
            started = time.perf_counter()
            docx_data = write_docx(content)
            docx_s = time.perf_counter() - started
            started = time.perf_counter()
            write_xlsx(content)
            xlsx_s = time.perf_counter() - started
            pdf_s = None
            if pdf and soffice_path():
                started = time.perf_counter()
                try:
                    write_pdf(content)
                    pdf_s = time.perf_counter() - started
                except PdfUnavailable:
                    pdf_s = None
            timing = ReportTiming(
                plan=plan.number or plan.title,
                period=period.name,
                content=content_s,
                queries=len(queries),
                docx=docx_s,
                xlsx=xlsx_s,
                pdf=pdf_s,
                docx_bytes=len(docx_data),
            )
            raise _Rollback
    except _Rollback:
        pass
    return timing
