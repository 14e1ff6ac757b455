"""The load bench behind `cchc bench`: response times and query counts of the pages and
the API on a big province.

It builds synthetic data, requests every page and endpoint that exists through Django's
test client (logged in with `force_login`), and prints for each the number of queries
and the 50th and 95th percentile of the response time.

Where: `cchc bench` builds in a database of its own (`cchc.ops.bench_db`: created,
migrated, analysed, dropped), never in the configured one. The functions here write to
the database the process is connected to: the bench's own (`--here`, in the child) or a
test database. Everything they create is still named "[cchc-bench-<run>]" (users
"cchc-bench-<run>-…", with unusable passwords, created without the audit log), so that
`bench_cleanup` can remove it from a test database, or what older versions of the bench
left in a live one.

Sizes: the default is one province (150 agencies, a 100-activity plan, 8 periods);
`--scale national` builds 34 provinces in one database and measures the first (sizes in
the command).

Every report has the history the services would have written for it (`report_save`,
`report_submit`, `report_review`): one to three saves with growing content, a submission,
a review, and for some a return, more saves and a second submission, each a
`ReportVersion` with the snapshot and changes of that step, dated around the period's end
and never in the future. So pages that replay history (the province dashboard's trend)
are measured on the rows they really read. The audit trail is not written.
"""

from __future__ import annotations

import contextlib
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.audit.models import AuditRecord
from cchc.documents.models import Document, DocumentLink
from cchc.jobs.models import Job
from cchc.jobs.services import jobs_root
from cchc.lib import storage
from cchc.lib.roman import to_roman
from cchc.lib.text import fold, sort_key
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.ops import bench_copy, bench_sql
from cchc.plans.models import Activity, Area, Assignee, DueDate, Plan, Task

MARK = "cchc-bench-"
KIND_WORDS = {
    Agency.Kind.DEPARTMENT: "Sở",
    Agency.Kind.DISTRICT: "UBND huyện",
    Agency.Kind.COMMUNE: "UBND xã",
}
# Each province's collective groups by kind, named as plans name them (after the tag; the
# measured province's are the ones an imported appendix names).
KIND_GROUPS = {
    Agency.Kind.DEPARTMENT: "Các sở, ban, ngành",
    Agency.Kind.DISTRICT: "UBND các huyện, thị xã, thành phố",
    Agency.Kind.COMMUNE: "UBND các xã, phường, thị trấn",
}
PROVINCES = {"province": 1, "national": 34}
AREAS = 7
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
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, AgencyGroup] = field(default_factory=dict)
    period: ReportingPeriod = field(init=False)
    report: ProgressReport = field(init=False)
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


# ---------------------------------------------------------------------------
# Building


