"""The data blocks of an official report: one registry, one small function per block.

A block is computed for an agency (or the province, `agency=None`) and a reporting period,
from the same read functions the pages use, so that a report says what the dashboards say:

- `tasks_by_area`: the dashboards' "Tiến độ theo lĩnh vực" table (`agency_dashboard` /
  `province_dashboard`), one row per area of the plan;
- `timeliness_by_area`: the dashboards' "theo thời hạn" counts (`_timeliness_counts` over
  the same items), per area, with the dashboard's totals on the last row;
- `documents_issued`: the agency's documents (`cchc.documents`) dated within the period;
- `survey_index`: the satisfaction index (`cchc.citizens.index`) of the quarters the
  period covers, by the configured method.

- `feedback_stats`: feedback on regulations received in the period and its handling
  (`cchc.citizens.feedback.feedback_stats`, the dashboards' panel);
- `indicator_values`: each plan indicator's latest value to the period's end and its status
  (`cchc.citizens.indicators.indicator_values`, the indicators page);
- `par_results`: published PAR INDEX results up to the period's end (`CampaignResult`).

A template naming an unknown block is
refused by the admin form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency
from cchc.monitoring.models import ReportingPeriod


@dataclass
class BlockTable:
    """What a block gives: columns, rows, and per row the area code it belongs to (or "")."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    note: str = ""

    def for_area(self, code: str) -> BlockTable:
        picked = [i for i, a in enumerate(self.areas) if a == code]
        return BlockTable(
            self.columns, [self.rows[i] for i in picked], [code] * len(picked), self.note
        )


@dataclass(frozen=True)
class Block:
    key: str
    title: str | Promise
    method: str | Promise  # how it is computed, printed under the block
    compute: Callable[[Agency | None, ReportingPeriod, dict[str, Any]], BlockTable]
    per_area: bool = False  # rows carry an area code; a per-area section shows its own


BLOCKS: dict[str, Block] = {}


def register(block: Block) -> Block:
    if block.key in BLOCKS:
        raise ValueError(f"block {block.key!r} is registered twice")
    BLOCKS[block.key] = block
    return block


def as_of(period: ReportingPeriod, today: date) -> date:
    """The day a period's figures stand on: its cut-off, or today while it runs (the
    dashboards' `select_plan` rule)."""
    return min(today, period.ends_on)


def _selection(period: ReportingPeriod, cache: dict[str, Any]) -> Any:
    from cchc.dashboards.queries import Selection

    plan = period.plan
    return Selection(
        plans=[plan],
        plan=plan,
        periods=list(plan.periods.order_by("position")),
        period=period,
        as_of=as_of(period, cache["today"]),
    )


def _dashboard(agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]) -> Any:
    """The dashboard of the agency (or the province) for the period, once per report."""
    key = f"dashboard:{agency.pk if agency else 0}:{period.pk}"
    if key not in cache:
        from cchc.dashboards.queries import agency_dashboard, province_dashboard

        selection = _selection(period, cache)
        if agency is None:
            cache[key] = province_dashboard(
                selection, today=cache["today"], agency_url=lambda pk: ""
            )
        else:
            cache[key] = agency_dashboard(selection, agency)
    return cache[key]


