"""`cchc import_plan FILE [--year Y] [--replace]`: import a plan from XLSX, DOCX or JSON."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.plans.formats import READERS, detect_format
from cchc.plans.interchange import PlanImportError
from cchc.plans.services import plan_import


class Command(BaseCommand):
    help = "Nhập kế hoạch từ tệp phụ lục (.xlsx, .docx) hoặc JSON. Có lỗi thì không nhập gì."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--year", type=int, default=None, help="Năm kế hoạch.")
        parser.add_argument(
            "--replace", action="store_true", help="Thay thế kế hoạch cùng số, ký hiệu."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        if path.stat().st_size > settings.CCHC_MAX_IMPORT_BYTES:
            raise CommandError(
                _("Tệp lớn hơn giới hạn %(limit)s MB.")
                % {"limit": settings.CCHC_MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        data = path.read_bytes()
        try:
            document = READERS[detect_format(path.name, data)](data)
            plan = plan_import(document=document, year=options["year"], replace=options["replace"])
        except PlanImportError as error:
            for issue in error.issues:
                self.stderr.write(f"- {issue}")
            raise CommandError(
                _("Không nhập được: %(count)s lỗi. Dữ liệu không thay đổi.")
                % {"count": len(error.issues)}
            ) from None
        for warning in document.warnings:
            self.stderr.write(_("Lưu ý: %(warning)s") % {"warning": warning})
        activities = plan.activities.count()
        self.stdout.write(
            _(
                "Đã nhập kế hoạch «%(plan)s» (mã %(id)s): "
                "%(tasks)s nhiệm vụ, %(activities)s hoạt động."
            )
            % {"plan": plan, "id": plan.pk, "tasks": plan.tasks.count(), "activities": activities}
        )
