"""`cchc bench`: response times and query counts of the pages and the API on a big province.

It builds synthetic data in the configured database, requests every page and endpoint
that exists through Django's test client (logged in with `force_login`), and prints for
each the number of queries and the 50th and 95th percentile of the response time.

Safe by construction: everything it creates is its own throwaway set — agencies, groups,
users and plans whose names start with "[cchc-bench-<run>]" (users "cchc-bench-<run>-…",
with unusable passwords, created without the audit log) — and it deletes that set when it
ends, also after an error. Real data is only read, never changed. `--keep` leaves the set
in place to look at; `--cleanup` removes whatever earlier runs left. While it runs, the
bench plan is the newest plan, so do not point it at a production database in office hours.

Sizes: the default is one province (150 agencies, a 100-activity plan, 8 periods);
`--scale national` builds 34 such provinces in one database and measures the first.
"""

from __future__ import annotations

import math
import random
import secrets
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.documents.models import Document, DocumentLink
from cchc.lib.text import fold, sort_key
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.plans.models import Activity, Area, Assignee, DueDate, Plan, Task

MARK = "cchc-bench-"
PROVINCES = {"province": 1, "national": 34}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]
BATCH = 2000

# What is measured: (label, URL name, query string, who asks). URL names that do not exist
# (yet) are listed as skipped. Path parameters are filled from the bench data by name.
PAGES: list[tuple[str, str, str, str]] = [
    ("trang chủ", "home", "", "coordinator"),
    ("kế hoạch: danh sách", "plan_list", "", "coordinator"),
    ("kế hoạch: chi tiết", "plan_detail", "", "coordinator"),
    ("kế hoạch: cần xác định ngày", "needs_date", "", "coordinator"),
    ("cơ quan: danh sách", "agency_list", "", "coordinator"),
    ("cơ quan: chi tiết", "agency_detail", "", "coordinator"),
    ("tìm kiếm", "search", "q=ra+soat", "coordinator"),
    ("báo cáo: việc của tôi", "report_worklist", "", "officer"),
    ("báo cáo: chờ gửi", "report_drafts", "", "head"),
    ("báo cáo: chờ duyệt", "report_queue", "", "coordinator"),
    ("báo cáo: một hoạt động", "report_detail", "", "officer"),
    ("dashboard tỉnh", "dashboard_province", "plan={plan_id}", "leader"),
    ("dashboard cơ quan", "dashboard_agency", "plan={plan_id}", "leader"),
    ("bảng tiến độ xlsx", "status_table_export", "plan={plan_id}", "coordinator"),
    ("công khai", "public_progress", "plan={plan_id}", "anonymous"),
    ("công khai csv", "public_progress_csv", "plan={plan_id}", "anonymous"),
    ("công khai xlsx", "public_progress_xlsx", "plan={plan_id}", "anonymous"),
    ("thông báo", "notifications", "", "officer"),
    ("lịch của cơ quan", "feed_page", "", "officer"),
    ("API kế hoạch", "api:list_plans", "", "coordinator"),
    ("API nhiệm vụ", "api:list_tasks", "", "coordinator"),
    ("API hoạt động của cơ quan", "api:list_activities", "agency={agency_id}", "coordinator"),
    ("API kỳ báo cáo", "api:list_periods", "", "coordinator"),
    ("API phân công (tỉnh)", "api:list_assignments", "period={period_id}", "coordinator"),
    ("API phân công (cơ quan)", "api:list_assignments", "period={period_id}", "officer"),
    ("API báo cáo", "api:get_report", "", "officer"),
    ("API tiến độ", "api:get_progress", "period={period_id}", "leader"),
]


@dataclass
class Bench:
    """The measured province: its plan, busiest agency and the people who look at it."""

    tag: str
    plan: Plan
    agency: Agency
    period: ReportingPeriod
    report: ProgressReport
    users: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def params(self) -> dict[str, int]:
        return {
            "plan_id": self.plan.pk,
            "agency_id": self.agency.pk,
            "period_id": self.period.pk,
            "report_id": self.report.pk,
            "assignment_id": self.report.assignment_id,
            "activity_id": self.report.assignment.activity_id,
        }


@dataclass
class Row:
    label: str
    persona: str
    status: int
    queries: int
    p50: float
    p95: float


