"""Evidence files of a progress report: checked by content, stored once under SHA-256.

The bytes go through `cchc.lib.uploads.check_upload` (real type, size, safe name) and into
the content-addressed store of `cchc.lib.storage`; an `Evidence` row ties them to the
report. Adding or removing a file is a change of the report: it needs the same right as
saving it, bumps its `version` and is kept in its history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.files.models import StoredFile
from cchc.lib import storage
from cchc.lib.uploads import EVIDENCE_KINDS, CheckedUpload, check_upload
from cchc.monitoring.models import Evidence, ProgressReport, ReportVersion
from cchc.monitoring.services import (
    ReportError,
    ReportForbidden,
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


def _editable(report: ProgressReport, actor: User) -> ProgressReport:
    locked = _lock(report)
    if not _is_agency_member(actor, locked):
        raise ReportForbidden(_("Bạn không thể sửa báo cáo này."))
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
) -> Evidence:
    """Attach a file to an editable report.

    Raises ReportForbidden/ReportError (who, when) or UploadRejected (what), each with a
    Vietnamese message; nothing is stored then. The same bytes attached twice to one
    report are one evidence file.
    """
    locked = _editable(report, actor)
    checked = evidence_check(name=name, data=data, declared_type=declared_type)
    existing = locked.evidence.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing
    before = _snapshot(locked)
    stored = storage.store(data, content_type=checked.content_type)
    evidence = Evidence.objects.create(
        report=locked,
        sha256=stored.sha256,
        filename=checked.safe_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    _bump(locked, actor)
    _record(locked, ReportVersion.Action.SAVED, actor, before)
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: User) -> ProgressReport:
    """Detach a file from an editable report. The stored bytes stay: other reports may
    share them, and the history still names the file."""
    locked = _editable(evidence.report, actor)
    before = _snapshot(locked)
    Evidence.objects.filter(pk=evidence.pk, report=locked).delete()
    _bump(locked, actor)
    _record(locked, ReportVersion.Action.SAVED, actor, before)
    return locked


def evidence_response(evidence: Evidence) -> FileResponse:
    """The file as a download. The caller has checked that the user may see the report."""
    stored = StoredFile.objects.filter(sha256=evidence.sha256).first()
    if stored is None or not storage.path_for(stored.sha256).is_file():
        raise Http404
    return storage.file_response(stored, evidence.filename)
