"""Reporting periods, assignments, and the life of a progress report.

Each change to a report goes through one function here: it checks who may do it, checks
that the report has not changed since the caller read it (the optimistic `version`), and
keeps the new state as a `ReportVersion`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.audit import context as audit_context
from cchc.audit.log import log_action
from cchc.documents.models import Document, DocumentLink
from cchc.documents.services import DocumentError, document_record, documents_set_links
from cchc.lib import calendar
from cchc.lib.dates import OUT_OF_RANGE, is_plausible
from cchc.monitoring.figures import figures_changed, figures_report_changed
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.worklist import work_changed
from cchc.plans.models import Assignee, Plan
from cchc.reminders import events

# ---------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class PeriodSpec:
    code: str
    name: str
    kind: str
    end_month: int


# The default cut-offs follow Nghị định 09/2019/NĐ-CP on periodic reporting: figures run
# from the 15th of the month before the period to the 14th of its last month. The date a
# report is due is a setting of each plan; one day after the cut-off is only a default.
DEFAULT_PERIODS = [
    PeriodSpec("q1", "Quý I", ReportingPeriod.Kind.QUARTER, 3),
    PeriodSpec("6-thang", "6 tháng", ReportingPeriod.Kind.HALF_YEAR, 6),
    PeriodSpec("9-thang", "9 tháng", ReportingPeriod.Kind.NINE_MONTHS, 9),
    PeriodSpec("nam", "Năm", ReportingPeriod.Kind.YEAR, 12),
]
CUTOFF_DAY = 14


@transaction.atomic
def periods_create_default(plan: Plan, *, due_after_days: int = 1) -> list[ReportingPeriod]:
    """Give a plan the default periods it lacks. Idempotent."""
    starts = date(plan.year - 1, 12, CUTOFF_DAY + 1)
    periods = []
    for position, spec in enumerate(DEFAULT_PERIODS):
        ends = date(plan.year, spec.end_month, CUTOFF_DAY)
        period, _created = ReportingPeriod.objects.get_or_create(
            plan=plan,
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "starts_on": starts,
                "ends_on": ends,
                "due_on": ends + timedelta(days=due_after_days),
                "position": position,
            },
        )
        periods.append(period)
    return periods


def period_current(
    plan: Plan, today: date, *, periods: list[ReportingPeriod] | None = None
) -> ReportingPeriod | None:
    """The period whose report is being written on `today`: the first not yet due.
    `periods` are the plan's periods in order, when the caller has them already."""
    if periods is None:
        periods = list(plan.periods.order_by("position"))
    for period in periods:
        if today <= period.due_on:
            return period
    return periods[-1] if periods else None


# ---------------------------------------------------------------------------
# Assignments


# One statement, so that a plan whose cells name big groups ("UBND cấp xã": hundreds of
# agencies, for thousands of activities) never has its assignments built in Python. For
# each (activity, agency) an activity names, directly or through a group in force on the
# plan's day, the candidate kept is the first in the order the assignees are read
# (`Assignee.Meta.ordering`), a lead before any cooperating one: a lead role wins over a
# cooperating one, and the assignee that gave it says through which group, if any.
# One statement per rank of role: the lead assignees first, then the others. Within one,
# the candidates are inserted in the order of their assignee's place in the cell (then its
# id), and ON CONFLICT keeps the first row for an (activity, agency): the same choice as
# ranking every candidate with a window function, without sorting all of them by
# (activity, agency) and then probing the unique index a second time. An agency named as
# lead and as cooperating keeps the lead role; existing assignments (with their reports)
# are kept. Both SQLite and PostgreSQL insert the rows of INSERT … SELECT … ORDER BY in
# that order; tests/test_assignments_sync.py compares the rows with the ranking's.
_SYNC_SQL = """
INSERT INTO {assignment} (activity_id, agency_id, role, via_group_id)
SELECT candidate.activity_id, candidate.agency_id, candidate.role, candidate.via_group_id
FROM (
    SELECT assignee.activity_id, assignee.agency_id, assignee.role,
           NULL AS via_group_id, assignee.position, assignee.id AS assignee_id
    FROM {assignee} assignee
    JOIN {activity} activity ON activity.id = assignee.activity_id
    WHERE activity.plan_id = %s AND assignee.agency_id IS NOT NULL
      AND assignee.role {role} %s
    UNION ALL
    SELECT assignee.activity_id, membership.agency_id, assignee.role,
           assignee.group_id, assignee.position, assignee.id
    FROM {assignee} assignee
    JOIN {activity} activity ON activity.id = assignee.activity_id
    JOIN {membership} membership ON membership.group_id = assignee.group_id
    WHERE activity.plan_id = %s AND assignee.agency_id IS NULL
      AND assignee.role {role} %s
      AND (membership.valid_from IS NULL OR membership.valid_from <= %s)
      AND (membership.valid_to IS NULL OR membership.valid_to > %s)
) candidate
-- Leaving out the few closed agencies, rather than joining the open ones, leaves the
-- planner no way to loop over the candidates once per agency. NOT IN reads the closed
-- ones once (SQLite: into a temporary index, PostgreSQL: a hashed subplan) where NOT
-- EXISTS looked each candidate's agency up: 0.1 s of CPU less for 434,664 candidates.
-- Agency ids are never NULL, so NOT IN means what NOT EXISTS meant.
WHERE candidate.agency_id NOT IN (
    SELECT agency.id FROM {agency} agency WHERE agency.closed_on IS NOT NULL
)
ORDER BY candidate.position, candidate.assignee_id
ON CONFLICT (activity_id, agency_id) DO NOTHING
"""


