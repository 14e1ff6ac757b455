"""What happens to an agency's assignments when it is merged or closed.

**Open.** An assignment is *open* when

* it is not closed itself (`closed_on` is empty),
* its plan is not closed (a draft or issued plan: work still to be done), and
* the latest report its agency has *sent* (submitted or approved; the latest period
  wins) does not say "hoàn thành" or "không thực hiện".

That is the same rule by which reminders call an item open and dashboards count it
(drafts and returned reports are the agency's own business and do not finish anything).
An assignment whose "hoàn thành" report waits for review is therefore *not* open: it
stays with the old agency, where its review happens.

**Merge.** Each open assignment of the merged agency is handed to the successor: the
successor's assignment of the same activity if it has one (promoted to "chủ trì" when the
old one led), otherwise a new one with the same role and group. The old row is kept,
closed on the merge day and pointing to the successor's (`transferred_to`): the reports
already written stay with it and with the old agency, and `plan_progress` lets the latest
of them stand for the successor's assignment until the successor sends its own, so the
work is counted once and nothing already reported is lost.

**Close.** With no successor, each open assignment is closed on that day and nothing
else changes: its reports stay, dashboards still show what it last said, and it leaves
every worklist and reminder.

Both are called from `cchc.agencies.services` inside the merge's or closure's
transaction, and write one audit record per assignment.
"""

from __future__ import annotations

from datetime import date

from cchc.agencies.models import Agency
from cchc.audit.log import log_here
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.plans.models import Plan

SENT_STATES = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)
FINISHED_STATUSES = (ProgressReport.Status.DONE, ProgressReport.Status.NOT_DONE)


def assignments_open(agency: Agency) -> list[Assignment]:
    """The agency's open assignments (see the module's doc), in plan order. Two queries."""
    candidates = list(
        Assignment.objects.filter(agency=agency, closed_on__isnull=True)
        .exclude(activity__plan__status=Plan.Status.CLOSED)
        .select_related("activity", "activity__plan", "activity__task", "via_group")
        .order_by(
            "activity__plan__year",
            "activity__plan_id",
            "activity__task__area__position",
            "activity__task__position",
            "activity__position",
            "pk",
        )
    )
    latest: dict[int, str] = {}
    for assignment_id, status in (
        ProgressReport.objects.filter(
            assignment__in=[a.pk for a in candidates], state__in=SENT_STATES
        )
        .order_by("period__position", "pk")
        .values_list("assignment_id", "status")
    ):
        latest[assignment_id] = status
    return [a for a in candidates if latest.get(a.pk) not in FINISHED_STATUSES]


def _audit_state(assignment: Assignment) -> dict[str, object]:
    return {
        "agency": assignment.agency_id,
        "activity": assignment.activity_id,
        "role": assignment.role,
        "closed_on": assignment.closed_on,
        "transferred_to": assignment.transferred_to_id,
    }


def assignments_transfer(*, source: Agency, into: Agency, on: date) -> list[Assignment]:
    """Hand `source`'s open assignments to `into` on `on`. Returns the old rows, closed.

    Call inside the merge's transaction (the caller holds the agencies' row locks).
    """
    moving = assignments_open(source)
    existing = {
        a.activity_id: a
        for a in Assignment.objects.select_for_update().filter(
            agency=into, activity_id__in=[a.activity_id for a in moving]
        )
    }
    for old in moving:
        before = _audit_state(old)
        target = existing.get(old.activity_id)
        if target is None:
            target = Assignment.objects.create(
                activity_id=old.activity_id,
                agency=into,
                role=old.role,
                via_group_id=old.via_group_id,
            )
        elif old.role == Assignment.Role.LEAD and target.role != Assignment.Role.LEAD:
            target.role = Assignment.Role.LEAD
            target.save(update_fields=["role"])
        old.closed_on = on
        old.transferred_to = target
        old.save(update_fields=["closed_on", "transferred_to"])
        log_here(
            action="assignment.transfer",
            obj=old,
            before=before,
            after={**_audit_state(old), "to_agency": into.pk, "to_agency_name": into.name},
        )
    return moving


def assignments_close(*, agency: Agency, on: date) -> list[Assignment]:
    """Close `agency`'s open assignments on `on` (no successor). Returns them."""
    closing = assignments_open(agency)
    for assignment in closing:
        before = _audit_state(assignment)
        assignment.closed_on = on
        assignment.save(update_fields=["closed_on"])
        log_here(
            action="assignment.close",
            obj=assignment,
            before=before,
            after=_audit_state(assignment),
        )
    return closing
