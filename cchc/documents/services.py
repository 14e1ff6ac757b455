"""Recording documents once and linking them to what they serve.

`document_record` is the one way a numbered document comes to exist: the same agency
recording the same number/symbol and date again gets the document it already has (the
database refuses a second one too). `document_store_file` does the same for an
evidence file uploaded without a number: the same bytes under the same name are one
document of the agency. Links (`document_link`, `links_of`) tie documents to any object.
Callers check who may act; these functions check what is being recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit import context as audit_context
from cchc.audit.log import log_action
from cchc.documents.models import Document, DocumentFile, DocumentLink, number_key
from cchc.lib import storage
from cchc.lib.text import fold
from cchc.lib.uploads import CheckedUpload


class DocumentError(Exception):
    """A document that cannot be recorded or linked; the message is for the user."""


@dataclass(frozen=True)
class Recorded:
    document: Document
    created: bool


def _state(document: Document) -> dict[str, Any]:
    return {
        "agency": document.agency_id,
        "number": document.number,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "summary": document.summary,
        "issuer": document.issuer_id,
        "issuer_name": document.issuer_name,
    }


def _log(actor: User | None, action: str, document: Document, before: Any, after: Any) -> None:
    log_action(
        actor=actor,
        action=action,
        obj=document,
        before=before,
        after=after,
        source=audit_context.current().source,
    )


def _messages(error: ValidationError) -> str:
    return "; ".join(str(message) for message in error.messages)


@transaction.atomic
def document_record(
    *,
    agency: Agency,
    number: str,
    issued_on: date | None,
    summary: str,
    actor: User | None,
    issuer: Agency | None = None,
    issuer_name: str = "",
) -> Recorded:
    """The agency's document with this number/symbol and date, recorded if it is new.

    A summary given for a document already recorded replaces its summary: it is the
    same document, so a corrected summary is corrected wherever it is shown.
    """
    if not number_key(number):
        raise DocumentError(_("Hãy ghi số, ký hiệu của văn bản."))
    if issued_on is None:
        raise DocumentError(_("Hãy ghi ngày ban hành của văn bản."))
    if not summary.strip():
        raise DocumentError(_("Hãy ghi trích yếu của văn bản."))
    document = Document(
        agency=agency,
        number=number,
        issued_on=issued_on,
        summary=summary,
        issuer=issuer,
        issuer_name=issuer_name,
        created_by=actor,
    )
    document.normalize()
    try:
        document.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise DocumentError(_messages(error)) from error
    existing = Document.objects.filter(
        agency=agency, number_key=document.number_key, issued_on=issued_on
    ).first()
    if existing is None:
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            # Someone recorded it between our look and our write: theirs is the one.
            existing = Document.objects.get(
                agency=agency, number_key=document.number_key, issued_on=issued_on
            )
        else:
            _log(actor, "document.create", document, None, _state(document))
            return Recorded(document, True)
    if existing.summary != document.summary:
        before = _state(existing)
        existing.summary = document.summary
        existing.save()
        _log(actor, "document.update", existing, before, _state(existing))
    return Recorded(existing, False)


@transaction.atomic
def document_store_file(
    *, agency: Agency, actor: User | None, checked: CheckedUpload, data: bytes
) -> Document:
    """The agency's document for an uploaded file (checked by `check_upload`).

    Files carry no number, so they are one document when their bytes and their name
    are the same; the bytes themselves are stored once whatever the name.
    """
    stored = storage.store(data, content_type=checked.content_type)
    existing = (
        Document.objects.filter(
            agency=agency,
            number_key="",
            files__stored=stored,
            files__filename=checked.safe_name,
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    document = Document.objects.create(agency=agency, created_by=actor)
    DocumentFile.objects.create(
        document=document, stored=stored, filename=checked.safe_name, uploaded_by=actor
    )
    _log(actor, "document.create", document, None, {**_state(document), "file": stored.sha256})
    return document


def _target_type(target: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(target, for_concrete_model=True)


def links_of(target: models.Model, role: str | None = None) -> QuerySet[DocumentLink]:
    """The links of an object, oldest first, with their documents and files at hand."""
    links = DocumentLink.objects.filter(target_type=_target_type(target), target_id=target.pk)
    if role is not None:
        links = links.filter(role=role)
    return links.select_related("document").prefetch_related("document__files__stored")


def documents_of(target: models.Model, role: str) -> QuerySet[Document]:
    """The documents linked to an object in a role, by date of issue."""
    return Document.objects.filter(
        links__target_type=_target_type(target), links__target_id=target.pk, links__role=role
    ).order_by("issued_on", "pk")


def document_link(
    *, document: Document, target: models.Model, role: str, actor: User | None
) -> DocumentLink:
    link, _created = DocumentLink.objects.get_or_create(
        document=document,
        target_type=_target_type(target),
        target_id=target.pk,
        role=role,
        defaults={"added_by": actor},
    )
    return link


def documents_set_links(
    *, target: models.Model, role: str, documents: Iterable[Document], actor: User | None
) -> None:
    """Make the object's links in `role` exactly `documents`; others' links stay."""
    wanted = {document.pk: document for document in documents}
    DocumentLink.objects.filter(
        target_type=_target_type(target), target_id=target.pk, role=role
    ).exclude(document_id__in=wanted).delete()
    for document in wanted.values():
        document_link(document=document, target=target, role=role, actor=actor)


def documents_search(*, agency_id: int, query: str, limit: int = 20) -> list[Document]:
    """The agency's numbered documents matching every word of `query`, diacritics aside;
    the newest first."""
    found = Document.objects.filter(agency_id=agency_id).exclude(number_key="")
    for word in fold(query).split():
        found = found.filter(search_text__contains=word)
    return list(found.order_by("-issued_on", "-pk")[:limit])
