"""Documents recorded once, linked to reports, picked again instead of typed again."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.models import AuditRecord
from cchc.documents.models import Document
from cchc.documents.services import document_record
from cchc.monitoring.evidence import evidence_add
from cchc.monitoring.models import ProgressReport
from cchc.monitoring.services import (
    DocumentInput,
    ReportError,
    ReportForbidden,
    report_get_or_create,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan
from tests.test_report_pages import (
    PDF,
    assignment_of,
    form_data,
    period,
    report_of,
    text,
    url,
)

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)
DECISION = DocumentInput("12/QĐ-STP", date(2022, 3, 20), "Quyết định công bố thủ tục hành chính")


@pytest.fixture(autouse=True)
def _clock_storage_and_language(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    settings.MEDIA_ROOT = tmp_path / "files"
    # Messages are checked in Vietnamese, whatever language an earlier test left active.
    with translation.override("vi"):
        yield


def _report(plan: Plan, agency: Agency, index: int = 0) -> ProgressReport:
    return report_get_or_create(assignment=assignment_of(plan, agency, index), period=period(plan))


def _save(
    report: ProgressReport, actor: User, documents: list[DocumentInput] | None
) -> ProgressReport:
    report.refresh_from_db()
    return report_save(
        report=report,
        actor=actor,
        expected_version=report.version,
        status="in_progress",
        percent=40,
        documents=documents,
    )


# ---------------------------------------------------------------------------- recorded once


def test_the_same_number_and_date_written_differently_is_one_document(
    agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    a, b = agencies["a"], agencies["b"]
    first = document_record(
        agency=a,
        number="12/QĐ-STP",
        issued_on=date(2022, 3, 20),
        summary="Quyết định công bố",
        actor=personas["officer_a"],
    )
    # Spaces, a lower-case symbol: the same paper.
    for number in ["12 / QĐ-STP", " 12/QĐ-STP ", "12/qđ-stp", "12/q\u0111-StP"]:
        again = document_record(
            agency=a,
            number=number,
            issued_on=date(2022, 3, 20),
            summary="Quyết định công bố",
            actor=personas["officer_a"],
        )
        assert again.document == first.document and not again.created
    assert first.created and first.document.number == "12/QĐ-STP"
    # Another date, or another agency, is another document.
    other_day = document_record(
        agency=a, number="12/QĐ-STP", issued_on=date(2023, 3, 20), summary="x", actor=None
    )
    other_agency = document_record(
        agency=b, number="12/QĐ-STP", issued_on=date(2022, 3, 20), summary="x", actor=None
    )
    assert len({first.document.pk, other_day.document.pk, other_agency.document.pk}) == 3
    # A symbol typed with decomposed diacritics (as some keyboards send it) is the same too.
    composed = document_record(
        agency=a, number="3/TB-SỞ", issued_on=date(2022, 1, 5), summary="x", actor=None
    )
    decomposed = unicodedata.normalize("NFD", "3/tb-sở")
    assert decomposed != "3/tb-sở"
    again = document_record(
        agency=a, number=decomposed, issued_on=date(2022, 1, 5), summary="x", actor=None
    )
    assert again.document == composed.document and not again.created
    assert Document.objects.filter(agency=a).count() == 3
    assert AuditRecord.objects.filter(action="document.create").count() == 4


def test_the_database_refuses_a_second_copy_of_a_recorded_document(
    agencies: dict[str, Agency],
) -> None:
    Document.objects.create(
        agency=agencies["a"], number="12/QĐ-STP", issued_on=date(2022, 3, 20), summary="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(
            agency=agencies["a"], number="12/qđ-stp", issued_on=date(2022, 3, 20), summary="y"
        )
    # Files without a number are not numbered documents: any number of them may exist.
    Document.objects.create(agency=agencies["a"])
    Document.objects.create(agency=agencies["a"])
    assert Document.objects.filter(agency=agencies["a"]).count() == 3


def test_a_document_without_number_date_or_summary_is_refused_and_nothing_changes(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    report = _report(plan, agencies["a"])
    for bad in [
        DocumentInput("  ", date(2022, 3, 1), "x"),
        DocumentInput("5/KH", None, "x"),
        DocumentInput("5/KH", date(2022, 3, 1), " "),
    ]:
        with pytest.raises(ReportError, match="Văn bản kết quả thứ 2 chưa hợp lệ"):
            _save(report, personas["officer_a"], [DECISION, bad])
    report.refresh_from_db()
    assert report.version == 1 and not Document.objects.exists()


# ---------------------------------------------------------------------------- many reports


def test_one_document_serves_two_reports_and_leaving_one_keeps_the_other(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    first, second = _report(plan, agencies["a"], 0), _report(plan, agencies["a"], 1)
    _save(first, personas["officer_a"], [DECISION])
    _save(
        second,
        personas["officer_a"],
        [DocumentInput("12/qđ-stp", DECISION.issued_on, DECISION.summary)],
    )
    document = Document.objects.get()
    assert list(first.documents) == list(second.documents) == [document]
    assert document.links.filter(role="output").count() == 2

    _save(first, personas["officer_a"], [])
    assert not first.documents.exists() and list(second.documents) == [document]
    assert first.versions.last().changes["documents"][0][0]["number"] == "12/QĐ-STP"  # type: ignore[union-attr]
    # The document stays the agency's, ready to be picked again.
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_corrected_summary_is_corrected_everywhere_the_document_is_shown(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    first, second = _report(plan, agencies["a"], 0), _report(plan, agencies["a"], 1)
    _save(first, personas["officer_a"], [DECISION])
    fixed = DocumentInput(DECISION.number, DECISION.issued_on, "Quyết định công bố 15 thủ tục")
    _save(second, personas["officer_a"], [fixed])
    assert [d.summary for d in first.documents] == ["Quyết định công bố 15 thủ tục"]
    # The first report's history keeps what it said then.
    assert first.versions.last().snapshot["documents"][0]["summary"] == DECISION.summary  # type: ignore[union-attr]
    assert AuditRecord.objects.filter(action="document.update").count() == 1


# ---------------------------------------------------------------------------- picking


def test_an_officer_picks_a_document_of_the_agency_by_its_id(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    first, second = _report(plan, agencies["a"], 0), _report(plan, agencies["a"], 1)
    _save(first, personas["officer_a"], [DECISION])
    document = Document.objects.get()
    # The typed fields of a picked row are not read: the document is linked as it is.
    _save(second, personas["officer_a"], [DocumentInput("x", None, "", document_id=document.pk)])
    assert list(second.documents) == [document]
    assert document.summary == DECISION.summary and Document.objects.count() == 1


def test_an_officer_cannot_pick_another_agency_s_document(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    theirs = _report(plan, agencies["b"])
    _save(theirs, personas["officer_b"], [DECISION])
    foreign = Document.objects.get(agency=agencies["b"])
    mine = _report(plan, agencies["a"])
    for document_id in [foreign.pk, foreign.pk + 1000]:
        with pytest.raises(ReportForbidden, match="không có trong văn bản của cơ quan bạn"):
            _save(mine, personas["officer_a"], [DocumentInput(document_id=document_id)])
    mine.refresh_from_db()
    assert mine.version == 1 and not mine.documents.exists()
    assert foreign.links.count() == 1


def test_the_api_links_an_existing_document_by_id_and_refuses_another_agency_s(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    _save(_report(plan, agencies["a"], 0), personas["officer_a"], [DECISION])
    _save(_report(plan, agencies["b"]), personas["officer_b"], [DECISION])
    mine = Document.objects.get(agency=agencies["a"])
    foreign = Document.objects.get(agency=agencies["b"])
    report = _report(plan, agencies["a"], 1)
    client.force_login(personas["officer_a"])

    def put(document_id: int, version: int) -> Any:
        body = {
            "status": "in_progress",
            "percent": 30,
            "version": version,
            "documents": [{"document_id": document_id}],
        }
        return client.put(
            f"/api/reports/{report.pk}", json.dumps(body), content_type="application/json"
        )

    refused = put(foreign.pk, 1)
    assert refused.status_code == 403
    assert "không có trong văn bản của cơ quan bạn" in refused.json()["detail"]
    report.refresh_from_db()
    assert report.version == 1 and not report.documents.exists()

    linked = put(mine.pk, 1)
    assert linked.status_code == 200, linked.content
    assert [d["id"] for d in linked.json()["documents"]] == [mine.pk]
    assert linked.json()["documents"][0]["number"] == "12/QĐ-STP"
    # A typed document without its date is a clear 422, not a crash.
    typed = client.put(
        f"/api/reports/{report.pk}",
        json.dumps(
            {
                "status": "in_progress",
                "version": 2,
                "documents": [{"number": "3/KH", "summary": "x"}],
            }
        ),
        content_type="application/json",
    )
    assert typed.status_code == 422 and "ngày ban hành" in typed.json()["detail"]


def test_the_report_form_finds_the_agency_s_documents_without_diacritics_and_picks_one(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    _save(_report(plan, agencies["a"], 0), personas["officer_a"], [DECISION])
    _save(
        _report(plan, agencies["b"]),
        personas["officer_b"],
        [DocumentInput("7/QĐ-SXD", date(2022, 3, 1), "Quyết định công bố của Sở Xây dựng")],
    )
    mine = Document.objects.get(agency=agencies["a"])
    item = assignment_of(plan, agencies["a"], 1)
    save_url = url("report_save", item, period(plan))
    client.force_login(personas["officer_a"])

    found = client.post(
        save_url,
        form_data(find_document="1", doc_find="quyet dinh cong bo"),
        HTTP_HX_REQUEST="true",
    )
    assert found.status_code == 200
    body = found.content.decode()
    assert "12/QĐ-STP" in body and "7/QĐ-SXD" not in body
    assert f'value="{mine.pk}"' in body
    nothing = client.post(save_url, form_data(find_document="1", doc_find="khong co"))
    assert "Không có văn bản nào của cơ quan khớp" in text(nothing)
    assert report_of(item, period(plan)) is None  # searching saves nothing

    picked = client.post(save_url, form_data(pick_document=str(mine.pk)), HTTP_HX_REQUEST="true")
    html = picked.content.decode()
    assert 'name="doc-0-document_id"' in html and f'value="{mine.pk}"' in html
    assert "readonly" in html and "12/QĐ-STP" in html

    saved = client.post(
        save_url,
        form_data(
            **{
                "doc-0-number": mine.number,
                "doc-0-issued_on": "20/03/2022",
                "doc-0-summary": mine.summary,
                "doc-0-document_id": str(mine.pk),
            }
        ),
    )
    assert saved.status_code == 302
    report = report_of(item, period(plan))
    assert report is not None and list(report.documents) == [mine]
    assert Document.objects.filter(agency=agencies["a"]).count() == 1


def test_the_form_refuses_to_pick_another_agency_s_document(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    _save(_report(plan, agencies["b"]), personas["officer_b"], [DECISION])
    foreign = Document.objects.get(agency=agencies["b"])
    item = assignment_of(plan, agencies["a"])
    save_url = url("report_save", item, period(plan))
    client.force_login(personas["officer_a"])
    assert client.post(save_url, form_data(pick_document=str(foreign.pk))).status_code == 404
    assert client.post(save_url, form_data(pick_document="x")).status_code == 404
    crafted = client.post(
        save_url,
        form_data(
            **{
                "doc-0-number": foreign.number,
                "doc-0-issued_on": "20/03/2022",
                "doc-0-summary": foreign.summary,
                "doc-0-document_id": str(foreign.pk),
            }
        ),
    )
    assert crafted.status_code == 403
    assert report_of(item, period(plan)) is None
    assert foreign.links.count() == 1
    # Officer B cannot search agency A's documents through A's report either.
    client.force_login(personas["officer_b"])
    assert client.post(save_url, form_data(find_document="1", doc_find="quyet")).status_code == 404


# ---------------------------------------------------------------------------- evidence


def test_an_evidence_file_shared_by_two_reports_downloads_for_each_only_by_who_may_see_it(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    first, second = _report(plan, agencies["a"], 0), _report(plan, agencies["a"], 1)
    links = [
        evidence_add(
            report=r, actor=personas["officer_a"], name="qd.pdf", data=PDF, declared_type=None
        )
        for r in (first, second)
    ]
    # The same bytes under the same name are one document of the agency.
    assert links[0].document_id == links[1].document_id
    assert Document.objects.count() == 1
    second.refresh_from_db()
    report_submit(report=second, actor=personas["head_a"], expected_version=second.version)
    for who, expected in [("officer_a", 200), ("coordinator", 200), ("officer_b", 404)]:
        client.force_login(personas[who])
        for link in links:
            assert client.get(f"/bao-cao/minh-chung/{link.pk}/").status_code == expected
    # Removed from the draft, it stays on the sent report.
    client.force_login(personas["officer_a"])
    first.refresh_from_db()
    removal = {"version": first.version}  # the version the page showed, as the button sends
    assert client.post(f"/bao-cao/minh-chung/{links[0].pk}/go/", removal).status_code == 302
    assert not first.evidence.exists() and second.evidence.count() == 1
    assert client.get(f"/bao-cao/minh-chung/{links[1].pk}/").status_code == 200
    # A removed link is gone for everyone.
    assert client.get(f"/bao-cao/minh-chung/{links[0].pk}/").status_code == 404


# ---------------------------------------------------------------------------- the list page


def test_the_agency_s_documents_page_lists_each_once_with_where_it_serves(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    page_url = reverse("document_list", args=[agencies["a"].pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url).status_code == 200
        return len(captured)

    client.force_login(personas["officer_a"])
    first, second = _report(plan, agencies["a"], 0), _report(plan, agencies["a"], 1)
    _save(first, personas["officer_a"], [DECISION])
    _save(second, personas["officer_a"], [DECISION])
    evidence_add(report=first, actor=personas["officer_a"], name="qd.pdf", data=PDF)
    small = queries()
    for index in range(3):
        report = _report(plan, agencies["a"], 2 + index)
        _save(
            report,
            personas["officer_a"],
            [DocumentInput(f"{index}/KH", date(2022, 1, 9), "Kế hoạch")],
        )
        evidence_add(
            report=report,
            actor=personas["officer_a"],
            name=f"{index}.pdf",
            data=PDF + bytes([index]),
        )
    assert queries() == small  # pinned: no query per document or per use

    page = text(client.get(page_url))
    assert page.count("12/QĐ-STP") == 1 and "qd.pdf" in page and "2/KH" in page
    assert page.count("văn bản kết quả") >= 2 and "minh chứng" in page
    found = text(client.get(page_url, {"q": "quyet dinh"}))
    assert "12/QĐ-STP" in found and "2/KH" not in found

    client.force_login(personas["officer_b"])
    assert client.get(page_url).status_code == 404
    client.force_login(personas["coordinator"])
    assert "12/QĐ-STP" in text(client.get(page_url))
