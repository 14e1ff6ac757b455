"""Written names no agency or group answers to, settled once and kept as aliases.

An import that fails on such names says which (`ImportIssue.unknown_name`). The
coordinator settles each one: an existing agency or group, a new agency of that name, or
"ignore" (the name stands for no one). Each choice becomes an `Alias` (or, for a new
agency, the agency's own name), so every later import reads the name without asking.
The page (`cchc.register.settle`) and the command line (`cchc import_plan --aliases`)
both come here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from cchc.agencies.models import Agency, AgencyGroup, AgencyName, Alias
from cchc.agencies.naming import resolution_key
from cchc.agencies.services import Ignored, Resolver, Target
from cchc.audit.log import log_action
from cchc.audit.types import Source

# What fits an alias (and an agency's name): longer names are refused with a message.
MAX_NAME = 255


@dataclass(frozen=True)
class UnknownName:
    """One written name, as first written, with how many places in the file use it."""

    name: str
    key: str
    uses: int


def unknown_names(errors: Iterable[dict[str, Any]]) -> list[UnknownName]:
    """The distinct unknown names a failed import's errors carry, in the file's order.

    Two spellings that compare equal (case, diacritics, "UBND"/"Ủy ban nhân dân") are
    one name: one alias settles both.
    """
    order: list[str] = []
    first: dict[str, str] = {}
    places: dict[str, set[tuple[Any, ...]]] = {}
    for error in errors:
        name = error.get("unknown_name") if isinstance(error, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        key = resolution_key(name)
        if key not in first:
            order.append(key)
            first[key] = name
            places[key] = set()
        # Lead and cooperating cells of one row are one row that uses the name (a JSON
        # path ends in the field: "….activities[0].lead").
        path = str(error.get("path") or "").rpartition(".")[0]
        places[key].add((error.get("sheet"), error.get("row"), path))
    return [UnknownName(first[key], key, len(places[key])) for key in order]


def name_problem(name: str) -> str:
    """Why `name` cannot be kept as an alias, in Vietnamese; empty when it can."""
    key = resolution_key(name)
    if len(name) > MAX_NAME or len(key) > MAX_NAME:
        return _(
            "Tên dài hơn %(limit)s ký tự nên không thể ghi nhớ; hãy sửa ô này trong tệp "
            "(tách tên cơ quan khỏi phần ghi chú) rồi nhập lại."
        ) % {"limit": MAX_NAME}
    if not key:
        return _("Tên không có chữ nào để ghi nhớ; hãy sửa ô này trong tệp rồi nhập lại.")
    return ""


def guess_kind(name: str) -> str:
    """The kind a new agency most likely is, from how its name starts."""
    key = resolution_key(name)
    if re.match(r"(ubnd )?(xa|phuong|thi tran|dac khu)\b", key):
        return Agency.Kind.COMMUNE
    if re.match(r"(ubnd )?(huyen|thi xa|thanh pho)\b", key):
        return Agency.Kind.DISTRICT
    if re.match(r"(phong|trung tam|chi cuc|ban quan ly)\b", key):
        return Agency.Kind.UNIT
    return Agency.Kind.DEPARTMENT


# ---------------------------------------------------------------------------
# The closest agencies and groups


def target_value(target: Target) -> str:
    """How a page's radio button names an agency or a group."""
    return f"{'agency' if isinstance(target, Agency) else 'group'}:{target.pk}"