class Command(BaseCommand):
    help = (
        "Đo thời gian phản hồi (p50/p95) và số truy vấn của các trang và API trên dữ liệu "
        "tổng hợp; dữ liệu thử được tạo riêng và xóa khi xong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agencies", type=int, default=150)
        parser.add_argument("--activities", type=int, default=100)
        parser.add_argument("--periods", type=int, default=8)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--scale", choices=sorted(PROVINCES), default="province")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Giữ lại dữ liệu thử.")
        parser.add_argument(
            "--cleanup", action="store_true", help="Chỉ xóa dữ liệu thử còn sót từ lần chạy trước."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cleanup"]:
            removed = bench_cleanup()
            self.stdout.write(_("Đã xóa %(n)s bản ghi dữ liệu thử.") % {"n": removed})
            return
        for name in ("agencies", "activities", "periods", "repeat"):
            if options[name] < 1:
                raise CommandError(_("--%(name)s phải lớn hơn 0.") % {"name": name})
        if ProgressReport._meta.db_table not in connection.introspection.table_names():
            raise CommandError(
                _("Cơ sở dữ liệu chưa có bảng của cchc; hãy chạy «cchc migrate» trước.")
            )
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
            self.stdout.write(
                _(
                    "Đã tạo trong %(s).1f giây (%(db)s): %(assignments)s phân công, "
                    "%(reports)s báo cáo trong toàn bộ dữ liệu thử."
                )
                % {"s": built, "db": connection.vendor, **bench.counts}
            )
            rows, skipped = measure(bench, repeat=options["repeat"])
            self._table(rows)
            if skipped:
                self.stdout.write(_("Bỏ qua (chưa có): %(names)s") % {"names": ", ".join(skipped)})
            failed = [r.label for r in rows if r.status >= 500]
            if failed:
                raise CommandError(
                    _("Các trang sau trả lỗi máy chủ, số đo của chúng không dùng được: %(names)s")
                    % {"names": ", ".join(failed)}
                )
        finally:
            if options["keep"]:
                self.stdout.write(_("Giữ lại dữ liệu thử; xóa bằng: cchc bench --cleanup"))
            else:
                bench_cleanup(tag)

    def _table(self, rows: list[Row]) -> None:
        width = max(len(r.label) for r in rows)
        header = (
            f"{'trang / API':<{width}}  {'người xem':<11} {'mã':>3} {'truy vấn':>8} "
            f"{'p50 ms':>8} {'p95 ms':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in rows:
            self.stdout.write(
                f"{r.label:<{width}}  {r.persona:<11} {r.status:>3} {r.queries:>8} "
                f"{r.p50:>8.1f} {r.p95:>8.1f}"
            )


# ---------------------------------------------------------------------------
# Building


def _agency(name: str, kind: str, parent: Agency | None) -> Agency:
    # bulk_create skips save(), which fills the search and sort keys.
    return Agency(
        name=name, kind=kind, parent=parent, search_name=fold(name), sort_name=sort_key(name)
    )


def _due_dates(index: int, year: int) -> tuple[str, str, list[date]]:
    """A deadline phrase, its kind, and its due dates; a spread like a real plan's."""
    quarter_ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    match index % 6:
        case 0:
            return "Quý I", Activity.DeadlineKind.QUARTER, quarter_ends[:1]
        case 1:
            return "Thường xuyên", Activity.DeadlineKind.ONGOING, []
        case 2:
            return f"Năm {year}", Activity.DeadlineKind.YEAR, quarter_ends[3:]
        case 3:
            return "Hàng quý", Activity.DeadlineKind.RECURRING, quarter_ends
        case 4:
            month = 1 + index % 12
            last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
            return f"Tháng {month:02d}/{year}", Activity.DeadlineKind.MONTH, [last]
        case _:
            return "Quý II, Quý III", Activity.DeadlineKind.MULTIPLE, quarter_ends[1:3]


def _periods(plan: Plan, count: int) -> list[ReportingPeriod]:
    start = date(plan.year, 1, 1)
    length = 365 / count
    periods = []
    for i in range(count):
        ends = start + timedelta(days=round(length * (i + 1)) - 1)
        periods.append(
            ReportingPeriod(
                plan=plan,
                code=f"ky-{i + 1}",
                name=f"Kỳ {i + 1}",
                kind=ReportingPeriod.Kind.QUARTER,
                starts_on=start,
                ends_on=ends,
                due_on=ends + timedelta(days=5),
                position=i,
            )
        )
    return ReportingPeriod.objects.bulk_create(periods)


def _province(
    tag: str,
    number: int,
    *,
    agencies: int,
    activities: int,
    periods: int,
    year: int,
    rng: random.Random,
) -> tuple[Plan, list[Agency]]:
    """One province: its agencies, one collective group and one plan with reports."""
    label = f"[{tag}] UBND tỉnh Thử tải {number:02d}"
    root = Agency.objects.bulk_create([_agency(label, Agency.Kind.PROVINCE, None)])[0]
    kinds = [Agency.Kind.DEPARTMENT] * max(1, agencies // 7) + [Agency.Kind.DISTRICT] * max(
        1, agencies // 15
    )
    members = Agency.objects.bulk_create(
        [
            _agency(f"Cơ quan thử tải {i + 1:03d}", kinds[i] if i < len(kinds) else "commune", root)
            for i in range(agencies)
        ],
        batch_size=BATCH,
    )
    group = AgencyGroup.objects.create(
        code=f"{tag}-{number:02d}", name=f"[{tag}] Các cơ quan tỉnh {number:02d}"
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, agency=a) for a in members], batch_size=BATCH
    )
    plan = Plan.objects.create(
        issuer=label,
        number=f"{tag}/{number:02d}",
        issued_on=date(year, 12, 31),  # the newest plan while the bench runs
        year=year,
        title=f"Kế hoạch cải cách hành chính năm {year} (dữ liệu thử tải)",
        status=Plan.Status.ISSUED,
    )
    areas = Area.objects.bulk_create(
        [
            Area(plan=plan, code=code, title=f"Lĩnh vực {code}", position=i)
            for i, code in enumerate(ROMAN)
        ]
    )
    task_count = max(1, math.ceil(activities / 1.5))
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=plan,
                area=areas[i % len(areas)],
                number=str(i // len(areas) + 1),
                title=f"Nhiệm vụ thử tải số {i + 1}: rà soát, đơn giản hóa thủ tục hành chính",
                search_text=fold(f"Nhiệm vụ thử tải số {i + 1} rà soát thủ tục"),
                position=i,
            )
            for i in range(task_count)
        ],
        batch_size=BATCH,
    )
    rows = []
    dates: list[list[date]] = []
    for i in range(activities):
        phrase, kind, due = _due_dates(i, year)
        title = f"Hoạt động {i + 1}: rà soát, công bố và báo cáo kết quả"
        rows.append(
            Activity(
                plan=plan,
                task=tasks[i % task_count],
                position=i,
                title=title,
                outputs="Kế hoạch; Báo cáo",
                deadline=phrase,
                deadline_kind=kind,
                first_due=min(due) if due else None,
                search_text=fold(title),
            )
        )
        dates.append(due)
    acts = Activity.objects.bulk_create(rows, batch_size=BATCH)
    DueDate.objects.bulk_create(
        [DueDate(activity=a, due_on=d) for a, due in zip(acts, dates, strict=True) for d in due],
        batch_size=BATCH,
    )
    assignees: list[Assignee] = []
    assignments: dict[tuple[int, int], Assignment] = {}
    for i, activity in enumerate(acts):
        if i % 10 == 9:  # "Các sở, ban, ngành": every agency leads
            assignees.append(
                Assignee(activity=activity, role="lead", written_name=group.name, group=group)
            )
            for agency in members:
                assignments[(activity.pk, agency.pk)] = Assignment(
                    activity=activity, agency=agency, role="lead", via_group=group
                )
            continue
        picked = rng.sample(members, min(len(members), rng.randint(2, 5)))
        for position, agency in enumerate(picked):
            role = (
                "lead" if position == 0 or (position == 1 and rng.random() < 0.3) else "cooperating"
            )
            assignees.append(
                Assignee(
                    activity=activity,
                    role=role,
                    position=position,
                    written_name=agency.name,
                    agency=agency,
                )
            )
            assignments[(activity.pk, agency.pk)] = Assignment(
                activity=activity, agency=agency, role=role
            )
    Assignee.objects.bulk_create(assignees, batch_size=BATCH)
    made = Assignment.objects.bulk_create(list(assignments.values()), batch_size=BATCH)
    plan_periods = _periods(plan, periods)
    _reports(made, plan_periods, year, rng)
    return plan, members


