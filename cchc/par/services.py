"""Criteria sets, bands and campaigns: every change goes through here, in a transaction,
with an audit record, or changes nothing and says why in Vietnamese.

What "in use" freezes (decided here, shown on the set's page): once a campaign scores with
a set, the structure and the points are the campaign's rules, so adding or deleting a node,
changing a code, a maximum, a scoring method, a computation or the permission for a
maximum to differ from its children's sum are refused. Fixing a title or guidance typo,
and the notes about where the points come from (`points_known`, `points_note`), stay
possible: they change no score. The set itself cannot be deleted while a campaign uses it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cchc.accounts.policy import Actor, can
from cchc.agencies.models import AgencyGroup
from cchc.audit.log import log_action
from cchc.audit.types import Source
from cchc.lib import calendar
from cchc.par import index
from cchc.par.document import NodeRow, Problem, SetDocument, fmt_points, validate_nodes
from cchc.par.models import Campaign, ClassificationBand, CriteriaSet, Criterion
from cchc.plans.interchange import ImportIssue, Location

DATA_DIR = Path(__file__).resolve().parent / "data"
SHEET = "Tiêu chí"

# The fields a set in use still lets one change, and those it freezes.
TEXT_FIELDS = ("title", "guidance", "points_known", "points_note")
FROZEN_FIELDS = ("max_points", "method", "computation_key", "max_differs_reason")


class ParError(Exception):
    """A refused change; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SetImportError(Exception):
    """A criteria set file that was not imported, with every problem found."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class WindowClosed(ParError):
    """An action tried outside its campaign window."""


def issues_of(problems: list[Problem], sheet: str = SHEET) -> list[ImportIssue]:
    issues = []
    for problem in problems:
        where = Location(sheet=sheet, row=problem.row) if problem.row else Location()
        prefix = f"{problem.code}: " if problem.code and problem.row is None else ""
        issues.append(ImportIssue(where, prefix + problem.message))
    return issues


# ---------------------------------------------------------------------------
# Sets <-> documents


def set_nodes(criteria_set: CriteriaSet) -> list[NodeRow]:
    return [
        NodeRow(
            code=c.code,
            title=c.title,
            max_points=c.max_points,
            method=c.method,
            computation_key=c.computation_key,
            points_known=c.points_known,
            points_note=c.points_note,
            max_differs_reason=c.max_differs_reason,
            guidance=c.guidance,
        )
        for c in criteria_set.criteria.order_by("position")
    ]


def set_to_document(criteria_set: CriteriaSet) -> SetDocument:
    return SetDocument(
        title=criteria_set.title,
        year=criteria_set.year,
        group_code=criteria_set.group.code,
        step=criteria_set.step,
        source_note=criteria_set.source_note,
        nodes=set_nodes(criteria_set),
    )


def set_problems(criteria_set: CriteriaSet) -> list[Problem]:
    return validate_nodes(set_nodes(criteria_set), criteria_set.step)


def _write_nodes(criteria_set: CriteriaSet, nodes: list[NodeRow]) -> None:
    by_code: dict[str, Criterion] = {}
    # Parents come before their children in a valid set; sorting by level makes sure.
    ordered = sorted(enumerate(nodes), key=lambda pair: (pair[1].level, pair[0]))
    for position, node in ordered:
        criterion = Criterion.objects.create(
            criteria_set=criteria_set,
            parent=by_code.get(node.parent_code) if node.parent_code else None,
            level=node.level,
            code=node.code,
            title=node.title.strip(),
            guidance=node.guidance.strip(),
            max_points=node.max_points,
            position=position,
            method=node.method,
            computation_key=node.computation_key,
            points_known=node.points_known,
            points_note=node.points_note.strip(),
            max_differs_reason=node.max_differs_reason.strip(),
        )
        by_code[node.code] = criterion


def _snapshot(criteria_set: CriteriaSet) -> dict[str, Any]:
    return {
        "year": criteria_set.year,
        "group": criteria_set.group.code,
        "title": criteria_set.title,
        "step": str(criteria_set.step),
        "status": criteria_set.status,
        "nodes": criteria_set.criteria.count(),
    }


def set_import(
    document: SetDocument,
    *,
    year: int | None = None,
    group: AgencyGroup | None = None,
    actor: Actor | None = None,
    replace: bool = False,
    source: Source = "web",
    copied_from: CriteriaSet | None = None,
) -> CriteriaSet:
    """Store a set from a document, all or nothing. `year` and `group` given here win over
    the document's; a draft set of the same year and group is replaced only if asked."""
    issues: list[ImportIssue] = []
    year = year or document.year
    if group is None and document.group_code:
        # Group codes are unique per province (docs/tenants.md): the importer's.
        from cchc.accounts.tenancy import province_of, sole_province_id
        from cchc.agencies.services import group_by_code

        group = group_by_code(document.group_code, province_of(actor) or sole_province_id())
        if group is None:
            issues.append(
                ImportIssue(
                    Location(),
                    _("Không có nhóm cơ quan mã «%(code)s».") % {"code": document.group_code[:60]},
                )
            )
    if year is None or not 2000 <= year <= 2200:
        issues.append(ImportIssue(Location(), _("Chưa rõ năm đánh giá (từ 2000 đến 2200).")))
    if group is None and not issues:
        issues.append(ImportIssue(Location(), _("Chưa chọn nhóm cơ quan.")))
    issues.extend(issues_of(validate_nodes(document.nodes, document.step)))
    if issues:
        raise SetImportError(issues)
    assert year is not None and group is not None
    with transaction.atomic():
        existing = CriteriaSet.objects.select_for_update().filter(year=year, group=group).first()
        if existing is not None:
            if existing.is_in_use or existing.campaigns.exists():
                raise SetImportError(
                    [
                        ImportIssue(
                            Location(),
                            _(
                                "Bộ tiêu chí năm %(year)s của nhóm «%(group)s» đang được dùng "
                                "cho một đợt đánh giá nên không thay thế được."
                            )
                            % {"year": year, "group": group.name},
                        )
                    ]
                )
            if not replace:
                raise SetImportError(
                    [
                        ImportIssue(
                            Location(),
                            _(
                                "Đã có bộ tiêu chí năm %(year)s cho nhóm «%(group)s». Chọn «thay "
                                "thế bản nháp đã có» nếu muốn thay."
                            )
                            % {"year": year, "group": group.name},
                        )
                    ]
                )
            existing.delete()
        title = document.title.strip() or _("Bộ tiêu chí PAR INDEX năm %(year)s – %(group)s") % {
            "year": year,
            "group": group.name,
        }
        criteria_set = CriteriaSet.objects.create(
            year=year,
            group=group,
            title=title[:255],
            step=document.step,
            source_note=document.source_note.strip(),
            copied_from=copied_from,
        )
        _write_nodes(criteria_set, document.nodes)
        log_action(
            actor=actor,
            action="par.set.copy" if copied_from else "par.set.import",
            obj=criteria_set,
            before=None,
            after=_snapshot(criteria_set),
            source=source,
        )
    return criteria_set