def tasks_by_area(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    table = _dashboard(agency, period, cache).areas.table
    rows = [list(row) for row in table.rows]
    return BlockTable(list(table.columns), rows, [str(row[0]) for row in rows])


def timeliness_by_area(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    from cchc.dashboards.queries.common import _areas, _timeliness_counts

    board = _dashboard(agency, period, cache)
    items = board.items if agency is not None else board.progress.items
    totals = board.timeliness if agency is None else None
    areas = _areas(period.plan)
    by_area: dict[int, list[Any]] = {}
    for item in items:
        by_area.setdefault(item.area_id, []).append(item)
    overall = _timeliness_counts(items)
    if totals is not None:
        overall = totals
    columns = [_("Mã"), _("Lĩnh vực"), _("Số việc"), *[c.label for c in overall]]
    rows, codes = [], []
    for area in areas:
        if area.pk not in by_area:
            continue
        counts = _timeliness_counts(by_area[area.pk])
        rows.append([area.code, area.title, len(by_area[area.pk]), *[c.count for c in counts]])
        codes.append(area.code)
    rows.append(["", _("Cộng"), sum(c.count for c in overall), *[c.count for c in overall]])
    codes.append("")
    return BlockTable(columns, rows, codes)


def documents_issued(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    from cchc.documents.models import Document

    documents = Document.objects.filter(
        issued_on__gte=period.starts_on, issued_on__lte=period.ends_on
    )
    if agency is None:
        if period.plan.province_id is not None:
            documents = documents.filter(agency__province_id=period.plan.province_id)
    else:
        rows = [
            [index, d.number, d.issued_on.strftime("%d/%m/%Y") if d.issued_on else "", d.summary]
            for index, d in enumerate(
                documents.filter(agency=agency).order_by("issued_on", "number", "pk"), start=1
            )
        ]
        return BlockTable(
            [_("TT"), _("Số, ký hiệu"), _("Ngày ban hành"), _("Trích yếu")], rows, [""] * len(rows)
        )
    counts: dict[str, int] = {}
    for name in documents.order_by("agency__sort_name").values_list("agency__name", flat=True):
        counts[name] = counts.get(name, 0) + 1
    rows = [[index, name, n] for index, (name, n) in enumerate(counts.items(), start=1)]
    rows.append(["", _("Cộng"), sum(counts.values())])
    return BlockTable([_("TT"), _("Cơ quan"), _("Số văn bản")], rows, [""] * len(rows))


def _province_agency_ids(period: ReportingPeriod, cache: dict[str, Any]) -> list[int]:
    """The agencies of the report's province (a province-wide report counts only them)."""
    key = f"province-agencies:{period.plan.province_id}"
    if key not in cache:
        cache[key] = list(
            Agency.objects.filter(province_id=period.plan.province_id).values_list("pk", flat=True)
        )
    return list(cache[key])


def _quarters(period: ReportingPeriod) -> list[int]:
    """The calendar quarters a period reports on: the last one for a quarter's report,
    every one up to its end for the 6-month, 9-month and annual ones."""
    last = (period.ends_on.month - 1) // 3 + 1
    if period.kind == ReportingPeriod.Kind.QUARTER:
        return [last]
    return list(range(1, last + 1))


def survey_index(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    from cchc.citizens import index
    from cchc.citizens.models import SurveyResponse
    from cchc.citizens.services import active_definition

    method = index.method_for(None)
    definition = active_definition()
    elements = list(definition.elements.order_by("position").values_list("code", "title"))
    codes = [code for code, _title in elements]
    responses = SurveyResponse.objects.filter(year=period.plan.year, quarter__in=_quarters(period))
    if agency is not None:
        responses = responses.filter(agency=agency)
    elif period.plan.province_id is not None:
        # By the province's agency ids, not a join, so that the tallies still serve.
        responses = responses.filter(agency_id__in=_province_agency_ids(period, cache))
    figure = index.overall_figure(responses, method, codes, index.element_codes())
    rows: list[list[Any]] = [
        [position, title, figure.tallies.get(code, index.Tally()).valid, figure.elements[code]]
        for position, (code, title) in enumerate(elements, start=1)
    ]
    rows.append(["", _("Chỉ số hài lòng chung (SIPAS)"), figure.responses, figure.overall])
    return BlockTable(
        [_("TT"), _("Yếu tố"), _("Số câu trả lời / phiếu"), _("Chỉ số (%)")],
        rows,
        [""] * len(rows),
        note=str(method.label),
    )


register(
    Block(
        "tasks_by_area",
        gettext_lazy("Tiến độ thực hiện nhiệm vụ theo lĩnh vực"),
        gettext_lazy(
            "Như bảng «Tiến độ theo lĩnh vực» của bảng điều khiển, tại ngày chốt số liệu của "
            "kỳ: các báo cáo tiến độ đã gửi đến hết kỳ; tỷ lệ theo cách tính của kế hoạch."
        ),
        tasks_by_area,
        per_area=True,
    )
)
register(
    Block(
        "timeliness_by_area",
        gettext_lazy("Các việc theo tình trạng và thời hạn"),
        gettext_lazy(
            "Mỗi việc là một hoạt động được giao cho một cơ quan (chủ trì hoặc phối hợp), "
            "xếp theo thời hạn tại ngày chốt số liệu; dòng «Cộng» bằng số của bảng điều khiển."
        ),
        timeliness_by_area,
        per_area=True,
    )
)
register(
    Block(
        "documents_issued",
        gettext_lazy("Văn bản đã ban hành trong kỳ"),
        gettext_lazy(
            "Các văn bản cơ quan đã ghi nhận trong cchc có ngày ban hành trong kỳ báo cáo."
        ),
        documents_issued,
    )
)
register(
    Block(
        "survey_index",
        gettext_lazy("Kết quả khảo sát mức độ hài lòng"),
        gettext_lazy(
            "Các phiếu khảo sát của năm kế hoạch, các quý kỳ báo cáo bao gồm; chỉ số theo "
            "cách tính đang dùng ở trang kết quả khảo sát."
        ),
        survey_index,
    )
)


def feedback_block(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    from cchc.citizens.feedback import feedback_stats

    stats = feedback_stats(
        agency, period.starts_on, period.ends_on, province=period.plan.province_id
    )
    rows: list[list[Any]] = [
        [1, _("Tiếp nhận trong kỳ"), stats.received],
        [2, _("Đã trả lời"), stats.answered],
        [3, _("Trả lời đúng hạn"), stats.on_time],
        [4, _("Từ chối tiếp nhận"), stats.rejected],
        [5, _("Chưa trả lời"), stats.open],
        [6, _("Quá hạn chưa trả lời"), stats.overdue],
    ]
    return BlockTable([_("TT"), _("Phản ánh, kiến nghị"), _("Số lượng")], rows, [""] * len(rows))


def _number(value: Any) -> str:
    """A measured value as a Vietnamese document writes it: 41,2, not 41.20."""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text.replace(".", ",")


def indicator_block(
    agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]
) -> BlockTable:
    from cchc.citizens.indicators import indicator_values

    rows: list[list[Any]] = []
    for position, value in enumerate(
        indicator_values(agency, period.ends_on, province=period.plan.province_id), start=1
    ):
        indicator = value.indicator
        unit = f" {indicator.unit}" if indicator.unit else ""
        latest = "" if value.latest is None else f"{_number(value.latest.value)}{unit}"
        measured = "" if value.latest is None else value.latest.measured_on.strftime("%d/%m/%Y")
        rows.append(
            [
                position,
                indicator.name,
                f"{_number(indicator.target_value)}{unit}",
                latest,
                measured,
                value.status_label,
            ]
        )
    return BlockTable(
        [
            _("TT"),
            _("Chỉ tiêu"),
            _("Mục tiêu"),
            _("Giá trị mới nhất"),
            _("Ngày đo"),
            _("Trạng thái"),
        ],
        rows,
        [""] * len(rows),
    )


def par_block(agency: Agency | None, period: ReportingPeriod, cache: dict[str, Any]) -> BlockTable:
    from cchc.par.models import CampaignResult

    results = CampaignResult.objects.filter(
        campaign__year__lt=period.plan.year + 1,
        campaign__published_at__isnull=False,
        campaign__published_at__date__lte=period.ends_on,
    ).select_related("agency", "campaign__group")
    if agency is not None:
        results = results.filter(agency=agency)
    elif period.plan.province_id is not None:
        results = results.filter(agency__province_id=period.plan.province_id)
    rows = [
        [
            position,
            r.campaign.year,
            r.agency.name,
            r.index,
            r.rank,
            r.classification,
        ]
        for position, r in enumerate(
            results.order_by("-campaign__year", "campaign__group__name", "rank", "agency__name"),
            start=1,
        )
    ]
    return BlockTable(
        [_("TT"), _("Năm"), _("Cơ quan"), _("Chỉ số (%)"), _("Xếp hạng"), _("Xếp loại")],
        rows,
        [""] * len(rows),
    )


register(
    Block(
        "feedback_stats",
        gettext_lazy("Tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành chính"),
        gettext_lazy(
            "Các phản ánh, kiến nghị nhận trong kỳ (chuyển đến cơ quan, hoặc của cả tỉnh), "
            "tình trạng tại ngày cuối kỳ: đúng hạn là trả lời không muộn hơn hạn tính theo "
            "ngày làm việc (cchc.citizens.feedback.feedback_stats)."
        ),
        feedback_block,
    )
)
register(
    Block(
        "indicator_values",
        gettext_lazy("Các chỉ tiêu của kế hoạch"),
        gettext_lazy(
            "Giá trị đo mới nhất đến ngày cuối kỳ của mỗi chỉ tiêu (cơ quan chịu trách "
            "nhiệm, hoặc cả tỉnh) và trạng thái theo quy tắc ở trang Chỉ tiêu."
        ),
        indicator_block,
    )
)
register(
    Block(
        "par_results",
        gettext_lazy("Kết quả Chỉ số cải cách hành chính đã công bố"),
        gettext_lazy(
            "Kết quả các đợt đánh giá PAR INDEX đã công bố đến ngày cuối kỳ: chỉ số, hạng "
            "trong nhóm và xếp loại; chưa có đợt nào công bố thì bảng trống."
        ),
        par_block,
    )
)
