"""Every exporter and importer, one small class per format, registered in one place.

An exporter writes one file (`write` streams into `out`) about a subject that decides who
may see the result; an importer reads a file into a `PlanDocument`. Each runs as a
background job (`cchc.jobs.services`), from a page, the API or the command line. Adding a
format is adding one class here with `@register`.

    @register
    class MyExporter(Exporter):
        identifier = "my_report"
        verbose_name = _("Báo cáo của tôi")
        mime_type = "application/pdf"
        extension = "pdf"
        def write(self, out, params, progress): ...
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, ClassVar, TypeVar
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.plans.interchange import PlanDocument

# progress(done, total, message): total 0 when it is not known in advance.
Progress = Callable[[int, int, str], None]


class JobFailed(Exception):
    """The job cannot do what it was asked; `errors` say why, in Vietnamese, for the page.

    Each error is a dict with at least "text" (and for imports the sheet, row, column).
    """

    def __init__(self, errors: list[dict[str, Any]], summary: str = "") -> None:
        self.errors = errors
        self.summary = summary
        super().__init__("\n".join(str(e.get("text", "")) for e in errors))


def error(text: str) -> dict[str, Any]:
    return {"text": text, "message": text}


@dataclass(frozen=True)
class Output:
    """What an exporter says of the file it wrote; the file name when it knows it best."""

    summary: str
    filename: str = ""


class JobKind(ABC):
    """Something a job can do. `subject` names what it is about, for `cchc.jobs.access`."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]

    @abstractmethod
    def subject(self, params: dict[str, Any]) -> tuple[str, str]: ...


class Exporter(JobKind):
    """Writes one file. The job keeps it for a few days (`CCHC_JOB_RESULT_DAYS`)."""

    mime_type: ClassVar[str]
    extension: ClassVar[str]

    def filename(self, params: dict[str, Any]) -> str:
        return f"{self.identifier}.{self.extension}"

    @abstractmethod
    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        """Write the file into `out`; say in one line what it holds, for the job page."""
        ...


class Operation(JobKind):
    """Changes the database (an import, a restore); may produce no file."""

    @abstractmethod
    def run(self, params: dict[str, Any], *, job: Any, progress: Progress) -> tuple[str, str]:
        """Do it; return (summary, a link to what it made or "")."""
        ...


