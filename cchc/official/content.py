"""What a report says: its header, numbered sections, figures and narrative, as plain data.

`report_content` gives one JSON-ready dict that the page, the DOCX, the XLSX annexes and
the PDF all print, so that they cannot disagree. A draft's content is computed from
today's data; after approval it is the frozen snapshot (`ReportSnapshot`), so a sent
report prints the same whatever happens to the data afterwards.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.lib import calendar
from cchc.lib.roman import to_roman
from cchc.monitoring.models import ProgressReport, ReportingPeriod
from cchc.monitoring.readmodel import SENT_STATES
from cchc.official.blocks import BLOCKS, as_of
from cchc.official.models import NarrativeEdit, OfficialReport, ReportTemplate
from cchc.plans.models import Area

# The content's own format: a snapshot says which one it was written in.
CONTENT_FORMAT = 1


def period_phrase(period: ReportingPeriod) -> str:
    """How the title names the period: «quý I năm 2022», «6 tháng đầu năm 2022» …"""
    year = period.plan.year
    kind = period.kind
    if kind == ReportingPeriod.Kind.QUARTER:
        quarter = (period.ends_on.month - 1) // 3 + 1
        return _("quý %(q)s năm %(year)s") % {"q": to_roman(quarter), "year": year}
    if kind == ReportingPeriod.Kind.HALF_YEAR:
        return _("6 tháng đầu năm %(year)s") % {"year": year}
    if kind == ReportingPeriod.Kind.NINE_MONTHS:
        return _("9 tháng năm %(year)s") % {"year": year}
    return _("năm %(year)s") % {"year": year}


def place_and_date(place: str, day: date) -> str:
    """Nghị định 30/2020: a day below 10 and a month below 3 are written with a leading 0."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place,
        "day": day_text,
        "month": month_text,
        "year": day.year,
    }


def symbol_of(name: str) -> str:
    """The letters of an agency's symbol: «Sở Tư pháp» → «STP»; «UBND …» keeps «UBND»."""
    words = name.split()
    if words and words[0].upper() == "UBND":
        return "UBND"
    return "".join(word[0].upper() for word in words if word[:1].isalpha())


def province_agency() -> Agency | None:
    return Agency.objects.filter(kind=Agency.Kind.PROVINCE).order_by("pk").first()