@transaction.atomic
def assignments_sync(plan: Plan) -> int:
    """Create an assignment for every agency an activity names, groups expanded.

    Groups are read as they were on the plan's day (see cchc.agencies.eras.plan_day);
    agencies closed today get none. A lead role wins over a cooperating one when an
    agency is named both ways. Existing assignments (and their reports) are kept.
    Returns the number created. Works the same on SQLite and PostgreSQL (upserts:
    SQLite ≥ 3.24).
    """
    from cchc.agencies.eras import plan_day
    from cchc.agencies.models import Agency, GroupMembership
    from cchc.plans.models import Activity

    quote = connection.ops.quote_name
    tables = {
        "assignment": quote(Assignment._meta.db_table),
        "assignee": quote(Assignee._meta.db_table),
        "activity": quote(Activity._meta.db_table),
        "membership": quote(GroupMembership._meta.db_table),
        "agency": quote(Agency._meta.db_table),
    }
    day = connection.ops.adapt_datefield_value(plan_day(plan))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An import has just written the plan's activities and assignees, and the
            # planner's statistics do not know them yet: it would take the thousands of
            # rows for one and nest loops over them (seconds become minutes). ANALYZE
            # samples a fixed number of rows, so it costs little, and it sees this
            # transaction's own rows.
            cursor.execute(
                f"ANALYZE {quote(Activity._meta.db_table)}, {quote(Assignee._meta.db_table)}"
            )
        created = 0
        lead = Assignee.Role.LEAD.value
        for role in ("=", "<>"):  # the lead assignees first
            cursor.execute(
                _SYNC_SQL.format(role=role, **tables), [plan.pk, lead, plan.pk, lead, day, day]
            )
            created += max(cursor.rowcount, 0)
    # Raw SQL sends no signal; an import or a replacement ends here, with new rows.
    figures_changed(plan, structure=True)
    return created


# ---------------------------------------------------------------------------
# Reports


class ReportError(Exception):
    """A change to a report that is not allowed; the message is for the user."""


class ReportConflict(ReportError):
    """Someone else saved the report since the caller read it."""

    def __init__(self, message: str, *, theirs: int = 0, yours: int = 0) -> None:
        super().__init__(message)
        self.theirs = theirs
        self.yours = yours


class ReportForbidden(ReportError):
    pass


class ReportNotFound(ReportError):
    """No such report, or one the caller may not see (they look the same)."""


# Whether the caller may see the locked report (`policy.can(user, "report.view", …)`):
# a caller that has not read the report yet passes it, and the service asks it of the
# row it locks, so that a change reads the report once (tests/test_save_cost.py).
Visible = Callable[[ProgressReport], bool]


class ReportAlreadySaved(Exception):
    """This very submission (same form, same token) was saved before: a double click or
    a resent request. The caller answers as it did the first time; nothing changes."""

    def __init__(self, report: ProgressReport) -> None:
        super().__init__(report.pk)
        self.report = report


