"""`cchc backup -o FILE`: the database and every stored file, in one archive."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cchc.ops.backup import backup


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu và các tệp đã lưu vào một tệp .tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="Tệp sao lưu sẽ ghi.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = backup(Path(options["output"]))
        self.stdout.write(
            _("Đã sao lưu %(objects)s bản ghi và %(files)s tệp vào %(path)s.")
            % {"objects": summary.objects, "files": summary.files, "path": summary.path}
        )
