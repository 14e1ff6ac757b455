"""Changes to agencies, the built-in reference structure, and name resolution.

Names in plans are written by people: "UBND các huyện, thị xã, thành phố", "Sở TT&TT",
"Văn phòng UBND tỉnh, Sở Thông tin và Truyền thông" (two agencies in one cell). The
resolver turns such text into agencies and collective groups, and proposes the closest
known names when it cannot.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from cchc.agencies.eras import SWITCH, Era, divisions_2022, divisions_current
from cchc.agencies.models import Agency, AgencyGroup, AgencyName, Alias, GroupMembership
from cchc.agencies.naming import resolution_key
from cchc.audit.log import log_here
from cchc.lib.text import fold, join_wrapped_lines

DATA_DIR = Path(__file__).resolve().parent / "data"

# ---------------------------------------------------------------------------
# Group membership over time


def members_on(group: AgencyGroup, day: date) -> QuerySet[Agency]:
    """The agencies that were members of `group` on `day`."""
    return Agency.objects.filter(
        pk__in=GroupMembership.objects.on(day).filter(group=group).values("agency_id")
    )


def groups_of(agency: Agency, day: date) -> QuerySet[AgencyGroup]:
    """The groups `agency` belonged to on `day`."""
    return AgencyGroup.objects.filter(
        pk__in=GroupMembership.objects.on(day).filter(agency=agency).values("group_id")
    )


def membership_map(day: date) -> dict[int, set[int]]:
    """Group id -> member agency ids on `day`, in one query."""
    members: dict[int, set[int]] = {}
    for group_id, agency_id in GroupMembership.objects.on(day).values_list("group_id", "agency_id"):
        members.setdefault(group_id, set()).add(agency_id)
    return members


def _end_memberships(agency: Agency, on: date) -> list[GroupMembership]:
    """End the agency's memberships on `on`; return those that were in force that day.

    A membership that would only have started after `on` never comes to be.
    """
    GroupMembership.objects.filter(agency=agency, valid_from__gt=on).delete()
    ending = list(
        GroupMembership.objects.filter(agency=agency).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on)
        )
    )
    for membership in ending:
        membership.valid_to = on
        membership.save(update_fields=["valid_to"])
    return ending


# ---------------------------------------------------------------------------
# Changes over time


class AgencyChangeError(Exception):
    """A rename, merge or closure that is not allowed; the message is for the user."""


@transaction.atomic
def agency_rename(*, agency: Agency, name: str, on: date) -> Agency:
    """Give an agency a new name from `on`; the old one stays valid for old documents."""
    previous = agency.name
    AgencyName.objects.filter(agency=agency, valid_to__isnull=True).update(valid_to=on)
    if not AgencyName.objects.filter(agency=agency, name=previous).exists():
        AgencyName.objects.create(agency=agency, name=previous, valid_to=on)
    AgencyName.objects.create(agency=agency, name=name, valid_from=on)
    Alias.objects.update_or_create(
        search_name=resolution_key(previous), defaults={"name": previous, "agency": agency}
    )
    agency.name = name
    agency.full_clean()
    agency.save()
    log_here(
        action="agency.rename",
        obj=agency,
        before={"name": previous},
        after={"name": name, "from": on},
    )
    return agency


def close_problems(*, agency: Agency) -> list[str]:
    """Why `agency` cannot be closed (or merged away), in Vietnamese; empty when it can."""
    if agency.closed_on is None:
        return []
    return [
        _("%(name)s đã giải thể hoặc sáp nhập từ ngày %(day)s.")
        % {"name": agency, "day": agency.closed_on.strftime("%d/%m/%Y")}
    ]


def merge_problems(*, source: Agency, into: Agency) -> list[str]:
    """Why `source` cannot be merged into `into`, in Vietnamese; empty when it can."""
    problems = []
    if source.pk == into.pk:
        problems.append(_("Không thể sáp nhập %(name)s vào chính nó.") % {"name": source})
    problems += close_problems(agency=source)
    if into.closed_on is not None:
        problems.append(
            _("Không thể sáp nhập vào %(name)s vì cơ quan này đã giải thể từ ngày %(day)s.")
            % {"name": into, "day": into.closed_on.strftime("%d/%m/%Y")}
        )
    return problems


@transaction.atomic
def agency_merge(*, sources: list[Agency], into: Agency, on: date) -> Agency:
    """Merge agencies into one on `on`. The sources stay, closed, so that their history
    remains; their group places pass to the successor from `on`, and their open
    assignments move to it (see `cchc.monitoring.transfer`).

    Raises AgencyChangeError, changing nothing, when a source is `into` itself, or either
    side is already closed.
    """
    from cchc.monitoring.transfer import assignments_transfer

    into = Agency.objects.select_for_update().get(pk=into.pk)
    locked = list(Agency.objects.select_for_update().filter(pk__in=[s.pk for s in sources]))
    problems = [p for source in locked for p in merge_problems(source=source, into=into)]
    if problems or not locked:
        raise AgencyChangeError(" ".join(problems) or _("Chưa chọn cơ quan để sáp nhập."))
    for source in locked:
        before = {"closed_on": source.closed_on, "merged_into": source.merged_into_id}
        source.closed_on = on
        source.merged_into = into
        source.full_clean()
        source.save()
        # Groups keep working for new plans: the successor takes the source's places
        # from the day of the merge, unless it already held them then.
        for membership in _end_memberships(source, on):
            taken = (
                GroupMembership.objects.filter(group_id=membership.group_id, agency=into)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
                .exists()
            )
            if not taken:
                GroupMembership.objects.create(
                    group_id=membership.group_id, agency=into, valid_from=on
                )
        moved = assignments_transfer(source=source, into=into, on=on)
        log_here(
            action="agency.merge",
            obj=source,
            before=before,
            after={
                "closed_on": on,
                "merged_into": into.pk,
                "merged_into_name": into.name,
                "assignments_moved": [a.pk for a in moved],
            },
        )
    return into


@transaction.atomic
def agency_close(*, agency: Agency, on: date) -> Agency:
    """Close an agency with no successor: its group places end on `on`, and its open
    assignments are closed (see `cchc.monitoring.transfer`)."""
    from cchc.monitoring.transfer import assignments_close

    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    problems = close_problems(agency=agency)
    if problems:
        raise AgencyChangeError(" ".join(problems))
    before = {"closed_on": agency.closed_on}
    agency.closed_on = on
    agency.full_clean()
    agency.save()
    _end_memberships(agency, on)
    closed = assignments_close(agency=agency, on=on)
    log_here(
        action="agency.close",
        obj=agency,
        before=before,
        after={"closed_on": on, "assignments_closed": [a.pk for a in closed]},
    )
    return agency


# ---------------------------------------------------------------------------
# Built-in reference structure


def _division_agency_name(division_name: str) -> str:
    # "Huyện Vĩnh Linh" -> "UBND huyện Vĩnh Linh"; "Thị trấn Hồ Xá" -> "UBND thị trấn Hồ Xá"
    first, _sep, rest = division_name.partition(" ")
    if first in {"Thành", "Thị"}:
        second, _sep, rest = rest.partition(" ")
        return f"UBND {first.lower()} {second.lower()} {rest}"
    return f"UBND {first.lower()} {rest}"


def _unit_suffix(district_name: str) -> str:
    # "UBND huyện Vĩnh Linh" -> "huyện Vĩnh Linh"
    return district_name.removeprefix("UBND ")


def _divisions(province_code: int) -> dict[str, Any]:
    # The 2022 era comes from the frozen file, never from the installed package, which
    # carries the current units (see cchc.agencies.eras).
    return divisions_2022(province_code)


def _agency(name: str, kind: str, parent: Agency | None, admin_code: str = "") -> Agency:
    agency, created = Agency.objects.get_or_create(
        name=name, parent=parent, defaults={"kind": kind, "admin_code": admin_code}
    )
    if created:
        agency.full_clean()
    return agency


def _alias(name: str, *, agency: Agency | None = None, group: AgencyGroup | None = None) -> None:
    key = resolution_key(name)
    target = agency or group
    assert target is not None
    # Aliases are per province: another province's "UBND tỉnh" is not this one's.
    if Alias.objects.filter(search_name=key, province_id=target.province_id).exists():
        return
    Alias.objects.create(name=name, agency=agency, group=group)


def group_by_code(code: str, province_id: int | None) -> AgencyGroup | None:
    """The collective group of `code` for a province: its own, else a national one (no
    province). Codes are unique per province (docs/tenants.md), so a code alone never
    says which province's group is meant."""
    if province_id is not None:
        own = AgencyGroup.objects.filter(code=code, province_id=province_id).first()
        if own is not None:
            return own
    return AgencyGroup.objects.filter(code=code, province__isnull=True).first()


