"""A believable first half-year of progress reports for the demo plan.

`cchc load_demo` calls `demo_progress_fill` so that the dashboards show something real on
first start: the "Quý I" and "6 tháng" reports of the departments, the districts and a few
communes, as they might stand on 10 July of the plan's year. Some agencies report on time,
some late; some reports were returned by the coordinator with a comment, some are still
drafts, a few items are "không thực hiện" with a reason, and done items carry the
documents that were issued for them.

Every report is written through the services (`report_save`, `report_submit`,
`report_review`) by the agency's own people, so its history is the real review loop. The
services stamp the wall-clock time; afterwards, and only here, the timestamps are moved to
the dates the story says they happened. The same seed gives the same data.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.audit.models import AuditRecord
from cchc.lib import calendar
from cchc.monitoring.figures import figures_changed
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.services import (
    DocumentInput,
    periods_create_default,
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Activity, DueDate, Plan
from cchc.reminders.models import Notification

Status = ProgressReport.Status

# The agencies that report: the departments and districts, and a sample of communes (in a
# real province many communes report through their district at first).
REPORTING_KINDS = (Agency.Kind.PROVINCE, Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT)
COMMUNES = 4

# How agencies behave, with how many of them do so.
ON_TIME, LATE, RETURNED, DRAFTING, SILENT, SHOWCASE = (
    "on_time",
    "late",
    "returned",
    "drafting",
    "silent",
    "showcase",
)
PROFILE_WEIGHTS = [(ON_TIME, 40), (LATE, 22), (RETURNED, 15), (DRAFTING, 13), (SILENT, 10)]

DOCUMENT_KINDS = [  # (word in the activity's outputs, symbol, name, numbers issued a day)
    ("Kế hoạch", "KH", "Kế hoạch", 0.35),
    ("Quyết định", "QĐ", "Quyết định", 0.5),
    ("Thông báo", "TB", "Thông báo", 0.2),
    ("Hướng dẫn", "HD", "Hướng dẫn", 0.1),
    ("Công văn", "", "Công văn", 2.5),
    ("Báo cáo", "BC", "Báo cáo", 0.6),
]

NOT_DONE_REASONS = [
    "Trung ương chưa ban hành văn bản hướng dẫn thực hiện.",
    "Không phát sinh nhiệm vụ tại đơn vị trong kỳ báo cáo.",
    "Chưa được bố trí kinh phí; đơn vị đã có văn bản đề xuất Sở Tài chính.",
    "Nhiệm vụ được điều chỉnh theo chỉ đạo của UBND tỉnh, chuyển sang thực hiện năm sau.",
]
RETURN_COMMENTS = [
    "Đề nghị bổ sung số, ký hiệu và ngày ban hành văn bản kết quả.",
    "Tỷ lệ hoàn thành chưa phù hợp với nội dung báo cáo; đề nghị rà soát lại.",
    "Đề nghị đính kèm văn bản minh chứng (bản có chữ ký, đóng dấu).",
    "Nội dung chưa nêu rõ kết quả đạt được trong kỳ; đề nghị bổ sung số liệu cụ thể.",
]
DONE_TEXTS = [
    "Đã ban hành {doc}; triển khai đến các phòng, đơn vị trực thuộc.",
    "Hoàn thành. Kết quả được thể hiện tại {doc}.",
    "Đã tổ chức thực hiện xong và ban hành {doc}; đăng tải trên Trang thông tin điện tử "
    "của đơn vị.",
    "Đơn vị đã hoàn thành nhiệm vụ, ban hành {doc} và gửi Sở Nội vụ tổng hợp.",
]
PROGRESS_TEXTS = [
    "Đang triển khai theo {doc}; đã hoàn thành khoảng {percent}% khối lượng công việc.",
    "Đang rà soát, tổng hợp ý kiến của các phòng chuyên môn; dự kiến hoàn thành trong {when}.",
    "Đã xây dựng dự thảo, đang lấy ý kiến các cơ quan, đơn vị liên quan.",
    "Đã phân công phòng chuyên môn chủ trì; đang triển khai, dự kiến hoàn thành trong {when}.",
]
ONGOING_TEXTS = [
    "Thực hiện thường xuyên; trong kỳ đã lồng ghép nội dung vào các cuộc họp giao ban.",
    "Triển khai thường xuyên theo {doc}; chưa phát sinh vướng mắc.",
    "Thực hiện thường xuyên, đúng quy định; kết quả tổng hợp trong báo cáo định kỳ.",
    "Đã quán triệt đến cán bộ, công chức; tiếp tục thực hiện trong các kỳ tiếp theo.",
]
LATE_TEXTS = [
    "Chậm so với kế hoạch do phải chờ ý kiến của các cơ quan liên quan; đang hoàn thiện.",
    "Chưa hoàn thành đúng hạn do thay đổi nhân sự phụ trách; đơn vị đang khẩn trương thực hiện.",
]
NOT_STARTED_TEXTS = [
    "Chưa triển khai; đơn vị sẽ thực hiện trong {when}.",
    "",
]
MONTHS = ["tháng 7", "tháng 8", "tháng 9", "Quý III", "Quý IV", "tháng 10", "tháng 11"]


@dataclass
class Item:
    """One assignment as the story goes: what it is, and what it became."""

    assignment: Assignment
    activity: Activity
    due: list[date]
    status: str = Status.NOT_STARTED
    percent: int = 0
    completed_on: date | None = None
    documents: list[DocumentInput] = field(default_factory=list)
    reason: str = ""
    sent: bool = False  # a report on it has gone to the coordinator


@dataclass
class People:
    writer: User  # saves the drafts: the officer, or the head when there is none
    head: User


@dataclass
class Stamp:
    """When each step of a report really happened, to put back after the services ran."""

    report_id: int
    saved: datetime
    submitted: datetime | None = None
    reviewed: datetime | None = None
    resubmitted: datetime | None = None
    approved: datetime | None = None


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment of `day` in the province's time zone."""
    moment = time(rng.choice([8, 9, 10, 14, 15, 16]), rng.randrange(0, 60, 5))
    return datetime.combine(day, moment, tzinfo=timezone.get_default_timezone())


