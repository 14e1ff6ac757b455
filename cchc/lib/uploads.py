"""Checking an uploaded file before anything opens it: size, real type, safe name.

The type is decided by the bytes, never by the name or by what the browser declares: a
renamed executable, an HTML page posing as a PDF, or a zip bomb posing as a DOCX must be
refused here, before a parser or a person downloads it. OOXML files (DOCX, XLSX) are zip
archives; their directory is inspected for sizes and ratios before any member is read,
and only `[Content_Types].xml` and the `.rels` parts (where macros are declared), bounded
in size, are read, as bytes, never parsed as XML.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cchc.lib.containers import (
    OLE2_MAGIC,
    ContainerRejected,
    inspect_zip,
    open_zip,
    read_member,
    refuse_macros,
)


@dataclass(frozen=True)
class FileKind:
    kind: str
    content_type: str
    extension: str
    # Other content types a browser or a client may honestly declare for this kind.
    aliases: frozenset[str] = frozenset()


OOXML_ALIASES = frozenset({"application/zip", "application/x-zip-compressed"})
KINDS: dict[str, FileKind] = {
    kind.kind: kind
    for kind in [
        FileKind("pdf", "application/pdf", "pdf", frozenset({"application/x-pdf"})),
        FileKind("png", "image/png", "png"),
        FileKind("jpeg", "image/jpeg", "jpg", frozenset({"image/jpg", "image/pjpeg"})),
        FileKind("webp", "image/webp", "webp"),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            OOXML_ALIASES,
        ),
        FileKind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            OOXML_ALIASES,
        ),
        FileKind("json", "application/json", "json", frozenset({"text/json", "text/plain"})),
    ]
}
EVIDENCE_KINDS = frozenset({"pdf", "png", "jpeg", "webp", "docx", "xlsx"})
PLAN_KINDS = frozenset({"docx", "xlsx", "json"})
# A declaration that says nothing about the type is not a mismatch.
NO_CLAIM = frozenset({"", "application/octet-stream", "binary/octet-stream"})

EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE, DOS
    b"\x7fELF",  # Linux
    b"#!",  # scripts
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
)

# [Content_Types].xml is read, as bytes and never parsed, up to this size.
CONTENT_TYPES_MAX = 1024 * 1024

DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

CHUNK = 64 * 1024


class UploadRejected(ValidationError):
    """A file refused by `check_upload`; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    extension: str
    safe_name: str
    sha256: str
    size: int


def _read_limited(data: bytes | IO[bytes], max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    declared = getattr(data, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        _too_big(declared, max_bytes)
    if hasattr(data, "seek"):
        data.seek(0)
    buffer = io.BytesIO()
    while chunk := data.read(CHUNK):
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            _too_big(buffer.tell(), max_bytes)
    if hasattr(data, "seek"):
        data.seek(0)
    return buffer.getvalue()


def _too_big(size: int, max_bytes: int) -> None:
    raise UploadRejected(
        _("Tệp quá lớn (%(size)s); giới hạn là %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        code="too_big",
    )


_RESERVED = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}


def safe_filename(name: str, extension: str, *, max_length: int = 150) -> str:
    """A name that is safe on any disk and in any header, ending in the real extension.

    Path parts are dropped ("../../etc/passwd" -> "passwd"), control and bidi-override
    characters removed (so "tai-lieu\u202efdp.exe" cannot pose as a PDF), and the
    extension replaced by the one the content proved.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    base = _RESERVED.sub("_", base)
    base = " ".join(base.split()).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .") or _("tep")
    if stem.lower().split(".")[0] in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    stem = stem[: max(1, max_length - len(extension) - 1)].rstrip(" .") or "_"
    return f"{stem}.{extension}"


def display_name(name: str, *, max_length: int = 120) -> str:
    """The file's name as the user picked it, for a message: "chuong-trinh.exe" stays
    "chuong-trinh.exe" (a stored file gets `safe_filename`, never this).

    Only what would mislead or break the message goes: path parts, control and bidi
    characters ("tai-lieu\u202efdp.exe" must not read as a PDF); the page escapes the rest.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    base = " ".join(base.split())
    if len(base) > max_length:
        base = base[: max_length - 1] + "…"
    return base or _("(không tên)")


def _check_zip(data: bytes) -> str | None:
    """'docx' or 'xlsx' for a sane OOXML archive, None for another zip; raises on a bomb."""
    archive = open_zip(data)
    if archive is None:
        return None
    with archive:
        try:
            inspect_zip(archive)
            content_types = read_member(archive, "[Content_Types].xml", max_bytes=CONTENT_TYPES_MAX)
            if content_types is not None:
                refuse_macros(archive)
        except ContainerRejected as error:
            raise UploadRejected(
                error.message, code="zip_bomb" if error.is_bomb else error.code
            ) from error
        names = set(archive.namelist())
    if content_types is None:
        return None
    if DOCX_MAIN in content_types and "word/document.xml" in names:
        return "docx"
    if XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _looks_like_json(data: bytes) -> bool:
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith((b"{", b"[")):
        return False
    try:
        json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


def detect_kind(data: bytes) -> str | None:
    """The kind of file `data` is, from its content alone; None when not a known kind."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return _check_zip(data)
    if _looks_like_json(data):
        return "json"
    return None


def _declared_matches(declared: str | None, kind: FileKind) -> bool:
    if declared is None:
        return True
    value = declared.split(";", 1)[0].strip().lower()
    return value in NO_CLAIM or value == kind.content_type or value in kind.aliases


def check_upload(
    name: str,
    data: bytes | IO[bytes],
    *,
    allowed: set[str] | frozenset[str],
    max_bytes: int,
    declared_type: str | None = None,
) -> CheckedUpload:
    """Check an upload and describe it, or raise UploadRejected with the reason.

    `allowed` names kinds of `KINDS`. A file object is read in chunks and rewound; its
    declared size is refused before anything is read when it is already too big.
    """
    unknown = set(allowed) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown upload kinds: {sorted(unknown)}")
    content = _read_limited(data, max_bytes)
    if len(content) > max_bytes:
        _too_big(len(content), max_bytes)
    if not content:
        raise UploadRejected(_("Tệp rỗng."), code="empty")
    if content.startswith(EXECUTABLE_MAGIC):
        raise UploadRejected(
            _("Tệp «%(name)s» là chương trình chạy được, không phải tài liệu; hệ thống từ chối.")
            % {"name": display_name(name)},
            code="executable",
        )
    kind_name = detect_kind(content)
    if kind_name is None or kind_name not in allowed:
        accepted = ", ".join(sorted(KINDS[k].extension.upper() for k in allowed))
        if content.startswith(OLE2_MAGIC):
            message = _(
                "Tệp ở định dạng Office cũ hoặc được đặt mật khẩu; hãy lưu lại thành %(accepted)s."
            ) % {"accepted": accepted}
        else:
            message = _(
                "Nội dung tệp không thuộc loại được nhận (%(accepted)s), dù tên tệp là «%(name)s»."
            ) % {"accepted": accepted, "name": display_name(name)}
        raise UploadRejected(message, code="type")
    kind = KINDS[kind_name]
    if not _declared_matches(declared_type, kind):
        raise UploadRejected(
            _("Tệp được khai là %(declared)s nhưng nội dung là %(real)s.")
            % {"declared": declared_type, "real": kind.content_type},
            code="declared_type",
        )
    return CheckedUpload(
        kind=kind.kind,
        content_type=kind.content_type,
        extension=kind.extension,
        safe_name=safe_filename(name, kind.extension),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
