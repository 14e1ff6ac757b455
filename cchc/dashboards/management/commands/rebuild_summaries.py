"""`cchc rebuild_summaries [--plan PLAN]`: restamp and recompute the plans' summaries.

Not needed in normal use (every change marks its plan's figures, docs/dashboards.md);
run it after writing reports, periods or assignments in bulk outside the services.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.dashboards.summaries import summaries_rebuild
from cchc.plans.services import PlanAmbiguous, find_plan


class Command(BaseCommand):
    help = "Tính lại số liệu tổng hợp (bảng điều khiển, trang công khai) của các kế hoạch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--plan", help="Mã kế hoạch hoặc số, ký hiệu (ví dụ 21/KH-UBND); mặc định mọi kế hoạch."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plans = None
        if options["plan"]:
            # A NUL byte names no plan (and PostgreSQL refuses it in a query).
            try:
                plan = None if "\x00" in options["plan"] else find_plan(options["plan"])
            except PlanAmbiguous as error:
                raise CommandError(str(error)) from None
            if plan is None:
                raise CommandError(
                    _("Không tìm thấy kế hoạch «%(plan)s».") % {"plan": options["plan"]}
                )
            plans = [plan]
        count = summaries_rebuild(plans)
        self.stdout.write(
            _("Đã tính lại số liệu tổng hợp của %(count)s kế hoạch.") % {"count": count}
        )
