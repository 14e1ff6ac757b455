"""`cchc send_reminders [--today YYYY-MM-DD] [--dry-run]`: the daily reminder run, for cron.

Run it once a day, weekends included (reminders count calendar days). Running it again
on the same day sends nothing new.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.lib import calendar
from cchc.reminders.services import reminders_send

SHOWN_NAMES = 10


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Ngày «%(value)s» không hợp lệ; hãy viết theo dạng YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "Gửi thư nhắc việc hằng ngày cho các cơ quan (việc còn 7, 3, 1 ngày đến hạn và việc "
        "quá hạn), báo lãnh đạo và cơ quan thường trực khi quá hạn lâu. Chạy lại trong "
        "ngày không gửi trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", default=None, help="Chạy như thể hôm nay là ngày này (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ cho biết sẽ gửi gì; không gửi, không ghi."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = _parse_day(options["today"]) if options["today"] else calendar.today()
        result = reminders_send(today=day, dry_run=options["dry_run"])
        lines = [
            _("Nhắc việc ngày %(day)s%(dry)s:")
            % {
                "day": day.strftime("%d/%m/%Y"),
                "dry": _(" (chạy thử, không gửi)") if options["dry_run"] else "",
            },
            _(
                "- %(count)s cơ quan nhận thư nhắc việc, trong đó %(heads)s thư gửi cả lãnh đạo "
                "cơ quan;"
            )
            % {"count": result.digests, "heads": result.to_heads},
            _("- %(count)s thư cảnh báo quá hạn gửi cơ quan thường trực;")
            % {"count": result.escalations},
            _("- %(count)s thông báo trong ứng dụng;") % {"count": result.notifications},
            _("- %(mails)s thư tin mới về báo cáo (%(count)s tin);")
            % {"mails": result.event_mails, "count": result.events_mailed},
            _("- thư điện tử: %(queued)s thư, đã gửi %(sent)s, lỗi %(failed)s;")
            % {
                "queued": result.mails_queued,
                "sent": result.mails_sent,
                "failed": result.mails_failed,
            },
            _("- %(count)s cơ quan đã được nhắc trong ngày, không gửi lại.")
            % {"count": result.already_sent},
        ]
        if result.without_recipient:
            names = result.without_recipient
            shown = "; ".join(names[:SHOWN_NAMES])
            if len(names) > SHOWN_NAMES:
                shown += _(" và %(count)s cơ quan khác") % {"count": len(names) - SHOWN_NAMES}
            lines.append(
                _(
                    "- %(count)s cơ quan có việc nhưng không có người nhận (chưa có tài khoản "
                    "cán bộ, chưa có thư điện tử): %(names)s."
                )
                % {"count": len(names), "names": shown}
            )
        self.stdout.write("\n".join(lines))
        if result.mails_failed:
            raise CommandError(
                _("%(count)s thư không gửi được; xem nhật ký lỗi.") % {"count": result.mails_failed}
            )
