"""`cchc create_api_token USERNAME NAME`: issue an API token and print it once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.accounts.models import ApiToken, User
from cchc.audit.context import audit_context


class Command(BaseCommand):
    help = "Tạo khóa API cho một người dùng. Khóa chỉ hiện một lần."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="Tên gợi nhớ của khóa, ví dụ «Hệ thống báo cáo quốc gia».")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("Không có người dùng «%(name)s».") % {"name": options["username"]})
        with audit_context(source="cli"):
            _token, key = ApiToken.issue(user=user, name=options["name"])
        self.stdout.write(key)
