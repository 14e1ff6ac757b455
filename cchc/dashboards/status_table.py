"""The status table annex, as one thing the page and the command both hand out.

The same title lines, file name and rows whether an officer downloads it from the
dashboard or a cron job writes it for the province's weekly report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.dashboards.exports import StatusTableXlsxExporter
from cchc.dashboards.queries.status_table import StatusRow, status_table_rows
from cchc.monitoring.models import ReportingPeriod
from cchc.plans.models import Plan


def download_name(*parts: str, ext: str) -> str:
    """A file name: the parts joined, with no character a file system refuses."""
    name = " – ".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\r\n]+', "-", name).strip() + f".{ext}"


@dataclass
class StatusTable:
    title_lines: list[str]
    filename: str
    rows: Iterator[StatusRow]

    def write(self, target: IO[bytes]) -> int:
        """Write the workbook into `target`; return the number of rows."""
        return StatusTableXlsxExporter().write(self.rows, target, title_lines=self.title_lines)


def build_status_table(
    plan: Plan, *, period: ReportingPeriod | None, as_of: date, agency: Agency | None = None
) -> StatusTable:
    """The province's table, or with `agency` that agency's own, as of a day."""
    title = [
        plan.issuer.upper(),
        _("BẢNG TỔNG HỢP TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM %(year)s")
        % {"year": plan.year},
    ]
    if agency is not None:
        title.append(agency.name.upper())
    title.append(
        _("(Kèm theo Kế hoạch số %(number)s; kỳ báo cáo: %(period)s; số liệu ngày %(date)s)")
        % {
            "number": plan.number or "—",
            "period": period.name if period else "—",
            "date": as_of.strftime("%d/%m/%Y"),
        }
    )
    filename = download_name(
        _("Bảng tiến độ CCHC %(year)s") % {"year": plan.year},
        agency.name if agency else "",
        period.name if period else "",
        ext="xlsx",
    )
    rows = status_table_rows(plan, period=period, today=as_of, agency=agency)
    return StatusTable(title_lines=title, filename=filename, rows=rows)