def province_place(province: Agency | None) -> str:
    name = province.name if province else ""
    for prefix in ("UBND tỉnh ", "Ủy ban nhân dân tỉnh ", "UBND thành phố ", "UBND "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def latest_texts(report: OfficialReport) -> dict[str, NarrativeEdit]:
    """slot → its latest edit."""
    latest: dict[str, NarrativeEdit] = {}
    for edit in report.edits.order_by("slot", "pk"):
        latest[edit.slot] = edit
    return latest


def _areas(report: OfficialReport) -> list[Area]:
    return list(Area.objects.filter(plan=report.period.plan).order_by("position"))


def slots_of(template: ReportTemplate, areas: list[Area]) -> list[dict[str, str]]:
    """Every narrative slot of a template, per-area sections expanded: key, label, prefill,
    area code."""
    found = []
    for section in template.sections:
        slots = section.get("slots", [])
        if section.get("per_area"):
            for area in areas:
                for slot in slots:
                    found.append(
                        {
                            "key": f"{slot['key']}-{area.code}",
                            "label": f"{area.code}. {area.title} — {slot['label']}",
                            "prefill": slot.get("prefill", ""),
                            "area": area.code,
                        }
                    )
        else:
            for slot in slots:
                found.append({**slot, "prefill": slot.get("prefill", ""), "area": ""})
    return found


def progress_narratives(agency: Agency | None, period: ReportingPeriod, area_code: str) -> str:
    """The results its progress reports of the period state, one line per activity."""
    reports = ProgressReport.objects.filter(
        period=period, state__in=SENT_STATES, assignment__activity__plan=period.plan
    ).exclude(narrative="")
    if agency is not None:
        reports = reports.filter(assignment__agency=agency)
    if area_code:
        reports = reports.filter(assignment__activity__task__area__code=area_code)
    lines = []
    for title, narrative, agency_name in reports.order_by(
        "assignment__activity__task__area__position",
        "assignment__activity__task__position",
        "assignment__activity__position",
        "assignment__agency__sort_name",
        "pk",
    ).values_list("assignment__activity__title", "narrative", "assignment__agency__name"):
        who = "" if agency is not None else f" ({agency_name})"
        lines.append(f"- {title}{who}: {' '.join(narrative.split())}")
    return "\n".join(lines)


def _cell(value: Any) -> Any:
    """A JSON-ready cell: dates as dd/mm/yyyy, floats to one decimal (as the pages show)."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return round(value, 1)
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _block(key: str, agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]) -> Any:
    if key not in cache:
        cache[key] = BLOCKS[key].compute(agency, period, cache)
    return cache[key]


def _block_out(key: str, table: Any) -> dict[str, Any]:
    block = BLOCKS[key]
    return {
        "key": key,
        "title": str(block.title),
        "method": str(block.method) + (f" {table.note}" if table.note else ""),
        "columns": [str(c) for c in table.columns],
        "rows": [[_cell(v) for v in row] for row in table.rows],
    }


def live_content(report: OfficialReport, *, today: date | None = None) -> dict[str, Any]:
    """The content of a report from today's data and its latest texts. A document sent
    upward is Vietnamese whatever language the reader's pages are in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _live_content(report, today=today)


def _live_content(report: OfficialReport, *, today: date | None = None) -> dict[str, Any]:
    today = today or calendar.today()
    period = report.period
    agency = report.agency
    template = report.template
    areas = _areas(report)
    texts = {slot: edit.text for slot, edit in latest_texts(report).items()}
    cache: dict[str, Any] = {"today": today}
    sections = []
    annexes: list[dict[str, Any]] = []
    for index, section in enumerate(template.sections, start=1):
        out: dict[str, Any] = {
            "number": to_roman(index),
            "title": section["title"],
            "items": [],
            "blocks": [],
            "slots": [],
        }
        keys = [k for k in section.get("blocks", []) if k in BLOCKS]
        if section.get("per_area"):
            for position, area in enumerate(areas, start=1):
                item: dict[str, Any] = {
                    "number": str(position),
                    "title": area.title,
                    "blocks": [],
                    "slots": [],
                }
                for key in keys:
                    table = _block(key, agency, period, cache)
                    if BLOCKS[key].per_area:
                        table = table.for_area(area.code)
                    item["blocks"].append(_block_out(key, table))
                for slot in section.get("slots", []):
                    slot_key = f"{slot['key']}-{area.code}"
                    item["slots"].append(
                        {"key": slot_key, "label": slot["label"], "text": texts.get(slot_key, "")}
                    )
                out["items"].append(item)
        else:
            for key in keys:
                out["blocks"].append(_block_out(key, _block(key, agency, period, cache)))
            for slot in section.get("slots", []):
                out["slots"].append(
                    {"key": slot["key"], "label": slot["label"], "text": texts.get(slot["key"], "")}
                )
        sections.append(out)
    # The annexes: every block of the template, whole (all areas), once.
    seen: list[str] = []
    for section in template.sections:
        for key in section.get("blocks", []):
            if key in BLOCKS and key not in seen:
                seen.append(key)
    for position, key in enumerate(seen, start=1):
        annex = _block_out(key, _block(key, agency, period, cache))
        annex["number"] = to_roman(position)
        annexes.append(annex)

    province = province_agency()
    if agency is not None:
        parent = agency.parent.name if agency.parent_id and agency.parent else ""
        issuer = agency.name
    else:
        parent = ""
        issuer = province.name if province else period.plan.issuer
    symbol = symbol_of(issuer)
    number = report.number.strip()
    sources = [
        {"agency": name, "state": str(OfficialReport.State(state).label)}
        for name, state in report.sources.order_by("agency__sort_name").values_list(
            "agency__name", "state"
        )
    ]
    return {
        "format": CONTENT_FORMAT,
        "template": {"kind": template.kind, "version": template.version},
        "issuer_parent": parent.upper(),
        "issuer": issuer.upper(),
        "number": _("Số: %(number)s") % {"number": number}
        if number
        else _("Số:        /BC-%(symbol)s") % {"symbol": symbol},
        "place_date": place_and_date(report.place, report.dated_on),
        "kind": _("BÁO CÁO"),
        "title": template.title.replace("{period}", period_phrase(period)),
        "period": period.name,
        "as_of": as_of(period, today).strftime("%d/%m/%Y"),
        "plan": period.plan.title,
        "sections": sections,
        "annexes": annexes,
        "signer_title": report.signer_title,
        "signer_name": report.signer_name,
        "recipients": [line.strip() for line in report.recipients.splitlines() if line.strip()],
        "sources": sources,
    }


def report_content(
    report: OfficialReport, *, version: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """What the report says: a given version, else the latest snapshot once it left the
    draft, else today's content."""
    snapshots = report.snapshots.all()
    if version is not None:
        found = snapshots.filter(version=version).first()
        if found is None:
            raise KeyError(version)
        return dict(found.content)
    if not report.is_editable:
        latest = snapshots.aggregate(v=Max("version"))["v"]
        if latest is not None:
            return dict(snapshots.get(version=latest).content)
    return live_content(report, today=today)