def _province_group(item: dict[str, Any], province: Agency) -> AgencyGroup:
    """The collective group `item` of `province` (docs/tenants.md), made if missing. Codes
    and names are unique per province: another province's group of the same code or name
    is another group. A national group (no province) of that code or name is taken over,
    as a single-province installation's groups were before they had a province."""
    own = AgencyGroup.objects.filter(province=province)
    group = own.filter(code=item["code"]).first() or own.filter(name=item["name"]).first()
    if group is not None:
        return group
    national = AgencyGroup.objects.filter(province__isnull=True)
    group = national.filter(code=item["code"]).first() or national.filter(name=item["name"]).first()
    if group is None:
        return AgencyGroup.objects.create(
            code=item["code"],
            name=item["name"],
            description=item.get("description", ""),
            province=province,
        )
    AgencyGroup.objects.filter(pk=group.pk).update(province=province)
    group.province = province
    # Its aliases follow it into the province.
    Alias.objects.filter(group=group).update(province=province)
    return group


def reference_province(path: Path) -> Agency | None:
    """The province a reference file describes, once loaded (None before)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return (
        Agency.objects.filter(
            name=data["province"]["agency"], parent__isnull=True, kind=Agency.Kind.PROVINCE
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def load_reference(path: Path) -> dict[str, int]:
    """Create a province's agencies and groups from a reference file. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    province_data = data["province"]
    divisions = _divisions(int(province_data["code"]))

    province = _agency(
        province_data["agency"], Agency.Kind.PROVINCE, None, str(province_data["code"])
    )
    for alias in province_data.get("aliases", []):
        _alias(alias, agency=province)

    departments_in_group = _reference_departments(data, province)

    districts: list[Agency] = []
    communes: list[Agency] = []
    units_by_group: dict[str, list[Agency]] = {}
    for district_data in divisions["districts"]:
        district = _agency(
            _division_agency_name(district_data["name"]),
            Agency.Kind.DISTRICT,
            province,
            str(district_data["code"]),
        )
        districts.append(district)
        for unit in data.get("district_units", []):
            unit_agency = _agency(
                f"{unit['name']} {_unit_suffix(district.name)}", Agency.Kind.UNIT, district
            )
            units_by_group.setdefault(unit["group"], []).append(unit_agency)
        for ward in district_data["wards"]:
            communes.append(
                _agency(
                    _division_agency_name(ward["name"]),
                    Agency.Kind.COMMUNE,
                    district,
                    str(ward["code"]),
                )
            )

    member_rules: dict[str, list[Agency]] = {
        "departments_in_group": departments_in_group,
        "districts": districts,
        "communes": communes,
        "province_districts_communes": [province, *districts, *communes],
        "district_units": [unit for units in units_by_group.values() for unit in units],
        "none": [],
    }
    groups = list(data["groups"])
    for unit in data.get("district_units", []):
        code = "huyen-" + re.sub(r"[^a-z0-9]+", "-", fold(unit["name"])).strip("-")
        groups.append(
            {
                "code": code,
                "name": unit["group"],
                "members": f"units:{unit['group']}",
                "aliases": unit.get("aliases", []),
            }
        )
        member_rules[f"units:{unit['group']}"] = units_by_group.get(unit["group"], [])

    for item in groups:
        group = _province_group(item, province)
        existing = set(group.memberships.values_list("agency_id", flat=True))
        GroupMembership.objects.bulk_create(
            [
                GroupMembership(group=group, agency=agency)
                for agency in member_rules[item["members"]]
                if agency.pk not in existing
            ]
        )
        for alias in item.get("aliases", []):
            _alias(alias, group=group)

    # Memberships written in bulk send no signal: the dashboards' group charts move.
    from cchc.monitoring.figures import figures_changed_everywhere

    figures_changed_everywhere()
    return {
        "agencies": Agency.objects.count(),
        "groups": AgencyGroup.objects.count(),
        "districts": len(districts),
        "communes": len(communes),
    }


