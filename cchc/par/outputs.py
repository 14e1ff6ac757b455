"""The PAR INDEX papers: the official ranking table of a published campaign (XLSX, DOCX),
each agency's scorecard (DOCX, and PDF converted by LibreOffice), and the charts.

The Office files share cchc's administrative look (cchc.lib.office: Times New Roman,
thin borders, A4, the national motto block) and are byte-stable: the same data written
twice gives the same bytes (fixed zip times, document time = the publication day).
The PDF comes from the DOCX through LibreOffice headless (`soffice`); where LibreOffice is
not installed the PDF job fails with a clear message rather than produce something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

import docx
from django.utils.translation import gettext as _
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from openpyxl import Workbook

from cchc.lib.libreoffice import ConversionFailed, OfficeUnavailable, convert
from cchc.lib.office import (
    BOLD,
    BORDER,
    CENTER,
    FONT,
    WRAP,
    document_defaults,
    document_landscape_a4,
    document_time,
    sheet_landscape_a4,
    stable_zip,
    workbook_bytes,
)
from cchc.par.models import Campaign, CampaignResult, Criterion, Scorecard, ScoreItem
from cchc.plans.formats.xlsx.layout import safe_text

MOTTO = ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _num(value: Decimal | None) -> str:
    """2,50 — the Vietnamese decimal comma; an empty value is a dash."""
    if value is None:
        return "—"
    return f"{value:.2f}".replace(".", ",")


@dataclass
class RankingTable:
    campaign: Campaign
    areas: list[Criterion]
    results: list[CampaignResult]

    @property
    def title(self) -> str:
        return _("Bảng xếp hạng Chỉ số cải cách hành chính năm %(year)s — %(group)s") % {
            "year": self.campaign.year,
            "group": self.campaign.group.name,
        }

    def columns(self) -> list[str]:
        return [
            _("Xếp hạng"),
            _("Cơ quan"),
            *[f"{_('Chỉ số')} {a.code}" for a in self.areas],
            _("Tổng điểm"),
            _("Chỉ số (%)"),
            _("Xếp loại"),
            _("Năm trước (%)"),
            _("Thay đổi"),
        ]

    def rows(self) -> list[list[str]]:
        out = []
        for r in self.results:
            out.append(
                [
                    str(r.rank),
                    r.agency.name,
                    *[_num(_dec(r.components.get(a.code))) for a in self.areas],
                    f"{_num(r.total)}/{_num(r.maximum)}",
                    _num(r.index),
                    r.classification,
                    _num(r.previous_index),
                    _signed(r.change),
                ]
            )
        return out

    def sheet_columns(self) -> list[str]:
        """The spreadsheet's columns: the total and its maximum apart, so each is a number."""
        columns = self.columns()
        at = columns.index(_("Tổng điểm"))
        return [*columns[: at + 1], _("Điểm tối đa"), *columns[at + 1 :]]

    def sheet_rows(self) -> list[list[Any]]:
        """The rows as numbers a spreadsheet can sum and sort (None where there is none)."""
        return [
            [
                r.rank,
                r.agency.name,
                *[_dec(r.components.get(a.code)) for a in self.areas],
                r.total,
                r.maximum,
                r.index,
                r.classification,
                r.previous_index,
                r.change,
            ]
            for r in self.results
        ]


