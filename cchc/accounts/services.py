"""Creating accounts, including the demo accounts of `cchc load_demo`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    agency_name: str | None


DEMO_PASSWORD = "cchc-demo-2022"  # noqa: S105 - printed on start; demo databases only
# A reserved domain (RFC 2606): demo reminders show real recipients without reaching anyone.
DEMO_EMAIL_DOMAIN = "cchc.example"

DEMO_ACCOUNTS = [
    DemoAccount("quantri", "Quản trị hệ thống", Role.ADMIN, None),
    DemoAccount("thuongtruc", "Nguyễn Thị Hà (Sở Nội vụ)", Role.COORDINATOR, "Sở Nội vụ"),
    DemoAccount("lanhdaotinh", "Lê Văn Minh (Phó Chủ tịch UBND tỉnh)", Role.LEADER, None),
    DemoAccount("thamdinh", "Trần Quốc Bảo (Tổ thẩm định)", Role.APPRAISER, None),
    DemoAccount("canbo.tuphap", "Phạm Thu Trang (Sở Tư pháp)", Role.OFFICER, "Sở Tư pháp"),
    DemoAccount("lanhdao.tuphap", "Hoàng Đức Anh (Giám đốc Sở Tư pháp)", Role.HEAD, "Sở Tư pháp"),
    DemoAccount("canbo.xaydung", "Võ Thị Lan (Sở Xây dựng)", Role.OFFICER, "Sở Xây dựng"),
]


@transaction.atomic
def user_create_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet. Idempotent."""
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        agency = Agency.objects.get(name=account.agency_name) if account.agency_name else None
        user = User(
            username=account.username,
            full_name=account.full_name,
            email=f"{account.username}@{DEMO_EMAIL_DOMAIN}",
            role=account.role,
            agency=agency,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
    return DEMO_ACCOUNTS