def _abbreviation(agency: Agency, longer: bool = False) -> str:
    """The agency's part of a document symbol: "Sở Tư pháp" → "STP", districts "UBND".

    `longer` keeps two letters of the second word, as "Sở Ngoại vụ" → "SNgV" does to
    differ from "Sở Nội vụ".
    """
    if agency.kind in {Agency.Kind.PROVINCE, Agency.Kind.DISTRICT, Agency.Kind.COMMUNE}:
        return "UBND"
    words = [w for w in agency.name.replace(",", " ").split() if w not in {"và", "-", "tỉnh"}]
    letters = [
        w if w.isupper() and len(w) > 1 else (w[:2] if longer and i == 1 else w[0]).capitalize()
        for i, w in enumerate(words)
    ]
    return unicodedata.normalize("NFC", "".join(letters))


def _summary(name: str, activity: Activity) -> str:
    """A plausible trích yếu: "Kế hoạch cải cách hành chính năm 2022", "Quyết định về việc …"."""
    text = " ".join(activity.task.title.split()).rstrip(".")
    for verb in ("Xây dựng và ban hành ", "Ban hành ", "Xây dựng "):
        rest = text[len(verb) :]
        if text.startswith(verb) and rest.lower().startswith(name.lower()):
            return (name + rest[len(name) :])[:1000]
    first = text.split(" ", 1)[0]
    lowered = text if first.isupper() else text[:1].lower() + text[1:]
    return f"{name} về việc {lowered}"[:1000]


class _Registry:
    """Document numbers of each agency, rising with the date like a real register."""

    def __init__(self, rng: random.Random, agencies: list[Agency]) -> None:
        self.rng = rng
        self.used: set[tuple[int, str, int]] = set()
        self.symbols: dict[int, str] = {}
        taken: set[str] = set()
        for agency in agencies:
            symbol = _abbreviation(agency)
            if symbol in taken and symbol != "UBND":
                symbol = _abbreviation(agency, longer=True)
            taken.add(symbol)
            self.symbols[agency.pk] = symbol

    def issue(self, agency: Agency, activity: Activity, on: date) -> DocumentInput:
        outputs = activity.outputs or activity.title
        _word, symbol, name, rate = next(
            (kind for kind in DOCUMENT_KINDS if kind[0].lower() in outputs.lower()),
            DOCUMENT_KINDS[-1],
        )
        number = max(1, int(on.timetuple().tm_yday * rate) + self.rng.randint(1, 6))
        while (agency.pk, symbol, number) in self.used:
            number += 1
        self.used.add((agency.pk, symbol, number))
        mine = self.symbols[agency.pk]
        code = f"{number}/{mine}-VP" if not symbol else f"{number}/{symbol}-{mine}"
        return DocumentInput(number=code, issued_on=on, summary=_summary(name, activity))


