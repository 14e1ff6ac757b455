"""`cchc parse_deadline "Quý II, Quý III/2022" --year 2022`: print the schedule as JSON."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cchc.lib.deadlines import parse_deadline


class Command(BaseCommand):
    help = "Đọc một cụm từ thời hạn tiếng Việt và in lịch hạn dưới dạng JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phrase", help="Cụm từ thời hạn, ví dụ «Quý I».")
        parser.add_argument("--year", type=int, required=True, help="Năm kế hoạch.")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = parse_deadline(options["phrase"], options["year"])
        self.stdout.write(json.dumps(schedule.as_dict(), ensure_ascii=False))
