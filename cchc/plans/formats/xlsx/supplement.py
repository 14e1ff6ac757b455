"""What the appendix table cannot hold, carried beside it so a round trip loses nothing.

The 8-column appendix has no place for an area's description, a task's notes, the
transcriber's notes, an activity's weight, or the plan's body, indicators and
responsibilities. The XLSX and DOCX writers add them as a table titled «Thông tin bổ
sung» (a sheet of the workbook; a second table after the appendix in Word), one value a
row:

    Lĩnh vực | Nhiệm vụ | Hoạt động số | Trường | Giá trị

An activity is found by its area code, its task number and its place under the task
(1, 2, …); plan-wide sections (Trường «Nội dung văn bản», «Chỉ tiêu», «Trách nhiệm tổ
chức thực hiện») hold JSON, split over consecutive rows when longer than a cell holds.

The rule on import: a file that carries this table is complete — the plan is replaced by
exactly what the file says, and an empty value clears the field. A file without it (a
province's own appendix) imports as before, its values read from the table alone; a
row of the table whose area, task or activity is no longer in the appendix is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from cchc.lib.text import fold
from cchc.plans.formats.xlsx.layout import INFO_LABELS, format_date, parse_date_text
from cchc.plans.interchange import PlanDocument

SUPPLEMENT_TITLE = "Thông tin bổ sung"
SUPPLEMENT_HEADERS = ("Lĩnh vực", "Nhiệm vụ", "Hoạt động số", "Trường", "Giá trị")

# Field key -> the Vietnamese label written in the file.
AREA_FIELDS = {"description": "Nhiệm vụ trọng tâm của lĩnh vực"}
TASK_FIELDS = {"notes": "Ghi chú nhiệm vụ", "transcription_notes": "Ghi chú chép lại"}
ACTIVITY_FIELDS = {"transcription_notes": "Ghi chú chép lại", "weight": "Trọng số"}
PLAN_FIELDS = {
    "document": "Nội dung văn bản (JSON)",
    "indicators": "Chỉ tiêu (JSON)",
    "responsibilities": "Trách nhiệm tổ chức thực hiện (JSON)",
    "rollup_method": "Cách tính tiến độ chung (JSON)",
}
# Below Excel's 32 767 characters a cell.
CHUNK = 30_000

Row = tuple[str, str, str, str, str]


def _key(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def supplement_rows(doc: PlanDocument, *, header: bool = False) -> list[Row]:
    """The rows of the «Thông tin bổ sung» table for `doc` (header row not included).

    `header` adds the plan's own fields (title, status …): Word has no «Thông tin kế
    hoạch» sheet, and its title lines do not say the plan's full title or status.
    """
    rows: list[Row] = []
    if header:
        values = {
            "issuer": doc.header.issuer,
            "number": doc.header.number,
            "issued_on": format_date(doc.header.issued_on) if doc.header.issued_on else "",
            "year": str(doc.header.year or ""),
            "title": doc.header.title,
            "status": doc.header.status,
        }
        rows.extend(("", "", "", INFO_LABELS[name], value) for name, value in values.items())
    for area in doc.areas:
        if area.description:
            rows.append((area.code, "", "", AREA_FIELDS["description"], area.description))
        for task in area.tasks:
            for name, label in TASK_FIELDS.items():
                value = getattr(task, name)
                if value:
                    rows.append((area.code, task.number, "", label, value))
            for index, activity in enumerate(task.activities, start=1):
                if activity.transcription_notes:
                    rows.append(
                        (
                            area.code,
                            task.number,
                            str(index),
                            ACTIVITY_FIELDS["transcription_notes"],
                            activity.transcription_notes,
                        )
                    )
                if activity.weight != 1:
                    rows.append(
                        (
                            area.code,
                            task.number,
                            str(index),
                            ACTIVITY_FIELDS["weight"],
                            str(activity.weight),
                        )
                    )
    for name, label in PLAN_FIELDS.items():
        if name not in doc.extra:
            continue
        text = json.dumps(doc.extra[name], ensure_ascii=False, sort_keys=True)
        for start in range(0, len(text), CHUNK):
            rows.append(("", "", "", label, text[start : start + CHUNK]))
    return rows


def _set_header(doc: PlanDocument, name: str, value: str) -> None:
    if name == "issued_on":
        doc.header.issued_on = parse_date_text(value) if value else None
    elif name == "year":
        if value.isdigit() and len(value) == 4:
            doc.header.year = int(value)
    else:
        setattr(doc.header, name, value)


def is_supplement_header(cells: Sequence[str]) -> bool:
    return [_key(cell) for cell in cells[: len(SUPPLEMENT_HEADERS)]] == [
        _key(title) for title in SUPPLEMENT_HEADERS
    ]


def apply_supplement(doc: PlanDocument, rows: Iterable[Sequence[str]]) -> None:
    """Put the values of a «Thông tin bổ sung» table (rows after its header) into `doc`.

    Marks `doc` complete: on replace, what it does not carry is cleared, not kept.
    """
    areas = {area.code: area for area in doc.areas}
    labels = {
        "area": {_key(label): name for name, label in AREA_FIELDS.items()},
        "task": {_key(label): name for name, label in TASK_FIELDS.items()},
        "activity": {_key(label): name for name, label in ACTIVITY_FIELDS.items()},
        "plan": {_key(label): name for name, label in PLAN_FIELDS.items()},
        "header": {_key(label): name for name, label in INFO_LABELS.items()},
    }
    chunks: dict[str, list[str]] = {}
    for cells in rows:
        padded = [*(str(cell or "") for cell in cells), "", "", "", "", ""][:5]
        area_code, task_number, activity_number, label = (cell.strip() for cell in padded[:4])
        value = padded[4]
        key = _key(label)
        if not area_code:
            name = labels["plan"].get(key)
            if name is not None:
                chunks.setdefault(name, []).append(value)
            elif key in labels["header"]:
                _set_header(doc, labels["header"][key], value.strip())
            continue
        area = areas.get(area_code)
        if area is None:
            continue
        if not task_number:
            name = labels["area"].get(key)
            if name is not None:
                setattr(area, name, value.strip())
            continue
        task = next((t for t in area.tasks if t.number == task_number), None)
        if task is None:
            continue
        if not activity_number:
            name = labels["task"].get(key)
            if name is not None:
                setattr(task, name, value.strip())
            continue
        if not activity_number.isdigit():
            continue
        index = int(activity_number) - 1
        if not 0 <= index < len(task.activities):
            continue
        activity = task.activities[index]
        name = labels["activity"].get(key)
        if name == "weight":
            if value.strip().isdigit() and int(value.strip()) <= 32767:
                activity.weight = int(value.strip())
        elif name is not None:
            setattr(activity, name, value.strip())
    for name, parts in chunks.items():
        try:
            doc.extra[name] = json.loads("".join(parts))
        except ValueError:
            continue
    doc.complete = True