def set_copy(
    source_set: CriteriaSet,
    *,
    year: int,
    actor: Actor | None,
    title: str = "",
    source: Source = "web",
) -> CriteriaSet:
    """Next year's set, a draft with the same tree, to adjust afterwards."""
    if year == source_set.year:
        raise ParError(_("Hãy chọn một năm khác năm của bộ tiêu chí gốc."))
    if CriteriaSet.objects.filter(year=year, group_id=source_set.group_id).exists():
        raise ParError(
            _("Đã có bộ tiêu chí năm %(year)s cho nhóm «%(group)s».")
            % {"year": year, "group": source_set.group.name}
        )
    document = set_to_document(source_set)
    document.title = title or _("Bộ tiêu chí PAR INDEX năm %(year)s – %(group)s") % {
        "year": year,
        "group": source_set.group.name,
    }
    document.source_note = _("Sao chép từ «%(title)s» (năm %(year)s).") % {
        "title": source_set.title,
        "year": source_set.year,
    } + ("\n" + source_set.source_note if source_set.source_note else "")
    try:
        return set_import(
            document,
            year=year,
            group=source_set.group,
            actor=actor,
            source=source,
            copied_from=source_set,
        )
    except SetImportError as error:
        raise ParError("; ".join(str(i) for i in error.issues)) from error
    except IntegrityError as error:  # a copy raced in between
        raise ParError(_("Đã có bộ tiêu chí cho năm này.")) from error


# ---------------------------------------------------------------------------
# Editing a node


