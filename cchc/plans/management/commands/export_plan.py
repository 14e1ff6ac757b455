"""`cchc export_plan PLAN --format json|xlsx|docx -o FILE`: export a plan."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.lib.files import atomic_output
from cchc.plans.formats import WRITERS
from cchc.plans.services import PlanAmbiguous, find_plan, plan_document


class Command(BaseCommand):
    help = "Xuất kế hoạch ra JSON, XLSX hoặc DOCX theo mẫu phụ lục."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", help="Mã kế hoạch hoặc số, ký hiệu (ví dụ 21/KH-UBND).")
        parser.add_argument("--format", choices=sorted(WRITERS), default="json")
        parser.add_argument("-o", "--output", required=True, help="Tệp ghi ra; «-» là stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = find_plan(options["plan"])
        except PlanAmbiguous as error:
            raise CommandError(str(error)) from None
        if plan is None:
            raise CommandError(_("Không tìm thấy kế hoạch «%(plan)s».") % {"plan": options["plan"]})
        data = WRITERS[options["format"]](plan_document(plan))
        if options["output"] == "-":
            if options["format"] != "json":
                raise CommandError(_("Chỉ JSON mới ghi ra stdout được; hãy dùng -o TỆP."))
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        with atomic_output(options["output"]) as out:
            out.write(data)
        self.stderr.write(_("Đã ghi %(path)s.") % {"path": options["output"]})
