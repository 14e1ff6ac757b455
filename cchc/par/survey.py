"""Survey criteria (điều tra xã hội học): the scores the coordinator enters per agency.

A survey leaf is not scored by the agency. Its score comes from a sociological survey the
province runs; the coordinator types it per agency on the campaign's survey page, imports
it from a workbook (all or nothing), or takes it from the agency's satisfaction index in
cchc.citizens (the `citizens_satisfaction` computation, for a criterion that carries that
key or for any survey criterion the coordinator chooses). The score is kept as the item's
self score, so that appraisal and finalisation treat it like any other; the item's
version says it came from the survey (phase `survey`) and the audit records
`par.item.survey`.

Allowed to the coordinator and the administrator (`par.survey.enter`), from the opening of
the self-assessment to the end of the appraisal, on scorecards not yet locked.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from cchc.accounts.policy import Actor
from cchc.audit.types import Source
from cchc.lib import calendar, office
from cchc.lib.text import fold
from cchc.par import computed
from cchc.par.document import fmt_points
from cchc.par.models import Campaign, Criterion, Scorecard, ScoreItem, ScoreItemVersion
from cchc.par.scoring import _require, _save, _state, leaves_of, parse_score
from cchc.par.services import ParError, SetImportError
from cchc.plans.interchange import ImportIssue, Location

SHEET = "Điều tra XHH"
AGENCY_ID = "Mã cơ quan"
AGENCY_NAME = "Cơ quan"
HEADER_ROWS = 10
INDEX_KEY = "citizens_satisfaction"


class SurveyImportError(SetImportError):
    """A survey workbook that was not imported, with every problem found."""


def survey_leaves(campaign: Campaign) -> list[Criterion]:
    return [c for c in leaves_of(campaign.criteria_set_id) if c.method == Criterion.Method.SURVEY]


@dataclass
class Row:
    card: Scorecard
    items: list[ScoreItem | None]  # one per survey leaf, in their order


def survey_rows(campaign: Campaign) -> tuple[list[Criterion], list[Row]]:
    """Every scorecard of the campaign with its survey items, in three queries."""
    leaves = survey_leaves(campaign)
    cards = list(
        Scorecard.objects.filter(campaign=campaign)
        .select_related("agency")
        .order_by("agency__sort_name", "pk")
    )
    by_key: dict[tuple[int, int], ScoreItem] = {
        (i.scorecard_id, i.criterion_id): i
        for i in ScoreItem.objects.filter(
            scorecard__campaign=campaign, criterion__in=[c.pk for c in leaves]
        ).select_related("criterion", "scorecard__agency", "scorecard__campaign__criteria_set")
    }
    rows = [Row(card, [by_key.get((card.pk, c.pk)) for c in leaves]) for card in cards]
    return leaves, rows


# `inputs` of an entry that empties the item: no score, no figures.
CLEARED: dict[str, Any] = {}


def _entered(
    campaign: Campaign,
    entries: Sequence[tuple[ScoreItem, Decimal | None, dict[str, Any] | None]],
    actor: Actor,
    source: Source,
) -> int:
    changed = 0
    for item, value, inputs in entries:
        if item.self_score == value and (inputs is None or item.computed_inputs == inputs):
            continue
        before = _state(item)
        item.self_score = value
        if inputs is CLEARED:
            item.computed_inputs = None
        elif inputs is not None:
            item.computed_inputs = inputs
        _save(item, before, ScoreItemVersion.Phase.SURVEY, actor, source)
        changed += 1
    return changed


def _items_for_update(campaign: Campaign) -> dict[int, ScoreItem]:
    leaves = survey_leaves(campaign)
    return {
        i.pk: i
        for i in ScoreItem.objects.select_for_update()
        .filter(scorecard__campaign=campaign, criterion__in=[c.pk for c in leaves])
        .select_related("criterion", "scorecard__agency", "scorecard__campaign__criteria_set")
    }


def _locked_problem(item: ScoreItem) -> str:
    return _("Phiếu của %(agency)s đã chốt điểm; không sửa được tiêu chí %(code)s.") % {
        "agency": item.scorecard.agency.name,
        "code": item.criterion.code,
    }


@transaction.atomic
def survey_scores_save(
    campaign: Campaign,
    *,
    actor: Actor,
    scores: dict[int, Any],
    clear: Collection[int] = (),
    source: Source = "web",
) -> int:
    """Scores typed on the page, by item id; an empty value leaves the item as it is.
    `clear` names items whose score was entered by mistake: they go back to empty (and
    lose the satisfaction-index figures they were taken from), versioned and audited like
    any entry. All or nothing: ParError lists every wrong value. Returns how many items
    changed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(actor, "par.survey.enter", campaign, campaign, "survey")
    items = _items_for_update(campaign)
    problems: list[str] = []
    entries: list[tuple[ScoreItem, Decimal | None, dict[str, Any] | None]] = []
    for item_id in dict.fromkeys(clear):
        item = items.get(item_id)
        if item is None:
            problems.append(_("Có ô không thuộc tiêu chí điều tra của đợt này."))
        elif item.locked:
            if item.self_score is not None:
                problems.append(_locked_problem(item))
        elif item.self_score is not None or item.computed_inputs:
            entries.append((item, None, CLEARED))
    cleared = {item.pk for item, _v, _i in entries}
    for item_id, raw in scores.items():
        item = items.get(item_id)
        if item is None:
            problems.append(_("Có ô không thuộc tiêu chí điều tra của đợt này."))
            continue
        if item.pk in cleared or str(raw if raw is not None else "").strip() == "":
            continue
        label = _("Điểm điều tra của %(agency)s") % {"agency": item.scorecard.agency.name}
        try:
            value = parse_score(raw, item, label)
        except ParError as error:
            problems.append(error.message)
            continue
        if item.locked:
            if value != item.self_score:
                problems.append(_locked_problem(item))
            continue
        entries.append((item, value, None))
    if problems:
        raise ParError(" ".join(dict.fromkeys(problems)) + " " + _("Chưa lưu điểm nào."))
    return _entered(campaign, entries, actor, source)


