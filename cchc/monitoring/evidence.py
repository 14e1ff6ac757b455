"""Evidence files of a progress report: checked by content, stored once under SHA-256.

The bytes go through `cchc.lib.uploads.check_upload` (real type, size, safe name) and into
the content-addressed store of `cchc.lib.storage`, as a document of the agency
(`cchc.documents`); a `DocumentLink` in the role "evidence" ties it to the report, and is
the handle a download or a removal names. Adding or removing a file is a change of the
report: it needs the same right as saving it, bumps its `version` and is kept in its
history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.documents.models import DocumentLink
from cchc.documents.services import document_link, document_store_file
from cchc.lib import storage
from cchc.lib.uploads import EVIDENCE_KINDS, CheckedUpload, check_upload
from cchc.monitoring.models import ProgressReport, ReportVersion
from cchc.monitoring.services import (
    ReportError,
    ReportForbidden,
    _check_version,
    _is_agency_member,
    _lock,
    _record,
    _snapshot,
)


def evidence_check(*, name: str, data: bytes, declared_type: str | None = None) -> CheckedUpload:
    """Check a file as evidence without storing it; raises UploadRejected."""
    return check_upload(
        name,
        data,
        allowed=EVIDENCE_KINDS,
        max_bytes=settings.CCHC_MAX_UPLOAD_BYTES,
        declared_type=declared_type,
    )


def _editable(
    report: ProgressReport, actor: User, *, expected_version: int | None = None
) -> ProgressReport:
    locked = _lock(report)
    if not _is_agency_member(actor, locked):
        raise ReportForbidden(_("Bạn không thể sửa báo cáo này."))
    if expected_version is not None:
        _check_version(locked, expected_version)
    if not locked.is_editable:
        raise ReportError(_("Báo cáo đã gửi hoặc đã được duyệt nên không sửa được nữa."))
    return locked


def _bump(report: ProgressReport, actor: User) -> None:
    report.version += 1
    report.updated_by = actor
    report.save(update_fields=["version", "updated_by", "updated_at"])


@transaction.atomic
def evidence_add(
    *,
    report: ProgressReport,
    actor: User,
    name: str,
    data: bytes,
    declared_type: str | None = None,
) -> DocumentLink:
    """Attach a file to an editable report.

    Raises ReportForbidden/ReportError (who, when) or UploadRejected (what), each with a
    Vietnamese message; nothing is stored then. The same bytes attached twice to one
    report are one evidence file.
    """
    locked = _editable(report, actor)
    checked = evidence_check(name=name, data=data, declared_type=declared_type)
    existing = locked.evidence.filter(document__files__stored__sha256=checked.sha256).first()
    if existing is not None:
        return existing
    before = _snapshot(locked)
    document = document_store_file(
        agency=locked.assignment.agency, actor=actor, checked=checked, data=data
    )
    link = document_link(
        document=document, target=locked, role=DocumentLink.Role.EVIDENCE, actor=actor
    )
    _bump(locked, actor)
    _record(locked, ReportVersion.Action.SAVED, actor, before)
    return link


@transaction.atomic
def evidence_remove(
    *, evidence: DocumentLink, actor: User, expected_version: int
) -> ProgressReport:
    """Detach a file from an editable report. The agency's document and the stored bytes
    stay: other reports may share them, and the history still names the file.

    The version the remover saw is required, as for a save: a removal clicked on a page
    read before someone else's change (a file replaced, the report rewritten) is refused
    with ReportConflict rather than applied to a report the remover has not seen.
    """
    report = evidence.target
    assert isinstance(report, ProgressReport)
    locked = _editable(report, actor, expected_version=expected_version)
    before = _snapshot(locked)
    locked.document_links.filter(pk=evidence.pk, role=DocumentLink.Role.EVIDENCE).delete()
    _bump(locked, actor)
    _record(locked, ReportVersion.Action.SAVED, actor, before)
    return locked


def evidence_response(evidence: DocumentLink) -> FileResponse:
    """The file as a download. The caller has checked that the user may see the report."""
    file = evidence.file
    if file is None or not storage.blob_exists(file.stored.sha256):
        raise Http404
    return storage.file_response(file.stored, file.filename)