def _dec(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + _num(value)


def ranking_table(campaign: Campaign) -> RankingTable:
    """The published ranking in three queries whatever the number of agencies."""
    from cchc.par.results import published_results

    areas = list(
        Criterion.objects.filter(criteria_set_id=campaign.criteria_set_id, level=1).order_by(
            "position"
        )
    )
    return RankingTable(campaign, areas, published_results(campaign))


def _publication_day(campaign: Campaign) -> Any:
    return campaign.published_at.date() if campaign.published_at else None


def ranking_xlsx(table: RankingTable) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = _("Xếp hạng")
    columns = table.sheet_columns()
    ws.append([safe_text(table.title)])
    ws.cell(row=1, column=1).font = BOLD
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    basis = table.results[0].classification_regulation if table.results else ""
    ws.append([safe_text(_("Căn cứ xếp loại: %(basis)s") % {"basis": basis or "—"})])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    ws.append([])
    ws.append(columns)
    for cell in ws[4]:
        cell.font, cell.border, cell.alignment = BOLD, BORDER, CENTER
    change = len(columns)
    for row in table.sheet_rows():
        ws.append([safe_text(v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            cell.font, cell.border, cell.alignment = FONT, BORDER, WRAP
            if isinstance(cell.value, Decimal):
                # Shown as Excel shows numbers in the reader's locale (2,50 in Vietnamese).
                cell.number_format = "+0.00;-0.00;0.00" if cell.column == change else "0.00"
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 40
    # Wide enough for each heading on one line ("Năm trước (%)"), so no row is cut.
    for cell in ws[4][2:]:
        ws.column_dimensions[cell.column_letter].width = max(9, len(str(cell.value)) + 3)
    ws.print_title_rows = "4:4"
    sheet_landscape_a4(ws)
    stamp = document_time(_publication_day(table.campaign))
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "cchc"
    workbook.properties.lastModifiedBy = "cchc"
    return workbook_bytes(workbook)


def _motto(document: Any, issuer: str) -> None:
    """The heading block of an administrative paper: issuer left, national motto right."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(safe_text(issuer.upper())).bold = True
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(MOTTO[0]).bold = True
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(MOTTO[1]).bold = True
    document.add_paragraph()


def _heading(document: Any, text: str, *, bold: bool = True) -> None:
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(safe_text(text))
    run.bold = bold or None
    run.italic = (not bold) or None


def _grid(document: Any, columns: list[str], rows: list[list[str]]) -> Any:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(safe_text(title)).bold = True
    from docx.oxml import OxmlElement

    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.paragraphs[0].add_run(safe_text(value))
    return table


def _layout(table: Any, widths_cm: list[float], *, numbers_from: int) -> None:
    """Fixed column widths (every cell carries its width: LibreOffice and Word read the
    cells, not only the grid) and the figures right-aligned from column `numbers_from`."""
    table.autofit = False
    for index, row in enumerate(table.rows):
        for n, (cell, width) in enumerate(zip(row.cells, widths_cm, strict=True)):
            cell.width = Cm(width)
            if n >= numbers_from and index > 0:
                for paragraph in cell.paragraphs:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)


def _save(document: Any, title: str, day: Any) -> bytes:
    properties = document.core_properties
    stamp = document_time(day)
    properties.author = "cchc"
    properties.last_modified_by = "cchc"
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1
    properties.title = safe_text(title)[:255]
    buffer = BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def ranking_docx(table: RankingTable, *, issuer: str) -> bytes:
    document = docx.Document()
    document_defaults(document)
    document_landscape_a4(document.sections[0])
    _motto(document, issuer)
    _heading(document, table.title)
    basis = table.results[0].classification_regulation if table.results else ""
    _heading(document, _("Căn cứ xếp loại: %(basis)s") % {"basis": basis or "—"}, bold=False)
    document.add_paragraph()
    grid = _grid(document, table.columns(), table.rows())
    # Rank, agency, one column per area, total, index, class, last year, change: 24.7 cm,
    # the width of landscape A4 inside the administrative margins.
    # Fifteen columns fit in 10 pt.
    areas = len(table.areas)
    component = round(10.8 / areas, 2) if areas else 0
    _layout(
        grid,
        [1.3, 4.6, *[component] * areas, 2.1, 1.4, 1.9, 1.3, 1.3],
        numbers_from=2,
    )
    for row in grid.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(10)
    for row in grid.rows[1:]:
        row.cells[-3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT  # the class
    return _save(document, table.title, _publication_day(table.campaign))


@dataclass
class ScorecardRow:
    code: str
    title: str
    level: int
    maximum: Decimal
    self_score: Decimal | None
    appraised: Decimal | None
    final: Decimal | None


def scorecard_rows(scorecard: Scorecard) -> list[ScorecardRow]:
    """Every node of the set in order, leaves with their three scores; areas and criteria
    with the sums of their leaves."""
    nodes = list(
        Criterion.objects.filter(criteria_set_id=scorecard.campaign.criteria_set_id).order_by(
            "position", "pk"
        )
    )
    items = {i.criterion_id: i for i in ScoreItem.objects.filter(scorecard=scorecard)}
    children: dict[int | None, list[Criterion]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[ScorecardRow] = []

    def walk(node: Criterion) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        row = ScorecardRow(node.code, node.title, node.level, node.max_points, None, None, None)
        rows.append(row)
        kids = children.get(node.pk, [])
        if not kids:
            item = items.get(node.pk)
            if item is not None:
                row.self_score, row.appraised, row.final = (
                    item.self_score,
                    item.appraised_score,
                    item.final_score,
                )
        else:
            sums: list[Decimal | None] = [None, None, None]
            for kid in kids:
                for n, value in enumerate(walk(kid)):
                    if value is not None:
                        sums[n] = (sums[n] or Decimal(0)) + value
            row.self_score, row.appraised, row.final = sums
        return row.self_score, row.appraised, row.final

    for area in children.get(None, []):
        walk(area)
    return rows


def scorecard_docx(scorecard: Scorecard, *, issuer: str) -> bytes:
    campaign = scorecard.campaign
    document = docx.Document()
    document_defaults(document)
    document_landscape_a4(document.sections[0])
    _motto(document, issuer)
    title = _("Phiếu chấm điểm Chỉ số cải cách hành chính năm %(year)s") % {"year": campaign.year}
    _heading(document, title)
    _heading(document, scorecard.agency.name)
    _heading(
        document,
        _("Trạng thái: %(status)s") % {"status": scorecard.get_status_display()},
        bold=False,
    )
    document.add_paragraph()
    rows = scorecard_rows(scorecard)
    grid = _grid(
        document,
        [_("Mã"), _("Tiêu chí"), _("Điểm tối đa"), _("Tự chấm"), _("Thẩm định"), _("Cuối cùng")],
        [
            [
                r.code,
                r.title,
                _num(r.maximum),
                _num(r.self_score),
                _num(r.appraised),
                _num(r.final),
            ]
            for r in rows
        ],
    )
    # The criterion's title takes the room; the four scores side by side, right-aligned.
    _layout(grid, [2.0, 12.7, 2.5, 2.5, 2.5, 2.5], numbers_from=2)
    for row, node in zip(grid.rows[1:], rows, strict=True):
        if node.level == 1:  # an area: its row in bold
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    result = CampaignResult.objects.filter(
        campaign=campaign, agency_id=scorecard.agency_id, campaign__published_at__isnull=False
    ).first()
    document.add_paragraph()
    if result is not None:
        p = document.add_paragraph()
        p.add_run(
            _(
                "Tổng điểm: %(total)s/%(max)s; Chỉ số: %(index)s%%; Xếp hạng: %(rank)s; "
                "Xếp loại: %(class)s."
            )
            % {
                "total": _num(result.total),
                "max": _num(result.maximum),
                "index": _num(result.index),
                "rank": result.rank,
                "class": result.classification,
            }
        ).bold = True
    else:
        document.add_paragraph(_("Kết quả chưa được công bố."))
    day = _publication_day(campaign) or (
        scorecard.finalised_at.date() if scorecard.finalised_at else None
    )
    return _save(document, f"{title} — {scorecard.agency.name}", day)


class PdfUnavailable(Exception):
    """LibreOffice (soffice) is not installed here."""


def docx_to_pdf(data: bytes, *, timeout: int = 120) -> bytes:
    """The scorecard converted by LibreOffice headless (cchc.lib.libreoffice)."""
    try:
        return convert(
            data,
            source="docx",
            target="pdf",
            timeout=timeout,
            prefix="cchc-scorecard-pdf-",
            env={"SOURCE_DATE_EPOCH": "946684800"},
        )
    except OfficeUnavailable:
        raise PdfUnavailable(_("Máy chủ chưa cài LibreOffice nên chưa tạo được tệp PDF.")) from None
    except ConversionFailed as failure:
        raise PdfUnavailable(_("LibreOffice không chuyển được phiếu sang PDF.")) from failure


# ---------------------------------------------------------------------------
# Charts (SVG on the server, cchc.dashboards.charts)

# A chart of thousands of rows reads as nothing: the charts show the first agencies by
# rank, and say so; the table and the downloads hold them all.
CHART_ROWS = 40


def component_chart(table: RankingTable) -> Any:
    from cchc.dashboards.charts import Cell, HeatRow, heatmap

    return heatmap(
        chart_id="par-components",
        title=_("Chỉ số thành phần theo cơ quan"),
        desc=_("Mỗi hàng là một cơ quan, mỗi cột là một lĩnh vực; ô ghi chỉ số thành phần (%)."),
        columns=[a.code for a in table.areas],
        column_titles=[a.title for a in table.areas],
        rows=[
            HeatRow(
                label=r.agency.name,
                cells=[
                    Cell(
                        value=float(v)
                        if (v := _dec(r.components.get(a.code))) is not None
                        else None,
                        title=f"{r.agency.name} — {a.title}",
                    )
                    for a in table.areas
                ],
            )
            for r in table.results[:CHART_ROWS]
        ],
    )


def change_chart(table: RankingTable) -> Any:
    from cchc.dashboards.charts import Cell, HeatRow, heatmap

    year = table.campaign.year
    return heatmap(
        chart_id="par-change",
        title=_("Chỉ số năm %(year)s so với năm trước") % {"year": year},
        desc=_("Mỗi hàng là một cơ quan: chỉ số năm trước và năm nay (%)."),
        columns=[str(year - 1), str(year)],
        column_titles=[str(year - 1), str(year)],
        rows=[
            HeatRow(
                label=r.agency.name,
                cells=[
                    Cell(
                        float(r.previous_index) if r.previous_index is not None else None,
                        f"{r.agency.name} — {year - 1}",
                    ),
                    Cell(float(r.index), f"{r.agency.name} — {year}"),
                ],
            )
            for r in table.results[:CHART_ROWS]
        ],
    )
