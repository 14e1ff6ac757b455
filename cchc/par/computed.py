"""The computed criteria: scores cchc works out from the data it already tracks.

Each computation has a key (the `computation_key` of a criterion), a name, the formula
shown on the scorecard and a description. Evaluated for one agency in one campaign, it
gives the points (a multiple of the set's step, rounded down so that nobody is given a
point the data does not show) and the numbers it came from. When the data cannot say
(no province plan for the year, no survey response) it gives no points and says why: the
agency scores the item itself, with evidence, as for any self-assessed criterion.

The province plan of a campaign is the year's plan without a parent (the one the agencies'
assignments and reports hang on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass
class Computed:
    """What a computation gives: points (None: the data cannot say) and its inputs."""

    points: Decimal | None
    inputs: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def as_json(self, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "points": None if self.points is None else str(self.points),
            "inputs": self.inputs,
            "note": self.note,
        }


@dataclass
class Context:
    """One campaign's evaluation: caches what every agency's computation shares."""

    year: int
    today: date
    cache: dict[str, Any] = field(default_factory=dict)

    def plan(self) -> Any:
        from cchc.plans.models import Plan

        if "plan" not in self.cache:
            self.cache["plan"] = (
                Plan.objects.filter(year=self.year, parent=None).order_by("pk").first()
            )
        return self.cache["plan"]


@dataclass(frozen=True)
class Computation:
    key: str
    name: str | Promise
    formula: str | Promise
    description: str | Promise
    survey: bool  # may score a survey criterion (Điều tra xã hội học) instead of a typed number
    evaluate: Callable[[int, Decimal, Decimal, Context], Computed]


REGISTRY: dict[str, Computation] = {}


def register(computation: Computation) -> Computation:
    if computation.key in REGISTRY:
        raise ValueError(f"computation {computation.key!r} is registered twice")
    REGISTRY[computation.key] = computation
    return computation


def on_step(value: Decimal, maximum: Decimal, step: Decimal) -> Decimal:
    """`value` clipped to [0, maximum] and rounded down to a multiple of `step`."""
    value = min(max(value, Decimal(0)), maximum)
    return ((value / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(Decimal("0.01"))


def _no_plan(ctx: Context) -> Computed:
    return Computed(
        None,
        {},
        gettext("Chưa có kế hoạch CCHC năm %(year)s của tỉnh để tính.") % {"year": ctx.year},
    )


def _lead_on_time(agency_id: int, maximum: Decimal, step: Decimal, ctx: Context) -> Computed:
    from cchc.monitoring.models import ProgressReport
    from cchc.monitoring.progress import Timeliness, plan_progress

    plan = ctx.plan()
    if plan is None:
        return _no_plan(ctx)
    if "progress" not in ctx.cache:
        ctx.cache["progress"] = plan_progress(plan, period=None, today=ctx.today)
    items = [
        i
        for i in ctx.cache["progress"].items
        if i.agency_id == agency_id
        and i.role == "lead"
        and i.status != ProgressReport.Status.NOT_DONE
    ]
    on_time = sum(1 for i in items if i.timeliness == Timeliness.DONE_ON_TIME)
    inputs = {
        gettext("Kế hoạch"): str(plan),
        gettext("Hoạt động chủ trì (trừ «không thực hiện»)"): str(len(items)),
        gettext("Hoàn thành đúng hạn"): str(on_time),
    }
    if not items:
        return Computed(None, inputs, gettext("Cơ quan không chủ trì hoạt động nào."))
    return Computed(on_step(maximum * on_time / len(items), maximum, step), inputs)


def _reports_on_time(agency_id: int, maximum: Decimal, step: Decimal, ctx: Context) -> Computed:
    from cchc.lib.calendar import local_date
    from cchc.monitoring.models import Assignment, ProgressReport
    from cchc.monitoring.readmodel import SENT_STATES

    plan = ctx.plan()
    if plan is None:
        return _no_plan(ctx)
    periods = list(plan.periods.filter(due_on__lt=ctx.today).order_by("due_on"))
    assignments = list(
        Assignment.objects.filter(activity__plan=plan, agency_id=agency_id, role="lead")
        .exclude(closed_on__isnull=False)
        .values_list("pk", flat=True)
    )
    sent = set(
        ProgressReport.objects.filter(
            assignment_id__in=assignments, state__in=SENT_STATES, submitted_at__isnull=False
        ).values_list("assignment_id", "period_id", "submitted_at")
    )
    on_time: dict[tuple[int, int], bool] = {}
    for assignment_id, period_id, submitted_at in sent:
        due = next((p.due_on for p in periods if p.pk == period_id), None)
        if due is not None and submitted_at is not None:
            # The province's calendar day it was sent, not the server's.
            on_time[(assignment_id, period_id)] = local_date(submitted_at) <= due
    good = [p for p in periods if all(on_time.get((a, p.pk), False) for a in assignments)]
    inputs = {
        gettext("Kỳ báo cáo đã đến hạn"): ", ".join(str(p) for p in periods) or "—",
        gettext("Kỳ gửi đủ, đúng hạn"): ", ".join(str(p) for p in good) or "—",
        gettext("Số hoạt động chủ trì phải báo cáo"): str(len(assignments)),
    }
    if not periods:
        return Computed(None, inputs, gettext("Chưa có kỳ báo cáo nào đến hạn."))
    if not assignments:
        return Computed(None, inputs, gettext("Cơ quan không chủ trì hoạt động nào."))
    return Computed(on_step(maximum * len(good) / len(periods), maximum, step), inputs)


def _agency_plan_on_time(agency_id: int, maximum: Decimal, step: Decimal, ctx: Context) -> Computed:
    from cchc.plans.cascade import agency_plan_issuance

    plan = ctx.plan()
    if plan is None:
        return _no_plan(ctx)
    if "issuance" not in ctx.cache:
        ctx.cache["issuance"] = {
            row.agency.pk: row for row in agency_plan_issuance(plan, today=ctx.today)
        }
    row = ctx.cache["issuance"].get(agency_id)
    due = plan.agency_plans_due
    inputs = {
        gettext("Hạn ban hành"): due.strftime("%d/%m/%Y") if due else "—",
        gettext("Ngày ban hành"): (
            row.issued_on.strftime("%d/%m/%Y") if row is not None and row.issued_on else "—"
        ),
    }
    if row is None:
        return Computed(None, inputs, gettext("Cơ quan không phải lập kế hoạch riêng."))
    if row.on_time is None:
        return Computed(None, inputs, gettext("Chưa đến hạn hoặc kế hoạch chưa đặt hạn."))
    if row.on_time:
        return Computed(on_step(maximum, maximum, step), inputs)
    if row.issued_on is not None:  # issued, late: half, as the Cà Mau rules score it
        return Computed(on_step(maximum / 2, maximum, step), inputs)
    return Computed(Decimal("0.00"), inputs)


def _satisfaction(agency_id: int, maximum: Decimal, step: Decimal, ctx: Context) -> Computed:
    from cchc.citizens import index
    from cchc.citizens.models import SurveyResponse
    from cchc.citizens.services import active_definition

    if "survey" not in ctx.cache:
        definition = active_definition()
        codes = list(definition.elements.order_by("position").values_list("code", flat=True))
        method = index.method_for(None)
        responses = SurveyResponse.objects.filter(year=ctx.year)
        ctx.cache["survey"] = (
            method,
            index.figures(responses, ["agency_id"], method, codes, index.element_codes()),
        )
    method, by_agency = ctx.cache["survey"]
    figure = by_agency.get(agency_id)
    overall = None if figure is None else figure.overall
    inputs = {
        gettext("Cách tính"): str(method.label),
        gettext("Số phiếu năm %(year)s") % {"year": ctx.year}: str(
            0 if figure is None else figure.responses
        ),
        gettext("Chỉ số hài lòng"): "—" if overall is None else f"{overall:.2f}%",
    }
    if overall is None:
        return Computed(None, inputs, gettext("Chưa có phiếu khảo sát nào của cơ quan."))
    return Computed(on_step(maximum * Decimal(str(overall)) / 100, maximum, step), inputs)


register(
    Computation(
        key="lead_activities_on_time",
        name=_("Hoạt động chủ trì hoàn thành đúng hạn"),
        formula=_("Số hoạt động chủ trì hoàn thành đúng hạn / số hoạt động chủ trì × điểm tối đa"),
        description=_(
            "Theo báo cáo tiến độ đã gửi của kế hoạch CCHC năm của tỉnh; hoạt động «không "
            "thực hiện» không tính; làm tròn xuống theo bước điểm."
        ),
        survey=False,
        evaluate=_lead_on_time,
    )
)
register(
    Computation(
        key="reports_on_time",
        name=_("Gửi báo cáo CCHC đúng hạn"),
        formula=_("Số kỳ báo cáo gửi đủ, đúng hạn / số kỳ đã đến hạn × điểm tối đa"),
        description=_(
            "Một kỳ đạt khi cơ quan gửi báo cáo của mọi hoạt động mình chủ trì trước hoặc "
            "đúng hạn gửi của kỳ."
        ),
        survey=False,
        evaluate=_reports_on_time,
    )
)
register(
    Computation(
        key="agency_plan_on_time",
        name=_("Ban hành kế hoạch CCHC của cơ quan đúng hạn"),
        formula=_(
            "Ban hành đúng hạn: điểm tối đa; ban hành chậm: một nửa điểm tối đa; quá hạn mà "
            "chưa ban hành: 0"
        ),
        description=_("Theo bảng theo dõi kế hoạch CCHC riêng của các cơ quan."),
        survey=False,
        evaluate=_agency_plan_on_time,
    )
)
register(
    Computation(
        key="citizens_satisfaction",
        name=_("Chỉ số hài lòng của người dân, tổ chức"),
        formula=_("Chỉ số hài lòng (%) × điểm tối đa / 100"),
        description=_(
            "Từ phiếu khảo sát của người dân về cơ quan trong năm đánh giá, theo cách tính "
            "chỉ số đang cấu hình; làm tròn xuống theo bước điểm."
        ),
        survey=True,
        evaluate=_satisfaction,
    )
)


def key_problem(method: str, key: str) -> str | None:
    """Why `key` cannot score a criterion scored by `method`; None if it can."""
    if not key:
        return None
    computation = REGISTRY.get(key)
    if computation is None:
        return gettext("Mã phép tính «%(key)s» không có trong danh mục: %(known)s.") % {
            "key": key,
            "known": ", ".join(sorted(REGISTRY)),
        }
    if method == "survey" and not computation.survey:
        return gettext("Phép tính «%(key)s» không dùng cho tiêu chí điều tra xã hội học.") % {
            "key": key
        }
    return None


def evaluate(
    key: str, *, agency_id: int, maximum: Decimal, step: Decimal, ctx: Context
) -> Computed:
    return REGISTRY[key].evaluate(agency_id, maximum, step, ctx)
