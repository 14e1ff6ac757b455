"""The agencies' own plans of the demo (docs/agency-plans.md), made by `cchc load_demo`
through the same services as the pages, by the people who would make them:

* Sở Tư pháp's plan, derived from the province's, with three of its phòng: some copied
  activities handed to them, two activities of its own, issued by its director, and the
  first report of one phòng started (a draft, by the demo account `canbo.hctp`);
* one district's plan, derived by the province's coordinator and left as a draft;
* the province's deadline for the agencies' plans, a month after its own plan.

Idempotent: a second run finds everything made and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from cchc.accounts.models import Role, User
from cchc.accounts.services import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DemoAccount
from cchc.agencies.models import Agency
from cchc.lib import calendar
from cchc.plans.cascade import (
    activity_set_lead,
    plan_add_activity,
    plan_derive,
    plan_issue,
    plan_set_agency_plans_due,
    planning_agencies,
)
from cchc.plans.models import Plan

DEPARTMENT = "Sở Tư pháp"
UNITS = ("Phòng Hành chính tư pháp", "Phòng Bổ trợ tư pháp", "Văn phòng Sở Tư pháp")
UNIT_ACCOUNT = ("canbo.hctp", "Đặng Minh Thư (Phòng Hành chính tư pháp, Sở Tư pháp)")
NUMBER = "15/KH-STP"
SIGNER = "Hoàng Đức Anh"
OWN_ACTIVITIES = (
    (
        "Tự kiểm tra, rà soát văn bản quy phạm pháp luật do HĐND, UBND tỉnh ban hành",
        "Báo cáo kết quả tự kiểm tra",
        "Quý III",
        0,
    ),
    (
        "Số hóa sổ hộ tịch lưu trữ tại Sở, cập nhật vào cơ sở dữ liệu hộ tịch điện tử",
        "Dữ liệu hộ tịch được số hóa",
        "Trước ngày 30/11/2022",
        0,
    ),
)


@dataclass(frozen=True)
class DemoAgencyPlans:
    department: Plan | None
    district: Plan | None
    account: DemoAccount | None


def _units(department: Agency) -> list[Agency]:
    return [
        Agency.objects.get_or_create(
            name=name, parent=department, defaults={"kind": Agency.Kind.UNIT}
        )[0]
        for name in UNITS
    ]


def _unit_account(unit: Agency) -> DemoAccount:
    username, full_name = UNIT_ACCOUNT
    if not User.objects.filter(username=username).exists():
        user = User(
            username=username,
            full_name=full_name,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=Role.OFFICER,
            agency=unit,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
    return DemoAccount(username, full_name, Role.OFFICER, unit.name)


def _first_report(own: Plan, unit: Agency, username: str) -> None:
    """The phòng's officer has started its first report on the agency's plan (a draft:
    the phòng's head sends it, then Sở Tư pháp's head reviews it)."""
    from cchc.monitoring.models import Assignment
    from cchc.monitoring.services import report_get_or_create, report_save

    assignment = (
        Assignment.objects.filter(activity__plan=own, agency=unit, activity__source=None)
        .order_by("pk")
        .first()
    )
    period = own.periods.order_by("position").first()
    if assignment is None or period is None:
        return
    report = report_get_or_create(assignment=assignment, period=period)
    report_save(
        report=report,
        actor=User.objects.get(username=username),
        expected_version=report.version,
        status="in_progress",
        percent=40,
        narrative="Đã lập danh mục văn bản cần tự kiểm tra; đang kiểm tra 18 văn bản.",
    )


@transaction.atomic
def demo_agency_plans(plan: Plan) -> DemoAgencyPlans:
    department = Agency.objects.filter(name=DEPARTMENT, parent__isnull=False).first()
    head = User.objects.filter(agency=department, role=Role.HEAD, is_active=True).first()
    officer = User.objects.filter(agency=department, role=Role.OFFICER, is_active=True).first()
    coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk").first()
    if department is None or head is None or officer is None or coordinator is None:
        return DemoAgencyPlans(None, None, None)
    units = _units(department)
    account = _unit_account(units[0])
    if plan.agency_plans_due is None and plan.issued_on is not None:
        plan_set_agency_plans_due(
            plan=plan, due=plan.issued_on + timedelta(days=31), actor=coordinator, source="cli"
        )
    own = plan_derive(parent=plan, agency=department, actor=officer, source="cli").plan
    if own.status == Plan.Status.DRAFT:
        copied = list(own.activities.exclude(source=None).order_by("position"))
        for n, activity in enumerate(copied[:6]):
            activity_set_lead(
                activity=activity, lead_id=units[n % 2].pk, actor=officer, source="cli"
            )
        area = plan.areas.order_by("position").first()
        assert area is not None
        for title, outputs, deadline, unit in OWN_ACTIVITIES:
            plan_add_activity(
                plan=own,
                actor=officer,
                area_code=area.code,
                task_title="Nhiệm vụ riêng của Sở Tư pháp",
                task_id=own.tasks.filter(title="Nhiệm vụ riêng của Sở Tư pháp")
                .values_list("pk", flat=True)
                .first(),
                title=title,
                outputs=outputs,
                deadline=deadline,
                lead_id=units[unit].pk,
                cooperating_ids=[units[2].pk],
                source="cli",
            )
        issued_on = (plan.issued_on or calendar.today()) + timedelta(days=20)
        plan_issue(
            plan=own,
            number=NUMBER,
            issued_on=min(issued_on, calendar.today()),
            signer=SIGNER,
            actor=head,
            source="cli",
        )
        _first_report(own, units[0], account.username)
    districts = [a for a in planning_agencies(plan) if a.kind == Agency.Kind.DISTRICT]
    district = None
    if districts:
        district = plan_derive(
            parent=plan, agency=districts[0], actor=coordinator, source="cli"
        ).plan
    return DemoAgencyPlans(own, district, account)
