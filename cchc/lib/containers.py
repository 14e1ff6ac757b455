"""Zip containers (DOCX, XLSX) judged from their directory before anything inflates them.

Every Office file that reaches cchc is untrusted: an evidence upload, a plan appendix.
Both pass through here, so a zip bomb, an archive of a million members, an encrypted
package, a member packed with a method Office never uses, or a part carrying a DTD (the
door to XXE and "billion laughs") is refused the same way with the same Vietnamese
message, wherever it arrives. Only `inspect_zip`'s directory checks and the bounded,
streaming reads below ever touch member data; nothing here parses XML.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK"
# An OLE2 compound file: a legacy .doc/.xls, or an OOXML file that Office encrypted with a
# password (it wraps the package in OLE2).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OOXML packages use only these two; zipfile would also inflate bzip2 and lzma, which no
# Office application writes, and raise NotImplementedError on anything else.
OFFICE_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
CHUNK = 1 << 20
# What zipfile raises on a member whose data is damaged (a bad CRC, a broken deflate
# stream, a truncated file) or that it cannot inflate.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


@dataclass(frozen=True)
class ZipLimits:
    members: int = 5000
    total_bytes: int = 200 * 1024 * 1024
    ratio: int = 200
    # Below this size a high ratio cannot hurt (a few KB of repeated XML compresses very
    # well), so small members are not held to the ratio limit.
    ratio_floor: int = 1024 * 1024


LIMITS = ZipLimits()

# Codes of the refusals that mean "this archive inflates into something dangerous".
BOMB_CODES = frozenset({"too_many_members", "too_big", "ratio"})


class ContainerRejected(Exception):
    """An archive refused from its directory or its parts; `message` is Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def is_bomb(self) -> bool:
        return self.code in BOMB_CODES