def _reference_departments(data: dict[str, Any], province: Agency) -> list[Agency]:
    in_group = []
    for item in data["departments"]:
        department = _agency(item["name"], Agency.Kind.DEPARTMENT, province)
        for alias in item.get("aliases", []):
            _alias(alias, agency=department)
        if item.get("in_group"):
            in_group.append(department)
    return in_group


@transaction.atomic
def load_current_units(path: Path, *, on: date = SWITCH) -> dict[str, int]:
    """Bring a province's agencies into the current era (two tiers) from `on`. Idempotent.

    The province and its departments are those of the reference file (kept, not made
    anew: their history goes on). Its communes are the current ones from the installed
    `vietnam-provinces`, directly under the province. Every district-level unit of the
    2022 era, its offices and its communes are closed on `on` (their group places end and
    their open assignments close), so that no plan of the current era expands to them,
    while a 2022 plan still reads them from the memberships of its own time. The
    collective groups take their current members from `on`.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    province_data = data["province"]
    code = int(province_data.get("current_code", province_data["code"]))
    divisions = divisions_current(code)
    province = _agency(province_data["agency"], Agency.Kind.PROVINCE, None, str(code))
    for alias in province_data.get("aliases", []):
        _alias(alias, agency=province)
    departments = _reference_departments(data, province)

    closed = 0
    for district in Agency.objects.filter(
        parent=province, kind=Agency.Kind.DISTRICT, closed_on__isnull=True
    ):
        for child in district.children.filter(closed_on__isnull=True):
            agency_close(agency=child, on=on)
            closed += 1
        agency_close(agency=district, on=on)
        closed += 1

    communes = [
        _agency(
            _division_agency_name(ward["name"]), Agency.Kind.COMMUNE, province, str(ward["code"])
        )
        for ward in divisions["wards"]
    ]
    member_rules: dict[str, list[Agency]] = {
        "departments_in_group": departments,
        "communes": communes,
        "province_districts_communes": [province, *communes],
    }
    for item in data["groups"]:
        wanted = member_rules.get(item["members"])
        if not wanted:
            continue  # no district level any more; groups of no fixed list stay empty
        group = _province_group(item, province)
        present = set(
            GroupMembership.objects.filter(group=group)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .values_list("agency_id", flat=True)
        )
        GroupMembership.objects.bulk_create(
            [
                GroupMembership(group=group, agency=agency, valid_from=on)
                for agency in wanted
                if agency.pk not in present
            ]
        )
        for alias in item.get("aliases", []):
            _alias(alias, group=group)
    # Memberships written in bulk send no signal: the dashboards' group charts move.
    from cchc.monitoring.figures import figures_changed_everywhere

    figures_changed_everywhere()
    return {
        "agencies": Agency.objects.filter(closed_on__isnull=True).count(),
        "groups": AgencyGroup.objects.count(),
        "districts": 0,
        "communes": len(communes),
        "closed": closed,
    }


def load_units(*, era: Era, path: Path) -> dict[str, int]:
    """A province's agencies and groups of one era (see cchc.agencies.eras). Idempotent."""
    if era == "2022":
        return load_reference(path)
    if era == "current":
        return load_current_units(path)
    raise ValueError(f"Unknown era {era!r}")


