"""`cchc worker`: run background jobs from the database queue (django-tasks-db's
`db_worker`, with the same options), after failing the jobs of workers that died."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from cchc.jobs.services import jobs_fail_stale


class Command(DbWorkerCommand):
    help = "Chạy các công việc nền (xuất, nhập, sao lưu) từ hàng đợi trong cơ sở dữ liệu."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = jobs_fail_stale()
        if failed:
            self.stderr.write(f"{failed} job(s) of a stopped worker marked failed.")
        super().handle(*args, **options)
