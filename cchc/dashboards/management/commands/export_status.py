"""`cchc export_status PLAN -o FILE`: write the status table annex (XLSX) to a file.

Meant for a scheduled job as much as for a person: the file appears whole or not at all
(`atomic_output`), so a job killed mid-way never leaves a truncated table to be mailed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.dashboards.status_table import build_status_table
from cchc.lib import calendar
from cchc.lib.files import atomic_output
from cchc.monitoring.services import period_current
from cchc.plans.services import PlanAmbiguous, find_plan


class Command(BaseCommand):
    help = "Ghi bảng tổng hợp tiến độ (phụ lục XLSX) của một kế hoạch ra tệp."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", help="Mã kế hoạch hoặc số, ký hiệu (ví dụ 21/KH-UBND).")
        parser.add_argument("-o", "--output", required=True, help="Tệp XLSX ghi ra.")
        parser.add_argument(
            "--period", help="Mã kỳ báo cáo (q1, 6-thang, 9-thang, nam); mặc định kỳ hiện tại."
        )
        parser.add_argument("--agency", type=int, help="Mã cơ quan: chỉ bảng của cơ quan đó.")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="Số liệu tính đến ngày (YYYY-MM-DD)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = find_plan(options["plan"])
        except PlanAmbiguous as error:
            raise CommandError(str(error)) from None
        if plan is None:
            raise CommandError(_("Không tìm thấy kế hoạch «%(plan)s».") % {"plan": options["plan"]})
        today = options["as_of"] or calendar.today()
        if options["period"]:
            period = plan.periods.filter(code=options["period"]).first()
            if period is None:
                codes = ", ".join(plan.periods.order_by("position").values_list("code", flat=True))
                raise CommandError(
                    _("Kế hoạch không có kỳ báo cáo «%(code)s»; các kỳ: %(codes)s.")
                    % {"code": options["period"], "codes": codes or "—"}
                )
        else:
            period = period_current(plan, today)
        agency = None
        if options["agency"] is not None:
            agency = Agency.objects.filter(pk=options["agency"]).first()
            if agency is None:
                raise CommandError(_("Không có cơ quan mã %(id)s.") % {"id": options["agency"]})
        as_of = min(today, period.ends_on) if period is not None else today
        table = build_status_table(plan, period=period, as_of=as_of, agency=agency)
        with atomic_output(options["output"]) as out:
            rows = table.write(out)
        self.stderr.write(
            _("Đã ghi %(path)s (%(rows)s dòng).") % {"path": options["output"], "rows": rows}
        )