# ---------------------------------------------------------------------------
# Resolving names written in plans

Target = Agency | AgencyGroup


class Ignored:
    """What a name settled as "ignore" resolves to: no assignee (see `Alias.ignored`)."""

    def __str__(self) -> str:
        return "—"


IGNORED = Ignored()


@dataclass(frozen=True)
class Resolved:
    """One agency or group read from a cell.

    `written_name` is the name as a person reads it in the cell: as written, or with the
    head noun the list shares carried over ("UBND cấp huyện, cấp xã" gives "UBND cấp xã").
    `note` keeps what the cell adds to the name: a note in brackets, or the qualifier of a
    group ("có đơn vị sự nghiệp công lập").
    """

    written_name: str
    target: Target | Ignored
    note: str = ""


@dataclass
class Reading:
    """What one cell says: the agencies and groups it names, and the parts that are not
    names any list knows (the import refuses a plan while any remain)."""

    resolved: list[Resolved]
    unknown: list[str]


# A cell lists names one per line, or after "- " bullets, or separated by ";".
_HARD_SPLIT = re.compile(r"\s*(?:\n|;)\s*")
_BULLETS = "-+•–—*·◦▪►➢❖"
# Inside one line, names are separated by commas and by "và" (which is also part of
# names such as "Sở Kế hoạch và Đầu tư": the reader tries the longest known name first).
# A slash or a spaced dash between two names ("Sở Nội vụ/Sở Tư pháp") too; a name that
# holds one ("Sở Lao động - Thương binh và Xã hội") is known whole and read first.
_SOFT_SEPARATOR = re.compile(r"\s*,\s*|\s*/\s*|\s+-\s+|\s+(?:và|cùng|với)\s+", re.IGNORECASE)
# What may follow a group to narrow it: "Các sở, ban, ngành có đơn vị sự nghiệp công lập".
_QUALIFIER = re.compile(
    r"\s+((?:có|liên quan|được|chịu|đã|chưa|theo|trong|tham gia|thực hiện|phụ trách|"
    r"không|cần)\b.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Words of a vague phrase such as "các đơn vị có liên quan": no agency can be named.
_VAGUE_WORDS = {
    "cac", "co", "quan", "don", "vi", "to", "chuc", "dia", "phuong", "khac", "lien",
    "nhung", "tat", "ca", "...",
}  # fmt: skip
_VAGUE_GROUP = "co-quan-lien-quan"
# "Các Sở: Kế hoạch và Đầu tư, Tài chính": the head before a colon is shared by the items.
_COLON = re.compile(r"^(?P<head>[^:()]{2,60}?)\s*:\s*(?P<items>.+)$", re.DOTALL)


# Abbreviations and punctuation a cell may write differently from every name the register
# knows: tried only when the name as written is not known (`Resolver.lookup`). Not part of
# `resolution_key`, which aliases are stored under. Each comes with the words one of which
# any match contains.
_LOOSE: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    # The sở's short forms, the same in every province: "Sở VHTT&DL", "Sở TNMT".
    (re.compile(r"\bvh,? ?tt,? ?(?:va )?dl\b|\bvhttdl\b"), "van hoa, the thao va du lich", ("vh",)),
    (re.compile(r"\btn ?(?:va )?mt\b"), "tai nguyen va moi truong", ("tn",)),
    (re.compile(r"\bkh ?(?:va )?dt\b"), "ke hoach va dau tu", ("kh",)),
    (re.compile(r"\bkh ?(?:va )?cn\b"), "khoa hoc va cong nghe", ("kh",)),
    (re.compile(r"\bgd ?(?:va )?dt\b"), "giao duc va dao tao", ("gd",)),
    (re.compile(r"\btt ?(?:va )?tt\b"), "thong tin va truyen thong", ("tt",)),
    (re.compile(r"\bld ?(?:- )?tb ?(?:va )?xh\b"), "lao dong thuong binh va xa hoi", ("ld",)),
    (re.compile(r"\bnn ?(?:va )?ptnt\b"), "nong nghiep va phat trien nong thon", ("nn",)),
    (re.compile(r"\bgtvt\b"), "giao thong van tai", ("gtvt",)),
    (re.compile(r"\bptnt\b"), "phat trien nong thon", ("ptnt",)),
    (re.compile(r"\btx\b"), "thi xa", ("tx",)),
    (re.compile(r"\btp\b"), "thanh pho", ("tp",)),
    # "UBND huyện, thị xã, thành phố" for "UBND các huyện, …"; "Sở ban ngành" for "Sở,
    # ban, ngành"; "Sở Lao động, Thương binh và Xã hội" for "Sở Lao động - Thương binh …".
    (re.compile(r"\b(?:cac|nhung) "), "", ("cac ", "nhung ")),
    (re.compile(r"\s*(?:,| - )\s*"), " ", (",", " - ")),
    # "Sở Tài nguyên - Môi trường", "Sở Tài nguyên Môi trường": the "và" of a name is
    # often dropped or written as a dash.
    (re.compile(r"\bva "), "", ("va ",)),
    # "Phòng Nội vụ các huyện, thị xã, thành phố" is the group "Phòng Nội vụ cấp huyện";
    # "Tư pháp các xã, phường, thị trấn" is "… cấp xã". The kind closes the name: "UBND
    # huyện Hải Lăng" names one district and stays as written.
    (
        re.compile(r"\b(?<!cap )huyen(?: thi xa thanh pho| thanh pho thi xa)?$"),
        "cap huyen",
        ("huyen",),
    ),
    (
        re.compile(r"\b(?<!cap )(?<!thi )xa(?: phuong thi tran| thi tran)?$"),
        "cap xa",
        ("xa",),
    ),
]