# One set of limits for the page and the API: the forms read them, `report_save` and
# `report_review` enforce them for every caller.
NARRATIVE_MAX = 20000
REASON_MAX = 4000
COMMENT_MAX = 4000
DOCUMENTS_MAX = 50
PERCENT_BLANK = gettext_lazy("Hãy nhập tỷ lệ hoàn thành, từ 0 đến 100.")
PERCENT_NOT_A_NUMBER = gettext_lazy("Tỷ lệ hoàn thành phải là số nguyên từ 0 đến 100.")
PERCENT_OUT_OF_RANGE = gettext_lazy("Tỷ lệ hoàn thành phải từ 0 đến 100.")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # 20.000, as numbers are written in Vietnamese


def too_long(label: str, text: str, limit: int) -> str | None:
    """The message for a text over its limit, the same on the page and in the API."""
    if len(text) <= limit:
        return None
    return _("%(label)s dài quá giới hạn %(limit)s ký tự (hiện có %(count)s).") % {
        "label": label,
        "limit": _thousands(limit),
        "count": _thousands(len(text)),
    }


def _too_long(label: str, text: str, limit: int) -> None:
    message = too_long(label, text, limit)
    if message:
        raise ReportError(message)


REPORT_FIELDS = ("status", "percent", "reason", "narrative", "completed_on")


def _links(report: ProgressReport) -> list[DocumentLink]:
    """The report's links as they stand now, whatever was prefetched."""
    links = list(
        DocumentLink.objects.filter(progress_report=report)
        .select_related("document")
        .order_by("pk")
    )
    # The evidence's files and their stored blobs too: the snapshot names them and the
    # API's answer shows their sizes and types from the same links (`links_read`). Only
    # the evidence's: an output document's files are read by neither, and a report with
    # outputs but no evidence (most reports that are done) costs no query for them.
    evidence = [link.document for link in links if link.role == DocumentLink.Role.EVIDENCE]
    if evidence:
        prefetch_related_objects(evidence, "files__stored")
    return links


def _snapshot(
    report: ProgressReport,
    links_as_in: dict[str, Any] | None = None,
    *,
    links: list[DocumentLink] | None = None,
) -> dict[str, Any]:
    """The report as its history keeps it. `links_as_in` is an earlier snapshot of the same
    transaction whose documents and evidence still stand (the change did not touch the
    links): they are copied from it rather than read again; `links` were just read."""
    data: dict[str, Any] = {name: getattr(report, name) for name in REPORT_FIELDS}
    data["completed_on"] = report.completed_on.isoformat() if report.completed_on else None
    data["state"] = report.state
    data["review_comment"] = report.review_comment
    if links_as_in is not None:
        data["documents"] = links_as_in["documents"]
        data["evidence"] = links_as_in["evidence"]
        return data
    if links is None:
        links = _links(report)
    outputs = sorted(
        (link.document for link in links if link.role == DocumentLink.Role.OUTPUT),
        key=lambda d: (d.issued_on, d.pk),
    )
    data["documents"] = [
        {
            "number": d.number,
            "issued_on": d.issued_on.isoformat() if d.issued_on else None,
            "summary": d.summary,
        }
        for d in outputs
    ]
    data["evidence"] = [
        link.file.filename
        for link in links
        if link.role == DocumentLink.Role.EVIDENCE and link.file is not None
    ]
    return data


AUDIT_ACTIONS = {
    ReportVersion.Action.SAVED: "report.save",
    ReportVersion.Action.SUBMITTED: "report.submit",
    ReportVersion.Action.APPROVED: "report.approve",
    ReportVersion.Action.RETURNED: "report.return",
}