def _reports(
    assignments: list[Assignment], periods: list[ReportingPeriod], year: int, rng: random.Random
) -> None:
    """A report per assignment and period: early periods approved, the last one in review."""
    statuses = ["in_progress"] * 5 + ["done"] * 3 + ["not_started", "not_done"]
    now = timezone.now()
    for period in periods:
        last = period.position == len(periods) - 1
        reports = []
        for assignment in assignments:
            status = rng.choice(statuses)
            percent = {"done": 100, "not_started": 0, "not_done": 0}.get(
                status, 5 * rng.randint(1, 19)
            )
            state = (
                rng.choice(["draft", "submitted", "submitted", "returned", "approved"])
                if last
                else ("approved" if rng.random() < 0.9 else "returned")
            )
            reports.append(
                ProgressReport(
                    assignment=assignment,
                    period=period,
                    status=status,
                    percent=percent,
                    reason="Chưa có hướng dẫn" if status == "not_done" else "",
                    narrative="Đang triển khai theo kế hoạch của đơn vị.",
                    completed_on=period.ends_on - timedelta(days=rng.randint(0, 40))
                    if status == "done"
                    else None,
                    state=state,
                    review_comment="Đề nghị bổ sung văn bản." if state == "returned" else "",
                    submitted_at=None if state == "draft" else now,
                    reviewed_at=now if state in {"approved", "returned"} else None,
                    version=2,
                )
            )
        made = ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        ReportVersion.objects.bulk_create(
            [
                ReportVersion(
                    report=r,
                    version=r.version,
                    action="saved",
                    snapshot={"status": r.status, "percent": r.percent},
                )
                for r in made
            ],
            batch_size=BATCH,
        )
        done = [r for r in made if r.completed_on is not None]
        documents = Document.objects.bulk_create(
            [
                # bulk_create skips save(), which fills the derived fields; fill them here.
                Document(
                    agency_id=r.assignment.agency_id,
                    number=f"{r.pk}/KH-TT",
                    number_key=f"{r.pk}/KH-TT",
                    issued_on=r.completed_on,
                    summary="Kế hoạch thực hiện",
                    search_text=fold(f"{r.pk}/KH-TT Kế hoạch thực hiện"),
                )
                for r in done
            ],
            batch_size=BATCH,
        )
        report_type = ContentType.objects.get_for_model(ProgressReport)
        DocumentLink.objects.bulk_create(
            [
                DocumentLink(
                    document=document,
                    target_type=report_type,
                    target_id=r.pk,
                    role=DocumentLink.Role.OUTPUT,
                )
                for r, document in zip(done, documents, strict=True)
            ],
            batch_size=BATCH,
        )


