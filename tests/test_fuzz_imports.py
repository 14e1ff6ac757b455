"""Damaged plan files never crash an import and never change the database.

Hypothesis starts from a valid XLSX, DOCX or JSON plan and damages it (wrong headers,
merged cells, emptied sheets, huge cells, wrong types, formulas, decomposed Unicode,
unknown agencies), or sends bytes that are no plan at all. Every such file must end in
PlanImportError, from the reader or from plan_import, with every table as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import unicodedata
import zipfile
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from docx import Document
from docx.exceptions import InvalidSpanError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cchc.agencies.models import Agency
from cchc.plans.formats import READERS, detect_format, write_docx, write_json, write_xlsx
from cchc.plans.interchange import PlanImportError
from cchc.plans.models import Plan
from cchc.plans.services import plan_import
from tests.factories import synthetic_document

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    # Shrinking a damaged workbook takes minutes; the unshrunk example is reported as is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
UNKNOWN_AGENCY = "Sở Không Tồn Tại Ở Đâu"
HUGE = "Rất dài " * 20_000
FORMULAS = [
    "=1/0",
    '=HYPERLINK("http://127.0.0.1/","x")',
    "=A1+B1",
    "=SUM(A:A)",
    "=cmd|'/c calc'!A0",
]
ODD_VALUES = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.sampled_from(FORMULAS),
    st.just(HUGE),
    st.text(max_size=40).map(lambda s: unicodedata.normalize("NFD", s + " Quý II")),
    st.dates(),
)


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of all its rows."""
    state = {}
    for model in apps.get_models():
        rows = list(model._default_manager.order_by("pk").values_list())
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[model._meta.label_lower] = (len(rows), digest)
    return state


def import_bytes(name: str, data: bytes, reader: str | None = None) -> Plan:
    document = READERS[reader or detect_format(name, data)](data)
    return plan_import(document=document)


def assert_refused_without_change(name: str, data: bytes, reader: str | None = None) -> None:
    before = snapshot()
    with pytest.raises(PlanImportError):
        import_bytes(name, data, reader)
    assert snapshot() == before


@pytest.fixture
def province(agencies: dict[str, Agency]) -> dict[str, Agency]:
    # A plan already in place, so that a damaged import could also break something.
    plan_import(document=synthetic_document(4, number="1/KH-UBND"))
    return agencies


# ---------------------------------------------------------------------------
# XLSX


def _set(sheet: Any, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if not isinstance(cell, openpyxl.cell.cell.MergedCell):
        cell.value = value


def _xlsx_damage(data: st.DataObject) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(synthetic_document(5))))
    sheet = book.worksheets[0]
    # One damage that must make the file fail …
    breaking = data.draw(st.sampled_from(["header", "agency", "empty", "sheets"]))
    if breaking == "header":
        for column in range(1, 9):
            sheet.cell(row=5, column=column).value = data.draw(st.one_of(st.none(), ODD_VALUES))
    elif breaking == "agency":
        sheet.cell(row=7, column=5).value = UNKNOWN_AGENCY  # row 7 is the first activity
    elif breaking == "empty":
        sheet.delete_rows(1, sheet.max_row)
    else:
        for ws in list(book.worksheets):
            book.remove(ws)
        book.create_sheet("Trống")
    # … and any number of others on top.
    sheet = book.worksheets[0]
    for _ in range(data.draw(st.integers(0, 6))):
        row, column = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 12))
        action = data.draw(st.sampled_from(["value", "merge", "insert", "year"]))
        if action == "value" and (row, column) != (7, 5):
            _set(sheet, row, column, data.draw(ODD_VALUES))
        elif action == "merge":
            sheet.merge_cells(
                start_row=row,
                start_column=column,
                end_row=row + data.draw(st.integers(0, 3)),
                end_column=column + data.draw(st.integers(0, 3)),
            )
        elif action == "insert":
            sheet.insert_rows(row, data.draw(st.integers(1, 3)))
        elif action == "year" and len(book.worksheets) > 1:
            _set(book.worksheets[1], 4, 2, data.draw(st.sampled_from([1066, 99999, "năm nay"])))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@FUZZ
@given(data=st.data())
def test_a_damaged_spreadsheet_is_refused_and_changes_nothing(
    province: dict[str, Agency], data: st.DataObject
) -> None:
    assert_refused_without_change("phu-luc.xlsx", _xlsx_damage(data))


# ---------------------------------------------------------------------------
# DOCX


def _appendix(document: Any) -> Any:
    """The appendix table: the widest one (cchc's «Thông tin bổ sung» table follows it)."""
    return max(document.tables, key=lambda table: len(table.columns))


