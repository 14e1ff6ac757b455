"""The PAR INDEX downloads as jobs (cchc.jobs.registry): the ranking table of a published
campaign and an agency's scorecard. Registered when the app starts (ParConfig.ready)."""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.jobs.registry import DOCX, XLSX, Exporter, JobFailed, Output, Progress, error, register


def _issuer(campaign: Any) -> str:
    """Who issues the paper: the agency of whoever published (the coordinator's Sở Nội
    vụ in practice), else Sở Nội vụ."""
    user = campaign.published_by
    agency = getattr(user, "agency", None) if user is not None else None
    return agency.name if agency is not None else _("Sở Nội vụ")


class _RankingExporter(Exporter):
    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        # The ranking is published to the province; the agency staff who asked see their job.
        return "province", ""

    def filename(self, params: dict[str, Any]) -> str:
        from cchc.par.models import Campaign

        campaign = Campaign.objects.select_related("group").get(pk=params["campaign"])
        return f"xep-hang-par-{campaign.year}-{campaign.group.code}.{self.extension}"

    def _table(self, params: dict[str, Any], progress: Progress) -> Any:
        from cchc.par.models import Campaign
        from cchc.par.outputs import ranking_table

        campaign = (
            Campaign.objects.select_related("group", "published_by__agency")
            .filter(pk=params["campaign"])
            .first()
        )
        if campaign is None or campaign.published_at is None:
            raise JobFailed([error(_("Đợt đánh giá chưa công bố kết quả."))])
        progress(0, 2, _("Đang đọc kết quả…"))
        table = ranking_table(campaign)
        progress(1, 2, _("Đang viết tệp…"))
        return table

    def _done(self, table: Any) -> Output:
        return Output(_("%(rows)s cơ quan.") % {"rows": len(table.results)})


@register
class RankingXlsxExporter(_RankingExporter):
    identifier = "par_ranking_xlsx"
    verbose_name = gettext_lazy("Bảng xếp hạng Chỉ số CCHC (Excel)")
    mime_type = XLSX
    extension = "xlsx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.par.outputs import ranking_xlsx

        table = self._table(params, progress)
        out.write(ranking_xlsx(table))
        return self._done(table)


@register
class RankingDocxExporter(_RankingExporter):
    identifier = "par_ranking_docx"
    verbose_name = gettext_lazy("Bảng xếp hạng Chỉ số CCHC (Word)")
    mime_type = DOCX
    extension = "docx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.par.outputs import ranking_docx

        table = self._table(params, progress)
        out.write(ranking_docx(table, issuer=_issuer(table.campaign)))
        return self._done(table)


class _ScorecardExporter(Exporter):
    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "agency", str(params["agency"])

    def _scorecard(self, params: dict[str, Any]) -> Any:
        from cchc.par.models import Scorecard

        scorecard = (
            Scorecard.objects.select_related(
                "campaign", "campaign__group", "campaign__published_by__agency", "agency"
            )
            .filter(pk=params["scorecard"])
            .first()
        )
        if scorecard is None:
            raise JobFailed([error(_("Không tìm thấy phiếu chấm điểm."))])
        return scorecard

    def filename(self, params: dict[str, Any]) -> str:
        scorecard = self._scorecard(params)
        return f"phieu-cham-par-{scorecard.campaign.year}-{scorecard.agency_id}.{self.extension}"

    def _docx(self, params: dict[str, Any], progress: Progress) -> bytes:
        from cchc.par.outputs import scorecard_docx

        scorecard = self._scorecard(params)
        progress(0, 2, _("Đang viết phiếu chấm điểm…"))
        return scorecard_docx(scorecard, issuer=_issuer(scorecard.campaign))


@register
class ScorecardDocxExporter(_ScorecardExporter):
    identifier = "par_scorecard_docx"
    verbose_name = gettext_lazy("Phiếu chấm điểm Chỉ số CCHC (Word)")
    mime_type = DOCX
    extension = "docx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        out.write(self._docx(params, progress))
        return Output(_("Phiếu chấm điểm."))


@register
class ScorecardPdfExporter(_ScorecardExporter):
    identifier = "par_scorecard_pdf"
    verbose_name = gettext_lazy("Phiếu chấm điểm Chỉ số CCHC (PDF)")
    mime_type = "application/pdf"
    extension = "pdf"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.par.outputs import PdfUnavailable, docx_to_pdf

        data = self._docx(params, progress)
        progress(1, 2, _("Đang chuyển sang PDF…"))
        try:
            out.write(docx_to_pdf(data))
        except PdfUnavailable as missing:
            raise JobFailed([error(str(missing))]) from None
        return Output(_("Phiếu chấm điểm."))
