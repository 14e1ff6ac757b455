"""Changing official reports: create, write, move through the workflow, consolidate.

Every service checks the policy (`cchc.official.policy`) itself, so the pages and the API
cannot differ, locks the report, checks the version the writer read (a second writer gets
a conflict, not a silent overwrite), and writes the audit record in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.log import log_here
from cchc.lib import calendar
from cchc.monitoring.models import ReportingPeriod
from cchc.official.content import (
    latest_texts,
    live_content,
    progress_narratives,
    province_agency,
    province_place,
    slots_of,
)
from cchc.official.defaults import KINDS, TITLE, sections
from cchc.official.models import NarrativeEdit, OfficialReport, ReportSnapshot, ReportTemplate
from cchc.plans.models import Area

TEXT_MAX = 20_000
FIELD_MAX = {"number": 60, "place": 100, "signer_title": 200, "signer_name": 200}
RECIPIENTS_MAX = 2_000


class OfficialReportError(Exception):
    """Refused, with a Vietnamese message for the page and the API."""

    status = 400


class OfficialReportForbidden(OfficialReportError):
    status = 403


class OfficialReportConflict(OfficialReportError):
    status = 409


State = OfficialReport.State


def _defaults(agency: Agency | None) -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        return _vietnamese_defaults(agency)


def _vietnamese_defaults(agency: Agency | None) -> dict[str, str]:
    if agency is None:
        return {
            "signer_title": _("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"),
            "recipients": _(
                "- Bộ Nội vụ;\n- Thường trực Tỉnh ủy;\n- Thường trực HĐND tỉnh;\n"
                "- Chủ tịch, các PCT UBND tỉnh;\n- Các sở, ban, ngành;\n"
                "- UBND các huyện, thị xã, thành phố;\n- Lưu: VT, SNV."
            ),
        }
    home = _("Sở Nội vụ")
    return {
        "signer_title": _("GIÁM ĐỐC"),
        "recipients": _("- %(home)s (tổng hợp);\n- Lãnh đạo cơ quan;\n- Lưu: VT.") % {"home": home},
    }


def _snapshot_fields(report: OfficialReport) -> dict[str, Any]:
    return {
        "state": report.state,
        "version": report.version,
        "number": report.number,
        "place": report.place,
        "dated_on": report.dated_on,
        "signer_title": report.signer_title,
        "signer_name": report.signer_name,
        "recipients": report.recipients,
    }


@transaction.atomic
def official_report_create(
    *, period: ReportingPeriod, agency: Agency | None, actor: User, today: date | None = None
) -> OfficialReport:
    """A draft for the period, its narrative pre-filled from the progress reports; the
    existing one when there is one."""
    if not policy.can(actor, "official.create", {"agency": agency.pk if agency else None}):
        raise OfficialReportForbidden(_("Bạn không lập được báo cáo này."))
    if period.plan.parent_id is not None:
        raise OfficialReportError(_("Báo cáo định kỳ lập theo kỳ báo cáo của kế hoạch của tỉnh."))
    existing = OfficialReport.objects.filter(period=period, agency=agency).first()
    if existing is not None:
        return existing
    template = ReportTemplate.current(period.kind)
    if template is None and period.kind in KINDS:
        # The defaults official 0002 writes, for a database emptied since (a restore
        # onto a flushed instance, a test database).
        template, _made = ReportTemplate.objects.get_or_create(
            kind=period.kind,
            version=1,
            defaults={"title": TITLE, "sections": sections(period.kind)},
        )
    if template is None:
        raise OfficialReportError(
            _("Chưa có mẫu báo cáo cho loại kỳ «%(kind)s»; quản trị viên cần tạo mẫu.")
            % {"kind": period.get_kind_display()}
        )
    today = today or calendar.today()
    defaults = _defaults(agency)
    if agency is not None:
        # Who signs: the first of the agency's people the policy lets approve it.
        head = next(
            (
                user
                for user in User.objects.filter(
                    policy.POLICY.audience("official.approve"), agency=agency
                ).order_by("pk")[:20]
                if policy.can(user, "official.approve", {"agency": agency.pk}, when=False)
            ),
            None,
        )
        if head is not None and head.full_name:
            # Demo and real names alike may carry a note in brackets: not on a signature.
            defaults["signer_name"] = head.full_name.split(" (")[0].strip()
    report = OfficialReport(
        template=template,
        period=period,
        agency=agency,
        place=province_place(province_agency()),
        dated_on=max(today, period.ends_on) if today <= period.due_on else period.due_on,
        created_by=actor,
        **defaults,
    )
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Made by someone else a moment ago: theirs is the report.
        return OfficialReport.objects.get(period=period, agency=agency)
    areas = list(Area.objects.filter(plan=period.plan).order_by("position"))
    edits = []
    for slot in slots_of(template, areas):
        if slot["prefill"] != "progress":
            continue
        text = progress_narratives(agency, period, slot["area"])
        if text:
            edits.append(
                NarrativeEdit(report=report, slot=slot["key"], text=text, report_version=1)
            )
    NarrativeEdit.objects.bulk_create(edits)
    log_here(action="official.create", obj=report, before=None, after=_snapshot_fields(report))
    return report


def _lock(report: OfficialReport) -> OfficialReport:
    return (
        OfficialReport.objects.select_for_update(of=("self",))
        .select_related("period__plan", "agency", "template")
        .get(pk=report.pk)
    )


def _check_version(report: OfficialReport, expected: int | None) -> None:
    if expected is not None and expected != report.version:
        raise OfficialReportConflict(
            _(
                "Báo cáo đã được người khác thay đổi (phiên bản %(now)s, bạn đang sửa phiên "
                "bản %(yours)s). Hãy tải lại trang; nội dung bạn nhập chưa được lưu."
            )
            % {"now": report.version, "yours": expected}
        )


def _require(actor: User, action: str, report: OfficialReport, not_now: str) -> None:
    if not policy.can(actor, action, report, when=False):
        raise OfficialReportForbidden(_("Bạn không có quyền làm việc này với báo cáo này."))
    if not policy.can(actor, action, report):
        raise OfficialReportError(not_now)


@dataclass
class ReportInput:
    texts: dict[str, str]
    number: str | None = None
    place: str | None = None
    dated_on: date | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    recipients: str | None = None


@transaction.atomic
def official_report_save(
    *, report: OfficialReport, actor: User, data: ReportInput, expected_version: int | None
) -> OfficialReport:
    """Keep the texts that changed as new edits, and the document's details."""
    report = _lock(report)
    _require(actor, "official.edit", report, _("Báo cáo đã duyệt hoặc đã gửi không sửa được."))
    _check_version(report, expected_version)
    known = {s["key"] for s in slots_of(report.template, _plan_areas(report))}
    unknown = sorted(set(data.texts) - known)
    if unknown:
        raise OfficialReportError(
            _("Báo cáo không có đoạn «%(slot)s».") % {"slot": unknown[0][:60]}
        )
    for text in data.texts.values():
        if len(text) > TEXT_MAX:
            raise OfficialReportError(_("Đoạn lời văn dài quá %(max)s ký tự.") % {"max": TEXT_MAX})
        if "\x00" in text:
            raise OfficialReportError(_("Lời văn có ký tự không hợp lệ."))
    before = _snapshot_fields(report)
    for name, limit in FIELD_MAX.items():
        value = getattr(data, name)
        if value is None:
            continue
        value = value.strip()
        if len(value) > limit or "\x00" in value:
            raise OfficialReportError(
                _("«%(field)s» dài quá %(max)s ký tự hoặc có ký tự không hợp lệ.")
                % {
                    "field": getattr(OfficialReport._meta.get_field(name), "verbose_name", name),
                    "max": limit,
                }
            )
        if name == "place" and not value:
            raise OfficialReportError(_("Hãy ghi địa danh."))
        setattr(report, name, value)
    if data.recipients is not None:
        if len(data.recipients) > RECIPIENTS_MAX or "\x00" in data.recipients:
            raise OfficialReportError(_("«Nơi nhận» quá dài hoặc có ký tự không hợp lệ."))
        report.recipients = data.recipients.strip()
    if data.dated_on is not None:
        report.dated_on = data.dated_on
    current = {slot: edit.text for slot, edit in latest_texts(report).items()}
    changed = {
        slot: text.replace("\r\n", "\n").strip()
        for slot, text in data.texts.items()
        if text.replace("\r\n", "\n").strip() != current.get(slot, "")
    }
    report.version += 1
    report.full_clean(validate_constraints=False)
    report.save()
    NarrativeEdit.objects.bulk_create(
        NarrativeEdit(report=report, slot=slot, text=text, report_version=report.version, by=actor)
        for slot, text in sorted(changed.items())
    )
    after = _snapshot_fields(report)
    after["slots_changed"] = sorted(changed)
    log_here(action="official.save", obj=report, before=before, after=after)
    return report


