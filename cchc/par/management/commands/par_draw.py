"""`cchc par_draw --year 2023 --seed 2023 [--province <id or name>] [--group so-ban-nganh]
[--share 30] [--dry-run]`: the inspection draw of the page /par/kiem-tra/, from the
command line.

Group codes are unique per province (docs/tenants.md): with several provinces, --group
needs --province to say whose group it is; --province alone draws that province's groups.

It runs `cchc.par.inspection.plan_draw`, the page's own function, so the same year, group,
seed and data give the same agencies in the same order with the same reasons. Without
--group it draws every group that has a PAR INDEX campaign. --dry-run draws inside a
transaction that is rolled back: it prints what would be chosen and stores nothing (no
plan, no audit record). Refusals are the page's Vietnamese messages.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from cchc.accounts import tenancy
from cchc.agencies.models import AgencyGroup
from cchc.agencies.services import group_by_code
from cchc.par.inspection import InspectionError, parse_seed, plan_draw
from cchc.par.models import Campaign


class _DryRun(Exception):
    """Leaves the draw's transaction, rolling it back."""


class Command(BaseCommand):
    help = (
        "Bốc chọn cơ quan kiểm tra công tác CCHC của một năm (ít nhất 30% mỗi nhóm), tái lập "
        "được theo số khởi tạo; giống hệt trang Kế hoạch kiểm tra."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Năm kiểm tra, ví dụ 2023.")
        parser.add_argument("--seed", required=True, help="Số khởi tạo (0 đến 2147483647).")
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            help="Mã nhóm cơ quan (có thể ghi nhiều lần); bỏ trống: mọi nhóm có đợt đánh giá.",
        )
        parser.add_argument(
            "--province",
            default=None,
            help="Tỉnh của nhóm (mã hoặc tên UBND tỉnh); bắt buộc với --group khi có nhiều tỉnh.",
        )
        parser.add_argument("--share", default="30", help="Tỷ lệ phải kiểm tra (%%), mặc định 30.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ in kết quả bốc chọn, không lưu gì."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = _whole(options["year"], _("Năm kiểm tra phải là số nguyên, ví dụ 2023."))
        share = _whole(options["share"], _("Tỷ lệ phải là số nguyên từ 1 đến 100."))
        try:
            seed = parse_seed(options["seed"])
        except InspectionError as error:
            raise CommandError(str(error)) from None
        province = None
        if options["province"]:
            province = tenancy.province_named(options["province"])
            if province is None:
                raise CommandError(
                    _("Không có tỉnh «%(wanted)s».") % {"wanted": options["province"][:100]}
                )
        groups = _groups(options["group"], province)
        failed = False
        for group in groups:
            try:
                self._draw(group, year=year, seed=seed, share=share, dry=options["dry_run"])
            except InspectionError as error:
                failed = True
                self.stderr.write(f"{group.name}: {error}")
        if failed:
            raise CommandError(_("Có nhóm chưa bốc chọn được; xem thông báo ở trên."))

    def _draw(self, group: AgencyGroup, *, year: int, seed: int, share: int, dry: bool) -> None:
        try:
            with transaction.atomic():
                plan = plan_draw(
                    year=year, group=group, seed=seed, share=share, actor=None, source="cli"
                )
                selections = list(plan.selections.select_related("agency").order_by("position"))
                head = (
                    _("Thử (không lưu) — %(group)s, năm %(year)s, số khởi tạo %(seed)s:")
                    if dry
                    else _(
                        "Đã lưu kế hoạch kiểm tra — %(group)s, năm %(year)s, số khởi tạo %(seed)s:"
                    )
                )
                self.stdout.write(head % {"group": group.name, "year": year, "seed": seed})
                for s in selections:
                    self.stdout.write(f"{s.position:>3}. {s.agency.name} — {s.reason}")
                if dry:
                    raise _DryRun
        except _DryRun:
            return


def _whole(raw: str, message: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 9:
        raise CommandError(message)
    return int(text)


def _groups(codes: list[str], province: Any) -> list[AgencyGroup]:
    scoped = AgencyGroup.objects.all()
    if province is not None:
        scoped = scoped.filter(province=province)
    if not codes:
        groups = list(
            scoped.filter(pk__in=Campaign.objects.values("group_id").distinct()).order_by(
                "province__name", "name"
            )
        )
        if not groups:
            raise CommandError(
                _("Chưa có nhóm cơ quan nào có đợt đánh giá PAR INDEX; hãy ghi --group.")
            )
        return groups
    found: dict[str, AgencyGroup] = {}
    for code in codes:
        group: AgencyGroup | None
        if province is not None:
            group = group_by_code(code, province.pk)
        else:
            # Without --province a code must name one group: one province's, or else a
            # national one.
            of_code = list(AgencyGroup.objects.filter(code=code).order_by("pk"))
            provincial = [g for g in of_code if g.province_id is not None]
            if len(provincial) > 1:
                raise CommandError(
                    _("Nhiều tỉnh có nhóm cơ quan mã «%(code)s»: hãy ghi --province để chọn tỉnh.")
                    % {"code": code}
                )
            chosen = provincial or of_code
            group = chosen[0] if chosen else None
        if group is not None:
            found[code] = group
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise CommandError(
            _("Không có nhóm cơ quan mã: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[c] for c in dict.fromkeys(codes)]