class Importer(ABC):
    """Reads one file format into a plan document; raises `PlanImportError`."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]
    mime_type: ClassVar[str]
    extension: ClassVar[str]

    @abstractmethod
    def read(self, data: bytes) -> PlanDocument: ...


KINDS: dict[str, JobKind] = {}
IMPORTERS: dict[str, Importer] = {}

K = TypeVar("K", bound=type)


def register(cls: K) -> K:
    """Make a job kind or an importer known by its identifier."""
    instance = cls()
    table: dict[str, Any] = IMPORTERS if isinstance(instance, Importer) else KINDS
    if instance.identifier in table:
        raise ValueError(f"{instance.identifier!r} is registered twice")
    table[instance.identifier] = instance
    return cls


def kind(identifier: str) -> JobKind:
    return KINDS[identifier]


def exporter(identifier: str) -> Exporter:
    found = KINDS[identifier]
    if not isinstance(found, Exporter):
        raise KeyError(identifier)
    return found


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The plan's Word export refuses plans with more activities than this: python-docx builds
# the whole document in memory (2,000 activities: 128 MiB and 43 s; 10,000 did not finish
# in 10 minutes). XLSX and JSON stream and have no such limit.
DOCX_MAX_ACTIVITIES = 3000


# ---------------------------------------------------------------------------
# Plan importers (the plan import operation picks one by what the bytes are)


@register
class PlanXlsxImporter(Importer):
    identifier = "xlsx"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Excel)")
    mime_type = XLSX
    extension = "xlsx"

    def read(self, data: bytes) -> PlanDocument:
        from cchc.plans.formats import read_xlsx

        return read_xlsx(data)


@register
class PlanDocxImporter(Importer):
    identifier = "docx"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Word)")
    mime_type = DOCX
    extension = "docx"

    def read(self, data: bytes) -> PlanDocument:
        from cchc.plans.formats import read_docx

        return read_docx(data)


@register
class PlanDocImporter(Importer):
    identifier = "doc"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Word 97–2003, chuyển đổi bằng LibreOffice)")
    mime_type = "application/msword"
    extension = "doc"

    def read(self, data: bytes) -> PlanDocument:
        from cchc.plans.formats import read_doc

        return read_doc(data)


@register
class PlanXlsImporter(Importer):
    identifier = "xls"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Excel 97–2003, chuyển đổi bằng LibreOffice)")
    mime_type = "application/vnd.ms-excel"
    extension = "xls"

    def read(self, data: bytes) -> PlanDocument:
        from cchc.plans.formats import read_xls

        return read_xls(data)


@register
class PlanJsonImporter(Importer):
    identifier = "json"
    verbose_name = gettext_lazy("Kế hoạch (JSON)")
    mime_type = "application/json"
    extension = "json"

    def read(self, data: bytes) -> PlanDocument:
        from cchc.plans.formats import read_json

        return read_json(data)


@register
class PlanImport(Operation):
    identifier = "plan_import"
    verbose_name = gettext_lazy("Nhập kế hoạch")

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "plan_import", ""

    def run(self, params: dict[str, Any], *, job: Any, progress: Progress) -> tuple[str, str]:
        from django.urls import reverse

        from cchc.jobs.services import job_input
        from cchc.lib.collector import collector_paused
        from cchc.plans.formats import detect_format
        from cchc.plans.interchange import PlanImportError
        from cchc.plans.services import plan_import

        data = job_input(job)
        progress(0, 3, _("Đang đọc tệp «%(name)s»…") % {"name": job.input_name})
        try:
            # A big plan's objects all live until the end: see cchc.lib.collector.
            with collector_paused():
                document = IMPORTERS[detect_format(job.input_name, data)].read(data)
                progress(1, 3, _("Đang kiểm tra và ghi kế hoạch vào cơ sở dữ liệu…"))
                plan = plan_import(
                    document=document,
                    year=params.get("year"),
                    replace=bool(params.get("replace")),
                    actor=job.asked_by,
                    source="job",
                )
        except PlanImportError as failure:
            raise JobFailed(
                [issue.as_dict() for issue in failure.issues],
                _("Không nhập được: %(count)s lỗi. Dữ liệu không thay đổi.")
                % {"count": len(failure.issues)},
            ) from None
        summary = _(
            "Đã nhập kế hoạch «%(title)s»: %(tasks)s nhiệm vụ, %(activities)s hoạt động."
        ) % {
            "title": plan.title,
            "tasks": plan.tasks.count(),
            "activities": plan.activities.count(),
        }
        if document.warnings:
            # Kept with the job (saved with its result) so that its page shows them.
            job.params = {
                **job.params,
                "warnings": [warning.as_dict() for warning in document.warnings],
            }
        return summary, reverse("plan_detail", args=[plan.pk])


# ---------------------------------------------------------------------------
# The plan appendix


class _PlanExporter(Exporter):
    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "plan", str(params["plan"])

    def _plan(self, params: dict[str, Any]) -> Any:
        from cchc.plans.models import Plan

        found = Plan.objects.filter(pk=params["plan"]).first()
        if found is None:
            raise JobFailed([error(_("Kế hoạch không còn nữa."))])
        return found

    def filename(self, params: dict[str, Any]) -> str:
        return f"ke-hoach-cchc-{self._plan(params).year}.{self.extension}"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.plans.formats import WRITERS
        from cchc.plans.services import plan_document

        plan = self._plan(params)
        activities = plan.activities.count()
        if self.extension == "docx" and activities > DOCX_MAX_ACTIVITIES:
            # python-docx holds the whole document and walks the table for every row
            # added: a 10,000-activity appendix did not finish in 10 minutes.
            raise JobFailed(
                [
                    error(
                        _(
                            "Kế hoạch có %(count)s hoạt động, quá nhiều để xuất ra Word (tối đa "
                            "%(max)s hoạt động): tệp Word phải được dựng toàn bộ trong bộ nhớ. "
                            "Hãy xuất phụ lục Excel (.xlsx) hoặc JSON, hai định dạng này không "
                            "giới hạn số hoạt động."
                        )
                        % {
                            "count": number_format(activities, force_grouping=True),
                            "max": number_format(DOCX_MAX_ACTIVITIES, force_grouping=True),
                        }
                    )
                ]
            )
        progress(0, 2, _("Đang đọc kế hoạch…"))
        if self.extension == "json":
            # Written as it is read, a chunk of activities at a time: constant memory.
            from cchc.plans.formats.jsonfmt import write_json_to
            from cchc.plans.services import plan_extra, plan_header, plan_outline

            progress(1, 2, _("Đang ghi tệp…"))
            write_json_to(out, plan_header(plan), plan_outline(plan), plan_extra(plan))
        else:
            document = plan_document(plan)
            progress(1, 2, _("Đang ghi tệp…"))
            out.write(WRITERS[self.extension](document))
        summary = _("Kế hoạch «%(title)s», %(activities)s hoạt động.") % {
            "title": plan.title,
            "activities": activities,
        }
        return Output(summary, f"ke-hoach-cchc-{plan.year}.{self.extension}")


@register
class PlanXlsxExporter(_PlanExporter):
    identifier = "plan_xlsx"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Excel)")
    mime_type = XLSX
    extension = "xlsx"


@register
class PlanDocxExporter(_PlanExporter):
    identifier = "plan_docx"
    verbose_name = gettext_lazy("Phụ lục kế hoạch (Word)")
    mime_type = DOCX
    extension = "docx"


@register
class PlanJsonExporter(_PlanExporter):
    identifier = "plan_json"
    verbose_name = gettext_lazy("Kế hoạch (JSON)")
    mime_type = "application/json"
    extension = "json"


# ---------------------------------------------------------------------------
# The status annex and the public progress table


def _selection(params: dict[str, Any], *, public: bool = False) -> Any:
    from cchc.dashboards import queries

    values = {"plan": params["plan"]}
    if params.get("period"):
        values["period"] = params["period"]
    return queries.select_plan(
        QueryDict(urlencode(values)), today=date.fromisoformat(params["today"]), public=public
    )


def _counting(rows: Iterator[Any], progress: Progress) -> Iterator[Any]:
    for done, row in enumerate(rows, start=1):
        if done % 200 == 0:
            progress(done, 0, _("Đã ghi %(rows)s dòng…") % {"rows": done})
        yield row


@register
class StatusTableExporter(Exporter):
    """The annex of task status sent to the province: all agencies, or one agency's."""

    identifier = "status_table"
    verbose_name = gettext_lazy("Bảng tổng hợp tiến độ (phụ lục)")
    mime_type = XLSX
    extension = "xlsx"

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        if params.get("agency"):
            return "agency", str(params["agency"])
        return "province", ""

    def _table(self, params: dict[str, Any]) -> Any:
        from cchc.agencies.models import Agency
        from cchc.dashboards.status_table import build_status_table

        selection = _selection(params)
        agency = None
        if params.get("agency"):
            agency = Agency.objects.filter(pk=params["agency"]).first()
        return build_status_table(
            selection.plan, period=selection.period, as_of=selection.as_of, agency=agency
        )

    def filename(self, params: dict[str, Any]) -> str:
        return str(self._table(params).filename)

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        table = self._table(params)
        progress(0, 0, _("Đang tính tiến độ…"))
        table.rows = _counting(table.rows, progress)
        rows = table.write(out)
        return Output(_("Bảng tiến độ, %(rows)s dòng.") % {"rows": rows}, table.filename)