@dataclass
class Taken:
    changed: int
    without_data: list[str]  # agencies the citizens' index cannot score
    locked: list[str]


@transaction.atomic
def survey_take_index(
    campaign: Campaign, criterion: Criterion, *, actor: Actor, source: Source = "web"
) -> Taken:
    """Score `criterion` (a survey leaf) for every open scorecard with the agency's
    satisfaction index of the campaign's year, instead of a typed number. Agencies
    without survey responses keep what they had and are named."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(actor, "par.survey.enter", campaign, campaign, "survey")
    if criterion.pk not in {c.pk for c in survey_leaves(campaign)}:
        raise ParError(_("Chỉ lấy chỉ số hài lòng cho tiêu chí điều tra xã hội học của đợt này."))
    ctx = computed.Context(year=campaign.year, today=calendar.today())
    step = campaign.criteria_set.step
    entries: list[tuple[ScoreItem, Decimal, dict[str, Any] | None]] = []
    without: list[str] = []
    locked: list[str] = []
    items = sorted(
        (i for i in _items_for_update(campaign).values() if i.criterion_id == criterion.pk),
        key=lambda i: i.scorecard.agency.sort_name,
    )
    for item in items:
        if item.locked:
            locked.append(item.scorecard.agency.name)
            continue
        result = computed.evaluate(
            INDEX_KEY,
            agency_id=item.scorecard.agency_id,
            maximum=criterion.max_points,
            step=step,
            ctx=ctx,
        )
        if result.points is None:
            without.append(item.scorecard.agency.name)
            continue
        entries.append((item, result.points, result.as_json(INDEX_KEY)))
    return Taken(_entered(campaign, entries, actor, source), without, locked)


# ---------------------------------------------------------------------------
# The workbook


def _header(leaf: Criterion) -> str:
    return _("%(code)s (tối đa %(max)s)") % {"code": leaf.code, "max": fmt_points(leaf.max_points)}


def survey_template_xlsx(campaign: Campaign) -> bytes:
    """The survey sheet of the campaign: a row per agency (its id and name), a column per
    survey criterion, filled with today's scores; what `survey_import_xlsx` reads."""
    leaves, rows = survey_rows(campaign)
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    ws.append([_("Điểm điều tra xã hội học — %(title)s") % {"title": campaign.title}])
    ws.cell(row=1, column=1).font = office.BOLD
    ws.append(
        [
            _(
                "Ghi điểm vào các cột tiêu chí (từ 0 đến điểm tối đa, theo bước %(step)s); "
                "ô để trống giữ nguyên điểm đang có. Không sửa cột «Mã cơ quan» và dòng tiêu đề."
            )
            % {"step": fmt_points(campaign.criteria_set.step)}
        ]
    )
    ws.append([])
    ws.append([AGENCY_ID, AGENCY_NAME, *[_header(leaf) for leaf in leaves]])
    for cell in ws[ws.max_row]:
        cell.font, cell.alignment, cell.border = office.BOLD, office.CENTER, office.BORDER
    for row in rows:
        values: list[Any] = [row.card.agency_id, row.card.agency.name]
        for item in row.items:
            score = None if item is None else item.self_score
            values.append(None if score is None else float(score))
        ws.append(values)
        for cell in ws[ws.max_row]:
            cell.font, cell.border = office.FONT, office.BORDER
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 45
    for n in range(len(leaves)):
        ws.column_dimensions[get_column_letter(3 + n)].width = 16
    ws.freeze_panes = "C5"
    office.sheet_landscape_a4(ws)
    workbook.properties.creator = "cchc"
    workbook.properties.created = office.document_time(None)
    workbook.properties.modified = office.document_time(None)
    return office.workbook_bytes(workbook)


