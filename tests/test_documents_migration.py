"""The migration that carries reports' output documents and evidence into documents.

Run by hand with Django's MigrationExecutor: the database goes back to before the
documents existed, old rows are written with the models of that time, and the migration
runs forwards (data carried over, duplicates made one) and backwards (rows restored).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.documents.models import Document, DocumentFile
from cchc.files.models import StoredFile
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.services import report_get_or_create
from cchc.plans.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("monitoring", "0002_field_verbose_names"), ("documents", "0001_initial")]
CARRIED = [("monitoring", "0004_remove_output_document_and_evidence")]
SHA = "a" * 64
LOST = "b" * 64  # a file whose index row went missing; the migration makes it again


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _reports(plan: Plan, agencies: dict[str, Agency]) -> list[ProgressReport]:
    six = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    mine = list(
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).order_by("pk")[:2]
    )
    theirs = Assignment.objects.filter(activity__plan=plan, agency=agencies["b"]).order_by("pk")[0]
    return [report_get_or_create(assignment=a, period=six) for a in [*mine, theirs]]


def test_output_documents_and_evidence_become_documents_and_come_back(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    first, second, other = _reports(plan, agencies)
    officer = personas["officer_a"]
    try:
        old = _migrate(BEFORE)
        OutputDocument = old.get_model("monitoring", "OutputDocument")
        Evidence = old.get_model("monitoring", "Evidence")
        OldStoredFile = old.get_model("files", "StoredFile")
        OldStoredFile.objects.create(sha256=SHA, size=10, content_type="application/pdf")
        day = date(2022, 3, 20)
        for report_id, number, issued_on in [
            (first.pk, "12/QĐ-STP", day),
            (first.pk, "15/KH-STP", date(2022, 2, 1)),
            (second.pk, "12/qđ-stp ", day),  # the same decision, typed again
            (other.pk, "12/QĐ-STP", day),  # another agency's own number
        ]:
            OutputDocument.objects.create(
                report_id=report_id, number=number, issued_on=issued_on, summary="Quyết định"
            )
        for report_id, sha, name in [
            (first.pk, SHA, "minh-chung.pdf"),
            (second.pk, SHA, "minh-chung.pdf"),  # the same file, same name: one document
            (second.pk, SHA, "ban-sao.pdf"),  # same bytes, another name: another
            (other.pk, LOST, "bien-ban.pdf"),
        ]:
            Evidence.objects.create(
                report_id=report_id,
                sha256=sha,
                filename=name,
                content_type="application/pdf",
                size=10,
                uploaded_by_id=officer.pk,
            )

        _migrate(CARRIED)
        first, second, other = (ProgressReport.objects.get(pk=r.pk) for r in (first, second, other))
        assert [d.number for d in first.documents] == ["15/KH-STP", "12/QĐ-STP"]
        decision = Document.objects.get(agency=agencies["a"], number_key="12/QĐ-STP")
        assert list(second.documents) == [decision]
        assert decision.links.filter(role="output").count() == 2
        assert [d.agency_id for d in other.documents] == [agencies["b"].pk]
        assert Document.objects.exclude(number_key="").count() == 3

        assert [link.file.filename for link in first.evidence] == ["minh-chung.pdf"]  # type: ignore[union-attr]
        assert [link.file.filename for link in second.evidence] == [  # type: ignore[union-attr]
            "minh-chung.pdf",
            "ban-sao.pdf",
        ]
        assert first.evidence.get().document_id == second.evidence.first().document_id  # type: ignore[union-attr]
        assert DocumentFile.objects.count() == 3
        assert set(StoredFile.objects.values_list("sha256", flat=True)) == {SHA, LOST}
        assert {f.uploaded_by_id for f in DocumentFile.objects.all()} == {officer.pk}
        assert decision.search_text == "12/qd-stp quyet dinh"

        old = _migrate(BEFORE)
        OutputDocument = old.get_model("monitoring", "OutputDocument")
        Evidence = old.get_model("monitoring", "Evidence")
        assert sorted(
            OutputDocument.objects.values_list("report_id", "number", "issued_on")
        ) == sorted(
            [
                (first.pk, "12/QĐ-STP", day),
                (first.pk, "15/KH-STP", date(2022, 2, 1)),
                (second.pk, "12/QĐ-STP", day),
                (other.pk, "12/QĐ-STP", day),
            ]
        )
        assert sorted(Evidence.objects.values_list("report_id", "sha256", "filename")) == sorted(
            [
                (first.pk, SHA, "minh-chung.pdf"),
                (second.pk, SHA, "minh-chung.pdf"),
                (second.pk, SHA, "ban-sao.pdf"),
                (other.pk, LOST, "bien-ban.pdf"),
            ]
        )
        assert not Document.objects.exists()
    finally:
        # Back to the newest state of every app, whatever came after this migration.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