class Suggester:
    """The closest known agencies and groups to a written name, loaded once for a page.

    Compared by every name a target answers to (current and old names, aliases); an
    agency that is closed is not proposed, since new plans do not assign to it.
    """

    def __init__(self, province_id: int | None = None) -> None:
        """`province_id`: only that province's agencies and groups (and national ones) are
        proposed; every province has its own "Các sở, ban, ngành" (docs/tenants.md)."""
        from cchc.accounts.tenancy import in_province

        def mine(path: str) -> Q:
            return Q() if province_id is None else in_province(province_id, path)

        targets: dict[str, Target] = {}
        for group in AgencyGroup.objects.filter(mine("province")):
            targets.setdefault(resolution_key(group.name), group)
        active = Agency.objects.filter(mine("province"), closed_on__isnull=True)
        for agency in active:
            targets.setdefault(resolution_key(agency.name), agency)
        for old in AgencyName.objects.filter(
            mine("agency__province"), agency__closed_on__isnull=True
        ).select_related("agency"):
            targets.setdefault(resolution_key(old.name), old.agency)
        for alias in Alias.objects.filter(
            mine("province"),
            Q(agency__closed_on__isnull=True) | Q(agency__isnull=True),
            ignored=False,
        ).select_related("agency", "group"):
            target = alias.agency or alias.group
            if target is not None:
                targets.setdefault(alias.search_name, target)
        self.targets = targets
        self.keys = list(targets)

    def closest(self, name: str, limit: int = 5) -> list[Target]:
        found: list[Target] = []
        seen: set[str] = set()
        matches = process.extract(
            resolution_key(name), self.keys, scorer=fuzz.WRatio, limit=limit * 4
        )
        for key, _score, _index in matches:
            target = self.targets[key]
            value = target_value(target)
            if value in seen:
                continue
            seen.add(value)
            found.append(target)
            if len(found) == limit:
                break
        return found


# ---------------------------------------------------------------------------
# Settling


@dataclass(frozen=True)
class Settlement:
    """What one written name is to mean from now on: exactly one of the three."""

    written: str
    target: Target | None = None  # an agency or group that exists
    new_kind: str = ""  # a new agency of this kind, named as written
    ignore: bool = False


def _province() -> Agency | None:
    provinces = list(Agency.objects.filter(kind=Agency.Kind.PROVINCE, closed_on__isnull=True)[:2])
    return provinces[0] if len(provinces) == 1 else None


def _new_agency(name: str, kind: str, actor: Any, source: Source) -> Agency:
    parent = None if kind == Agency.Kind.PROVINCE else _province()
    existing = Agency.objects.filter(name=name, parent=parent).first()
    if existing is not None:
        return existing  # made a moment ago by someone settling the same name
    agency = Agency(name=name, kind=kind, parent=parent)
    agency.full_clean()
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        return Agency.objects.get(name=name, parent=parent)
    log_action(
        actor=actor,
        action="agency.create",
        obj=agency,
        before=None,
        after={"name": agency.name, "kind": agency.kind, "parent": parent and parent.pk},
        source=source,
    )
    return agency


def _alias_state(alias: Alias) -> dict[str, Any]:
    return {
        "name": alias.name,
        "agency": alias.agency_id,
        "group": alias.group_id,
        "ignored": alias.ignored,
    }


@transaction.atomic
def aliases_settle(
    settlements: Iterable[Settlement],
    *,
    actor: Any,
    source: Source,
    province_id: int | None = None,
) -> list[Alias | Agency]:
    """Keep every choice, all or none; each is written to the audit trail.

    The aliases are `province_id`'s, else the actor's province's, else the only
    province's: another province's documents may write the same name for another agency
    (docs/tenants.md). A name settled before in that province (another coordinator, a
    moment ago) takes the new choice. Returns what each name now answers to: its alias,
    or the new agency.
    """
    from cchc.accounts.tenancy import province_of, sole_province_id

    if province_id is None:
        province_id = province_of(actor) or sole_province_id()
    made: list[Alias | Agency] = []
    for settlement in settlements:
        written = settlement.written
        if problem := name_problem(written):
            raise ValueError(problem)
        key = resolution_key(written)
        existing = (
            Alias.objects.select_for_update()
            .filter(search_name=key, province_id=province_id)
            .first()
        )
        if settlement.new_kind:
            agency = _new_agency(written, settlement.new_kind, actor, source)
            made.append(agency)
            if existing is None:
                continue  # the agency's own name is how it is found
            target: Target | None = agency
        else:
            target = settlement.target
        alias = existing or Alias(name=written, province_id=province_id)
        before = _alias_state(alias) if existing is not None else None
        alias.name = written
        alias.agency = target if isinstance(target, Agency) else None
        alias.group = target if isinstance(target, AgencyGroup) else None
        alias.ignored = settlement.ignore and target is None
        alias.full_clean(exclude=["search_name"])
        alias.save()
        log_action(
            actor=actor,
            action="alias.settle",
            obj=alias,
            before=before,
            after=_alias_state(alias) | {"target": str(target) if target else None},
            source=source,
        )
        made.append(alias)
    return made