def _users(tag: str, agency: Agency, province: Agency) -> dict[str, User]:
    """The personas, made with bulk_create: no audit records about throwaway accounts."""
    unusable = make_password(None)
    users = [
        User(
            username=f"{tag}-{name}",
            role=role,
            agency=where,
            full_name=f"Thử tải {name}",
            password=unusable,
            is_staff=role == Role.ADMIN,
        )
        for name, role, where in [
            ("coordinator", Role.COORDINATOR, province),
            ("leader", Role.LEADER, None),
            ("officer", Role.OFFICER, agency),
            ("head", Role.HEAD, agency),
        ]
    ]
    User.objects.bulk_create(users)
    return {
        u.username.removeprefix(f"{tag}-"): u for u in User.objects.filter(username__startswith=tag)
    }


def bench_build(
    *, tag: str, provinces: int, agencies: int, activities: int, periods: int, rng: random.Random
) -> Bench:
    """Build `provinces` provinces of synthetic data; the first is the one measured."""
    today = timezone.localdate()
    year = max(today.year, Plan.objects.aggregate(y=Max("year"))["y"] or today.year)
    first: tuple[Plan, list[Agency]] | None = None
    for number in range(1, provinces + 1):
        with transaction.atomic():
            built = _province(
                tag,
                number,
                agencies=agencies,
                activities=activities,
                periods=periods,
                year=year,
                rng=rng,
            )
        first = first or built
    assert first is not None
    plan, members = first
    counts: dict[int, int] = {}
    for agency_id in Assignment.objects.filter(activity__plan=plan).values_list(
        "agency_id", flat=True
    ):
        counts[agency_id] = counts.get(agency_id, 0) + 1
    agency = max(members, key=lambda a: (counts.get(a.pk, 0), -a.pk))
    period = plan.periods.order_by("-position").first()
    assert period is not None
    report = (
        ProgressReport.objects.filter(assignment__agency=agency, period=period)
        .select_related("assignment")
        .order_by("pk")
        .first()
    )
    assert report is not None
    assert agency.parent is not None
    bench = Bench(tag=tag, plan=plan, agency=agency, period=period, report=report)
    bench.users = _users(tag, agency, agency.parent)
    bench.counts = {
        "assignments": Assignment.objects.filter(activity__plan__number__startswith=tag).count(),
        "reports": ProgressReport.objects.filter(
            assignment__activity__plan__number__startswith=tag
        ).count(),
    }
    return bench