def _plan_areas(report: OfficialReport) -> list[Area]:
    return list(Area.objects.filter(plan=report.period.plan).order_by("position"))


def _freeze(report: OfficialReport, actor: User, content: dict[str, Any] | None) -> None:
    ReportSnapshot.objects.create(
        report=report,
        version=report.version,
        state=report.state,
        actor=actor,
        content=content if content is not None else live_content(report),
    )


def _last_content(report: OfficialReport) -> dict[str, Any] | None:
    latest = report.snapshots.order_by("-version").first()
    return dict(latest.content) if latest else None


# What each move needs and makes: action, from-state message, new state, fresh content?
MOVES: dict[str, tuple[str, str, str]] = {
    "approve": ("official.approve", State.APPROVED, "fresh"),
    "reopen": ("official.reopen", State.DRAFT, "none"),
    "submit": ("official.submit", State.SUBMITTED, "keep"),
    "receive": ("official.receive", State.RECEIVED, "keep"),
    "return": ("official.return", State.DRAFT, "none"),
}


def _not_now(move: str) -> str:
    return {
        "approve": _("Chỉ duyệt được bản nháp."),
        "reopen": _("Chỉ trả về bản nháp được báo cáo đã duyệt mà chưa gửi."),
        "submit": _("Chỉ gửi được báo cáo đã được lãnh đạo duyệt."),
        "receive": _("Chỉ nhận được báo cáo đã gửi."),
        "return": _("Chỉ trả lại được báo cáo đã gửi hoặc đã nhận, chưa tổng hợp."),
    }[move]