def _parse_points(value: Any) -> Decimal:
    try:
        points = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError) as error:
        raise ParError(
            _("Điểm tối đa «%(v)s» không phải là số.") % {"v": str(value)[:20]}
        ) from error
    if not points.is_finite():
        raise ParError(_("Điểm tối đa phải là số hữu hạn."))
    return points


def criterion_update(
    criterion: Criterion, *, actor: Actor | None, source: Source = "web", **changes: Any
) -> Criterion:
    """Change a node. On a set in use, only the text fields (`TEXT_FIELDS`) may change."""
    unknown = set(changes) - set(TEXT_FIELDS) - set(FROZEN_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "max_points" in changes:
        changes["max_points"] = _parse_points(changes["max_points"])
    with transaction.atomic():
        criterion = (
            Criterion.objects.select_for_update()
            .select_related("criteria_set")
            .get(pk=criterion.pk)
        )
        criteria_set = criterion.criteria_set
        before = {name: getattr(criterion, name) for name in changes}
        changed = {name for name, value in changes.items() if before[name] != value}
        frozen = sorted(changed & set(FROZEN_FIELDS))
        if frozen and (criteria_set.is_in_use or criteria_set.campaigns.exists()):
            labels = ", ".join(
                str(getattr(Criterion._meta.get_field(n), "verbose_name", n)) for n in frozen
            )
            raise ParError(
                _(
                    "Bộ tiêu chí đang được dùng cho đợt đánh giá nên không sửa được %(fields)s "
                    "của tiêu chí %(code)s. Chỉ được sửa lỗi chính tả ở tên, hướng dẫn chấm và "
                    "ghi chú về điểm."
                )
                % {"fields": labels, "code": criterion.code}
            )
        if not changed:
            return criterion
        for name in changed:
            setattr(criterion, name, changes[name])
        # The node alone must stay sound (a method on a leaf, a key on a computed one…);
        # the sums over the tree are shown on the set's page until the other nodes follow.
        nodes = set_nodes(criteria_set)
        nodes = [_as_node(criterion) if n.code == criterion.code else n for n in nodes]
        own = [
            p
            for p in validate_nodes(nodes, criteria_set.step)
            if p.code == criterion.code and "tổng điểm các tiêu chí con" not in p.message
        ]
        if own:
            raise ParError(" ".join(p.message for p in own))
        criterion.save(update_fields=sorted(changed))
        log_action(
            actor=actor,
            action="par.criterion.update",
            obj=criterion,
            before={n: before[n] for n in changed},
            after={n: getattr(criterion, n) for n in changed},
            source=source,
        )
    return criterion


def _as_node(c: Criterion) -> NodeRow:
    return NodeRow(
        code=c.code,
        title=c.title,
        max_points=c.max_points,
        method=c.method,
        computation_key=c.computation_key,
        points_known=c.points_known,
        points_note=c.points_note,
        max_differs_reason=c.max_differs_reason,
        guidance=c.guidance,
    )


def criterion_delete(criterion: Criterion, *, actor: Actor | None, source: Source = "web") -> None:
    """Delete a node and its children, on a set that no campaign uses."""
    with transaction.atomic():
        criteria_set = CriteriaSet.objects.select_for_update().get(pk=criterion.criteria_set_id)
        if criteria_set.is_in_use or criteria_set.campaigns.exists():
            raise ParError(
                _(
                    "Bộ tiêu chí đang được dùng cho đợt đánh giá nên không xoá được tiêu chí "
                    "%(code)s."
                )
                % {"code": criterion.code}
            )
        removed = [
            c.code
            for c in criteria_set.criteria.all()
            if c.code == criterion.code or c.code.startswith(criterion.code + ".")
        ]
        log_action(
            actor=actor,
            action="par.criterion.delete",
            obj=criterion,
            before={"codes": removed, "title": criterion.title},
            after=None,
            source=source,
        )
        criterion.delete()


# ---------------------------------------------------------------------------
# Bands


def bands_for(year: int, group: AgencyGroup) -> list[index.Band]:
    """The bands configured for the year and group, else the product's defaults."""
    rows = ClassificationBand.objects.filter(year=year, group=group).order_by("position")
    if not rows:
        return list(index.DEFAULT_BANDS)
    return [index.Band(b.label, b.lower, b.upper, b.regulation) for b in rows]


def bands_ensure_default(year: int, group: AgencyGroup) -> int:
    """Store the default bands for a year and group that has none; how many were added."""
    if ClassificationBand.objects.filter(year=year, group=group).exists():
        return 0
    ClassificationBand.objects.bulk_create(
        ClassificationBand(
            year=year,
            group=group,
            label=band.label,
            lower=band.lower,
            upper=band.upper,
            regulation=band.regulation,
            position=position,
        )
        for position, band in enumerate(index.DEFAULT_BANDS)
    )
    return len(index.DEFAULT_BANDS)


# ---------------------------------------------------------------------------
# Campaigns and their windows


@dataclass(frozen=True)
class Windows:
    self_opens: date
    self_closes: date
    appraisal_opens: date
    appraisal_closes: date
    reply_opens: date
    reply_closes: date


def window_problems(w: Windows) -> dict[str, str]:
    """Field → message for windows out of order (the campaign table's constraint, said)."""
    problems: dict[str, str] = {}
    if w.self_closes < w.self_opens:
        problems["self_closes"] = _("Hạn tự đánh giá phải từ ngày mở trở đi.")
    if w.appraisal_opens <= w.self_closes:
        problems["appraisal_opens"] = _("Thẩm định bắt đầu sau khi hết hạn tự đánh giá.")
    if w.appraisal_closes < w.appraisal_opens:
        problems["appraisal_closes"] = _("Hạn thẩm định phải từ ngày mở trở đi.")
    if w.reply_opens < w.appraisal_opens:
        problems["reply_opens"] = _("Giải trình bắt đầu từ khi thẩm định đã mở.")
    if w.reply_closes < w.reply_opens:
        problems["reply_closes"] = _("Hạn giải trình phải từ ngày mở trở đi.")
    elif w.reply_closes > w.appraisal_closes:
        problems["reply_closes"] = _(
            "Giải trình phải xong trước khi hết hạn thẩm định, để tổ thẩm định chốt điểm."
        )
    return problems


def campaign_create(
    criteria_set: CriteriaSet,
    *,
    windows: Windows,
    actor: Actor | None,
    title: str = "",
    source: Source = "web",
) -> Campaign:
    """Open a campaign for a sound set; the set is in use from then on."""
    problems = window_problems(windows)
    if problems:
        raise ParError(" ".join(problems.values()))
    with transaction.atomic():
        criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
        found = set_problems(criteria_set)
        if found:
            raise ParError(
                _(
                    "Bộ tiêu chí còn %(n)s lỗi (xem trang bộ tiêu chí); sửa xong mới mở được "
                    "đợt đánh giá."
                )
                % {"n": len(found)}
            )
        if Campaign.objects.filter(year=criteria_set.year, group_id=criteria_set.group_id).exists():
            raise ParError(
                _("Nhóm «%(group)s» đã có đợt đánh giá năm %(year)s.")
                % {"group": criteria_set.group.name, "year": criteria_set.year}
            )
        campaign = Campaign.objects.create(
            year=criteria_set.year,
            criteria_set=criteria_set,
            group_id=criteria_set.group_id,
            title=(
                title.strip()
                or _("Đánh giá PAR INDEX năm %(year)s – %(group)s")
                % {"year": criteria_set.year, "group": criteria_set.group.name}
            )[:255],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]
            **windows.__dict__,
        )
        criteria_set.status = CriteriaSet.Status.IN_USE
        criteria_set.save(update_fields=["status"])
        bands_ensure_default(criteria_set.year, criteria_set.group)
        # Every agency of the group gets its scorecard now, computed items filled in.
        from cchc.par.scoring import scorecards_ensure

        scorecards_ensure(campaign)
        log_action(
            actor=actor,
            action="par.campaign.create",
            obj=campaign,
            before=None,
            after={"set": criteria_set.pk, **windows.__dict__},
            source=source,
        )
    return campaign


