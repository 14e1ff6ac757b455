"""The status table (the annex sent upward): area, task and activity rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cchc.agencies.models import Agency
from cchc.dashboards.queries.common import _areas, status_label
from cchc.documents.models import DocumentLink
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
)
from cchc.monitoring.progress import (
    ITEM_FIELDS,
    Figure,
    ItemState,
    Progress,
    Timeliness,
    items_of,
    plan_rollup,
)
from cchc.plans.models import Activity, Assignee, Plan, Task

# A cell of the status table lists at most this many output documents.
MAX_DOCUMENTS = 10


@dataclass
class StatusRow:
    kind: str  # "area", "task" or "activity"
    number: str
    title: str
    lead: str = ""
    progress: str = ""
    results: str = ""
    notes: str = ""


def _report_text(status: str, percent: int, timeliness: Timeliness, has_report: bool) -> str:
    if not has_report:
        return _("Chưa có báo cáo") + f"\n{timeliness.label}"
    label = ProgressReport.Status(status).label
    return f"{label} ({percent}%)\n{timeliness.label}"


def status_table_rows(
    plan: Plan, *, period: ReportingPeriod | None, today: date, agency: Agency | None = None
) -> Iterator[StatusRow]:
    """The rows of the status table: area, task and activity rows in plan order.

    The province's table shows each activity's lead agencies and rolled-up progress;
    an agency's table shows only its own activities, with its own report.
    """
    # The province's table needs each activity's figure and the reports it is made of:
    # `plan_rollup` gives them without holding the plan's (maybe a million) assignments.
    # An agency's table is its own assignments' items, read alone.
    if agency is None:
        progress = plan_rollup(plan, period=period, today=today)
        own_items: list[ItemState] = []
        standing = {r for reports in progress.activity_reports.values() for r in reports}
    else:
        progress = Progress(method="", method_label="", items=[])
        own_items = items_of(
            plan,
            list(
                Assignment.objects.filter(
                    activity__plan=plan, agency=agency, transferred_to__isnull=True
                )
                .order_by("pk")
                .values(*ITEM_FIELDS)
            ),
            period=period,
            today=today,
        )
        standing = {item.report_id for item in own_items if item.report_id}
    documents: dict[int, list[str]] = defaultdict(list)
    document_rows = DocumentLink.objects.filter(
        role=DocumentLink.Role.OUTPUT, progress_report__assignment__activity__plan=plan
    )
    if agency is not None:
        document_rows = document_rows.filter(progress_report__assignment__agency=agency)
    for report_id, number, issued_on, summary in document_rows.order_by(
        "document__issued_on", "document_id"
    ).values_list("target_id", "document__number", "document__issued_on", "document__summary"):
        if report_id in standing:
            day = issued_on.strftime("%d/%m/%Y") if issued_on else ""
            documents[report_id].append(
                _("Số %(number)s ngày %(date)s: %(summary)s")
                % {"number": number, "date": day, "summary": summary}
            )
    leads: dict[int, list[str]] = defaultdict(list)
    for activity_id, name in (
        Assignee.objects.filter(activity__plan=plan, role=Assignee.Role.LEAD)
        .order_by("position")
        .values_list("activity_id", "written_name")
    ):
        leads[activity_id].append(name)
    items_by_activity: dict[int, list[ItemState]] = defaultdict(list)
    for item in own_items:
        items_by_activity[item.activity_id].append(item)

    tasks: dict[int, list[Any]] = defaultdict(list)
    for task in (
        Task.objects.filter(plan=plan)
        .order_by("position")
        .values("pk", "area_id", "number", "title", "notes")
    ):
        tasks[task["area_id"]].append(task)
    activities: dict[int, list[Any]] = defaultdict(list)
    for activity in (
        Activity.objects.filter(plan=plan)
        .order_by("position")
        .values("pk", "task_id", "title", "outputs", "deadline", "notes")
    ):
        if agency is None or activity["pk"] in items_by_activity:
            activities[activity["task_id"]].append(activity)

    for area in _areas(plan):
        area_tasks = [t for t in tasks.get(area.pk, []) if activities.get(t["pk"])]
        if not area_tasks:
            continue
        figure = progress.areas.get(area.pk) if agency is None else None
        yield StatusRow(
            "area",
            area.code,
            area.title,
            progress=_figure_text(figure) if figure is not None else "",
        )
        for task in area_tasks:
            rows = activities[task["pk"]]
            task_leads = list(dict.fromkeys(n for a in rows for n in leads.get(a["pk"], [])))
            figure = progress.tasks.get(task["pk"]) if agency is None else None
            yield StatusRow(
                "task",
                task["number"],
                task["title"],
                lead="\n".join(task_leads),
                progress=_figure_text(figure) if figure is not None else "",
                notes=task["notes"],
            )
            for index, activity in enumerate(rows, start=1):
                if agency is None:
                    text = _figure_text(progress.activities.get(activity["pk"]), activity=True)
                    shown = progress.activity_reports.get(activity["pk"], [])
                else:
                    own = items_by_activity[activity["pk"]]
                    item = own[0]
                    text = _report_text(
                        item.status, item.percent, item.timeliness, item.report_id is not None
                    )
                    shown = [i.report_id for i in own if i.report_id]
                docs = [d for report_id in shown for d in documents.get(report_id, [])]
                if len(docs) > MAX_DOCUMENTS:
                    more = len(docs) - MAX_DOCUMENTS
                    docs = [
                        *docs[:MAX_DOCUMENTS],
                        ngettext("… và %(count)s văn bản khác", "… và %(count)s văn bản khác", more)
                        % {"count": more},
                    ]
                notes = [activity["notes"]] if activity["notes"] else []
                if activity["deadline"]:
                    notes.append(_("Thời hạn: %(deadline)s") % {"deadline": activity["deadline"]})
                yield StatusRow(
                    "activity",
                    f"{task['number']}.{index}",
                    activity["title"],
                    lead="\n".join(leads.get(activity["pk"], [])),
                    progress=text,
                    results="\n".join(docs) or activity["outputs"],
                    notes="\n".join(notes),
                )


def _figure_text(figure: Figure | None, *, activity: bool = False) -> str:
    """Status and percent; then how many activities (or, for one activity, how many of
    its lead agencies) are overdue."""
    if figure is None:
        return _("Chưa có báo cáo")
    text = status_label(figure)
    if figure.percent is not None:
        text += f" ({figure.percent:.0f}%)"
    if figure.overdue:
        if activity:
            late = ngettext(
                "%(count)s cơ quan chủ trì quá hạn",
                "%(count)s cơ quan chủ trì quá hạn",
                figure.overdue,
            )
        else:
            late = ngettext(
                "%(count)s hoạt động quá hạn", "%(count)s hoạt động quá hạn", figure.overdue
            )
        text += "\n" + late % {"count": figure.overdue}
    return text
