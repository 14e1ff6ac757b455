"""`cchc purge_jobs`: from cron, daily. Removes job result files past their expiry and old
uploaded import files, and fails jobs whose worker died."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cchc.jobs.services import jobs_purge


class Command(BaseCommand):
    help = "Xoá tệp kết quả công việc nền đã hết hạn; đánh dấu thất bại việc bị bỏ dở."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = jobs_purge()
        self.stdout.write(
            _(
                "Đã xoá %(files)s tệp (%(expired)s kết quả hết hạn), %(temporaries)s tệp tạm; "
                "%(stale)s công việc bị bỏ dở được đánh dấu thất bại."
            )
            % counts
        )
