"""Carry each report's output documents and evidence files over to `cchc.documents`.

An output document becomes the agency's document with that number/symbol and date (one
document however many reports named it) linked to the report as "output"; an evidence
file becomes the agency's document holding that file under that name, linked as
"evidence". Backwards, the links become rows of the old tables again.

The normalisation of numbers is written out here, as it was when this ran, so that a
later change to the app's code does not change what this migration did.
"""

import unicodedata

from django.db import migrations

from cchc.lib.text import fold

REPORT = ("monitoring", "progressreport")


def _nfc(text):
    return unicodedata.normalize("NFC", text or "")


def _clean_number(number):
    text = " ".join(_nfc(number).split())
    for mark in ("/", "-"):
        text = mark.join(part.strip() for part in text.split(mark))
    return text


def _number_key(number):
    return "".join(_nfc(number).split()).upper()


def _report_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=REPORT[0], model=REPORT[1])[0]


def forwards(apps, schema_editor):
    OutputDocument = apps.get_model("monitoring", "OutputDocument")
    Evidence = apps.get_model("monitoring", "Evidence")
    ProgressReport = apps.get_model("monitoring", "ProgressReport")
    Document = apps.get_model("documents", "Document")
    DocumentFile = apps.get_model("documents", "DocumentFile")
    DocumentLink = apps.get_model("documents", "DocumentLink")
    StoredFile = apps.get_model("files", "StoredFile")
    if not (OutputDocument.objects.exists() or Evidence.objects.exists()):
        return
    report_type = _report_type(apps)
    agency_of = dict(ProgressReport.objects.values_list("pk", "assignment__agency_id"))

    numbered = {}
    for row in OutputDocument.objects.order_by("issued_on", "pk"):
        agency_id = agency_of[row.report_id]
        number = _clean_number(row.number)
        key = (agency_id, _number_key(number), row.issued_on)
        document = numbered.get(key)
        if document is None:
            summary = " ".join(_nfc(row.summary).split())
            document, _created = Document.objects.get_or_create(
                agency_id=agency_id,
                number_key=key[1],
                issued_on=row.issued_on,
                defaults={
                    "number": number,
                    "summary": summary,
                    "search_text": fold(f"{number} {summary} "),
                },
            )
            numbered[key] = document
        DocumentLink.objects.get_or_create(
            document=document,
            target_type=report_type,
            target_id=row.report_id,
            role="output",
        )

    files = {}
    for row in Evidence.objects.order_by("uploaded_at", "pk"):
        agency_id = agency_of[row.report_id]
        stored, _created = StoredFile.objects.get_or_create(
            sha256=row.sha256, defaults={"size": row.size, "content_type": row.content_type}
        )
        key = (agency_id, stored.pk, row.filename)
        document = files.get(key)
        if document is None:
            document = Document.objects.create(
                agency_id=agency_id, created_by_id=row.uploaded_by_id, search_text=""
            )
            DocumentFile.objects.create(
                document=document,
                stored=stored,
                filename=row.filename,
                uploaded_by_id=row.uploaded_by_id,
            )
            Document.objects.filter(pk=document.pk).update(created_at=row.uploaded_at)
            DocumentFile.objects.filter(document=document).update(uploaded_at=row.uploaded_at)
            files[key] = document
        link, created = DocumentLink.objects.get_or_create(
            document=document,
            target_type=report_type,
            target_id=row.report_id,
            role="evidence",
            defaults={"added_by_id": row.uploaded_by_id},
        )
        if created:
            DocumentLink.objects.filter(pk=link.pk).update(added_at=row.uploaded_at)


def backwards(apps, schema_editor):
    OutputDocument = apps.get_model("monitoring", "OutputDocument")
    Evidence = apps.get_model("monitoring", "Evidence")
    ProgressReport = apps.get_model("monitoring", "ProgressReport")
    Document = apps.get_model("documents", "Document")
    DocumentFile = apps.get_model("documents", "DocumentFile")
    DocumentLink = apps.get_model("documents", "DocumentLink")
    report_type = _report_type(apps)
    links = DocumentLink.objects.filter(target_type=report_type).select_related("document")
    reports = set(ProgressReport.objects.values_list("pk", flat=True))
    for link in links.filter(role="output").order_by("pk"):
        if link.target_id not in reports:
            continue
        document = link.document
        OutputDocument.objects.create(
            report_id=link.target_id,
            number=document.number,
            issued_on=document.issued_on,
            summary=document.summary,
        )
    for link in links.filter(role="evidence").order_by("added_at", "pk"):
        if link.target_id not in reports:
            continue
        for file in DocumentFile.objects.filter(document=link.document).select_related("stored"):
            evidence = Evidence.objects.create(
                report_id=link.target_id,
                sha256=file.stored.sha256,
                filename=file.filename,
                content_type=file.stored.content_type,
                size=file.stored.size,
                uploaded_by_id=link.added_by_id,
            )
            Evidence.objects.filter(pk=evidence.pk).update(uploaded_at=link.added_at)
    links.delete()
    Document.objects.filter(links__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("documents", "0001_initial"),
        ("files", "0001_initial"),
        ("monitoring", "0002_field_verbose_names"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