def open_zip(data: bytes) -> zipfile.ZipFile | None:
    """The archive, or None when `data` is not a readable zip. Reads no member."""
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def zip_names(data: bytes) -> set[str] | None:
    """Member names of a zip archive, or None when `data` is not one. Reads no member."""
    archive = open_zip(data)
    if archive is None:
        return None
    with archive:
        return set(archive.namelist())


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def inspect_zip(archive: zipfile.ZipFile, limits: ZipLimits = LIMITS) -> None:
    """Refuse an archive from its central directory alone; raises ContainerRejected.

    zipfile stops inflating a member at the size the directory declares, so sizes checked
    here bound what any later read can produce.
    """
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise ContainerRejected(
            "too_many_members",
            _("Tệp nén chứa quá nhiều thành phần (%(count)s); không thể đọc an toàn.")
            % {"count": len(infos)},
        )
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise ContainerRejected(
            "too_big",
            _(
                "Tệp giải nén ra quá lớn (%(size)s MB, tối đa %(limit)s MB); "
                "có thể là tệp độc hại (zip bomb)."
            )
            % {"size": _megabytes(total), "limit": _megabytes(limits.total_bytes)},
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= limits.ratio_floor and ratio > limits.ratio:
            raise ContainerRejected(
                "ratio",
                _(
                    "Thành phần «%(name)s» có tỉ lệ nén bất thường (%(ratio)s lần); "
                    "có thể là tệp độc hại (zip bomb)."
                )
                % {"name": info.filename, "ratio": int(ratio)},
            )
    if any(info.flag_bits & 0x1 for info in infos):
        raise ContainerRejected(
            "encrypted",
            _("Tệp được mã hoá (đặt mật khẩu); hãy gỡ mật khẩu rồi tải lên lại."),
        )
    for info in infos:
        if info.compress_type not in OFFICE_COMPRESSION:
            method = COMPRESSION_NAMES.get(info.compress_type, str(info.compress_type))
            raise ContainerRejected(
                "compression",
                _(
                    "Tệp nén dùng kiểu nén không được hỗ trợ (%(method)s); hãy mở tệp bằng "
                    "Word hoặc Excel và lưu lại."
                )
                % {"method": method},
            )


def read_member(archive: zipfile.ZipFile, name: str, *, max_bytes: int) -> bytes | None:
    """A member's bytes, or None when it is missing or unreadable; never more than
    `max_bytes` (a larger member is refused as a bomb). Call `inspect_zip` first."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > max_bytes:
        raise ContainerRejected(
            "too_big",
            _(
                "Thành phần «%(name)s» giải nén ra quá lớn (%(size)s MB); "
                "có thể là tệp độc hại (zip bomb)."
            )
            % {"name": name, "size": _megabytes(info.file_size)},
        )
    try:
        with archive.open(info) as member:
            return member.read(max_bytes + 1)[:max_bytes]
    except DAMAGED:
        return None


def stream_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, overlap: int
) -> Iterator[tuple[bytes, int]]:
    """A member as (block, fresh) pairs, inflated one megabyte at a time; a damaged
    member is refused with ContainerRejected.

    Each block starts with the last `overlap` bytes of the one before, so that a pattern
    shorter than `overlap` is never cut in two; `fresh` is where the new bytes begin. A
    match that ends within the first `fresh` bytes was already seen in the block before.
    """
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                block = tail + chunk
                yield block, len(tail)
                tail = block[-overlap:]
    except DAMAGED as error:
        raise ContainerRejected(
            "damaged",
            _("Tệp nén bị hỏng: không đọc được thành phần «%(name)s».") % {"name": info.filename},
        ) from error


def count_matches(
    archive: zipfile.ZipFile,
    wanted: Callable[[str], bool],
    pattern: re.Pattern[bytes],
    *,
    limit: int,
) -> bool:
    """Whether some member named `wanted` holds more than `limit` matches of `pattern`.

    Counted in the raw bytes, streaming, before a parser builds anything: openpyxl, for
    one, builds every cell of a sheet in memory.
    """
    for info in archive.infolist():
        if not wanted(info.filename):
            continue
        count = 0
        for block, fresh in stream_member(archive, info, overlap=64):
            count += sum(1 for match in pattern.finditer(block) if match.end() > fresh)
            if count > limit:
                return True
    return False


_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
# A document type declaration, the only place entities (internal or external) can be
# declared. Office never writes one; XML parsers that resolve it are what XXE and
# "billion laughs" attacks need.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def refuse_dtd(archive: zipfile.ZipFile) -> None:
    """Refuse a package whose XML parts declare a DTD or entities, before any XML library
    reads them: then no parser downstream (openpyxl, python-docx, lxml) can be led to a
    local file, a URL or an exponential expansion, whatever its own settings."""
    for info in archive.infolist():
        if not _XML_PART.search(info.filename):
            continue
        for block, fresh in stream_member(archive, info, overlap=16):
            if any(match.end() > fresh for match in _DTD.finditer(block)):
                raise ContainerRejected(
                    "dtd",
                    _(
                        "Thành phần «%(name)s» khai báo DTD hoặc thực thể XML (DOCTYPE, "
                        "ENTITY), điều mà tệp Office không bao giờ có; hệ thống từ chối để "
                        "an toàn."
                    )
                    % {"name": info.filename},
                )


# What declares macros in an OOXML package, wherever the part itself is stored and however
# it is named: the VBA project's content type (application/vnd.ms-office.vbaProject) and
# relationship type (…/relationships/vbaProject), a macro-enabled main part (.xlsm, .docm:
# …macroEnabled.main+xml), and Excel 4.0 macro sheets (…macrosheet+xml, …/xlMacrosheet,
# …/xlIntlMacrosheet). Matched in lower case, after character references are resolved,
# because an XML reader would resolve "vba&#x50;roject" too.
_MACRO_MARKERS = (b"vbaproject", b"macroenabled", b"macrosheet")
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
# A declaration part ([Content_Types].xml or a .rels part) is read whole up to this size;
# Office writes a few kilobytes.
DECLARATION_MAX = 1024 * 1024
_DECLARATION = re.compile(r"(^\[Content_Types\]\.xml$)|(\.rels$)", re.IGNORECASE)


def _declaration_text(raw: bytes) -> bytes:
    """The part as lower-case UTF-8 with character references resolved, so that a
    marker cannot hide behind UTF-16, a reference or a change of case."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = raw.decode("utf-16", errors="replace").encode("utf-8")

    def resolve(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        try:
            number = int(code[1:], 16) if code[:1] in (b"x", b"X") else int(code)
            return chr(number).encode("utf-8")
        except (ValueError, OverflowError):
            return b""

    return _CHAR_REF.sub(resolve, raw).lower()


def refuse_macros(archive: zipfile.ZipFile) -> None:
    """Refuse an Office package that carries macros, judged by what it declares (content
    types and relationships), not by part names: a VBA project renamed to
    "xl/styles2.dat" is still a VBA project. Call `inspect_zip` first."""
    macro = ContainerRejected(
        "macro",
        _("Tệp Office có chứa macro; hãy lưu lại thành .docx hoặc .xlsx không có macro."),
    )
    for info in archive.infolist():
        if info.filename.lower().endswith("vbaproject.bin"):
            raise macro
        if not _DECLARATION.search(info.filename):
            continue
        if info.file_size > DECLARATION_MAX:
            raise ContainerRejected(
                "too_big",
                _(
                    "Thành phần «%(name)s» giải nén ra quá lớn (%(size)s MB); "
                    "có thể là tệp độc hại (zip bomb)."
                )
                % {"name": info.filename, "size": _megabytes(info.file_size)},
            )
        try:
            with archive.open(info) as member:
                raw = member.read(DECLARATION_MAX + 1)
        except DAMAGED as error:
            raise ContainerRejected(
                "damaged",
                _("Tệp nén bị hỏng: không đọc được thành phần «%(name)s».")
                % {"name": info.filename},
            ) from error
        text = _declaration_text(raw)
        if any(marker in text for marker in _MACRO_MARKERS):
            raise macro
