"""`cchc bench`: response times and query counts of the pages and the API on a big province.

The data it builds and how it measures are in `cchc.ops.bench`; this prints the table.
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from cchc.monitoring.models import ProgressReport
from cchc.ops import bench_db, bench_load
from cchc.ops.bench import (
    MARK,
    PROVINCES,
    Row,
    SurveyBench,
    bench_build,
    bench_cleanup,
    measure,
    survey_measure,
)
from cchc.ops.bench_export import KINDS, measure_exports
from cchc.ops.bench_import import ImportResult, bench_names, measure_import
from cchc.ops.bench_pages import (
    JSON_FORMAT,
    Results,
    dump,
    measure_after_change,
    measure_hello,
    measure_save,
    page_dicts,
    ratio,
    same_stack,
)
from cchc.ops.bench_par import ParBench, par_cleanup, par_measure
from cchc.plans.models import Plan

# Default sizes by scale. National: 34 provinces × 150 agencies (5,100 agencies) with a
# 640-activity plan each, 8 periods: about 395,000 assignments and 3.1 million reports.
SIZES = {
    "province": {"agencies": 150, "activities": 100, "periods": 8},
    "national": {"agencies": 150, "activities": 640, "periods": 8},
}


class Command(BaseCommand):
    help = (
        "Đo thời gian phản hồi (p50/p95) và số truy vấn của các trang và API trên dữ liệu "
        "tổng hợp; dữ liệu thử được tạo riêng và xóa khi xong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agencies", type=int, default=None, help="Số cơ quan mỗi tỉnh (mặc định 150)."
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=None,
            help="Số hoạt động của kế hoạch mỗi tỉnh (mặc định 100; quy mô toàn quốc 640).",
        )
        parser.add_argument("--periods", type=int, default=None, help="Số kỳ báo cáo (mặc định 8).")
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--scale", choices=sorted(PROVINCES), default="province")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--import-activities",
            type=int,
            default=10_000,
            help="Số hoạt động của phụ lục nhập thử (0: không đo bước nhập).",
        )
        parser.add_argument(
            "--no-tracemalloc",
            action="store_true",
            help="Không chạy lần nhập thứ hai dưới tracemalloc để đo bộ nhớ Python cấp phát.",
        )
        parser.add_argument("--keep", action="store_true", help="Giữ lại dữ liệu thử.")
        parser.add_argument(
            "--demo-report",
            action="store_true",
            help=(
                "Nạp dữ liệu mẫu Quảng Trị 2022 vào cơ sở dữ liệu riêng của lần đo và đo thời "
                "gian tạo báo cáo năm của tỉnh trên đó (thêm khoảng một phút)."
            ),
        )
        parser.add_argument(
            "--survey-burst",
            type=int,
            default=200,
            help="Số phiếu khảo sát gửi liên tiếp để so với trang hello-world.",
        )
        parser.add_argument(
            "--survey-responses",
            type=int,
            default=1_000_000,
            help="Số phiếu khảo sát tạo sẵn để đo thời gian tính chỉ số hài lòng.",
        )
        parser.add_argument(
            "--par-agencies",
            type=int,
            default=5_000,
            help="Số cơ quan của đợt đánh giá PAR INDEX đo thử (0: không đo).",
        )
        parser.add_argument(
            "--cleanup", action="store_true", help="Chỉ xóa dữ liệu thử còn sót từ lần chạy trước."
        )
        parser.add_argument(
            "--export-rows",
            type=int,
            default=1_000_000,
            help="Số dòng ghi qua từng bộ xuất (CSV, Excel, phụ lục) để đo bộ nhớ; 0 để bỏ qua.",
        )
        parser.add_argument(
            "--json",
            metavar="PATH",
            help="Ghi mọi kết quả dạng JSON vào tệp PATH («-»: ra stdout, bảng ra stderr).",
        )
        parser.add_argument(
            "--load",
            action="store_true",
            help="Sau khi đo từng trang, chạy gunicorn trên dữ liệu thử với một tổ hợp "
            "thao tác cố định (bỏ qua khảo sát, PAR, nhập và xuất).",
        )
        parser.add_argument("--workers", type=int, default=2, help="Số worker gunicorn (--load).")
        parser.add_argument(
            "--load-seconds", type=float, default=30.0, help="Thời gian chạy tải (--load)."
        )
        parser.add_argument(
            "--load-threads",
            type=int,
            default=None,
            help="Số luồng gửi yêu cầu đồng thời (--load; mặc định 2 × worker).",
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="Nội bộ: chạy ngay trong cơ sở dữ liệu đang kết nối (cơ sở dữ liệu riêng "
            "do bench tạo, hoặc cơ sở dữ liệu kiểm thử).",
        )
        parser.add_argument(
            "--export-database-rows",
            type=int,
            default=None,
            help="Số phân công của cơ sở dữ liệu đo riêng cho các bộ xuất đọc từ cơ sở dữ "
            "liệu (API, phụ lục, bảng công khai, kế hoạch, sao lưu); mặc định bằng "
            "--export-rows khi chỉ đo bộ xuất, 0 (không đo) khi chạy cả bộ đo.",
        )
        parser.add_argument(
            "--export-only",
            action="store_true",
            help="Chỉ đo bộ nhớ của các bộ xuất, không tạo dữ liệu thử.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cleanup"]:
            for name in bench_db.cleanup():
                self.stdout.write(_("Đã xóa cơ sở dữ liệu thử %(name)s.") % {"name": name})
            # Runs of earlier versions built their data in the configured database; one
            # that was never migrated holds none (and has no tables to ask).
            if Plan._meta.db_table not in connection.introspection.table_names():
                self.stdout.write(
                    _("Cơ sở dữ liệu đang dùng chưa có bảng của cchc: không có dữ liệu thử nào.")
                )
                return
            removed = par_cleanup(MARK) + bench_cleanup()
            self.stdout.write(_("Đã xóa %(n)s bản ghi dữ liệu thử.") % {"n": removed})
            return
        if options["export_rows"] < 0 or (options["export_database_rows"] or 0) < 0:
            raise CommandError(_("--export-rows không được âm."))
        if options["export_only"]:
            database_rows = options["export_database_rows"]
            self._exports(
                options["export_rows"],
                options["export_rows"] if database_rows is None else database_rows,
            )
            return
        for name, value in SIZES[options["scale"]].items():
            if options[name] is None:
                options[name] = value
        if options["load_threads"] is None:
            options["load_threads"] = 2 * options["workers"]
        for name in (
            "agencies",
            "activities",
            "periods",
            "repeat",
            "survey_burst",
            "workers",
            "load_threads",
        ):
            if options[name] < 1:
                raise CommandError(_("--%(name)s phải lớn hơn 0.") % {"name": name})
        if options["load_seconds"] <= 0:
            raise CommandError(_("--load-seconds phải lớn hơn 0."))
        if options["import_activities"] < 0:
            raise CommandError(_("--import-activities không được âm."))
        if options["par_agencies"] < 0:
            raise CommandError(_("--par-agencies không được âm."))
        if options["survey_responses"] < 0:
            raise CommandError(_("--survey-responses không được âm."))
        if not options["here"]:
            with bench_db.interruptible():
                self._parent(options)
            return
        if not bench_db.in_own_database():
            raise CommandError(
                _("--here chỉ dùng bên trong cơ sở dữ liệu riêng mà «cchc bench» tự tạo.")
            )
        if ProgressReport._meta.db_table not in connection.introspection.table_names():
            raise CommandError(
                _("Cơ sở dữ liệu chưa có bảng của cchc; hãy chạy «cchc migrate» trước.")
            )
        json_out = self.stdout
        if options["json"] == "-":
            # stdout carries the JSON alone; the tables go to stderr.
            self.stdout = self.stderr
        self._run(options, json_out)

    def _parent(self, options: dict[str, Any]) -> None:
        """Create the bench's own database, migrate it, run the bench in it (a child
        process), drop it (`cchc.ops.bench_db`)."""
        json_to = options["json"]
        human = self.stderr if json_to == "-" else self.stdout
        if json_to and json_to != "-":
            json_to = str(Path(json_to).resolve())
        db = bench_db.create()
        try:
            human.write(
                _(
                    "Cơ sở dữ liệu riêng của lần đo: %(name)s (%(vendor)s); cơ sở dữ liệu "
                    "đang dùng không bị đọc hay ghi."
                )
                % {"name": db.name, "vendor": db.vendor}
            )
            migrated = bench_db.migrate(db)
            human.write(_("Đã tạo bảng (migrate) trong %(s).1f giây.") % {"s": migrated})
            captured: list[str] = []
            code = bench_db.run_child(
                db,
                self._child_args(options, json_to),
                captured.append if json_to == "-" else self.stdout.write,
            )
            if code:
                raise CommandError(
                    _("Lần đo thất bại (mã thoát %(code)s); xem thông báo ở trên.") % {"code": code}
                )
            if json_to:
                text = "".join(captured) if json_to == "-" else Path(json_to).read_text()
                results = json.loads(text)
                results["database"].update(
                    {"migrate_seconds": migrated, "kept": options["keep"], "url": db.url}
                )
                text = json.dumps(results, ensure_ascii=False, indent=2)
                if json_to == "-":
                    self.stdout.write(text)
                else:
                    Path(json_to).write_text(text + "\n", encoding="utf-8")
        finally:
            if options["keep"]:
                human.write(
                    _("Giữ lại cơ sở dữ liệu thử %(url)s; xóa bằng: cchc bench --cleanup")
                    % {"url": db.url}
                )
            else:
                bench_db.drop(db)
                human.write(_("Đã xóa cơ sở dữ liệu thử %(name)s.") % {"name": db.name})

    @staticmethod
    def _child_args(options: dict[str, Any], json_to: str | None) -> list[str]:
        args = []
        for name in (
            "agencies",
            "activities",
            "periods",
            "repeat",
            "scale",
            "seed",
            "import_activities",
            "survey_burst",
            "survey_responses",
            "par_agencies",
            "export_rows",
            "workers",
            "load_seconds",
            "load_threads",
        ):
            args += [f"--{name.replace('_', '-')}", str(options[name])]
        for flag in ("no_tracemalloc", "keep", "load", "demo_report"):
            if options[flag]:
                args.append(f"--{flag.replace('_', '-')}")
        if options["export_database_rows"] is not None:
            args += ["--export-database-rows", str(options["export_database_rows"])]
        if json_to:
            args += ["--json", json_to]
        return args

    def _run(self, options: dict[str, Any], json_out: Any) -> None:
        """The bench itself, in the database this process is connected to."""
        provinces = PROVINCES[options["scale"]]
        tag = MARK + secrets.token_hex(4)
        self.stdout.write(
            _("Tạo dữ liệu thử «%(tag)s»: %(p)s tỉnh × %(a)s cơ quan, %(n)s hoạt động, %(k)s kỳ …")
            % {
                "tag": tag,
                "p": provinces,
                "a": options["agencies"],
                "n": options["activities"],
                "k": options["periods"],
            }
        )
        # In the bench's own database nothing needs deleting: the database goes.
        own = bool(os.environ.get(bench_db.CHILD_ENV))
        if options["demo_report"] and own:
            # Before the synthetic provinces: the demo loads into an installation of its own.
            self.stdout.write(_("Nạp dữ liệu mẫu Quảng Trị 2022 để đo báo cáo năm …"))
            call_command("load_demo", stdout=io.StringIO())
        started = time.perf_counter()
        try:
            bench = bench_build(
                tag=tag,
                provinces=provinces,
                agencies=options["agencies"],
                activities=options["activities"],
                periods=options["periods"],
                rng=random.Random(options["seed"]),  # noqa: S311 - synthetic data
            )
            built = time.perf_counter() - started
            rows_written = bench.counts["reports"] + bench.counts["versions"]
            self.stdout.write(
                _(
                    "Đã tạo trong %(s).1f giây (%(db)s): %(assignments)s phân công, "
                    "%(reports)s báo cáo với %(versions)s phiên bản trong toàn bộ dữ liệu thử "
                    "(%(rate)s dòng báo cáo và phiên bản mỗi giây)."
                )
                % {
                    "s": built,
                    "db": connection.vendor,
                    "rate": f"{rows_written / built:,.0f}".replace(",", "."),
                    **bench.counts,
                }
            )
            analyzed = bench_db.analyze()
            self.stdout.write(
                _("ANALYZE (thống kê cho bộ lập kế hoạch truy vấn): %(s).1f giây.")
                % {"s": analyzed}
            )
            with same_stack():
                hello = measure_hello(options["repeat"])
                rows, skipped = measure(bench, repeat=options["repeat"])
                rows.append(measure_save(bench, options["repeat"]))
                rows.extend(measure_after_change(bench, options["repeat"]))
            self._table([hello, *rows], hello)
            if skipped:
                self.stdout.write(_("Bỏ qua (chưa có): %(names)s") % {"names": ", ".join(skipped)})
            results = Results(
                format=JSON_FORMAT,
                vendor=connection.vendor,
                scale=options["scale"],
                sizes={
                    "provinces": provinces,
                    **{k: options[k] for k in ("agencies", "activities", "periods", "repeat")},
                },
                counts=bench.counts,
                build_seconds=built,
                analyze_seconds=analyzed,
                analyzed=True,
                database={
                    "name": str(connection.settings_dict["NAME"]),
                    "own": own,
                },
                hello=asdict(hello),
                pages=page_dicts(rows, hello),
                skipped=skipped,
            )
            failed = [r.label for r in rows if r.status >= 500]
            if failed:
                raise CommandError(
                    _("Các trang sau trả lỗi máy chủ, số đo của chúng không dùng được: %(names)s")
                    % {"names": ", ".join(failed)}
                )
            if options["load"]:
                load = bench_load.run(
                    bench,
                    workers=options["workers"],
                    threads=options["load_threads"],
                    seconds=options["load_seconds"],
                    say=self.stdout.write,
                )
                self._load(load)
                results.load = load.as_dict()
            else:
                self._after_pages(bench, tag, options, results)
            if options["json"]:
                text = dump(results)
                if options["json"] == "-":
                    json_out.write(text)
                else:
                    Path(options["json"]).write_text(text + "\n", encoding="utf-8")
            if results.load and results.load["errors"]:
                raise CommandError(_("Chạy tải có %(n)s lỗi.") % {"n": results.load["errors"]})
        finally:
            if options["keep"]:
                if not own:
                    self.stdout.write(_("Giữ lại dữ liệu thử; xóa bằng: cchc bench --cleanup"))
            elif not own:
                par_cleanup(tag)
                bench_cleanup(tag)

    def _after_pages(self, bench: Any, tag: str, options: dict[str, Any], results: Results) -> None:
        """The sections that are not pages: surveys, the annual report, PAR, the import,
        the exports."""
        self.stdout.write(_("Khảo sát hài lòng: đo …"))
        surveys = survey_measure(
            bench, burst=options["survey_burst"], responses=options["survey_responses"]
        )
        self._surveys(surveys)
        results.surveys = {**asdict(surveys), "ratio": surveys.ratio}
        self._official(bench.plan)
        if options["par_agencies"]:
            self.stdout.write(_("PAR INDEX: đo …"))
            self._par(par_measure(tag=tag, agencies=options["par_agencies"], seed=options["seed"]))
        if options["import_activities"]:
            province = bench.agency.parent
            assert province is not None
            result = measure_import(
                names=bench_names(tag, province, bench.groups),
                tag=tag,
                year=bench.plan.year,
                activities=options["import_activities"],
                trace=not options["no_tracemalloc"],
                seed=options["seed"],
            )
            self._import(result)
        self._exports(options["export_rows"], options["export_database_rows"] or 0)

    def _load(self, result: bench_load.LoadResult) -> None:
        self.stdout.write(
            _(
                "Tải: %(workers)s worker gunicorn, %(threads)s luồng, %(s).1f giây; "
                "tổ hợp %(rate).1f yêu cầu/giây = %(share).1f %% của hello-world "
                "(%(hello).0f yêu cầu/giây, p50 %(hp50).1f ms); %(errors)s lỗi."
            )
            % {
                "workers": result.workers,
                "threads": result.threads,
                "s": result.seconds,
                "rate": result.mix_per_second,
                "share": 100 * result.share_of_hello,
                "hello": result.hello_per_second,
                "hp50": result.hello_p50,
                "errors": result.errors,
            }
        )
        kind, count, rate, errors = (
            _("loại yêu cầu"),
            _("số yêu cầu"),
            _("/giây"),
            _("lỗi"),
        )
        width = max(len(kind), *(len(k["label"]) for k in result.kinds))
        header = (
            f"{kind:<{width}}  {count:>10} {rate:>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} {'×hello':>7} {errors:>4} {'409':>4}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for k in result.kinds:
            self.stdout.write(
                f"{k['label']:<{width}}  {k['requests']:>10} {k['per_second']:>7.1f} "
                f"{k['p50']:>8.1f} {k['p95']:>8.1f} {k['p99']:>8.1f} {k['ratio']:>7.1f} "
                f"{k['errors']:>4} {k['conflicts']:>4}"
            )
            for error in k["first_errors"]:
                self.stdout.write(f"    !! {error}")

    def _official(self, synthetic: Any) -> None:
        """The province's annual report (cchc.official): on the demo plan when it is
        loaded (--demo-report loads it into the bench's own database), and on the
        synthetic province. Printed, never asserted."""
        from cchc.official.bench import time_province_report
        from cchc.plans.models import Plan

        demo_plans = Plan.objects.filter(parent__isnull=True, number="21/KH-UBND")
        plans = list(demo_plans.order_by("pk")[:1])
        plans.append(synthetic)
        for plan in plans:
            timing = time_province_report(plan)
            if timing is None:
                continue
            pdf = "—" if timing.pdf is None else f"{timing.pdf:.2f} s"
            self.stdout.write(
                _(
                    "Báo cáo năm của tỉnh (%(plan)s, %(period)s): số liệu %(content).2f s "
                    "(%(queries)s truy vấn), DOCX %(docx).2f s (%(size)s byte), XLSX "
                    "%(xlsx).2f s, PDF %(pdf)s"
                )
                % {
                    "plan": timing.plan,
                    "period": timing.period,
                    "content": timing.content,
                    "queries": timing.queries,
                    "docx": timing.docx,
                    "size": timing.docx_bytes,
                    "xlsx": timing.xlsx,
                    "pdf": pdf,
                }
            )

    def _surveys(self, result: SurveyBench) -> None:
        self.stdout.write(
            _(
                "Khảo sát: hello-world %(hello).0f yêu cầu/giây; gửi phiếu %(submit).0f phiếu/giây "
                "(%(burst)s phiếu liên tiếp, %(accepted)s được ghi); tỷ lệ %(ratio).4f "
                "(trong tiến trình, qua toàn bộ middleware, không qua mạng)."
            )
            % {
                "hello": result.hello_per_second,
                "submit": result.submit_per_second,
                "burst": result.burst,
                "accepted": result.accepted,
                "ratio": result.ratio,
            }
        )
        self.stdout.write(
            _(
                "Chỉ số hài lòng trên %(responses)s phiếu, %(answers)s câu trả lời (tạo trong "
                "%(seconds).1f giây): chung %(overall).0f ms, theo cơ quan %(agency).0f ms, "
                "theo quý %(quarter).0f ms; SIPAS = %(sipas)s."
            )
            % {
                "responses": result.responses,
                "answers": result.answers,
                "seconds": result.generate_seconds,
                "overall": result.overall_ms,
                "agency": result.by_agency_ms,
                "quarter": result.by_quarter_ms,
                "sipas": "—" if result.sipas is None else f"{result.sipas:.2f}",
            }
        )

    def _exports(self, rows: int, database_rows: int = 0) -> None:
        if not rows and not database_rows:
            return
        self.stdout.write(
            _("Bộ nhớ đỉnh khi xuất %(rows)s dòng (mỗi bộ xuất một tiến trình riêng):")
            % {"rows": f"{rows:,}".replace(",", ".")}
        )
        if database_rows:
            self.stdout.write(
                _(
                    "  (các dòng sau «%(first)s» đọc từ một cơ sở dữ liệu riêng: một kế hoạch "
                    "%(assignments)s phân công, mỗi phân công một báo cáo)"
                )
                % {"first": KINDS[-1], "assignments": f"{database_rows:,}".replace(",", ".")}
            )
        for result in measure_exports(rows, KINDS if rows else (), database_rows=database_rows):
            self.stdout.write(
                _(
                    "  %(kind)-15s %(peak)7.1f MiB đỉnh (%(base).1f MiB khi bắt đầu), "
                    "%(mib).1f MiB tệp, %(s).1f giây"
                )
                % {
                    "kind": result.kind,
                    "peak": result.peak_mib,
                    "base": result.baseline_mib,
                    "mib": result.bytes_written / 2**20,
                    "s": result.seconds,
                }
            )

    def _par(self, result: ParBench) -> None:
        self.stdout.write(
            _(
                "PAR INDEX, %(n)s cơ quan: tính mọi chỉ số và xếp hạng %(c).2f giây, "
                "%(cq)s truy vấn; trang xếp hạng p50 %(p50).3f giây, p95 %(p95).3f giây, "
                "%(rq)s truy vấn (10 cơ quan: %(rqs)s); một phiếu chấm điểm (DOCX) "
                "%(s).3f giây, %(sq)s truy vấn."
            )
            % {
                "n": result.agencies,
                "c": result.compute_seconds,
                "cq": result.compute_queries,
                "p50": result.ranking_p50,
                "p95": result.ranking_p95,
                "rq": result.ranking_queries,
                "rqs": result.ranking_queries_small,
                "s": result.scorecard_seconds,
                "sq": result.scorecard_queries,
            }
        )

    def _table(self, rows: list[Row], hello: Row) -> None:
        width = max(len(r.label) for r in rows)
        header = (
            f"{'trang / API':<{width}}  {'người xem':<11} {'mã':>3} {'truy vấn':>8} "
            f"{'p50 ms':>8} {'p95 ms':>8} {'×hello':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in rows:
            self.stdout.write(
                f"{r.label:<{width}}  {r.persona:<11} {r.status:>3} {r.queries:>8} "
                f"{r.p50:>8.1f} {r.p95:>8.1f} {ratio(r, hello):>8.1f}"
            )
        self.stdout.write(
            _(
                "×hello: p50 của trang chia cho p50 của trang hello-world, đo cùng lần chạy, "
                "qua cùng middleware (trong tiến trình, không qua mạng)."
            )
        )

    def _import(self, r: ImportResult) -> None:
        def mib(value: float | None) -> str:
            return _("không đo được") if value is None else f"{value:.0f} MB"

        self.stdout.write(
            _(
                "Nhập %(n)s hoạt động (tệp %(kb)s KB, %(cells)s ô), qua công việc nhập kế "
                "hoạch (%(db)s):"
            )
            % {
                "n": r.activities,
                "kb": r.file_bytes // 1024,
                "cells": r.cells,
                "db": connection.vendor,
            }
        )
        lines = [
            (_("openpyxl chỉ đọc mọi ô (read_only)"), f"{r.openpyxl_seconds:.3f} s"),
            (_("nhập (đọc, kiểm tra, ghi, phân công)"), f"{r.import_seconds:.3f} s"),
            (_("tỷ lệ nhập / openpyxl"), f"{r.ratio:.1f} ×"),
            (_("thời gian CPU: openpyxl"), f"{r.openpyxl_cpu_seconds:.3f} s"),
            (_("thời gian CPU: nhập (tiến trình này)"), f"{r.import_cpu_seconds:.3f} s"),
            (_("tỷ lệ CPU nhập / openpyxl"), f"{r.cpu_ratio:.1f} ×"),
            (_("số truy vấn"), str(r.queries)),
            (_("RSS tăng thêm lúc cao nhất"), mib(r.rss_growth_mib)),
            (_("RSS cao nhất của tiến trình"), mib(r.rss_peak_mib)),
            (_("tracemalloc: bộ nhớ Python cao nhất"), mib(r.tracemalloc_peak_mib)),
        ]
        lines += [(_("số dòng: %(what)s") % {"what": k}, str(v)) for k, v in r.rows.items()]
        width = max(len(label) for label, _value in lines)
        for label, value in lines:
            self.stdout.write(f"  {label:<{width}}  {value:>12}")
