"""The page that settles the names a failed plan import did not know, then imports again.

Reached from the failed job's page. Each distinct unknown name is listed once with its
closest agencies and groups; the coordinator picks one, "new agency" or "ignore" for
every name. Nothing is kept until every name is settled; then the choices become aliases
(one transaction, audited) and the same file is imported again as a new job, whose page
the coordinator is sent to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cchc.accounts.models import User
from cchc.accounts.policy import can, requires
from cchc.agencies.aliases import (
    Settlement,
    Suggester,
    UnknownName,
    aliases_settle,
    guess_kind,
    name_problem,
    target_value,
    unknown_names,
)
from cchc.agencies.models import Agency, AgencyGroup
from cchc.agencies.services import Resolver, Target
from cchc.audit.types import Source
from cchc.jobs.models import Job
from cchc.jobs.services import job_input_path, job_start
from cchc.lib.edge import MAX_ID

NEW = "new"
IGNORE = "ignore"


def settle_count(user: Any, job: Job) -> int:
    """How many names of this job the user may settle on the page; 0 hides the button."""
    if (
        job.kind != "plan_import"
        or job.status != Job.Status.FAILED
        or job.params.get("rerun")
        or job.asked_by_id is None
        or job.asked_by_id != getattr(user, "pk", None)
        or not can(user, "agency.alias")
    ):
        return 0
    return len(unknown_names(job.errors))


def job_to_settle(user: Any, job_id: UUID, *, lock: bool = False) -> Job:
    """The user's own failed import; anyone else's job is not found (404), as on the
    job's page: a job's address says nothing to whoever may not see it."""
    jobs = Job.objects.select_for_update() if lock else Job.objects
    job = jobs.filter(
        pk=job_id,
        kind="plan_import",
        asked_by_id=getattr(user, "pk", None),
        status=Job.Status.FAILED,
    ).first()
    if job is None:
        raise Http404
    return job


@dataclass
class Row:
    """One unknown name on the page, with what may be chosen and what was."""

    index: int
    unknown: UnknownName
    problem: str = ""
    candidates: list[tuple[str, Target]] = field(default_factory=list)
    chosen: str = ""
    kind: str = ""
    error: str = ""
    # The importing province: a choice must be one of its agencies or groups (or national).
    province_id: int | None = None

    @property
    def field(self) -> str:
        return f"name-{self.index}"

    @property
    def kind_field(self) -> str:
        return f"kind-{self.index}"


def rows_to_settle(job: Job) -> list[Row]:
    """The names still unknown: one settled meanwhile (another import, a colleague) is
    no longer asked about. Names are read as the import reads them: for the importing
    user's province (a name known only in another province is still to settle)."""
    from cchc.accounts.tenancy import province_of, sole_province_id

    province_id = province_of(job.asked_by) or sole_province_id()
    resolver = Resolver(province_id)
    suggester = Suggester(province_id)
    rows: list[Row] = []
    for unknown in unknown_names(job.errors):
        if resolver.resolve(unknown.name) is not None:
            continue
        row = Row(
            index=len(rows),
            unknown=unknown,
            kind=guess_kind(unknown.name),
            province_id=province_id,
        )
        row.problem = name_problem(unknown.name)
        if not row.problem:
            row.candidates = [(target_value(t), t) for t in suggester.closest(unknown.name)]
        rows.append(row)
    return rows


def input_of(job: Job) -> Path | None:
    """The file the failed import read; None once the job store let it go (`jobs_purge`)."""
    if not job.input_sha256:
        return None
    path = job_input_path(job)
    return path if path.is_file() else None


def _target(value: str, province_id: int | None) -> Target | None:
    """The agency or group a posted "agency:12" / "group:3" names, if it exists in the
    importing province (or is national): another province's "Các sở, ban, ngành" is not
    this province's (docs/tenants.md)."""
    from cchc.accounts.tenancy import in_province

    prefix, _sep, number = value.partition(":")
    if not number.isascii() or not number.isdigit() or not 0 < int(number) <= MAX_ID:
        return None
    mine = Q() if province_id is None else in_province(province_id)
    if prefix == "agency":
        return Agency.objects.filter(mine, pk=int(number), closed_on__isnull=True).first()
    if prefix == "group":
        return AgencyGroup.objects.filter(mine, pk=int(number)).first()
    return None


