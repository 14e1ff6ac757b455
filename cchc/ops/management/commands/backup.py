"""`cchc backup -o FILE`: the database and every stored file, in one archive.

Runs the same job as the administrator's backup page, in the foreground.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.jobs.models import Job
from cchc.jobs.services import job_create_foreground, job_run


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu và các tệp đã lưu vào một tệp .tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="Tệp sao lưu sẽ ghi.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        job = job_run(job_create_foreground(kind="backup", params={}).pk, output=path)
        if job is None or job.status != Job.Status.DONE:
            errors = job.errors if job else []
            raise CommandError("\n".join(e.get("text", "") for e in errors) or _("Thất bại."))
        self.stdout.write(
            _("Đã sao lưu %(summary)s vào %(path)s.") % {"summary": job.summary, "path": path}
        )
