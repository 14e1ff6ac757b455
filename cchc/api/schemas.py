"""Shapes of the API's responses, and so of its OpenAPI description."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


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
    # Codes and names are unique per province only: a national user tells groups apart
    # by their province (null for a national group).
    province_id: int | None
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


class NameCandidateOut(Schema):
    # What to send back as `choice`: "agency:12" or "group:3".
    value: str
    name: str
    kind: str = Field(description="agency hoặc group")


class UnknownNameOut(Schema):
    name: str
    uses: int = Field(description="Số chỗ trong tệp dùng tên này")
    # Set when the name cannot be kept as an alias (the file must be corrected).
    problem: str = ""
    # The kind a new agency of this name would most likely have.
    kind_guess: str
    candidates: list[NameCandidateOut]


class NamesOut(Schema):
    """The names a failed import could not resolve, each with its closest agencies."""

    names: list[UnknownNameOut]
    kinds: dict[str, str] = Field(description="Các loại cơ quan khi chọn «new»")
    # False once the job store let the uploaded file go: the file must be uploaded again.
    input_available: bool


class NameChoiceIn(Schema):
    name: str = Field(max_length=500)
    choice: str = Field(max_length=40, description='"agency:<id>", "group:<id>", "new", "ignore"')
    kind: str = Field("", max_length=20, description="Loại cơ quan mới, khi choice là new")


class NameChoicesIn(Schema):
    choices: list[NameChoiceIn] = Field(max_length=2000)


class NameErrorOut(Schema):
    name: str
    message: str


class NameChoicesErrorOut(Schema):
    detail: str
    # Empty when the request itself was refused (a NUL byte, a malformed body).
    names: list[NameErrorOut] = []