def _issue(message: str, row: int | None = None, column: int | None = None, title: str = "") -> Any:
    letter = get_column_letter(column) if column else ""
    return ImportIssue(Location(sheet=SHEET, row=row, column=letter, column_title=title), message)


def _read(data: bytes, campaign: Campaign) -> dict[int, Any]:
    """Item id → the value written, from the workbook; SurveyImportError otherwise."""
    from cchc.par.xlsx import _container_issues, _text

    problems = _container_issues(data)
    if problems:
        raise SurveyImportError(problems)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
            sheets = {fold(ws.title): ws for ws in workbook.worksheets}
            ws = sheets.get(fold(SHEET))
            if ws is None:
                raise SurveyImportError(
                    [
                        _issue(
                            _("Không thấy trang «%(sheet)s»; hãy dùng tệp mẫu tải từ trang này.")
                            % {"sheet": SHEET}
                        )
                    ]
                )
            table = [tuple(r) for r in ws.iter_rows(values_only=True)]
            workbook.close()
    except SurveyImportError:
        raise
    except Exception as error:  # any parser failure means a broken file
        raise SurveyImportError(
            [
                _issue(
                    _("Không mở được bảng tính: tệp bị hỏng (%(e)s).") % {"e": type(error).__name__}
                )
            ]
        ) from error
    header = next(
        (
            n
            for n, r in enumerate(table[:HEADER_ROWS])
            if r and fold(_text(r[0])) == fold(AGENCY_ID)
        ),
        None,
    )
    if header is None:
        raise SurveyImportError(
            [_issue(_("Không thấy dòng tiêu đề có cột «%(c)s».") % {"c": AGENCY_ID})]
        )
    leaves, rows = survey_rows(campaign)
    by_code = {leaf.code: n for n, leaf in enumerate(leaves)}
    issues: list[ImportIssue] = []
    columns: dict[int, int] = {}  # sheet column index → leaf position
    for col, cell in enumerate(table[header][2:], start=2):
        text = _text(cell)
        if not text:
            continue
        code = text.split()[0]
        if code not in by_code:
            issues.append(
                _issue(
                    _("Cột «%(t)s» không phải tiêu chí điều tra xã hội học của đợt này.")
                    % {"t": text[:60]},
                    header + 1,
                    col + 1,
                )
            )
            continue
        if by_code[code] in columns.values():
            issues.append(
                _issue(_("Tiêu chí %(c)s có hai cột.") % {"c": code}, header + 1, col + 1)
            )
            continue
        columns[col] = by_code[code]
    by_agency = {row.card.agency_id: row for row in rows}
    seen: dict[int, int] = {}
    values: dict[int, Any] = {}
    for n, line in enumerate(table[header + 1 :], start=header + 2):
        if not line or all(_text(v) == "" for v in line):
            continue
        raw_id = _text(line[0])
        if not raw_id.isdigit() or int(raw_id) not in by_agency:
            issues.append(
                _issue(
                    _("«%(v)s» không phải mã của cơ quan nào có phiếu trong đợt này.")
                    % {"v": raw_id[:30] or "—"},
                    n,
                    1,
                    AGENCY_ID,
                )
            )
            continue
        agency_id = int(raw_id)
        if agency_id in seen:
            issues.append(
                _issue(
                    _("Cơ quan này đã có ở dòng %(r)s.") % {"r": seen[agency_id]}, n, 1, AGENCY_ID
                )
            )
            continue
        seen[agency_id] = n
        row = by_agency[agency_id]
        for col, position in columns.items():
            value = line[col] if col < len(line) else None
            if _text(value) == "":
                continue
            item = row.items[position]
            if item is None:
                continue
            try:
                score = parse_score(value, item, _("Điểm"))
            except ParError as error:
                issues.append(_issue(error.message, n, col + 1, leaves[position].code))
                continue
            if item.locked and score != item.self_score:
                issues.append(_issue(_locked_problem(item), n, col + 1, leaves[position].code))
                continue
            values[item.pk] = score
    if issues:
        raise SurveyImportError(issues)
    return values


def survey_import_xlsx(
    campaign: Campaign, data: bytes, *, actor: Actor, source: Source = "web"
) -> int:
    """Every score of the workbook, or none: SurveyImportError lists each problem with its
    row and column. Refused like the page outside the window. Returns how many changed."""
    _require(actor, "par.survey.enter", campaign, campaign, "survey")
    values = _read(data, campaign)
    return survey_scores_save(campaign, actor=actor, scores=values, source=source)