def bench_cleanup(tag: str = MARK) -> int:
    """Delete the bench data of run `tag` (default: of every run). Returns rows deleted."""
    plans = Plan.objects.filter(number__startswith=tag, issuer__startswith=f"[{tag}")
    reports = ProgressReport.objects.filter(assignment__activity__plan__in=plans)
    total = 0
    with transaction.atomic():
        # Leaves first, so that each delete is one statement rather than a collection.
        for queryset in (
            ReportVersion.objects.filter(report__in=reports),
            DocumentLink.objects.filter(progress_report__in=reports),
            Document.objects.filter(agency__parent__name__startswith=f"[{tag}"),
            Document.objects.filter(agency__name__startswith=f"[{tag}"),
            reports,
            plans,
            User.objects.filter(username__startswith=tag),
            AgencyGroup.objects.filter(code__startswith=tag),
            Agency.objects.filter(parent__name__startswith=f"[{tag}"),
            Agency.objects.filter(name__startswith=f"[{tag}"),
        ):
            total += queryset.delete()[0]
    return total


# ---------------------------------------------------------------------------
# Measuring


def _url(name: str, query: str, params: dict[str, int]) -> str | None:
    """The URL of `name` with the parameters it takes; None when the name does not exist."""
    resolver = get_resolver()
    namespace, _sep, short = name.rpartition(":")
    if namespace:
        if namespace not in resolver.namespace_dict:
            return None
        resolver = resolver.namespace_dict[namespace][1]
    possibilities = resolver.reverse_dict.getlist(short)
    if not possibilities:
        return None
    wanted = set(possibilities[0][0][0][1])
    try:
        path = reverse(name, kwargs={k: v for k, v in params.items() if k in wanted})
    except NoReverseMatch:
        return None
    return path + ("?" + query.format(**params) if query else "")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _get(client: Client, url: str) -> int:
    """One request, read to the end: a streamed export costs what its rows cost."""
    response = client.get(url, secure=True)
    if response.streaming:
        for _chunk in response.streaming_content:  # type: ignore[attr-defined]
            pass
    # No response.close() here: the test client has closed it already, and closing again
    # would fire request_finished and drop the database connection between requests.
    return response.status_code


def measure(bench: Bench, *, repeat: int) -> tuple[list[Row], list[str]]:
    """Request each page `repeat` times; count the queries of one more request."""
    params = bench.params()
    rows: list[Row] = []
    skipped: list[str] = []
    clients: dict[str, Client] = {}
    # The test client calls itself "testserver"; let it in without touching real hosts.
    # Static file names are looked up without the collectstatic manifest, which a working
    # copy has not built: the bench times the pages, not the static files.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages
    ):
        for label, name, query, persona in PAGES:
            url = _url(name, query, params)
            if url is None:
                skipped.append(name)
                continue
            client = clients.get(persona)
            if client is None:
                client = clients[persona] = Client(raise_request_exception=False)
                if persona != "anonymous":
                    client.force_login(bench.users[persona])
            _get(client, url)  # warm caches, compile templates
            with CaptureQueriesContext(connection) as queries:
                status = _get(client, url)
            # Count now: each request starts by clearing the connection's query log.
            count = len(queries)
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                _get(client, url)
                timings.append((time.perf_counter() - started) * 1000)
            rows.append(
                Row(
                    label=label,
                    persona=persona,
                    status=status,
                    queries=count,
                    p50=statistics.median(timings),
                    p95=_percentile(timings, 0.95),
                )
            )
        for client in clients.values():
            client.logout()
    return rows, skipped
