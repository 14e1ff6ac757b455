"""`cchc import_plan FILE [--year Y] [--replace] [--aliases CSV] [--province P]`: import a plan from
XLSX, DOCX or JSON, with the unknown names settled from a file (see
`cchc.agencies.aliases.read_alias_file`)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from cchc.agencies.aliases import AliasFileError, aliases_settle, read_alias_file
from cchc.agencies.models import Agency
from cchc.lib.text import fold
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
        parser.add_argument(
            "--aliases",
            default=None,
            help=(
                "Tệp CSV (UTF-8) xác định các tên cơ quan chưa biết, dòng đầu "
                "«tên_trong_văn_bản,chọn»: tên cơ quan hoặc nhóm, «+mới» hoặc «bỏ qua». "
                "Được ghi nhớ cùng lúc với kế hoạch, hoặc không gì cả."
            ),
        )

        parser.add_argument(
            "--province",
            default=None,
            help=(
                "Tỉnh của kế hoạch (mã hoặc tên UBND tỉnh), bắt buộc khi hệ thống có nhiều "
                "tỉnh; tên cơ quan trong tệp chỉ được hiểu là cơ quan của tỉnh này."
            ),
        )

    def _province(self, wanted: str | None) -> Agency | None:
        """The province root named by --province (its id or its name, any case)."""
        if not wanted:
            return None
        roots = Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True)
        found = (
            roots.filter(pk=int(wanted)).first()
            if wanted.strip().isdigit()
            else roots.filter(search_name=fold(wanted.strip())).first()
        )
        if found is None:
            names = "; ".join(f"{p.pk}: {p.name}" for p in roots.order_by("pk")[:50]) or "—"
            raise CommandError(
                _("Không có tỉnh «%(wanted)s». Các tỉnh: %(names)s.")
                % {"wanted": wanted[:100], "names": names}
            )
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        province = self._province(options["province"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        if path.stat().st_size > settings.CCHC_MAX_IMPORT_BYTES:
            raise CommandError(
                _("Tệp lớn hơn giới hạn %(limit)s MB.")
                % {"limit": settings.CCHC_MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        data = path.read_bytes()
        settlements = []
        if options["aliases"]:
            aliases_path = Path(options["aliases"])
            if not aliases_path.is_file():
                raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": aliases_path})
            try:
                settlements = read_alias_file(
                    aliases_path.read_bytes(), province_id=province.pk if province else None
                )
            except AliasFileError as error:
                for problem in error.problems:
                    self.stderr.write(f"- {problem}")
                raise CommandError(
                    _("Tệp cách viết có %(count)s lỗi. Dữ liệu không thay đổi.")
                    % {"count": len(error.problems)}
                ) from None
        try:
            document = READERS[detect_format(path.name, data)](data)
            # The names are settled in the import's own transaction: a failed import
            # keeps none of them.
            with transaction.atomic():
                aliases_settle(
                    settlements,
                    actor=None,
                    source="cli",
                    province_id=province.pk if province else None,
                )
                plan = plan_import(
                    document=document,
                    year=options["year"],
                    replace=options["replace"],
                    province=province,
                )
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
