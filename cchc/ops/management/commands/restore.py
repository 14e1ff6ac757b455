"""`cchc restore FILE`: bring a backup back into an empty, migrated instance.

Runs the restore job in the foreground; its changes are recorded with the source "job".
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.jobs.models import Job
from cchc.jobs.services import job_create_foreground, job_run


class Command(BaseCommand):
    help = "Khôi phục từ tệp sao lưu vào một cài đặt mới (đã migrate, chưa có dữ liệu)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"]).resolve()
        job = job_run(job_create_foreground(kind="restore", params={"path": str(path)}).pk)
        if job is None or job.status != Job.Status.DONE:
            errors = job.errors if job else []
            raise CommandError("\n".join(e.get("text", "") for e in errors) or _("Thất bại."))
        self.stdout.write(job.summary)