class _PublicExporter(Exporter):
    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "public", str(params["plan"])

    def _page(self, params: dict[str, Any]) -> Any:
        from cchc.dashboards import queries

        return queries.public_page(
            _selection(params, public=True), today=date.fromisoformat(params["today"])
        )

    def filename(self, params: dict[str, Any]) -> str:
        from cchc.dashboards.status_table import download_name

        plan = _selection(params, public=True).plan
        return download_name(
            _("Tiến độ kế hoạch CCHC %(year)s") % {"year": plan.year},
            plan.number or str(plan.year),
            ext=self.extension,
        )


@register
class PublicProgressCsvExporter(_PublicExporter):
    identifier = "public_csv"
    verbose_name = gettext_lazy("Tiến độ công khai (CSV)")
    mime_type = "text/csv"
    extension = "csv"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.dashboards.exports import CsvExporter

        table = self._page(params).table()
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        for line in CsvExporter().lines(table):
            text.write(line)
        text.detach()
        return Output(_("%(rows)s dòng.") % {"rows": len(table.rows)})


@register
class PublicProgressXlsxExporter(_PublicExporter):
    identifier = "public_xlsx"
    verbose_name = gettext_lazy("Tiến độ công khai (Excel)")
    mime_type = XLSX
    extension = "xlsx"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.dashboards.exports import TableXlsxExporter

        page = self._page(params)
        table = page.table()
        title = _("Tiến độ thực hiện %(plan)s (chỉ tính báo cáo đã được duyệt), ngày %(date)s") % {
            "plan": page.selection.plan.title,
            "date": date.fromisoformat(params["today"]).strftime("%d/%m/%Y"),
        }
        TableXlsxExporter().write(table, out, sheet="Tiến độ", title=title)
        return Output(_("%(rows)s dòng.") % {"rows": len(table.rows)})


# ---------------------------------------------------------------------------
# Backup and restore


@register
class BackupExporter(Exporter):
    identifier = "backup"
    verbose_name = gettext_lazy("Sao lưu toàn bộ dữ liệu")
    mime_type = "application/gzip"
    extension = "tar.gz"

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "system", ""

    def filename(self, params: dict[str, Any]) -> str:
        from django.utils import timezone

        return f"cchc-{timezone.localdate():%Y-%m-%d}.tar.gz"

    def write(self, out: IO[bytes], params: dict[str, Any], progress: Progress) -> Output:
        from cchc.ops.backup import backup_write

        summary = backup_write(out, progress=progress)
        return Output(
            _("%(objects)s bản ghi và %(files)s tệp.")
            % {"objects": summary.objects, "files": summary.files}
        )


@register
class Restore(Operation):
    identifier = "restore"
    verbose_name = gettext_lazy("Khôi phục từ bản sao lưu")

    def subject(self, params: dict[str, Any]) -> tuple[str, str]:
        return "system", ""

    def run(self, params: dict[str, Any], *, job: Any, progress: Progress) -> tuple[str, str]:
        from pathlib import Path

        from cchc.jobs.services import job_input_path
        from cchc.ops.backup import RestoreError, restore

        path = Path(params["path"]) if params.get("path") else job_input_path(job)
        try:
            result = restore(path, progress=progress)
        except RestoreError as failure:
            raise JobFailed([error(str(failure))], _("Không khôi phục được.")) from None
        return _("Đã khôi phục %(objects)s bản ghi và %(files)s tệp.") % result, ""
