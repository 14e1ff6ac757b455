"""`cchc restore FILE`: bring a backup back into an empty, migrated instance."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.audit.context import audit_context
from cchc.ops.backup import RestoreError, restore


class Command(BaseCommand):
    help = "Khôi phục từ tệp sao lưu vào một cài đặt mới (đã migrate, chưa có dữ liệu)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # Restored rows are old history, not new changes: signals see the CLI as source.
            with audit_context(source="cli"):
                result = restore(Path(options["file"]))
        except RestoreError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Đã khôi phục %(objects)s bản ghi và %(files)s tệp.") % result)