def _agency(name: str, kind: str, parent: Agency | None) -> Agency:
    # bulk_create skips save(), which fills the search and sort keys and the province.
    return Agency(
        name=name,
        kind=kind,
        parent=parent,
        province=parent,
        search_name=fold(name),
        sort_name=sort_key(name),
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


@dataclass
class Province:
    plan: Plan
    members: list[Agency]
    assignments: list[Assignment]
    periods: list[ReportingPeriod]
    groups: dict[str, AgencyGroup]


def _busiest(province: Province) -> Agency:
    """The agency with the most assignments: the one whose pages cost the most."""
    counts: dict[int, int] = {}
    for assignment in province.assignments:
        counts[assignment.agency_id] = counts.get(assignment.agency_id, 0) + 1
    return max(province.members, key=lambda a: (counts.get(a.pk, 0), -a.pk))


def _province(
    tag: str,
    number: int,
    *,
    agencies: int,
    activities: int,
    periods: int,
    year: int,
    rng: random.Random,
) -> Province:
    """One province: its agencies, one collective group, one plan and its periods."""
    label = f"[{tag}] UBND tỉnh Thử tải {number:02d}"
    root = Agency.objects.bulk_create([_agency(label, Agency.Kind.PROVINCE, None)])[0]
    # A province root is its own province (docs/tenants.md).
    Agency.objects.filter(pk=root.pk).update(province=root)
    root.province = root
    kinds = [Agency.Kind.DEPARTMENT] * max(1, agencies // 7) + [Agency.Kind.DISTRICT] * max(
        1, agencies // 15
    )
    # Names unique in the whole database (the tag, the province's number), so that an
    # imported appendix naming them resolves to this province's agencies only; written
    # without brackets, as real names are (a bracket in a cell is read as a note).
    members = Agency.objects.bulk_create(
        [
            _agency(
                f"{KIND_WORDS[kind]} thử tải {tag} {number:02d}.{i + 1:03d}",
                kind,
                root,
            )
            for i, kind in enumerate(
                [*kinds[:agencies], *[Agency.Kind.COMMUNE] * (agencies - len(kinds))]
            )
        ],
        batch_size=BATCH,
    )
    group = AgencyGroup.objects.create(
        code=f"{tag}-{number:02d}", name=f"[{tag}] Các cơ quan tỉnh {number:02d}", province=root
    )
    # Group names are unique: only the measured (first) province has the groups by kind.
    by_kind: dict[str, AgencyGroup] = (
        {
            kind: AgencyGroup.objects.create(
                code=f"{tag}-{number:02d}-{kind}", name=f"{title} thử tải {tag}", province=root
            )
            for kind, title in KIND_GROUPS.items()
        }
        if number == 1
        else {}
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, agency=a) for a in members]
        + [GroupMembership(group=by_kind[a.kind], agency=a) for a in members if a.kind in by_kind],
        batch_size=BATCH,
    )
    plan = Plan.objects.create(
        province=root,
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
            for i, code in enumerate(to_roman(n) for n in range(1, AREAS + 1))
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
    return Province(plan, members, made, _periods(plan, periods), by_kind)


# Review, as the services write it (report_save, report_submit, report_review): every
# step is one ReportVersion holding the report as it stood after the step.
EMPTY_SNAPSHOT: dict[str, Any] = {
    "status": ProgressReport.Status.NOT_STARTED,
    "percent": 0,
    "reason": "",
    "narrative": "",
    "completed_on": None,
    "state": ProgressReport.State.DRAFT,
    "review_comment": "",
    "documents": [],
    "evidence": [],
}
RETURN_COMMENT = "Đề nghị bổ sung văn bản."
# When a step of a period's reports happened: days after the period's end, in order.
STEP_DAYS = (-20, -12, -6, -2, 1, 4, 7, 10, 13, 16)


def _path(state: str, rng: random.Random) -> list[str]:
    """The actions that brought a report to `state`: a few saves, a submission, a review,
    and for some a return, more saves and a second submission first."""
    path = ["saved"] * rng.randint(1, 3)
    if state == ProgressReport.State.DRAFT:
        return path
    path.append("submitted")
    if state == ProgressReport.State.SUBMITTED:
        return path
    if state == ProgressReport.State.RETURNED:
        return [*path, "returned"]
    if rng.random() < 0.3:  # returned once, corrected, sent again
        path += ["returned", *["saved"] * rng.randint(1, 2), "submitted"]
    return [*path, "approved"]


def _step_time(period: ReportingPeriod, step: int, now: datetime) -> datetime:
    """When step `step` of a report of `period` happened; never in the future, in order."""
    day = period.ends_on + timedelta(days=STEP_DAYS[min(step, len(STEP_DAYS) - 1)])
    at = datetime.combine(day, dtime(9, 0), tzinfo=timezone.get_default_timezone())
    return min(at, now - timedelta(minutes=len(STEP_DAYS) - step))


@dataclass
class _Content:
    """What a report says in the end."""

    status: str
    percent: int
    reason: str
    completed_on: date | None


def _history(
    report: ProgressReport, path: list[str], final: _Content, actors: dict[str, User]
) -> list[ReportVersion]:
    """The report's versions: its content grows with each save up to the final one."""
    saves = path.count("saved")
    documents = (
        [{"number": f"{report.pk}/KH-TT", "issued_on": final.completed_on.isoformat(),
          "summary": "Kế hoạch thực hiện"}]
        if final.completed_on
        else []
    )  # fmt: skip
    before = dict(EMPTY_SNAPSHOT)
    versions = []
    saved = 0
    returned = False
    for step, action in enumerate(path):
        after = dict(before)
        if action == "saved":
            saved += 1
            last = saved == saves
            percent = final.percent if last else 5 * round(final.percent * saved / saves / 5)
            status = final.status if last else ("in_progress" if percent else "not_started")
            after |= {
                "status": status,
                "percent": percent,
                "reason": final.reason if last else "",
                "narrative": "Đang triển khai theo kế hoạch của đơn vị.",
                "completed_on": final.completed_on.isoformat()
                if last and final.completed_on
                else None,
                "documents": documents if last else [],
                "state": "returned" if returned else "draft",
            }
            actor = actors["officer"]
        elif action == "submitted":
            after["state"] = "submitted"
            actor = actors["officer" if returned else "head"]
        else:  # approved or returned, by the province's coordinator
            returned = action == "returned"
            after["state"] = action
            after["review_comment"] = RETURN_COMMENT if returned else ""
            actor = actors["coordinator"]
        versions.append(
            ReportVersion(
                report=report,
                version=step + 2,  # an opened report is version 1, with no history
                action=action,
                actor=actor,
                snapshot=after,
                changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
            )
        )
        before = after
    return versions


def _dated(
    version: ReportVersion, pk: int, period: ReportingPeriod, now: datetime
) -> ReportVersion:
    """The version with its id and the time its step happened (the field would say "now")."""
    version.pk = pk
    version.at = _step_time(period, version.version - 2, now)
    return version


def _reports(
    assignments: list[Assignment],
    periods: list[ReportingPeriod],
    rng: random.Random,
    actors: dict[str, User],
    ids: bench_copy.Ids,
) -> None:
    """A report per assignment and period with its whole history: early periods mostly
    approved (some after a return), the last one still in review. Written as streams with
    ids handed out here (`cchc.ops.bench_copy`): millions of rows at the national size."""
    statuses = ["in_progress"] * 5 + ["done"] * 3 + ["not_started", "not_done"]
    now = timezone.now()
    report_type = ContentType.objects.get_for_model(ProgressReport)
    for period in periods:
        last = period.position == len(periods) - 1
        reports = []
        paths = []
        contents = []
        for assignment, pk in zip(
            assignments, ids.take(ProgressReport, len(assignments)), strict=True
        ):
            status = rng.choice(statuses)
            content = _Content(
                status=status,
                percent={"done": 100, "not_started": 0, "not_done": 0}.get(
                    status, 5 * rng.randint(1, 19)
                ),
                reason="Chưa có hướng dẫn" if status == "not_done" else "",
                completed_on=period.ends_on - timedelta(days=rng.randint(0, 40))
                if status == "done"
                else None,
            )
            state = (
                rng.choice(["draft", "submitted", "submitted", "returned", "approved"])
                if last
                else ("approved" if rng.random() < 0.9 else "returned")
            )
            path = _path(state, rng)
            submitted = [i for i, action in enumerate(path) if action == "submitted"]
            reviewed = [i for i, action in enumerate(path) if action in {"approved", "returned"}]
            reports.append(
                ProgressReport(
                    pk=pk,
                    assignment=assignment,
                    period=period,
                    status=content.status,
                    percent=content.percent,
                    reason=content.reason,
                    narrative="Đang triển khai theo kế hoạch của đơn vị.",
                    completed_on=content.completed_on,
                    state=state,
                    review_comment=RETURN_COMMENT if state == "returned" else "",
                    submitted_at=_step_time(period, submitted[-1], now) if submitted else None,
                    submitted_by=actors["head"] if submitted else None,
                    reviewed_at=_step_time(period, reviewed[-1], now) if reviewed else None,
                    reviewed_by=actors["coordinator"] if reviewed else None,
                    updated_by=actors["officer"],
                    version=len(path) + 1,
                )
            )
            paths.append(path)
            contents.append(content)
        bench_copy.write(ProgressReport, reports)
        version_ids = iter(ids.take(ReportVersion, sum(map(len, paths))))
        bench_copy.write(
            ReportVersion,
            (
                _dated(version, next(version_ids), period, now)
                for report, path, content in zip(reports, paths, contents, strict=True)
                for version in _history(report, path, content, actors)
            ),
        )
        done = [r for r in reports if r.completed_on is not None]
        document_ids = ids.take(Document, len(done))
        # bulk writing skips save(), which fills the derived fields; fill them here.
        documents = [
            Document(
                pk=pk,
                agency_id=r.assignment.agency_id,
                number=f"{r.pk}/KH-TT",
                number_key=f"{r.pk}/KH-TT",
                issued_on=r.completed_on,
                summary="Kế hoạch thực hiện",
                search_text=fold(f"{r.pk}/KH-TT Kế hoạch thực hiện"),
            )
            for r, pk in zip(done, document_ids, strict=True)
        ]
        bench_copy.write(Document, documents)
        bench_copy.write(
            DocumentLink,
            (
                DocumentLink(
                    pk=pk,
                    document=document,
                    target_type=report_type,
                    target_id=r.pk,
                    role=DocumentLink.Role.OUTPUT,
                )
                for r, document, pk in zip(
                    done, documents, ids.take(DocumentLink, len(done)), strict=True
                )
            ),
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
            province=province,  # bulk_create skips save(), which sets it from the agency
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
    """Build `provinces` provinces of synthetic data; the first is the one measured.

    The measured province's people (its busiest agency's officer and head, the province's
    coordinator) are made first, so that they write every report's history, as they would.
    """
    today = timezone.localdate()
    year = max(today.year, Plan.objects.aggregate(y=Max("year"))["y"] or today.year)
    bench: Bench | None = None
    ids = bench_copy.Ids()
    # PostgreSQL generates the reports and their history itself (`cchc.ops.bench_sql`),
    # with the tables' indexes and constraints built once at the end; SQLite gets the
    # rows streamed from here.
    postgres = connection.vendor == "postgresql"
    now = timezone.now()
    with bench_sql.loading() if postgres else contextlib.nullcontext():
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
                if bench is None:
                    agency = _busiest(built)
                    assert agency.parent is not None
                    users = _users(tag, agency, agency.parent)
                    bench = Bench(
                        tag=tag, plan=built.plan, agency=agency, users=users, groups=built.groups
                    )
                if postgres:
                    bench_sql.reports(
                        built.plan.pk,
                        built.periods,
                        bench.users,
                        now=now,
                        step_days=STEP_DAYS,
                        return_comment=RETURN_COMMENT,
                        seed=rng.random() * 2 - 1,
                    )
                else:
                    _reports(built.assignments, built.periods, rng, bench.users, ids)
    bench_copy.reset_sequences(ProgressReport, ReportVersion, Document, DocumentLink)
    assert bench is not None
    period = bench.plan.periods.order_by("-position").first()
    assert period is not None
    report = (
        ProgressReport.objects.filter(assignment__agency=bench.agency, period=period)
        .select_related("assignment")
        .order_by("pk")
        .first()
    )
    assert report is not None
    bench.period, bench.report = period, report
    in_bench = {"assignment__activity__plan__number__startswith": tag}
    bench.counts = {
        "assignments": Assignment.objects.filter(activity__plan__number__startswith=tag).count(),
        "reports": ProgressReport.objects.filter(**in_bench).count(),
        "versions": ReportVersion.objects.filter(
            **{f"report__{k}": v for k, v in in_bench.items()}
        ).count(),
    }
    return bench


def bench_cleanup(tag: str = MARK) -> int:
    """Delete the bench data of run `tag` (default: of every run). Returns rows deleted."""
    plans = Plan.objects.filter(number__startswith=tag, issuer__startswith=f"[{tag}")
    reports = ProgressReport.objects.filter(assignment__activity__plan__in=plans)
    total = 0
    plan_ids = [str(pk) for pk in plans.values_list("pk", flat=True)]
    jobs = Job.objects.filter(kind="plan_import", input_name__startswith=tag)
    blobs = set(jobs.values_list("input_sha256", flat=True))
    with transaction.atomic():
        total += survey_cleanup(tag)
        # Leaves first, so that each delete is one statement rather than a collection.
        for queryset in (
            # The import phase's jobs, and the audit records its imports wrote about the
            # throwaway plans.
            jobs,
            AuditRecord.objects.filter(
                object_type=Plan._meta.label_lower,
                action__startswith="plan.",
                object_id__in=plan_ids,
            ),
            ReportVersion.objects.filter(report__in=reports),
            DocumentLink.objects.filter(progress_report__in=reports),
            Document.objects.filter(agency__parent__name__startswith=f"[{tag}"),
            Document.objects.filter(agency__name__startswith=f"[{tag}"),
            reports,
            Assignment.objects.filter(activity__plan__in=plans),
            plans,
            User.objects.filter(username__startswith=tag),
            AgencyGroup.objects.filter(code__startswith=tag),
            Agency.objects.filter(parent__name__startswith=f"[{tag}"),
            Agency.objects.filter(name__startswith=f"[{tag}"),
        ):
            total += queryset.delete()[0]
    # An uploaded file another job still names stays.
    used = set(Job.objects.filter(input_sha256__in=blobs).values_list("input_sha256", flat=True))
    for sha in blobs - used - {""}:
        with contextlib.suppress(OSError):
            storage.delete_blob(sha, jobs_root())
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


# ---------------------------------------------------------------------------
# Satisfaction surveys (cchc.citizens): a burst of submissions against hello-world, and
# the index over many responses. Its own section; the data it makes hangs off the bench's
# agencies and goes with them (`survey_cleanup`).


@dataclass
class SurveyBench:
    hello_per_second: float
    submit_per_second: float
    burst: int
    accepted: int
    responses: int
    answers: int
    generate_seconds: float
    overall_ms: float
    by_agency_ms: float
    by_quarter_ms: float
    sipas: float | None

    @property
    def ratio(self) -> float:
        return self.submit_per_second / self.hello_per_second if self.hello_per_second else 0.0


def _rate(count: int, send: Any) -> float:
    started = time.perf_counter()
    for i in range(count):
        send(i)
    return count / (time.perf_counter() - started)


def survey_burst(bench: Bench, *, burst: int) -> tuple[float, float, int]:
    """Requests per second of hello-world and of survey submissions, in the same process
    and the same run, through the whole middleware stack (Django's test client: no
    network, no CSRF check). Each submission comes from a new device (its own signed
    cookie) and its own address, so every one is saved and the per-address limit is
    counted in the cache as in production, without refusing the burst."""
    from cchc.citizens.models import SurveyQuestion, SurveyResponse
    from cchc.citizens.services import (
        DEVICE_COOKIE,
        active_definition,
        new_device_token,
        sign_device_token,
    )

    definition = active_definition()
    form = {"definition": str(definition.pk), "comment": "Cán bộ hướng dẫn tận tình."}
    for n, pk in enumerate(
        SurveyQuestion.objects.filter(element__definition=definition).values_list("pk", flat=True)
    ):
        form[f"q{pk}"] = str(1 + (n * 7) % 5)
    url = reverse("survey_agency", args=[bench.agency.pk])
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES=storages,
        ROOT_URLCONF="cchc.ops.bench_urls",
    ):
        client = Client(raise_request_exception=False)
        client.get("/__bench__/hello/", secure=True)  # warm up
        hello = _rate(burst, lambda i: client.get("/__bench__/hello/", secure=True))
        before = SurveyResponse.objects.filter(agency=bench.agency).count()

        def submit(i: int) -> None:
            client.cookies[DEVICE_COOKIE] = sign_device_token(new_device_token())
            client.post(
                url,
                form,
                secure=True,
                REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            )

        submit_rate = _rate(burst, submit)
        accepted = SurveyResponse.objects.filter(agency=bench.agency).count() - before
    return hello, submit_rate, accepted


def survey_generate(bench: Bench, members: list[int], *, responses: int) -> tuple[int, int]:
    """`responses` responses over the bench's agencies, and an answer to every question of
    each, written by INSERT … SELECT in the database (a few statements, not a row at a
    time). The answers lean to satisfied, with a pseudo-random spread."""
    from cchc.citizens.index import tally_rebuild
    from cchc.citizens.models import SurveyAnswer, SurveyResponse
    from cchc.citizens.services import active_definition

    definition = active_definition()
    response_table = SurveyResponse._meta.db_table
    answer_table = SurveyAnswer._meta.db_table
    question_table = "citizens_surveyquestion"
    element_table = "citizens_surveyelement"
    year = timezone.localdate().year
    now = timezone.now()
    per_agency = [responses // len(members)] * len(members)
    per_agency[0] += responses - sum(per_agency)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for agency_id, count in zip(members, per_agency, strict=True):
            if not count:
                continue
            if postgres:
                sequence = "SELECT n FROM generate_series(0, %s - 1) AS n"
                head = ""
            else:
                head = (
                    "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq "
                    "WHERE n < %s - 1) "
                )
                sequence = "SELECT n FROM seq"
            prefix = f"{bench.tag}-{agency_id}-"
            # Table names come from the models, values are parameters.
            columns = "definition_id, agency_id, counter_id, year, quarter, submitted_at, "
            columns += "comment, device_hash"
            values = "%s, %s, NULL, %s, 1 + s.n %% 4, %s, '', %s || s.n"
            sql = f"{head}INSERT INTO {response_table} ({columns}) SELECT {values} FROM ({sequence}) s"  # noqa: E501, S608
            params: list[Any] = (
                [count, definition.pk, agency_id, year, now, prefix]
                if not postgres
                else [definition.pk, agency_id, year, now, prefix, count]
            )
            cursor.execute(sql, params)
        value = (
            "CASE WHEN (r.id * 31 + q.id * 17) %% 100 < 78 THEN 4 + (r.id + q.id) %% 2 "
            "ELSE 1 + (r.id * 3 + q.id) %% 3 END"
        )
        tables = f"{response_table} r CROSS JOIN {question_table} q "
        tables += f"JOIN {element_table} e ON e.id = q.element_id"
        sql = f"INSERT INTO {answer_table} (response_id, question_id, element_id, value) SELECT r.id, q.id, q.element_id, {value} FROM {tables} WHERE e.definition_id = %s AND r.device_hash LIKE %s"  # noqa: E501, S608
        cursor.execute(sql, [definition.pk, f"{bench.tag}-%"])
        answers = cursor.rowcount
        # Written past `response_submit`: the tallies the results read are counted here.
        tally_rebuild(members)
    return responses, answers


def survey_index_timing(members: list[int]) -> tuple[float, float, float, float | None]:
    """Milliseconds of the results' aggregates over every bench response: the overall
    index, by agency, by quarter (what the results page asks), and the SIPAS found."""
    from cchc.citizens import index
    from cchc.citizens.models import SurveyResponse
    from cchc.citizens.services import active_definition

    method = index.method_for(None)
    codes = list(active_definition().elements.order_by("position").values_list("code", flat=True))
    element_code = index.element_codes()
    responses = SurveyResponse.objects.filter(agency_id__in=members)
    started = time.perf_counter()
    overall = index.overall_figure(responses, method, codes, element_code)
    overall_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    index.figures(responses, ["agency_id"], method, codes, element_code)
    by_agency_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    index.figures(responses, ["quarter"], method, codes, element_code)
    by_quarter_ms = (time.perf_counter() - started) * 1000
    return overall_ms, by_agency_ms, by_quarter_ms, overall.overall


def survey_measure(bench: Bench, *, burst: int, responses: int) -> SurveyBench:
    members = list(
        Agency.objects.filter(parent=bench.agency.parent)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    hello, submit, accepted = survey_burst(bench, burst=burst)
    started = time.perf_counter()
    made, answers = survey_generate(bench, members, responses=responses)
    generated = time.perf_counter() - started
    overall_ms, by_agency_ms, by_quarter_ms, sipas = survey_index_timing(members)
    return SurveyBench(
        hello_per_second=hello,
        submit_per_second=submit,
        burst=burst,
        accepted=accepted,
        responses=made + accepted,
        answers=answers,
        generate_seconds=generated,
        overall_ms=overall_ms,
        by_agency_ms=by_agency_ms,
        by_quarter_ms=by_quarter_ms,
        sipas=sipas,
    )


def survey_cleanup(tag: str) -> int:
    """The survey data of the bench's agencies (run `tag`, or every run)."""
    from cchc.citizens.models import Counter, SamplePopulation, SurveyAnswer, SurveyResponse

    agencies = Agency.objects.filter(parent__name__startswith=f"[{tag}")
    # Raw deletes: a million responses are not collected into Python one by one.
    total = SurveyAnswer.objects.filter(response__agency__in=agencies)._raw_delete(connection.alias)
    total += SurveyResponse.objects.filter(agency__in=agencies)._raw_delete(connection.alias)
    for queryset in (
        Counter.objects.filter(agency__in=agencies),
        SamplePopulation.objects.filter(agency__in=agencies),
    ):
        total += queryset.delete()[0]
    return total