def _record(
    report: ProgressReport,
    action: str,
    actor: User,
    before: dict[str, Any],
    *,
    submission: str = "",
    links_changed: bool = True,
) -> ReportVersion:
    """Keep the new state in the report's own history and in the audit trail.

    The history is what the agency reads on the report; the audit trail is the one
    record of every change in the system, so both are written in the same transaction.
    The source (page, API, command) is the one the request or command declared.
    """
    after = _snapshot(report, None if links_changed else before)
    changes = {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
    log_action(
        actor=actor,
        action=AUDIT_ACTIONS[ReportVersion.Action(action)],
        obj=report,
        before={**before, "version": report.version - 1},
        after={**after, "version": report.version},
        source=audit_context.current().source,
    )
    return ReportVersion.objects.create(
        report=report,
        version=report.version,
        action=action,
        actor=actor,
        snapshot=after,
        changes=changes,
        submission=submission,
    )


def _lock(report: ProgressReport, visible: Visible | None = None) -> ProgressReport:
    """The report's row, locked until the commit, read afresh (its version is the one the
    change is checked against); ReportNotFound when there is none, or when `visible`
    says the caller may not see it (the lock is then let go at once: nothing was
    written, the transaction rolls back)."""
    # Lock the report's row only: the joined agency and activity are read for the audit
    # label, and locking them would make every report of an agency wait for the others.
    try:
        locked = (
            ProgressReport.objects.select_for_update(of=("self",))
            .select_related("assignment__agency", "assignment__activity", "period")
            .get(pk=report.pk)
        )
    except ProgressReport.DoesNotExist:
        raise ReportNotFound(_("Không tìm thấy báo cáo.")) from None
    if visible is not None and not visible(locked):
        raise ReportNotFound(_("Không tìm thấy báo cáo."))
    return locked


def _check_version(locked: ProgressReport, expected_version: int | None) -> None:
    """Refuse a change made from a stale read. Call it only once the actor is known to
    belong to the report, so that an outsider learns nothing about its versions."""
    if expected_version is not None and locked.version != expected_version:
        raise ReportConflict(
            _(
                "Báo cáo đã được người khác cập nhật (phiên bản %(theirs)s, bạn đang sửa "
                "phiên bản %(yours)s). Hãy tải lại trang để xem thay đổi rồi nhập lại."
            )
            % {"theirs": locked.version, "yours": expected_version},
            theirs=locked.version,
            yours=expected_version,
        )


def _is_agency_member(user: User, report: ProgressReport) -> bool:
    """One of the report's agency's own people, whatever the report's state."""
    return policy.can(user, "report.edit", report, when=False)


def _validation_message(error: ValidationError) -> str:
    return "; ".join(str(message) for message in error.messages)


def report_open(*, assignment: Assignment, period: ReportingPeriod) -> tuple[ProgressReport, bool]:
    """The period's report of the assignment, made as an empty draft if there is none.

    Safe when several people open it at once: the unique constraint lets one create it
    and the others read it, and only the one that created it is told so.
    """
    with transaction.atomic():
        report, created = ProgressReport.objects.get_or_create(assignment=assignment, period=period)
        if created:
            # A new draft shows on the agency's worklist.
            work_changed(assignment.agency_id)
    return report, created


def report_get_or_create(*, assignment: Assignment, period: ReportingPeriod) -> ProgressReport:
    return report_open(assignment=assignment, period=period)[0]


@dataclass
class DocumentInput:
    """An output document as typed (number, date, summary), or picked by `document_id`
    from the agency's documents, in which case the typed fields are not read."""

    number: str = ""
    issued_on: date | None = None
    summary: str = ""
    document_id: int | None = None


def _output_documents(
    report: ProgressReport, actor: User, documents: list[DocumentInput]
) -> list[Document]:
    """The documents the inputs name: picked ones of the agency, typed ones recorded once."""
    agency = report.assignment.agency
    if len(documents) > DOCUMENTS_MAX:
        raise ReportError(
            _("Mỗi báo cáo ghi được tối đa %(limit)s văn bản kết quả (đang có %(count)s).")
            % {"limit": DOCUMENTS_MAX, "count": len(documents)}
        )
    for index, document in enumerate(documents, start=1):
        if (
            document.document_id is None
            and document.issued_on is not None
            and not is_plausible(document.issued_on)
        ):
            raise ReportError(
                _("Văn bản kết quả thứ %(index)s chưa hợp lệ: %(errors)s")
                % {"index": index, "errors": OUT_OF_RANGE}
            )
    picked = {
        d.pk: d
        for d in Document.objects.filter(
            agency=agency,
            pk__in=[i.document_id for i in documents if i.document_id is not None],
        )
    }
    found = []
    for index, document in enumerate(documents, start=1):
        if document.document_id is not None:
            if document.document_id not in picked:
                # Another agency's document and one that does not exist look the same.
                raise ReportForbidden(
                    _("Văn bản thứ %(index)s không có trong văn bản của cơ quan bạn.")
                    % {"index": index}
                )
            found.append(picked[document.document_id])
            continue
        try:
            recorded = document_record(
                agency=agency,
                number=document.number,
                issued_on=document.issued_on,
                summary=document.summary,
                actor=actor,
            )
        except DocumentError as error:
            raise ReportError(
                _("Văn bản kết quả thứ %(index)s chưa hợp lệ: %(errors)s")
                % {"index": index, "errors": str(error)}
            ) from error
        found.append(recorded.document)
    return found


# A report's version after its first save: from then on it counts among the agency's
# drafts waiting to be sent (`views._drafts`: version > 1).
FIRST_SAVE = 2


@transaction.atomic
def report_save(
    *,
    report: ProgressReport,
    actor: User,
    expected_version: int | None,
    status: str,
    percent: int | None,
    narrative: str = "",
    reason: str = "",
    completed_on: date | None = None,
    documents: list[DocumentInput] | None = None,
    submission: str = "",
    visible: Visible | None = None,
) -> ProgressReport:
    """Save the agency's draft. Raises ReportError with a Vietnamese message.

    `percent` None keeps the percent already reported (a status of "not started" or
    "done" sets it to 0 or 100): a value left out is never read as 0. `submission` names
    the form or request the save came from; when a save of the same actor already carries
    it, ReportAlreadySaved is raised and nothing changes, so that a double click or a
    resent request is answered as the first one was, not as a stale save. `visible`: see
    `Visible` (the API passes it instead of reading the report before the change).
    """
    report = _lock(report, visible)
    if not _is_agency_member(actor, report):
        raise ReportForbidden(_("Bạn không thể sửa báo cáo này."))
    if submission and report.versions.filter(actor=actor, submission=submission).exists():
        raise ReportAlreadySaved(report)
    _check_version(report, expected_version)
    if not report.is_editable:
        raise ReportError(_("Báo cáo đã gửi hoặc đã được duyệt nên không sửa được nữa."))
    links = _links(report)
    before = _snapshot(report, links=links)
    if status not in ProgressReport.Status.values:
        raise ReportError(_("Tình trạng không hợp lệ."))
    if percent is not None and not 0 <= percent <= 100:
        raise ReportError(str(PERCENT_OUT_OF_RANGE))
    if status == ProgressReport.Status.DONE:
        percent = 100
    elif percent is None:
        percent = 0 if status == ProgressReport.Status.NOT_STARTED else report.percent
    _too_long(_("Kết quả thực hiện"), narrative, NARRATIVE_MAX)
    _too_long(_("Lý do không thực hiện"), reason, REASON_MAX)
    if status == ProgressReport.Status.NOT_DONE and not reason.strip():
        raise ReportError(_("Hãy ghi rõ lý do không thực hiện."))
    if completed_on is not None and not is_plausible(completed_on):
        raise ReportError(_("Ngày hoàn thành: %(problem)s") % {"problem": OUT_OF_RANGE})
    if status == ProgressReport.Status.DONE:
        # A re-save that does not name the date keeps the one already reported: the day
        # of the save is not the day the work was done.
        completed_on = completed_on or report.completed_on or calendar.today()
        if completed_on > calendar.today():
            raise ReportError(_("Ngày hoàn thành không thể sau ngày hôm nay."))
    elif completed_on is not None:
        completed_on = None
    if status == ProgressReport.Status.NOT_STARTED and percent:
        raise ReportError(_("Hoạt động chưa triển khai thì tỷ lệ hoàn thành phải là 0."))
    report.status = status
    report.percent = percent
    report.narrative = narrative.strip()
    report.reason = reason.strip() if status == ProgressReport.Status.NOT_DONE else ""
    report.completed_on = completed_on
    report.version += 1
    report.updated_by = actor
    try:
        # The fields only: the checks above already hold every constraint of the model (the
        # database holds them too), and the keys (assignment, period) do not change here,
        # so the unique and foreign-key look-ups full_clean adds would be ten statements of
        # a save that must stay lean (tests/test_save_cost.py).
        report.full_clean(
            exclude=["assignment", "period", "submitted_by", "reviewed_by", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        raise ReportError(_validation_message(error)) from error
    report.save()
    links_changed = False
    if documents is not None:
        outputs = _output_documents(report, actor, documents)
        # The page sends its documents with every save; most saves name the same ones.
        linked = {link.document_id for link in links if link.role == DocumentLink.Role.OUTPUT}
        if {document.pk for document in outputs} != linked:
            documents_set_links(
                target=report, role=DocumentLink.Role.OUTPUT, documents=outputs, actor=actor
            )
            links_changed = True
        else:
            # The same documents; a typed one may have had its summary corrected.
            links_changed = bool(outputs)
    _record(
        report,
        ReportVersion.Action.SAVED,
        actor,
        before,
        submission=submission,
        links_changed=links_changed,
    )
    events.report_saved(report, actor)
    # Last: the agency's worklist shows the draft at once (its row is locked until the
    # commit, so the agency's saves wait for each other only for that moment). The list
    # shows this report's state and percent, and counts the drafts saved at least once;
    # a save that changes neither (the text, the documents) leaves the list as it is.
    if (
        before["percent"] != report.percent
        or before["state"] != report.state
        or report.version == FIRST_SAVE
    ):
        work_changed(report.assignment.agency_id)
    if not links_changed:
        report.links_read = links
    return report


@transaction.atomic
def report_submit(
    *,
    report: ProgressReport,
    actor: User,
    expected_version: int | None,
    visible: Visible | None = None,
) -> ProgressReport:
    report = _lock(report, visible)
    if not _is_agency_member(actor, report):
        raise ReportForbidden(_("Bạn không thể gửi báo cáo này."))
    _check_version(report, expected_version)
    if not report.is_editable:
        raise ReportError(_("Báo cáo đã được gửi."))
    if not policy.can(actor, "report.submit", report):
        raise ReportForbidden(_("Chỉ lãnh đạo cơ quan mới gửi được báo cáo này."))
    before = _snapshot(report)
    report.state = ProgressReport.State.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.version += 1
    report.save()
    _record(report, ReportVersion.Action.SUBMITTED, actor, before, links_changed=False)
    events.report_submitted(report, actor)
    # Last, so that the stamp rows stay locked only until the commit; the agency's
    # before the plan's, in every change, so that two changes never wait on each other.
    work_changed(report.assignment.agency_id)
    figures_report_changed(report.period.plan_id, report.assignment_id)
    return report


@transaction.atomic
def report_review(
    *,
    report: ProgressReport,
    actor: User,
    approve: bool,
    comment: str = "",
    expected_version: int | None,
    visible: Visible | None = None,
) -> ProgressReport:
    report = _lock(report, visible)
    if not policy.can(actor, "report.review"):
        raise ReportForbidden(_("Chỉ cơ quan thường trực mới duyệt được báo cáo."))
    # A head reviews the reports on their agency's own plan only (docs/agency-plans.md).
    if not policy.can(actor, "report.review", report, when=False):
        raise ReportForbidden(
            _(
                "Chỉ cơ quan thường trực hoặc thủ trưởng cơ quan ban hành kế hoạch "
                "mới duyệt được báo cáo này."
            )
        )
    _check_version(report, expected_version)
    if not policy.can(actor, "report.review", report):
        raise ReportError(_("Chỉ duyệt được báo cáo đã gửi."))
    if not approve and not comment.strip():
        raise ReportError(_("Hãy ghi ý kiến khi trả lại báo cáo."))
    _too_long(_("Ý kiến"), comment, COMMENT_MAX)
    before = _snapshot(report)
    report.state = ProgressReport.State.APPROVED if approve else ProgressReport.State.RETURNED
    report.review_comment = comment.strip()
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.version += 1
    report.save()
    action = ReportVersion.Action.APPROVED if approve else ReportVersion.Action.RETURNED
    _record(report, action, actor, before, links_changed=False)
    events.report_reviewed(report, actor)
    work_changed(report.assignment.agency_id)
    figures_report_changed(report.period.plan_id, report.assignment_id)
    return report