def _docx_damage(data: st.DataObject) -> bytes:
    document = Document(io.BytesIO(write_docx(synthetic_document(5))))
    tables = document.tables
    breaking = data.draw(st.sampled_from(["agency", "no-table"]))
    if breaking == "agency" and tables:
        for row in _appendix(document).rows[1:]:
            row.cells[4].text = UNKNOWN_AGENCY  # every lead, so that any activity row fails
    else:
        for table in tables:
            table._element.getparent().remove(table._element)
    for _ in range(data.draw(st.integers(0, 5))):
        if not document.tables:
            break
        table = _appendix(document)
        row = data.draw(st.integers(0, len(table.rows) - 1))
        column = data.draw(st.integers(0, len(table.columns) - 1))
        action = data.draw(st.sampled_from(["text", "merge"]))
        if action == "text":
            table.cell(row, column).text = str(data.draw(ODD_VALUES))
        else:
            other = table.cell(
                min(row + 1, len(table.rows) - 1), min(column + 1, len(table.columns) - 1)
            )
            # python-docx cannot make every shape; Word could not either.
            with contextlib.suppress(InvalidSpanError):
                table.cell(row, column).merge(other)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@FUZZ
@given(data=st.data())
def test_a_damaged_word_document_is_refused_and_changes_nothing(
    province: dict[str, Agency], data: st.DataObject
) -> None:
    assert_refused_without_change("ke-hoach.docx", _docx_damage(data))


# ---------------------------------------------------------------------------
# JSON

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _find(plan: dict[str, Any], area: Any, target: str) -> dict[str, Any] | None:
    """The object to damage next, if the damage so far left it in place."""
    try:
        found = {
            "plan": lambda: plan["plan"],
            "area": lambda: area,
            "task": lambda: area["tasks"][0],
            "activity": lambda: area["tasks"][0]["activities"][0],
        }[target]()
    except (KeyError, IndexError, TypeError):
        return None
    return found if isinstance(found, dict) else None


def _json_damage(data: st.DataObject) -> bytes:
    plan = json.loads(write_json(synthetic_document(4)))
    area = plan["areas"][data.draw(st.integers(0, 3))]  # the areas that have tasks
    breaking = data.draw(st.sampled_from(["agency", "type", "missing", "year"]))
    if breaking == "agency":
        area["tasks"][0]["activities"][0]["lead"] = [UNKNOWN_AGENCY]
    elif breaking == "type":
        key = data.draw(st.sampled_from(["areas", "plan"]))
        plan[key] = data.draw(
            st.one_of(
                st.integers(), st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=3)
            )
        )
    elif breaking == "missing":
        del plan[data.draw(st.sampled_from(sorted(plan)))]
        plan.pop("areas", None)
    else:
        plan["plan"]["year"] = data.draw(st.sampled_from([1500, 3000, "2022a", None, 20.22]))
        plan["plan"].pop("issued_on", None)
    for _ in range(data.draw(st.integers(0, 4))):
        target = data.draw(st.sampled_from(["plan", "area", "task", "activity"]))
        holder = _find(plan, area, target)
        if holder is None:
            continue
        key = data.draw(st.sampled_from(sorted(holder) or ["x"]))
        holder[key] = data.draw(JSON_VALUES | st.just(HUGE))
    return json.dumps(plan, ensure_ascii=data.draw(st.booleans())).encode()


@FUZZ
@given(data=st.data())
def test_a_damaged_json_plan_is_refused_and_changes_nothing(
    province: dict[str, Agency], data: st.DataObject
) -> None:
    assert_refused_without_change("ke-hoach.json", _json_damage(data))


# ---------------------------------------------------------------------------
# Not a plan at all


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


NOT_PLANS = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(str.encode),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'{"plan": null}',
            b"\xef\xbb\xbf{}",
            b"%PDF-1.7\n",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            b"MZ\x90\x00",
            b"<html></html>",
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<notxml"}),
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\x00\x01"}),
            _zip({"a.txt": b"hello"}),
            b"PK\x03\x04" + b"\x00" * 100,
        ]
    ),
)


@FUZZ
@given(data=NOT_PLANS, reader=st.sampled_from([None, "xlsx", "docx", "json"]))
def test_bytes_that_are_not_a_plan_are_refused_by_every_reader(
    province: dict[str, Agency], data: bytes, reader: str | None
) -> None:
    assert_refused_without_change("tep.xlsx", data, reader)


def test_the_damage_is_real_a_clean_file_imports(province: dict[str, Agency]) -> None:
    # Guards the harness itself: without the damage, the same files import.
    for name, writer in [("a.xlsx", write_xlsx), ("a.docx", write_docx), ("a.json", write_json)]:
        plan = import_bytes(name, writer(synthetic_document(5, number=f"{name}/KH")))
        assert plan.activities.count() == 7