@transaction.atomic
def official_report_move(
    *, report: OfficialReport, actor: User, move: str, expected_version: int | None
) -> OfficialReport:
    """One step of draft → approved → submitted → received (or back to draft)."""
    if move not in MOVES:
        raise OfficialReportError(_("Thao tác không hợp lệ."))
    action, new_state, content = MOVES[move]
    report = _lock(report)
    _require(actor, action, report, _not_now(move))
    _check_version(report, expected_version)
    if move == "submit" and report.is_province:
        # The province's report goes to Bộ Nội vụ: nothing in cchc receives it after.
        pass
    before = _snapshot_fields(report)
    frozen = _last_content(report) if content == "keep" else None
    report.state = new_state
    report.version += 1
    report.save()
    if content != "none":
        _freeze(report, actor, frozen)
    log_here(action=f"official.{move}", obj=report, before=before, after=_snapshot_fields(report))
    return report


@dataclass
class Consolidation:
    report: OfficialReport
    sources: int
    filled: int


@transaction.atomic
def official_report_consolidate(
    *, report: OfficialReport, actor: User, expected_version: int | None
) -> Consolidation:
    """Fold every agency report of the period that was sent (submitted or received) into
    the province's draft: they become "consolidated", and the province's empty narrative
    slots take their texts, agency by agency."""
    report = _lock(report)
    _require(actor, "official.consolidate", report, _("Chỉ tổng hợp được vào bản nháp của tỉnh."))
    _check_version(report, expected_version)
    sources = list(
        OfficialReport.objects.select_for_update(of=("self",))
        .filter(period=report.period, agency__isnull=False)
        .filter(state__in=[State.SUBMITTED, State.RECEIVED])
        .select_related("agency")
        .order_by("agency__sort_name", "pk")
    )
    if not sources:
        raise OfficialReportError(
            _("Chưa có báo cáo nào của các cơ quan đã gửi trong kỳ này để tổng hợp.")
        )
    current = {slot: edit.text for slot, edit in latest_texts(report).items()}
    gathered: dict[str, list[str]] = {}
    for source in sources:
        content = _last_content(source) or live_content(source)
        for written in _content_slots(content):
            text = written["text"].strip()
            if text:
                gathered.setdefault(written["key"], []).append(f"{source.agency}: {text}")
    known = {s["key"] for s in slots_of(report.template, _plan_areas(report))}
    report.version += 1
    report.save()
    filled = []
    for slot, parts in sorted(gathered.items()):
        if slot in known and not current.get(slot, "").strip():
            filled.append(
                NarrativeEdit(
                    report=report,
                    slot=slot,
                    text="\n".join(parts),
                    report_version=report.version,
                    by=actor,
                )
            )
    NarrativeEdit.objects.bulk_create(filled)
    for source in sources:
        before = _snapshot_fields(source)
        frozen = _last_content(source)
        source.state = State.CONSOLIDATED
        source.consolidated_into = report
        source.version += 1
        source.save()
        _freeze(source, actor, frozen)
        log_here(
            action="official.consolidated",
            obj=source,
            before=before,
            after=_snapshot_fields(source),
        )
    log_here(
        action="official.consolidate",
        obj=report,
        before=None,
        after={"sources": [s.pk for s in sources], "slots_filled": [e.slot for e in filled]},
    )
    return Consolidation(report=report, sources=len(sources), filled=len(filled))


def _content_slots(content: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for section in content.get("sections", []):
        found.extend(section.get("slots", []))
        for item in section.get("items", []):
            found.extend(item.get("slots", []))
    return found