def read_choices(posted: Callable[[str], str | None], rows: list[Row]) -> list[Settlement] | None:
    """Every settled name, or None when one is not (each row then carries its error).

    `posted(field)` answers a row's `field` ("agency:12", "group:3", NEW, IGNORE) and
    `kind_field` (the new agency's kind): the page's POST, or the API's choices."""
    settlements: list[Settlement] = []
    complete = True
    kinds = set(Agency.Kind.values)
    for row in rows:
        if row.problem:
            continue  # cannot be kept; the file must be fixed (said on the page)
        row.chosen = posted(row.field) or ""
        row.kind = posted(row.kind_field) or row.kind
        if row.chosen == NEW:
            if row.kind not in kinds:
                row.error = _("Hãy chọn loại của cơ quan mới.")
                complete = False
                continue
            settlements.append(Settlement(row.unknown.name, new_kind=row.kind))
        elif row.chosen == IGNORE:
            settlements.append(Settlement(row.unknown.name, ignore=True))
        elif row.chosen and (target := _target(row.chosen, row.province_id)) is not None:
            settlements.append(Settlement(row.unknown.name, target=target))
        else:
            row.error = (
                _("Hãy chọn một cơ quan, nhóm, «Cơ quan mới» hoặc «Bỏ qua» cho tên này.")
                if not row.chosen
                else _("Lựa chọn này không còn; hãy chọn lại.")
            )
            row.chosen = ""
            complete = False
    return settlements if complete else None


def settle_and_rerun(
    user: User, job_id: UUID, settlements: list[Settlement], *, source: Path, channel: Source
) -> Job:
    """Remember the choices as aliases and import the same file again, as one step.

    Returns the new import; a second call for the same job returns the import the first
    one started and writes nothing."""
    with transaction.atomic():
        # One settling per job: a double submit waits here, then finds it done.
        job = job_to_settle(user, job_id, lock=True)
        if job.params.get("rerun"):
            return Job.objects.get(pk=job.params["rerun"])
        aliases_settle(settlements, actor=user, source=channel)
        # Queued in the same transaction: the choices and the new import are kept
        # together, or not at all.
        rerun = job_start(
            kind="plan_import",
            params={k: v for k, v in job.params.items() if k in ("year", "replace")},
            asked_by=user,
            upload=source.read_bytes(),
            input_name=job.input_name,
        )
        job.params = {**job.params, "rerun": str(rerun.pk)}
        job.save(update_fields=["params"])
    return rerun


@require_http_methods(["GET", "POST"])
@requires("agency.alias")
def plan_import_settle(request: HttpRequest, job_id: UUID) -> HttpResponse:
    assert isinstance(request.user, User)
    job = job_to_settle(request.user, job_id)
    if job.params.get("rerun"):
        # Settled already (a second click, the back button): the import that followed.
        return redirect("job_detail", job_id=job.params["rerun"])
    rows = rows_to_settle(job)
    source = input_of(job)
    status = 200
    if request.method == "POST" and source is not None:
        settlements = read_choices(request.POST.get, rows)
        if settlements is None:
            status = 400
        else:
            rerun = settle_and_rerun(
                request.user, job_id, settlements, source=source, channel="web"
            )
            return redirect("job_detail", job_id=rerun.pk)
    elif request.method == "POST":
        status = 409  # the file is gone: nothing to import again, nothing kept
    response = render(
        request,
        "register/plan_import_settle.html",
        {
            "job": job,
            "rows": rows,
            "kinds": Agency.Kind.choices,
            "unsettled": sum(1 for row in rows if row.error),
            "input_gone": source is None,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response