def loose_key(key: str) -> str:
    for pattern, replacement, needs in _LOOSE:
        # Each pattern matches only where one of its words stands; testing for the words
        # first spares most of the regular expressions (0.5 s of an import's 10,000 rows).
        for word in needs:
            if word in key:
                key = pattern.sub(replacement, key)
                break
    return " ".join(key.split())


# "Sở Nội vụ chủ trì", "Sở Tư pháp phối hợp": the cell repeats the column's role.
# "Sở Nội vụ tham mưu UBND tỉnh": what the agency does for whom.
_ROLE_TAIL = re.compile(
    r"\s+(?:(?:là\s+)?(?:chủ\s+trì|phối\s+hợp|đầu\s+mối|thực\s+hiện)(?:\s+thực\s+hiện)?"
    r"|(?:tham\s+mưu|chịu\s+trách\s+nhiệm)(?:\s.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
# "Chủ tịch UBND tỉnh", "Thủ trưởng các sở, ban, ngành": the agency, led by its head.
_HEAD_TITLE = re.compile(
    r"^(?:(?:phó\s+)?chủ\s+tịch|(?:phó\s+)?giám\s+đốc|thủ\s+trưởng|lãnh\s+đạo|"
    r"người\s+đứng\s+đầu)\s+(?=\S)",
    re.IGNORECASE,
)


def _clean_piece(text: str) -> str:
    text = " ".join(text.split())
    return text.strip().lstrip(_BULLETS).strip().rstrip(".,;:").strip()


def _top_level_split(text: str) -> list[tuple[str, str]]:
    """Split on list separators outside brackets: [(part, separator before it)]."""
    parts: list[tuple[str, str]] = []
    if not _BRACKET.search(text):
        # Most cells have no brackets: the separators found left to right are the ones the
        # walk below would find, without trying the pattern at every character.
        start, separator = 0, ""
        for found in _SOFT_SEPARATOR.finditer(text):
            parts.append((text[start : found.start()], separator))
            separator, start = found.group(0), found.end()
        parts.append((text[start:], separator))
        return [(part.strip(), sep) for part, sep in parts if part.strip()]
    depth = 0
    start = 0
    separator = ""
    position = 0
    while position < len(text):
        char = text[position]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = _SOFT_SEPARATOR.match(text, position)
            if match and match.end() > position:
                parts.append((text[start:position], separator))
                separator = match.group(0)
                start = position = match.end()
                continue
        position += 1
    parts.append((text[start:], separator))
    return [(part.strip(), sep) for part, sep in parts if part.strip()]


_BRACKET = re.compile(r"[()\[\]]")


def _without_brackets(text: str) -> tuple[str, str]:
    """ "Sở Tư pháp (Báo cáo kết quả)" -> ("Sở Tư pháp", "Báo cáo kết quả"). An opening
    bracket that is never closed (OCR loses them) runs to the end."""
    if not _BRACKET.search(text):  # most names: nothing to take apart
        return " ".join(text.split()), ""
    notes: list[str] = []
    kept: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([":
            if depth == 0:
                current = []
            else:
                current.append(char)
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
            if depth == 0:
                notes.append("".join(current).strip())
            else:
                current.append(char)
        elif depth:
            current.append(char)
        else:
            kept.append(char)
    if depth:
        notes.append("".join(current).strip())
    return " ".join("".join(kept).split()), "; ".join(n for n in notes if n)


def _heads(previous: str) -> list[str]:
    """The heads a later item may share with `previous`, longest first: "UBND cấp huyện"
    gives "UBND cấp", "UBND"; "Các Sở" gives "Các", and "Sở" (without "các")."""
    words = previous.split()
    heads: list[str] = []
    for end in range(len(words) - 1, 0, -1):
        heads.append(" ".join(words[:end]))
    plain = [w for w in words if fold(w) not in {"cac", "nhung"}]
    for end in range(len(plain), 0, -1):
        head = " ".join(plain[:end])
        if head not in heads:
            heads.append(head)
    return heads


class Resolver:
    """Resolves agency names against everything known, loaded once for a whole import."""

    def __init__(self, province_id: int | None = None) -> None:
        """`province_id`: resolve only to that province's agencies and groups (and national
        ones): provinces are tenants (docs/tenants.md), a name in one province's plan never
        lands on another's agency of the same name. None: every agency (one province)."""
        from cchc.accounts.tenancy import in_province

        def scoped(qs: Any, path: str) -> Any:
            return qs if province_id is None else qs.filter(in_province(province_id, path))

        self.province_id = province_id
        self.by_key: dict[str, Target | Ignored] = {}
        # Unscoped, a name that several provinces use ("UBND tỉnh", "Các sở, ban, ngành")
        # says no province: `province_of_name` answers None for it.
        self._provinces: dict[str, set[int | None]] = {}

        def own_first(rows: Any, path: str) -> Any:
            # A province's own group or alias wins over a national one of the same name.
            return rows.order_by(F(path).asc(nulls_last=True), "pk")

        def keep(key: str, target: Target | Ignored, province: int | None) -> None:
            self.by_key.setdefault(key, target)
            self._provinces.setdefault(key, set()).add(province)

        for group in own_first(scoped(AgencyGroup.objects.all(), "province"), "province"):
            keep(resolution_key(group.name), group, group.province_id)
        # Current names win over old ones, which win over aliases.
        for agency in scoped(Agency.objects.all(), "province"):
            keep(resolution_key(agency.name), agency, agency.province_id)
        for old in scoped(AgencyName.objects.select_related("agency"), "agency__province"):
            keep(resolution_key(old.name), old.agency, old.agency.province_id)
        aliases = scoped(Alias.objects.select_related("agency", "group"), "province")
        for alias in own_first(aliases, "province"):
            target = alias.agency or alias.group
            if target is not None:
                keep(alias.search_name, target, alias.province_id)
            elif alias.ignored:
                keep(alias.search_name, IGNORED, alias.province_id)
        # The same names under `loose_key`; a loose key two targets share stands for none.
        self._loose: dict[str, Target | Ignored | None] = {}
        for key, target in self.by_key.items():
            loose = loose_key(key)
            # Two rows of one agency (its name and an alias) are the same target.
            if self._loose.setdefault(loose, target) != target:
                self._loose[loose] = None
        self.names = {key: str(target) for key, target in self.by_key.items()}
        # An ignored name is never proposed as the closest known one.
        self._choices = [k for k, t in self.by_key.items() if not isinstance(t, Ignored)]
        # The vague group ("các cơ quan liên quan") of the province being read.
        from cchc.accounts.tenancy import sole_province_id

        self.vague_group = group_by_code(
            _VAGUE_GROUP, province_id if province_id is not None else sole_province_id()
        )
        # A plan writes the same cells again and again ("Các sở, ban, ngành" on hundreds of
        # rows): each distinct cell is read once per import.
        self._readings: dict[str, Reading] = {}
        # And the pieces of different cells repeat too ("Sở Tư pháp" in "Sở Tư pháp và
        # UBND cấp huyện", "Sở Nội vụ, Sở Tư pháp" …): each piece is tried once.
        self._ones: dict[tuple[str, str], Resolved | None] = {}

    def province_of_name(self, name: str) -> int | None:
        """The one province whose agency, group or alias answers to `name`; None when none
        does, or several do (the name alone does not say which province)."""
        found = self._provinces.get(resolution_key(name), set())
        return next(iter(found)) if len(found) == 1 else None

    def lookup(self, name: str) -> Target | Ignored | None:
        """The agency or group a name stands for; IGNORED for a name settled as no one."""
        key = resolution_key(name)
        found = self.by_key.get(key)
        return found if found is not None else self._loose.get(loose_key(key))

    def resolve(self, written: str) -> list[Resolved] | None:
        """Resolve one written cell; None when some part of it names no known agency."""
        reading = self.read(written)
        if reading.unknown or not reading.resolved:
            return None
        return reading.resolved

    def read(self, written: str) -> Reading:
        """Read a cell as a person would (see docs/agencies.md, "Reading agency cells").

        Lines, "- " bullets and ";" always separate names. Within a line, commas and "và"
        separate names unless the longer run is itself a known name; a head noun carries
        over to the next item ("UBND cấp huyện, cấp xã"; "Các Sở: Tài chính, Nội vụ"); a
        bracket after a name is a note; a qualifier after a group is a note.
        """
        known = self._readings.get(written)
        if known is None:
            known = self._readings[written] = self._read(written)
        # A copy: the caller may change its lists; the Resolved inside are frozen.
        return Reading(list(known.resolved), list(known.unknown))

    def _read(self, written: str) -> Reading:
        text = join_wrapped_lines(unicodedata.normalize("NFC", written or ""))
        resolved: list[Resolved] = []
        unknown: list[str] = []
        whole = self._one(_clean_piece(text), "")
        if whole is not None and "\n" not in text.strip():
            return Reading([whole], [])
        head = ""
        for raw in _HARD_SPLIT.split(text):
            line = _clean_piece(raw)
            if not line:
                continue
            if raw.rstrip().endswith(":"):
                head = line  # "Các sở:" over a list of bullets below it
                continue
            found = self._line(line)
            if found is None and head:
                # "Các Sở: Tư pháp; Nội vụ": the head before the colon goes on over ";".
                found = self._cover(_top_level_split(line), head)
            colon = _COLON.match(line)
            if colon:
                head = colon.group("head").strip()
            if found is None:
                unknown.append(line)
            else:
                resolved.extend(found)
        return Reading(resolved, unknown)

    def _one(self, text: str, head: str) -> Resolved | None:
        """One name: as written, with a shared head, without its bracket, or qualified."""
        if not text:
            return None
        key = (text, head)
        if key in self._ones:
            return self._ones[key]
        found = self._ones[key] = self._one_read(text, head)
        return found

    def _one_read(self, text: str, head: str) -> Resolved | None:
        candidates = [text]
        if head:
            candidates.append(f"{head} {text}")
        for candidate in candidates:
            target = self.lookup(candidate)
            if target is not None:
                return Resolved(candidate, target)
        for candidate in candidates:
            bare, note = _without_brackets(candidate)
            if note and bare:
                found = self._one(bare, "")
                if found is not None:
                    notes = "; ".join(n for n in (note, found.note) if n)
                    return Resolved(found.written_name, found.target, notes)
            qualified = _QUALIFIER.search(candidate)
            # A qualifier never runs over a list separator that starts another name: in
            # "Các sở, ban, ngành có đơn vị sự nghiệp và UBND cấp huyện" the district UBNDs
            # are a second name, but in "… có đơn vị sự nghiệp và doanh nghiệp" the "và"
            # belongs to the qualifier.
            if qualified and not self._names_inside(qualified.group(1)):
                target = self.lookup(candidate[: qualified.start()])
                if isinstance(target, AgencyGroup):
                    return Resolved(
                        candidate[: qualified.start()].strip(), target, qualified.group(1).strip()
                    )
            if self.vague_group is not None and self._vague(candidate):
                return Resolved(candidate, self.vague_group)
            for pattern in (_ROLE_TAIL, _HEAD_TITLE):
                said = pattern.search(candidate)
                bare = pattern.sub("", candidate).strip() if said else ""
                if said and bare:
                    found = self._one(bare, "")
                    if found is not None:
                        notes = "; ".join(n for n in (said.group(0).strip(), found.note) if n)
                        return Resolved(found.written_name, found.target, notes)
        return None

    def _names_inside(self, qualifier: str) -> bool:
        """Whether a piece after a comma or "và" in `qualifier` is a name of its own."""
        cuts = list(_SOFT_SEPARATOR.finditer(qualifier))
        starts = [cut.end() for cut in cuts]
        ends = [cut.start() for cut in cuts[1:]] + [len(qualifier)]
        for start in starts:
            for end in ends:
                piece = _clean_piece(qualifier[start:end]) if end > start else ""
                if piece and (
                    self.lookup(piece) is not None
                    or (self.vague_group is not None and self._vague(piece))
                ):
                    return True
        return False

    @staticmethod
    def _vague(text: str) -> bool:
        words = resolution_key(text).replace(",", " ").split()
        return "lien" in words and "quan" in words and all(w in _VAGUE_WORDS for w in words)

    def _line(self, line: str) -> list[Resolved] | None:
        colon = _COLON.match(line)
        if colon and self.lookup(line) is None:
            head = colon.group("head").strip()
            items = self._cover(_top_level_split(colon.group("items")), head)
            if items is not None:
                return items
            # "Sở Nội vụ: tổng hợp, báo cáo" is one agency and a note; a group before a
            # colon ("Các sở:") announces a list, which must then be read in full.
            head_target = self._one(head, "")
            if head_target is not None and isinstance(head_target.target, Agency):
                note = colon.group("items").strip()
                return [Resolved(head_target.written_name, head_target.target, note)]
        return self._cover(_top_level_split(line), "")

    def _cover(self, parts: list[tuple[str, str]], head: str) -> list[Resolved] | None:
        """The reading of `parts` in the fewest names (so the longest known ones)."""
        memo: dict[tuple[int, str], list[Resolved] | None] = {}

        def best(start: int, previous: str) -> list[Resolved] | None:
            if start == len(parts):
                return []
            key = (start, previous)
            if key in memo:
                return memo[key]
            choice: list[Resolved] | None = None
            for end in range(len(parts), start, -1):
                text = parts[start][0] + "".join(sep + part for part, sep in parts[start + 1 : end])
                found = self._one(text, "")
                if found is None and previous:
                    for shared in _heads(previous):
                        found = self._one(text, shared)
                        if found is not None:
                            break
                if found is None:
                    continue
                rest = best(end, found.written_name)
                if rest is not None and (choice is None or 1 + len(rest) < len(choice)):
                    choice = [found, *rest]
            memo[key] = choice
            return choice

        return best(0, head)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        matches = process.extract(
            resolution_key(name), self._choices, scorer=fuzz.WRatio, limit=limit * 3
        )
        seen: list[str] = []
        for key, _score, _index in matches:
            label = self.names[key]
            if label not in seen:
                seen.append(label)
            if len(seen) == limit:
                break
        return seen


def agencies_of(target: Target, on: date) -> list[Agency]:
    """The member agencies a collective assignee stands for on `on` (a plan's day)."""
    if isinstance(target, Agency):
        return [target]
    return list(members_on(target, on))


def reference_path(name: str) -> Path:
    return DATA_DIR / f"{name}.json"