# ---------------------------------------------------------------------------
# The command line's file of choices

NEW_WORDS = {"+mới", "+moi", "mới", "new", "+new"}
IGNORE_WORDS = {"-", "bỏ qua", "bo qua", "ignore"}
HEADERS = {
    ("tên_trong_văn_bản", "chọn"),
    ("written", "target"),
}


class AliasFileError(Exception):
    """The aliases file cannot be used; every problem, in Vietnamese, one a line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def read_alias_file(data: bytes, *, province_id: int | None = None) -> list[Settlement]:
    """Read `tên_trong_văn_bản,chọn` (or `written,target`) rows, UTF-8 CSV.

    The second column is an agency's or a group's name as the resolver reads it,
    `+mới` / `new` for a new agency of that name (an optional third column `loại` /
    `kind` gives its kind), or `-` / `bỏ qua` / `ignore`. Raises AliasFileError with
    every problem found.
    """
    from cchc.plans.interchange import clean_text

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AliasFileError([_("Tệp cách viết phải là CSV mã hoá UTF-8.")]) from None
    if "\x00" in text:
        raise AliasFileError([_("Tệp cách viết có ký tự NUL (mã 0); hãy xoá ký tự đó.")])
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise AliasFileError([_("Tệp cách viết không có dòng nào.")])
    header = tuple(clean_text(cell).lower() for cell in rows[0][:2])
    if header not in HEADERS:
        raise AliasFileError(
            [
                _(
                    "Dòng đầu của tệp cách viết phải là «tên_trong_văn_bản,chọn» "
                    "(hoặc «written,target»); tệp ghi «%(header)s»."
                )
                % {"header": ",".join(rows[0])[:200]}
            ]
        )
    kinds = {value: value for value in Agency.Kind.values} | {
        str(label).lower(): value for value, label in Agency.Kind.choices
    }
    # A target is named as the province's own import would read it.
    resolver = Resolver(province_id)
    problems: list[str] = []
    settlements: list[Settlement] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        cells = [clean_text(cell) for cell in row] + ["", ""]
        written, choice, kind_text = cells[0], cells[1], cells[2]
        where = _("Tệp cách viết, dòng %(row)s") % {"row": number}
        if not written or not choice:
            problems.append(
                _("%(where)s: cần cả tên trong văn bản và lựa chọn.") % {"where": where}
            )
            continue
        if problem := name_problem(written):
            problems.append(f"{where}: {problem}")
            continue
        key = resolution_key(written)
        if key in seen:
            problems.append(
                _("%(where)s: «%(name)s» đã có ở một dòng trên.")
                % {"where": where, "name": written}
            )
            continue
        seen.add(key)
        word = choice.lower()
        if word in NEW_WORDS:
            kind = kinds.get(kind_text.lower(), "") if kind_text else guess_kind(written)
            if not kind:
                problems.append(
                    _("%(where)s: không có loại cơ quan «%(kind)s»; dùng một trong: %(kinds)s.")
                    % {"where": where, "kind": kind_text, "kinds": ", ".join(Agency.Kind.values)}
                )
                continue
            settlements.append(Settlement(written, new_kind=kind))
        elif word in IGNORE_WORDS:
            settlements.append(Settlement(written, ignore=True))
        else:
            found = resolver.lookup(choice)
            if found is None or isinstance(found, Ignored):
                suggestions = resolver.suggest(choice)
                problems.append(
                    _(
                        "%(where)s: không tìm thấy cơ quan hay nhóm «%(target)s» để gán cho "
                        "«%(name)s». Tên gần nhất: %(suggestions)s."
                    )
                    % {
                        "where": where,
                        "target": choice,
                        "name": written,
                        "suggestions": "; ".join(f"«{s}»" for s in suggestions) or "—",
                    }
                )
                continue
            settlements.append(Settlement(written, target=found))
    if problems:
        raise AliasFileError(problems)
    return settlements
