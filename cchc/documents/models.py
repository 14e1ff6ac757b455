"""Documents an agency recorded once and links from them to whatever they serve.

A `Document` is a piece of paper the province knows by its number/symbol and date
("Quyết định số 12/QĐ-STP ngày 20/3/2022"), or, for an evidence file uploaded without
them, by its file. Its bytes are `StoredFile`s of `cchc.files`, kept once under their
SHA-256. A `DocumentLink` ties a document to any object (a progress report today, a PAR
criterion or a report annex later) in a role, so one document serves many places.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency
from cchc.files.models import StoredFile
from cchc.lib.text import fold, nfc


def number_key(number: str) -> str:
    """The key under which a number/symbol is recorded once.

    "12/qđ-stp", "12 / QĐ-STP" and a decomposed "12/QĐ-STP" are one number: NFC, no
    spaces, the symbol in capitals (as the rules on official documents write it).
    """
    return "".join(nfc(number or "").split()).upper()


def clean_number(number: str) -> str:
    """The number/symbol as shown: NFC, single spaces, none around '/' and '-'."""
    text = " ".join(nfc(number or "").split())
    for mark in ("/", "-"):
        text = mark.join(part.strip() for part in text.split(mark))
    return text


class Document(models.Model):
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan lưu văn bản"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    number_key = models.CharField(
        _("số, ký hiệu (để so khớp)"), max_length=100, blank=True, editable=False
    )
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan ban hành"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    issuer_name = models.CharField(
        _("cơ quan ban hành (ngoài danh sách)"), max_length=255, blank=True
    )
    summary = models.CharField(_("trích yếu"), max_length=1000, blank=True)
    search_text = models.TextField(_("chuỗi tìm kiếm"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        ordering = ["issued_on", "pk"]
        constraints = [
            # One agency records a numbered document once; files without a number are
            # told apart by their bytes instead (see `cchc.documents.services`).
            models.UniqueConstraint(
                fields=["agency", "number_key", "issued_on"],
                condition=~Q(number_key=""),
                name="document_recorded_once_per_agency",
            ),
            models.CheckConstraint(
                condition=Q(number_key="") | Q(issued_on__isnull=False),
                name="document_numbered_has_date",
            ),
        ]
        indexes = [models.Index(fields=["agency", "issued_on"])]

    def __str__(self) -> str:
        if self.number:
            return self.number
        first = next(iter(self.files.all()), None) if self.pk else None
        return first.filename if first is not None else f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """Put the typed fields in their one written form; `save` does it too."""
        self.number = clean_number(self.number)
        self.number_key = number_key(self.number)
        self.summary = " ".join(nfc(self.summary).split())
        self.issuer_name = " ".join(nfc(self.issuer_name).split())
        self.search_text = fold(f"{self.number} {self.summary} {self.issuer_name}")

    @property
    def issuer_label(self) -> str:
        return self.issuer.name if self.issuer_id and self.issuer else self.issuer_name


class DocumentFile(models.Model):
    """A file of a document, under the name it was given; the bytes are a StoredFile."""

    document = models.ForeignKey(
        Document, verbose_name=_("văn bản"), on_delete=models.CASCADE, related_name="files"
    )
    stored = models.ForeignKey(
        StoredFile, verbose_name=_("tệp lưu trữ"), on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("tên tệp"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp của văn bản")
        verbose_name_plural = _("tệp của văn bản")
        ordering = ["document", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "stored", "filename"], name="document_file_unique"
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return self.stored.size

    @property
    def content_type(self) -> str:
        return self.stored.content_type


class DocumentLink(models.Model):
    """A document serving an object in a role: a report's output, its evidence, …"""

    class Role(models.TextChoices):
        OUTPUT = "output", _("Văn bản kết quả")
        EVIDENCE = "evidence", _("Tệp minh chứng")

    document = models.ForeignKey(
        Document, verbose_name=_("văn bản"), on_delete=models.CASCADE, related_name="links"
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("loại đối tượng"), on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("mã đối tượng"))
    target = GenericForeignKey("target_type", "target_id")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gắn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("gắn lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("liên kết văn bản")
        verbose_name_plural = _("liên kết văn bản")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "target_type", "target_id", "role"],
                name="document_link_unique",
            )
        ]
        indexes = [models.Index(fields=["target_type", "target_id", "role"])]

    def __str__(self) -> str:
        return f"{self.document} → {self.target_type_id}:{self.target_id} ({self.role})"

    @property
    def file(self) -> DocumentFile | None:
        """The document's first file: an evidence link's download (prefetch `files`)."""
        return next(iter(self.document.files.all()), None)