def _cite(document: DocumentInput) -> str:
    kind = next((k[2] for k in DOCUMENT_KINDS if document.summary.startswith(k[2])), "Văn bản")
    return f"{kind} số {document.number} ngày {document.issued_on:%d/%m/%Y}"


def _people(agency: Agency, cache: dict[int, People]) -> People:
    """The agency's officer and head; a system head "demo-<id>" where it has none."""
    if agency.pk in cache:
        return cache[agency.pk]
    users = list(User.objects.filter(agency=agency, is_active=True).order_by("pk"))
    head = next((u for u in users if u.role == Role.HEAD), None)
    officer = next((u for u in users if u.role == Role.OFFICER), None)
    if head is None:
        head, _created = User.objects.get_or_create(
            username=f"demo-{agency.pk}",
            defaults={
                "role": Role.HEAD,
                "agency": agency,
                "full_name": f"Lãnh đạo {agency.name}",
            },
        )
        if _created:
            head.set_unusable_password()
            head.save(update_fields=["password"])
    cache[agency.pk] = People(writer=officer or head, head=head)
    return cache[agency.pk]


def _coordinator() -> User:
    user = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk").first()
    if user is None:
        user, created = User.objects.get_or_create(
            username="demo-thuongtruc",
            defaults={"role": Role.COORDINATOR, "full_name": "Cơ quan thường trực CCHC"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


def _profiles(agencies: list[Agency], showcase: set[int], rng: random.Random) -> dict[int, str]:
    """Each agency's behaviour, spread by the weights; demo logins see a bit of everything."""
    pool = [name for name, weight in PROFILE_WEIGHTS for _ in range(weight)]
    profiles = {}
    for agency in agencies:
        profiles[agency.pk] = SHOWCASE if agency.pk in showcase else rng.choice(pool)
    return profiles


def _advance(
    item: Item,
    *,
    cutoff: date,
    sent: date,
    late: bool,
    registry: _Registry,
    rng: random.Random,
    year_start: date,
) -> None:
    """Move an item forward to what the agency would report on `sent` for `cutoff`."""
    if item.status in {Status.DONE, Status.NOT_DONE}:
        return
    agency = item.assignment.agency
    if rng.random() < 0.025:
        item.status, item.percent, item.reason = Status.NOT_DONE, 0, rng.choice(NOT_DONE_REASONS)
        return
    elapsed = (cutoff - year_start).days / 365
    if not item.due:  # ongoing, or a phrase with no date: it moves with the year
        item.status = Status.IN_PROGRESS
        item.percent = min(95, 5 * round(100 * elapsed * rng.uniform(0.8, 1.2) / 5))
        if rng.random() < 0.3 and not item.documents:
            item.documents.append(registry.issue(agency, item.activity, _before(sent, 40, rng)))
        return
    final = max(item.due)
    if final <= cutoff + timedelta(days=15):
        # Due by now (or just after the cut-off).
        if rng.random() < (0.5 if late else 0.88):
            if late:
                done_on = min(final + timedelta(days=rng.randint(4, 40)), sent)
            else:
                done_on = final - timedelta(days=rng.randint(0, 25))
            done_on = max(done_on, year_start + timedelta(days=rng.randint(10, 25)))
            done_on = min(done_on, sent)
            item.status, item.percent, item.completed_on = Status.DONE, 100, done_on
            item.documents = [registry.issue(agency, item.activity, done_on)]
            if rng.random() < 0.15:
                item.documents.append(
                    registry.issue(
                        agency, item.activity, done_on + timedelta(days=rng.randint(1, 9))
                    )
                )
        else:
            item.status = Status.IN_PROGRESS
            item.percent = max(item.percent, 5 * rng.randint(6, 17))
        return
    # Due later in the year: under way, not started, or now and then finished early.
    roll = rng.random()
    if roll < 0.05:
        done_on = _before(sent, 30, rng)
        item.status, item.percent, item.completed_on = Status.DONE, 100, done_on
        item.documents = [registry.issue(agency, item.activity, done_on)]
    elif roll < (0.35 if elapsed < 0.3 else 0.12) and item.status == Status.NOT_STARTED:
        return
    else:
        item.status = Status.IN_PROGRESS
        share = min(90, 5 * round(100 * elapsed * rng.uniform(0.6, 1.5) / 5))
        item.percent = max(item.percent, share, 10)


def _before(day: date, days: int, rng: random.Random) -> date:
    return day - timedelta(days=rng.randint(1, days))


def _narrative(item: Item, late: bool, rng: random.Random) -> str:
    document = item.documents[0] if item.documents else None
    cite = _cite(document) if document else "kế hoạch của đơn vị"
    when = rng.choice(MONTHS)
    if item.status == Status.DONE:
        return rng.choice(DONE_TEXTS).format(doc=cite)
    if item.status == Status.NOT_DONE:
        return ""
    if item.status == Status.NOT_STARTED:
        return rng.choice(NOT_STARTED_TEXTS).format(when=when)
    if not item.due:
        return rng.choice(ONGOING_TEXTS).format(doc=cite)
    if late and rng.random() < 0.5:
        return rng.choice(LATE_TEXTS)
    return rng.choice(PROGRESS_TEXTS).format(doc=cite, percent=item.percent, when=when)


def _selected(plan: Plan, rng: random.Random) -> list[Agency]:
    assigned = Agency.objects.filter(assignments_set__activity__plan=plan).distinct()
    main = list(assigned.filter(kind__in=REPORTING_KINDS).order_by("sort_name"))
    communes = list(assigned.filter(kind=Agency.Kind.COMMUNE).order_by("sort_name"))
    picked = rng.sample(communes, min(COMMUNES, len(communes)))
    return main + sorted(picked, key=lambda a: a.sort_name)


@transaction.atomic
def demo_progress_fill(
    plan: Plan, *, seed: int = 2022, progress: Callable[[int, int], None] | None = None
) -> Counter[str]:
    """Fill the plan's first half-year with reports. Does nothing if it has any already.

    `progress(done, total)` is told after each agency (the whole fill takes most of a
    minute). Returns how many reports ended in each review state.
    """
    if ProgressReport.objects.filter(assignment__activity__plan=plan).exists():
        return Counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
    periods = {p.code: p for p in periods_create_default(plan)}
    q1, half = periods["q1"], periods["6-thang"]
    today = date(plan.year, 7, 10)
    year_start = date(plan.year, 1, 1)
    coordinator = _coordinator()
    people: dict[int, People] = {}
    agencies = _selected(plan, rng)
    registry = _Registry(rng, agencies)
    # Agencies whose people can log in to the demo see every state somewhere.
    showcase = set(
        User.objects.filter(agency__in=agencies, role__in=[Role.OFFICER, Role.HEAD])
        .exclude(username__startswith="demo-")
        .values_list("agency_id", flat=True)
    )
    profiles = _profiles(agencies, showcase, rng)
    due: dict[int, list[date]] = {}
    for activity_id, due_on in DueDate.objects.filter(activity__plan=plan).values_list(
        "activity_id", "due_on"
    ):
        due.setdefault(activity_id, []).append(due_on)
    assignments = (
        Assignment.objects.filter(activity__plan=plan, agency__in=agencies)
        .select_related("activity__task", "agency")
        .order_by(
            "agency__sort_name",
            "activity__task__area__position",
            "activity__task__position",
            "activity__position",
        )
    )
    by_agency: dict[int, list[Item]] = {}
    for assignment in assignments:
        by_agency.setdefault(assignment.agency_id, []).append(
            Item(assignment, assignment.activity, sorted(due.get(assignment.activity_id, [])))
        )

    stamps: list[Stamp] = []
    states: Counter[str] = Counter()
    # The story is written as of its own 10 July, whatever day the app thinks it is.
    with calendar.as_of(today):
        for done, agency in enumerate(agencies, start=1):
            if progress is not None and done > 1:
                progress(done - 1, len(agencies))
            profile = profiles[agency.pk]
            items = by_agency.get(agency.pk, [])
            who = _people(agency, people)
            for period in (q1, half):
                plan_for = _period_plan(profile, period is q1, q1.due_on, half.due_on, today, rng)
                if plan_for is None:
                    continue
                sent_on, late = plan_for
                for item in items:
                    if not _reported(item, period, q1):
                        continue
                    _advance(
                        item,
                        cutoff=period.ends_on,
                        sent=min(sent_on, today),
                        late=late,
                        registry=registry,
                        rng=rng,
                        year_start=year_start,
                    )
                    stamp = _write(
                        item,
                        period,
                        who,
                        coordinator,
                        profile,
                        period is q1,
                        sent_on,
                        today,
                        late,
                        rng,
                    )
                    stamps.append(stamp)
    if progress is not None and agencies:
        progress(len(agencies), len(agencies))
    _restamp(stamps)
    for state in ProgressReport.objects.filter(assignment__activity__plan=plan).values_list(
        "state", flat=True
    ):
        states[state] += 1
    return states


def _reported(item: Item, period: ReportingPeriod, q1: ReportingPeriod) -> bool:
    """What an agency writes about in a period.

    The first quarter's report covers what fell due in it; the half-year's covers every
    item the agency leads and what it cooperates on once due, except what the first
    quarter already closed (the latest sent report stands for an item).
    """
    due_by_then = bool(item.due) and min(item.due) <= period.ends_on + timedelta(days=20)
    lead = item.assignment.role == Assignment.Role.LEAD
    if period is q1:
        return due_by_then
    if item.status in {Status.DONE, Status.NOT_DONE} and item.sent:
        return False
    return lead or due_by_then


def _period_plan(
    profile: str, first: bool, q1_due: date, half_due: date, today: date, rng: random.Random
) -> tuple[date, bool] | None:
    """When the agency sends the period's report, and whether it runs late; None: not at all."""
    due = q1_due if first else half_due
    if profile == SILENT and not first:
        return None
    if profile in {LATE, SILENT}:
        return min(due + timedelta(days=rng.randint(5, 24)), today), True
    return due - timedelta(days=rng.randint(0, 6)), False


def _write(
    item: Item,
    period: ReportingPeriod,
    who: People,
    coordinator: User,
    profile: str,
    first: bool,
    sent_on: date,
    today: date,
    late: bool,
    rng: random.Random,
) -> Stamp:
    """One report through the services, ending where the agency's profile says."""
    report = report_get_or_create(assignment=item.assignment, period=period)
    report = report_save(
        report=report,
        actor=who.writer,
        expected_version=report.version,
        status=item.status,
        percent=item.percent,
        narrative=_narrative(item, late, rng),
        reason=item.reason,
        completed_on=item.completed_on,
        documents=item.documents,
    )
    stamp = Stamp(report.pk, saved=_at(_before(sent_on, 4, rng), rng))
    # Where this report stops: still a draft, sent, returned, or approved.
    if not first and (profile == DRAFTING or (profile == SHOWCASE and rng.random() < 0.4)):
        return stamp
    report = report_submit(report=report, actor=who.head, expected_version=report.version)
    item.sent = True
    stamp.submitted = _at(sent_on, rng)
    review_on = sent_on + timedelta(days=rng.randint(2, 9))
    if review_on > today or (profile == SHOWCASE and not first and rng.random() < 0.3):
        return stamp  # still waiting for the coordinator on the demo's "today"
    returned = (
        (profile == RETURNED and not first and rng.random() < 0.45)
        or (profile == SHOWCASE and not first and rng.random() < 0.25)
        or rng.random() < 0.04
    )
    if not returned:
        report_review(
            report=report, actor=coordinator, approve=True, expected_version=report.version
        )
        stamp.reviewed = _at(review_on, rng)
        return stamp
    report = report_review(
        report=report,
        actor=coordinator,
        approve=False,
        comment=rng.choice(RETURN_COMMENTS),
        expected_version=report.version,
    )
    stamp.reviewed = _at(review_on, rng)
    # The first quarter's returns were long since fixed and approved; the half-year's wait.
    resend_on = review_on + timedelta(days=rng.randint(1, 5))
    if first and resend_on + timedelta(days=3) <= today:
        report = report_submit(report=report, actor=who.writer, expected_version=report.version)
        report_review(
            report=report, actor=coordinator, approve=True, expected_version=report.version
        )
        stamp.resubmitted = _at(resend_on, rng)
        stamp.approved = _at(resend_on + timedelta(days=rng.randint(1, 3)), rng)
    return stamp


def _restamp(stamps: list[Stamp]) -> None:
    """Move the services' wall-clock timestamps to the story's dates.

    This is the one place the demo writes around the services: the review loop itself ran
    through them; only *when* it happened is rewritten, so the demo describes the plan's
    first half-year however late it is loaded.
    """
    by_report = {s.report_id: s for s in stamps}
    reports = list(ProgressReport.objects.filter(pk__in=by_report.keys()))
    versions = list(ReportVersion.objects.filter(report__in=reports).order_by("report", "version"))
    moments: dict[int, list[datetime]] = {}
    for stamp in stamps:
        moments[stamp.report_id] = [
            m
            for m in (
                stamp.saved,
                stamp.submitted,
                stamp.reviewed,
                stamp.resubmitted,
                stamp.approved,
            )
            if m is not None
        ]
    position: dict[int, int] = {}
    for version in versions:  # ordered by report, then version: the n-th step of each
        index = position.get(version.report_id, 0)
        position[version.report_id] = index + 1
        steps = moments[version.report_id]
        version.at = steps[min(index, len(steps) - 1)]
    # The audit trail holds one record per step too, in the same order.
    records = list(
        AuditRecord.objects.filter(
            object_type=ProgressReport._meta.label_lower,
            object_id__in=[str(pk) for pk in by_report],
        ).order_by("pk")
    )
    position.clear()
    for record in records:
        report_id = int(record.object_id)
        index = position.get(report_id, 0)
        position[report_id] = index + 1
        steps = moments[report_id]
        record.at = steps[min(index, len(steps) - 1)]
    AuditRecord.objects.bulk_update(records, ["at"], batch_size=500)
    for report in reports:
        stamp = by_report[report.pk]
        report.submitted_at = stamp.resubmitted or stamp.submitted
        report.reviewed_at = stamp.approved or stamp.reviewed
        report.updated_at = moments[report.pk][-1]
    ReportVersion.objects.bulk_update(versions, ["at"], batch_size=500)
    ProgressReport.objects.bulk_update(
        reports, ["submitted_at", "reviewed_at", "updated_at"], batch_size=500
    )
    # History rewritten in bulk: the trend's settled months must be replayed again.
    for plan_id in set(
        ReportingPeriod.objects.filter(pk__in={report.period_id for report in reports}).values_list(
            "plan_id", flat=True
        )
    ):
        figures_changed(plan_id, structure=True)
    _restamp_notifications(reports, versions)


def _restamp_notifications(reports: list[ProgressReport], versions: list[ReportVersion]) -> None:
    """Date the report events the services told people of (cchc.reminders.events) on the
    day of their step. What the story's people have long dealt with is read (an approval,
    a return already answered); what still waits for someone stays unread: a draft for
    its head, a sent report for the coordinator, a returned one for its writer. None of
    it is mailed by the first reminder run: the story's mail went out at the time."""
    state = {report.pk: report.state for report in reports}
    at = {(v.report_id, v.version): v.at for v in versions}
    first_save: dict[int, datetime] = {}
    for version in versions:
        first_save.setdefault(version.report_id, version.at)
    still_waiting = {
        "ready": ProgressReport.State.DRAFT,
        "sent": ProgressReport.State.SUBMITTED,
        "returned": ProgressReport.State.RETURNED,
    }
    notices = list(
        Notification.objects.filter(kind__in=Notification.REPORT_KINDS, key__startswith="report:")
    )
    for notice in notices:
        _report, pk, step, number = notice.key.split(":")
        report_id = int(pk)
        moment = at.get((report_id, int(number))) if number else None
        moment = moment or first_save.get(report_id)
        if moment is None:
            continue
        notice.sent_on = notice.mailed_on = calendar.local_date(moment)
        if state.get(report_id) != still_waiting.get(step):
            notice.read_at = notice.read_at or moment
    Notification.objects.bulk_update(notices, ["sent_on", "mailed_on", "read_at"], batch_size=500)