PHASE_ACTIONS = {"self": "par.self_assess", "appraisal": "par.appraise", "reply": "par.reply"}


def window_state(campaign: Campaign, today: date | None = None) -> list[dict[str, Any]]:
    """Each window with whether it is before, open or closed today, for the pages."""
    today = today or calendar.today()
    states = []
    for phase, label, opens, closes in campaign.windows():
        state = "before" if today < opens else "closed" if today > closes else "open"
        states.append(
            {"phase": phase, "label": label, "opens": opens, "closes": closes, "state": state}
        )
    return states


def require_in_window(user: Actor, action: str, campaign: Campaign) -> None:
    """PermissionDenied if the user may never do `action` to the campaign; WindowClosed,
    with the window's dates, if they may but not today."""
    if not can(user, action, campaign, when=False):
        raise PermissionDenied
    if can(user, action, campaign):
        return
    phase = next(p for p, a in PHASE_ACTIONS.items() if a == action)
    _p, label, opens, closes = next(w for w in campaign.windows() if w[0] == phase)
    today = calendar.today()
    when = _("chưa mở") if today < opens else _("đã đóng")
    raise WindowClosed(
        _(
            "Thời hạn %(phase)s của «%(campaign)s» %(when)s (từ %(opens)s đến hết %(closes)s); "
            "thay đổi không được lưu."
        )
        % {
            "phase": label.lower(),
            "campaign": campaign.title,
            "when": when,
            "opens": opens.strftime("%d/%m/%Y"),
            "closes": closes.strftime("%d/%m/%Y"),
        }
    )


