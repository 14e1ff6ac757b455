"""Shapes of the API's responses, and so of its OpenAPI description."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class PlanOut(Schema):
    id: int
    issuer: str
    number: str
    issued_on: date | None
    year: int
    title: str
    status: str
    areas: int
    tasks: int
    activities: int


class AreaOut(Schema):
    id: int
    code: str
    title: str
    description: str
    tasks: int


class AssigneeOut(Schema):
    role: str
    written_name: str
    note: str = ""
    agency_id: int | None
    group_id: int | None


class ActivityOut(Schema):
    id: int
    task_id: int
    title: str
    outputs: str
    lead: list[AssigneeOut]
    cooperating: list[AssigneeOut]
    deadline: str
    deadline_kind: str
    recurring: str | None
    due_dates: list[date]
    needs_date: bool
    notes: str


class TaskOut(Schema):
    id: int
    area_code: str
    number: str
    title: str
    notes: str
    activities: list[ActivityOut]


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    admin_code: str
    closed_on: date | None
    merged_into_id: int | None


class GroupOut(Schema):
    id: int
    code: str
    name: str
    member_ids: list[int]


class IssueOut(Schema):
    sheet: str
    row: int | None
    column: str
    column_title: str
    path: str
    message: str
    text: str
    # Set when the issue is a name no agency or group answers to (settle it as an alias).
    unknown_name: str = ""


class ImportErrorOut(Schema):
    detail: str
    issues: list[IssueOut]


class ImportedOut(Schema):
    plan: PlanOut


class ErrorOut(Schema):
    detail: str


class JobErrorOut(Schema):
    text: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    # A name no agency or group answers to: settled on the job's page by whoever imported.
    unknown_name: str = ""


class JobOut(Schema):
    """A background job: poll `url` until `status` is done or failed."""

    id: str
    kind: str
    name: str
    status: str
    progress_done: int
    progress_total: int
    progress_message: str
    summary: str
    errors: list[JobErrorOut]
    # What a successful import did that the importer should check (tracked changes accepted).
    warnings: list[JobErrorOut] = []
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str
    page_url: str
    file_url: str | None
    file_expires_at: datetime | None
    link: str | None
