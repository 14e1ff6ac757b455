"""Indicators in XLSX: the export (a background job) and the import (all or nothing).

The workbook has two sheets, both optional on import:

* "Chỉ tiêu": Mã chỉ tiêu | Tên chỉ tiêu | Đơn vị tính | Chiều tốt (tăng/giảm) | Năm gốc |
  Giá trị năm gốc | Chỉ tiêu | Hạn (dd/mm/yyyy) | Cơ quan chịu trách nhiệm | Căn cứ
* "Số liệu": Mã chỉ tiêu | Kỳ | Tính đến ngày (dd/mm/yyyy) | Giá trị | Nguồn | Minh chứng

An exported file imports back unchanged. An import writes nothing when one cell is wrong;
each error names the sheet, the row and the column, in Vietnamese.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.log import log_here
from cchc.citizens.indicators import (
    IndicatorError,
    NumberInvalid,
    measurement_record,
    parse_decimal,
    read_decimal,
)
from cchc.citizens.models import Indicator, Measurement
from cchc.jobs.registry import XLSX, Exporter, Output, Progress, register

MAX_ROWS = 5000


def _indicator_header() -> list[str]:
    return [
        _("Mã chỉ tiêu"),
        _("Tên chỉ tiêu"),
        _("Đơn vị tính"),
        _("Chiều tốt (tăng/giảm)"),
        _("Năm gốc"),
        _("Giá trị năm gốc"),
        _("Chỉ tiêu"),
        _("Hạn (dd/mm/yyyy)"),
        _("Cơ quan chịu trách nhiệm"),
        _("Căn cứ"),
    ]


def _measurement_header() -> list[str]:
    return [
        _("Mã chỉ tiêu"),
        _("Kỳ"),
        _("Tính đến ngày (dd/mm/yyyy)"),
        _("Giá trị"),
        _("Nguồn"),
        _("Minh chứng"),
    ]


def _sheet_names() -> tuple[str, str]:
    return _("Chỉ tiêu"), _("Số liệu")


def _cell(value: Any) -> Any:
    # Text starting with "=" must not become a formula in the reader's spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _direction_text(direction: str) -> str:
    return _("giảm") if direction == Indicator.Direction.DOWN else _("tăng")


def write_workbook(out: IO[bytes]) -> int:
    indicators_sheet, measurements_sheet = _sheet_names()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(indicators_sheet)
    sheet.append(_indicator_header())
    indicators = list(Indicator.objects.select_related("agency").order_by("due_on", "code"))
    for i in indicators:
        sheet.append(
            [
                i.code,
                _cell(i.name),
                _cell(i.unit),
                _direction_text(i.direction),
                i.baseline_year,
                float(i.baseline_value),
                float(i.target_value),
                i.due_on.strftime("%d/%m/%Y"),
                i.agency.name,
                _cell(i.source),
            ]
        )
    sheet = workbook.create_sheet(measurements_sheet)
    sheet.append(_measurement_header())
    for m in Measurement.objects.select_related("indicator").order_by(
        "indicator__due_on", "indicator__code", "measured_on"
    ):
        sheet.append(
            [
                m.indicator.code,
                _cell(m.period),
                m.measured_on.strftime("%d/%m/%Y"),
                float(m.value),
                _cell(m.source),
                _cell(m.evidence),
            ]
        )
    workbook.save(out)
    return len(indicators)


@register
class IndicatorsExporter(Exporter):
    identifier = "indicators"
    verbose_name = gettext_lazy("Chỉ tiêu và số liệu đo (Excel)")
    mime_type = XLSX
    extension = "xlsx"

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        # Indicators are read by every logged-in user (`indicator.view`).
        return "plan", ""

    def filename(self, params: dict[str, Any]) -> str:
        return "chi-tieu.xlsx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        count = write_workbook(out)
        return Output(_("%(n)s chỉ tiêu.") % {"n": count})


# ---------------------------------------------------------------------------
# Import


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    measurements: int = 0
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).replace("\x00", "").strip()
    return text[1:] if text.startswith("'") else text


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parts = _text(value).split("/")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 4 for p in parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


def _norm(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, sheet: str, row: int, column: int, text: str) -> None:
        self.items.append(
            _("Trang «%(sheet)s», dòng %(row)s, cột %(col)s: %(text)s")
            % {"sheet": sheet, "row": row, "col": get_column_letter(column), "text": text}
        )


def _rows(sheet: Any) -> list[tuple[int, list[Any]]]:
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if number > MAX_ROWS + 1:
            break
        cells = list(values)
        if all(_text(v) == "" for v in cells):
            continue
        rows.append((number, cells + [None] * 12))
    return rows


def import_workbook(data: bytes, *, actor: User | None) -> ImportResult:
    """Read the workbook and write it whole, or write nothing and say what is wrong."""
    result = ImportResult()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        result.errors.append(_("Tệp không phải bảng tính Excel (.xlsx) đọc được."))
        return result
    indicators_name, measurements_name = _sheet_names()
    names = {_norm(name): name for name in workbook.sheetnames}
    ind_sheet = workbook[names[_norm(indicators_name)]] if _norm(indicators_name) in names else None
    mea_sheet = (
        workbook[names[_norm(measurements_name)]] if _norm(measurements_name) in names else None
    )
    if ind_sheet is None and mea_sheet is None:
        result.errors.append(
            _("Không thấy trang «%(a)s» hay «%(b)s» trong tệp.")
            % {"a": indicators_name, "b": measurements_name}
        )
        return result
    errors = _Errors()
    agencies = {_norm(a.name): a for a in Agency.objects.filter(closed_on__isnull=True)}
    existing = {i.code: i for i in Indicator.objects.all()}
    planned: dict[str, dict[str, Any]] = {}
    if ind_sheet is not None:
        for number, cells in _rows(ind_sheet):
            code = _text(cells[0]).lower()
            values: dict[str, Any] = {"code": code}
            if not code or len(code) > 60 or not all(c.isalnum() or c in "-_" for c in code):
                errors.add(indicators_name, number, 1, _("Mã chỉ tiêu trống hoặc có ký tự lạ."))
            elif code in planned:
                errors.add(indicators_name, number, 1, _("Mã chỉ tiêu lặp lại trong tệp."))
            values["name"] = _text(cells[1])
            if not values["name"] or len(values["name"]) > 500:
                errors.add(
                    indicators_name, number, 2, _("Hãy ghi tên chỉ tiêu (tối đa 500 ký tự).")
                )
            values["unit"] = _text(cells[2])
            if not values["unit"] or len(values["unit"]) > 40:
                errors.add(indicators_name, number, 3, _("Hãy ghi đơn vị tính (tối đa 40 ký tự)."))
            direction = _norm(_text(cells[3]))
            if direction in (_norm(_("tăng")), "tang", "up"):
                values["direction"] = Indicator.Direction.UP
            elif direction in (_norm(_("giảm")), "giam", "down"):
                values["direction"] = Indicator.Direction.DOWN
            else:
                errors.add(indicators_name, number, 4, _("Chiều tốt phải là «tăng» hoặc «giảm»."))
            year = parse_decimal(cells[4])
            if year is None or year != int(year) or not 2000 <= year <= 2100:
                errors.add(indicators_name, number, 5, _("Năm gốc phải là năm từ 2000 đến 2100."))
            else:
                values["baseline_year"] = int(year)
            for column, key in ((6, "baseline_value"), (7, "target_value")):
                try:
                    number_value = read_decimal(cells[column - 1])
                except NumberInvalid as refused:
                    errors.add(indicators_name, number, column, str(refused))
                    number_value = None
                else:
                    if number_value is None or abs(number_value) >= Decimal("1e12"):
                        errors.add(indicators_name, number, column, _("Phải là một số."))
                values[key] = number_value
            values["due_on"] = _date(cells[7])
            if values["due_on"] is None:
                errors.add(indicators_name, number, 8, _("Hạn phải là ngày dạng dd/mm/yyyy."))
            agency = agencies.get(_norm(_text(cells[8])))
            if agency is None:
                errors.add(
                    indicators_name,
                    number,
                    9,
                    _("Không có cơ quan đang hoạt động tên «%(name)s».")
                    % {"name": _text(cells[8])},
                )
            values["agency"] = agency
            values["source"] = _text(cells[9])[:500]
            if code:
                planned[code] = values
    rows: list[tuple[int, list[Any]]] = []
    if mea_sheet is not None:
        seen: set[tuple[str, date]] = set()
        for number, cells in _rows(mea_sheet):
            code = _text(cells[0]).lower()
            if code not in existing and code not in planned:
                errors.add(
                    measurements_name,
                    number,
                    1,
                    _("Không có chỉ tiêu mã «%(code)s».") % {"code": code},
                )
            if not _text(cells[1]):
                errors.add(measurements_name, number, 2, _("Hãy ghi kỳ của số liệu."))
            measured_on = _date(cells[2])
            if measured_on is None:
                errors.add(measurements_name, number, 3, _("Ngày phải có dạng dd/mm/yyyy."))
            elif (code, measured_on) in seen:
                errors.add(
                    measurements_name,
                    number,
                    3,
                    _("Chỉ tiêu này đã có số liệu ngày này ở dòng trên."),
                )
            else:
                seen.add((code, measured_on))
            try:
                value = read_decimal(cells[3])
            except NumberInvalid as refused:
                errors.add(measurements_name, number, 4, str(refused))
            else:
                if value is None:
                    errors.add(measurements_name, number, 4, _("Giá trị phải là một số."))
            if not _text(cells[4]):
                errors.add(measurements_name, number, 5, _("Hãy ghi nguồn số liệu."))
            rows.append((number, cells))
    if errors.items:
        result.errors = errors.items[:200]
        return result
    try:
        with transaction.atomic():
            _write(planned, rows, existing, result, actor)
    except IndicatorError as refused:
        result.errors = [str(refused)]
        result.created = result.updated = result.measurements = 0
    return result


def _write(
    planned: dict[str, dict[str, Any]],
    rows: list[tuple[int, list[Any]]],
    existing: dict[str, Indicator],
    result: ImportResult,
    actor: User | None,
) -> None:
    for code, values in planned.items():
        indicator = existing.get(code)
        before = None
        if indicator is None:
            indicator = Indicator(code=code)
            result.created += 1
        else:
            before = {"name": indicator.name, "target_value": indicator.target_value}
            result.updated += 1
        for key, value in values.items():
            setattr(indicator, key, value)
        indicator.save()
        existing[code] = indicator
        log_here(
            action="indicator.import",
            obj=indicator,
            before=before,
            after={"name": indicator.name, "target_value": indicator.target_value},
        )
    for number, cells in rows:
        try:
            measurement_record(
                indicator=existing[_text(cells[0]).lower()],
                period=_text(cells[1]),
                measured_on=_date(cells[2]),  # type: ignore[arg-type]
                value=parse_decimal(cells[3]),  # type: ignore[arg-type]
                source=_text(cells[4]),
                evidence=_text(cells[5]),
                actor=actor,
            )
        except IndicatorError as refused:
            raise IndicatorError(
                _("Trang «%(sheet)s», dòng %(row)s: %(text)s")
                % {"sheet": _sheet_names()[1], "row": number, "text": str(refused)}
            ) from refused
        result.measurements += 1