# ---------------------------------------------------------------------------
# The shipped default sets

DEFAULT_FILES = ("so-ban-nganh", "ubnd-cap-huyen", "ubnd-cap-xa")


def read_json_document(data: bytes) -> SetDocument:
    raw = json.loads(data.decode("utf-8"))
    return SetDocument(
        title=raw.get("title", ""),
        year=raw.get("year"),
        group_code=raw["group"],
        step=Decimal(str(raw.get("step", "0.25"))),
        source_note=raw.get("source_note", ""),
        nodes=[
            NodeRow(
                code=n["code"],
                title=n["title"],
                max_points=Decimal(str(n["max_points"])),
                method=n.get("method", ""),
                computation_key=n.get("computation_key", ""),
                points_known=n.get("points_known", True),
                points_note=n.get("points_note", ""),
                max_differs_reason=n.get("max_differs_reason", ""),
                guidance=n.get("guidance", ""),
            )
            for n in raw["nodes"]
        ],
    )


def default_sets_load(
    year: int, *, actor: Actor | None = None, source: Source = "cli", province: Any = None
) -> list[str]:
    """Load the shipped sets for `year` for each group that exists and has none; one line
    per group saying what was done. Every province has its own group of each code (a set
    is its group's province's, docs/tenants.md): with `province`, only that province's
    groups; without it, each province's."""
    lines = []
    for code in DEFAULT_FILES:
        groups = AgencyGroup.objects.filter(code=code).select_related("province")
        if province is not None:
            groups = groups.filter(province=province)
        found = list(groups.order_by("province__name", "pk"))
        if not found:
            lines.append(_("Nhóm «%(code)s»: chưa có trong danh mục, bỏ qua.") % {"code": code})
            continue
        for group in found:
            # Several provinces' groups of one name: the line says whose.
            label = group.name
            if len(found) > 1 and group.province is not None:
                label = f"{group.name} ({group.province.name})"
            lines.append(_default_set_load(code, group, label, year, actor=actor, source=source))
    return lines


def _default_set_load(
    code: str,
    group: AgencyGroup,
    label: str,
    year: int,
    *,
    actor: Actor | None,
    source: Source,
) -> str:
    """One group's shipped set for `year`, unless it has one; the line saying what was
    done."""
    if CriteriaSet.objects.filter(year=year, group=group).exists():
        return _("%(group)s: đã có bộ tiêu chí năm %(year)s.") % {"group": label, "year": year}
    document = read_json_document((DATA_DIR / f"{code}.json").read_bytes())
    document.title = _("Bộ tiêu chí PAR INDEX năm %(year)s – %(group)s (mặc định)") % {
        "year": year,
        "group": group.name,
    }
    criteria_set = set_import(document, year=year, group=group, actor=actor, source=source)
    bands_ensure_default(year, group)
    unknown = criteria_set.criteria.filter(points_known=False).count()
    return _(
        "%(group)s: đã nạp %(n)s tiêu chí, tổng %(max)s điểm; %(unknown)s mục chưa rõ điểm chuẩn."
    ) % {
        "group": label,
        "n": criteria_set.criteria.count(),
        "max": fmt_points(set_maximum(criteria_set)),
        "unknown": unknown,
    }


def set_maximum(criteria_set: CriteriaSet) -> Decimal:
    return sum((c.max_points for c in criteria_set.criteria.filter(level=1)), Decimal(0))
