"""`cchc load_par_sets --year 2022`: the shipped PAR INDEX sets for the province's groups.

Idempotent: a group that already has a set for the year keeps it.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.accounts import tenancy
from cchc.par.services import SetImportError, default_sets_load


class Command(BaseCommand):
    help = "Nạp bộ tiêu chí PAR INDEX mặc định (sở, ban, ngành; UBND cấp huyện; UBND cấp xã)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Năm đánh giá, ví dụ 2022.")
        parser.add_argument(
            "--province",
            default=None,
            help="Chỉ nạp cho các nhóm của tỉnh này (mã hoặc tên UBND tỉnh).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2200:
            raise CommandError(_("Năm đánh giá phải từ 2000 đến 2200."))
        province = None
        if options["province"]:
            province = tenancy.province_named(options["province"])
            if province is None:
                raise CommandError(
                    _("Không có tỉnh «%(wanted)s».") % {"wanted": options["province"][:100]}
                )
        try:
            lines = default_sets_load(year, province=province)
        except SetImportError as error:
            for issue in error.issues:
                self.stderr.write(f"- {issue}")
            raise CommandError(_("Dữ liệu bộ tiêu chí mặc định có lỗi.")) from None
        for line in lines:
            self.stdout.write(line)
