"""The plan as JSON: the lossless interchange format.

Unlike the appendix table, JSON carries everything: task notes, area descriptions,
computed due dates and any further sections of the plan (body text, responsibilities,
indicators), which are kept in `PlanDocument.extra`. Input is validated field by field and
every problem is reported with its JSON path.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any, TypeVar

from django.utils.translation import gettext as _

from cchc.plans.interchange import (
    ActivityRow,
    AreaRow,
    ImportIssue,
    Location,
    PlanDocument,
    PlanHeader,
    PlanImportError,
    TaskRow,
    clean_text,
)

PLAN_KEYS = ("issuer", "number", "issued_on", "year", "title", "status")
T = TypeVar("T")


def _nfc_tree(value: Any) -> Any:
    """Strings inside free-form sections in NFC, layout kept (no whitespace cleaning)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc_tree(item) for item in value]
    if isinstance(value, dict):
        return {_nfc_tree(key): _nfc_tree(item) for key, item in value.items()}
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("đúng/sai")
    if isinstance(value, int | float):
        return _("số")
    if isinstance(value, str):
        return _("chuỗi")
    if isinstance(value, list):
        return _("danh sách")
    if isinstance(value, dict):
        return _("đối tượng")
    return type(value).__name__


class _Reader:
    def __init__(self) -> None:
        self.issues: list[ImportIssue] = []

    def problem(self, path: str, message: str) -> None:
        self.issues.append(ImportIssue(Location(path=path), message))

    def wrong_type(self, path: str, expected: str, value: Any) -> None:
        self.problem(
            path,
            _("Cần %(expected)s nhưng gặp %(found)s.")
            % {"expected": expected, "found": _type_name(value)},
        )

    def text(self, obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
        where = f"{path}.{key}" if path else key
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(where, _("Thiếu trường bắt buộc «%(key)s».") % {"key": key})
            return ""
        if not isinstance(value, str):
            self.wrong_type(where, _("chuỗi"), value)
            return ""
        text = clean_text(value)
        if required and not text:
            self.problem(where, _("Trường «%(key)s» không được để trống.") % {"key": key})
        return text

    def number(self, obj: dict[str, Any], key: str, path: str) -> str:
        """A task number: "1", "1.2"; a bare integer is accepted as written by hand."""
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(obj, key, path, required=True)

    def names(self, obj: dict[str, Any], key: str, path: str) -> list[str]:
        where = f"{path}.{key}"
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(where, _("danh sách tên cơ quan"), value)
            return []
        names = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.wrong_type(f"{where}[{index}]", _("chuỗi"), item)
                continue
            name = clean_text(item)
            if name:
                names.append(name)
        return names

    def iso_date(self, value: Any, where: str) -> date | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong_type(where, _("ngày dạng YYYY-MM-DD"), value)
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self.problem(
                where,
                _("«%(value)s» không phải ngày hợp lệ dạng YYYY-MM-DD.") % {"value": value[:40]},
            )
            return None

    def items(
        self, obj: dict[str, Any], key: str, path: str, read: Callable[[dict[str, Any], str], T]
    ) -> list[T]:
        where = f"{path}.{key}" if path else key
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(where, _("danh sách"), value)
            return []
        result = []
        for index, item in enumerate(value):
            item_path = f"{where}[{index}]"
            if not isinstance(item, dict):
                self.wrong_type(item_path, _("đối tượng"), item)
                continue
            result.append(read(item, item_path))
        return result

    def header(self, value: Any) -> PlanHeader:
        header = PlanHeader()
        if value is None:
            return header
        if not isinstance(value, dict):
            self.wrong_type("plan", _("đối tượng"), value)
            return header
        header.issuer = self.text(value, "issuer", "plan")
        header.number = self.text(value, "number", "plan")
        header.title = self.text(value, "title", "plan")
        header.status = self.text(value, "status", "plan")
        header.issued_on = self.iso_date(value.get("issued_on"), "plan.issued_on")
        year = value.get("year")
        if year is not None:
            if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2200:
                header.year = year
            else:
                self.problem(
                    "plan.year",
                    _("Năm phải là số nguyên có 4 chữ số, gặp «%(value)s».")
                    % {"value": str(year)[:40]},
                )
        return header

    def area(self, obj: dict[str, Any], path: str) -> AreaRow:
        area = AreaRow(
            code=self.text(obj, "code", path, required=True),
            title=self.text(obj, "title", path, required=True),
            description=self.text(obj, "description", path),
        )
        area.tasks = self.items(obj, "tasks", path, self.task)
        area.source = {
            name: Location(path=f"{path}.{name}") for name in ("code", "title", "description")
        }
        return area

    def task(self, obj: dict[str, Any], path: str) -> TaskRow:
        task = TaskRow(
            number=self.number(obj, "number", path),
            title=self.text(obj, "title", path, required=True),
            notes=self.text(obj, "notes", path),
            transcription_notes=self.text(obj, "transcription_notes", path),
        )
        task.activities = self.items(obj, "activities", path, self.activity)
        task.source = {name: Location(path=f"{path}.{name}") for name in ("number", "title")}
        return task

    def activity(self, obj: dict[str, Any], path: str) -> ActivityRow:
        activity = ActivityRow(
            title=self.text(obj, "title", path, required=True),
            outputs=self.text(obj, "outputs", path),
            lead=self.names(obj, "lead", path),
            cooperating=self.names(obj, "cooperating", path),
            deadline=self.text(obj, "deadline", path),
            notes=self.text(obj, "notes", path),
            transcription_notes=self.text(obj, "transcription_notes", path),
        )
        due = obj.get("due_dates")
        if due is not None:
            if isinstance(due, list):
                for index, item in enumerate(due):
                    parsed = self.iso_date(item, f"{path}.due_dates[{index}]")
                    if parsed is not None:
                        activity.due_dates.append(parsed)
            else:
                self.wrong_type(f"{path}.due_dates", _("danh sách ngày"), due)
        weight = obj.get("weight", 1)
        if isinstance(weight, int) and not isinstance(weight, bool) and 0 <= weight <= 32767:
            activity.weight = weight
        else:
            self.problem(
                f"{path}.weight",
                _("Trọng số phải là số nguyên từ 0 đến 32767, gặp «%(value)s».")
                % {"value": str(weight)[:40]},
            )
        needs = obj.get("needs_date", False)
        if isinstance(needs, bool):
            activity.needs_date = needs
        else:
            self.wrong_type(f"{path}.needs_date", _("đúng/sai (true/false)"), needs)
        activity.source = {
            name: Location(path=f"{path}.{name}")
            for name in ("title", "outputs", "lead", "cooperating", "deadline", "notes")
        }
        return activity


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def read_json(data: bytes) -> PlanDocument:
    """Read a plan from JSON. Raises PlanImportError listing every problem with its path."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _("Tệp JSON không được mã hoá UTF-8 (byte lỗi ở vị trí %(position)s).")
                    % {"position": error.start},
                )
            ]
        ) from error
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise PlanImportError(
            [
                ImportIssue(
                    Location(row=error.lineno, column=str(error.colno)),
                    _("Cú pháp JSON không hợp lệ (%(detail)s).") % {"detail": error.msg},
                )
            ]
        ) from error
    except (ValueError, RecursionError) as error:
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _("JSON không hợp lệ: có giá trị NaN/Infinity hoặc lồng nhau quá sâu."),
                )
            ]
        ) from error
    if not isinstance(value, dict):
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _("Tệp JSON phải là một đối tượng {…} có khoá «plan» và «areas»."),
                )
            ]
        )
    reader = _Reader()
    header = reader.header(value.get("plan"))
    if "areas" not in value:
        reader.problem("areas", _("Thiếu danh sách lĩnh vực «areas»."))
    areas = reader.items(value, "areas", "", reader.area)
    if reader.issues:
        raise PlanImportError(reader.issues)
    extra = {key: _nfc_tree(item) for key, item in value.items() if key not in {"plan", "areas"}}
    return PlanDocument(header=header, areas=areas, extra=extra, complete=True)


def _plan_dict(header: PlanHeader) -> dict[str, Any]:
    return {
        "issuer": header.issuer,
        "number": header.number,
        "issued_on": header.issued_on.isoformat() if header.issued_on else None,
        "year": header.year,
        "title": header.title,
        "status": header.status,
    }


def _with_transcription_notes(content: dict[str, Any], notes: str) -> dict[str, Any]:
    # Only where there are some: a plan typed from a clean source exports as before,
    # and one transcribed from a scan keeps its transcriber's doubts through a round trip.
    if notes:
        content["transcription_notes"] = notes
    return content


def _activity_dict(activity: ActivityRow) -> dict[str, Any]:
    content = {
        "title": activity.title,
        "outputs": activity.outputs,
        "lead": list(activity.lead),
        "cooperating": list(activity.cooperating),
        "deadline": activity.deadline,
        "due_dates": [day.isoformat() for day in activity.due_dates],
        "needs_date": activity.needs_date,
        "notes": activity.notes,
    }
    # Only when set: plans without weights export as before.
    if activity.weight != 1:
        content["weight"] = activity.weight
    return _with_transcription_notes(content, activity.transcription_notes)


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class _Lazy:
    """A list the encoder writes as it reads it (an iterator of its items)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _chunks(value: Any, level: int) -> Iterator[str]:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=2, default=_default)`
    writes it, a piece at a time; a `_Lazy` is written as a list, read as it goes."""
    if isinstance(value, dict):
        if not value:
            yield "{}"
            return
        inner = "\n" + "  " * (level + 1)
        yield "{"
        first = True
        for key, item in value.items():
            if not isinstance(key, str):  # as json does: 1 → "1", True → "true"
                key = json.dumps(key)
            yield (inner if first else "," + inner) + json.dumps(key, ensure_ascii=False) + ": "
            first = False
            yield from _chunks(item, level + 1)
        yield "\n" + "  " * level + "}"
    elif isinstance(value, list | tuple | _Lazy):
        inner = "\n" + "  " * (level + 1)
        first = True
        for item in value.items if isinstance(value, _Lazy) else value:
            yield ("[" + inner) if first else ("," + inner)
            first = False
            yield from _chunks(item, level + 1)
        yield "[]" if first else "\n" + "  " * level + "]"
    else:
        yield json.dumps(value, ensure_ascii=False, default=_default)


Outline = Iterable[tuple[AreaRow, Iterable[tuple[TaskRow, Iterable[ActivityRow]]]]]


def json_chunks(header: PlanHeader, outline: Outline, extra: dict[str, Any]) -> Iterator[str]:
    """The plan's JSON in pieces, read from `outline` as it is written: the areas, each
    with its tasks, each with its activities (`cchc.plans.services.plan_outline` reads
    them from the database a chunk at a time). The same text as `write_json`."""
    content: dict[str, Any] = {
        "plan": _plan_dict(header),
        "areas": _Lazy(
            {
                "code": area.code,
                "title": area.title,
                "description": area.description,
                "tasks": _Lazy(
                    _with_transcription_notes(
                        {
                            "number": task.number,
                            "title": task.title,
                            "notes": task.notes,
                            "activities": _Lazy(_activity_dict(a) for a in activities),
                        },
                        task.transcription_notes,
                    )
                    for task, activities in tasks
                ),
            }
            for area, tasks in outline
        ),
    }
    for key, value in extra.items():
        if key not in content:
            content[key] = value
    yield from _chunks(content, 0)
    yield "\n"


def write_json_to(
    out: IO[bytes], header: PlanHeader, outline: Outline, extra: dict[str, Any]
) -> int:
    """`json_chunks` into `out`, UTF-8, about 64 KB at a time. Returns the bytes written."""
    written = 0
    pending: list[str] = []
    size = 0
    for chunk in json_chunks(header, outline, extra):
        pending.append(chunk)
        size += len(chunk)
        if size >= 65536:
            written += out.write("".join(pending).encode())
            pending, size = [], 0
    written += out.write("".join(pending).encode())
    return written


def write_json(doc: PlanDocument) -> bytes:
    """UTF-8 JSON, readable Vietnamese (no \\u escapes), stable key order."""
    outline = ((area, ((task, task.activities) for task in area.tasks)) for area in doc.areas)
    return "".join(json_chunks(doc.header, outline, doc.extra)).encode()
