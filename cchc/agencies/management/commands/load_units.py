"""`cchc load_units --era 2022|current`: a province's agencies and groups of one era.

`--era 2022` loads the units before the 2025 reorganisation (districts and their
communes, from the frozen file of `vietnam-provinces` 0.5.0); `--era current` brings the
province into the two-tier era from 1 July 2025: its current communes directly under the
province (from the installed `vietnam-provinces`), the old districts, their offices and
communes closed on that day. Idempotent. `load_demo` loads the era of the demo plan.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.eras import ERAS, current_version, provenance_2022
from cchc.agencies.services import load_units, reference_path


class Command(BaseCommand):
    help = "Nạp cơ quan, đơn vị hành chính của một thời kỳ (2022 hoặc hiện nay) cho một tỉnh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--era", choices=ERAS, required=True)
        parser.add_argument(
            "--province", default="quang-tri", help="Tệp danh mục tỉnh trong cchc/agencies/data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = reference_path(options["province"])
        if not path.exists():
            raise CommandError(
                _("Không có danh mục tỉnh «%(name)s».") % {"name": options["province"]}
            )
        era = options["era"]
        counts = load_units(era=era, path=path)
        if era == "2022":
            source = f"vietnam-provinces {provenance_2022()['version']}"
        else:
            source = f"vietnam-provinces {current_version()}"
        self.stdout.write(
            _(
                "Thời kỳ %(era)s (%(source)s): %(agencies)s cơ quan, %(districts)s đơn vị cấp "
                "huyện, %(communes)s đơn vị cấp xã."
            )
            % {**counts, "era": era, "source": source}
        )
