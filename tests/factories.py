"""Builders of test data: agencies, personas and synthetic plans of any size."""

from __future__ import annotations

from datetime import date
from typing import Any

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.jobs.models import Job
from cchc.plans.interchange import ActivityRow, AreaRow, PlanDocument, PlanHeader, TaskRow
from cchc.plans.models import Plan
from cchc.plans.services import plan_import

PASSWORD = "correct horse battery staple"
DEADLINES = [
    "Quý I",
    "Quý II, Quý III/2022",
    "Tháng 5 và tháng 11",
    "Thường xuyên",
    "Trước ngày 15/01/2022",
    "Theo quy định",
    "Năm 2022",
    "Hàng quý",
]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]


def make_structure() -> dict[str, Agency]:
    """A province with four departments, two districts and a collective group of each."""
    province = Agency.objects.create(name="UBND tỉnh Thử Nghiệm", kind=Agency.Kind.PROVINCE)
    agencies = {"province": province}
    for key, name in [
        ("a", "Sở Tư pháp"),
        ("b", "Sở Xây dựng"),
        ("home", "Sở Nội vụ"),
        ("office", "Văn phòng UBND tỉnh"),
    ]:
        agencies[key] = Agency.objects.create(
            name=name, kind=Agency.Kind.DEPARTMENT, parent=province
        )
    departments = AgencyGroup.objects.create(code="so-ban-nganh", name="Các sở, ban, ngành")
    for key in ("a", "b", "home", "office"):
        GroupMembership.objects.create(group=departments, agency=agencies[key])
    districts = AgencyGroup.objects.create(code="ubnd-cap-huyen", name="UBND cấp huyện")
    for key, name in [("d1", "UBND huyện Đakrông"), ("d2", "UBND huyện Cam Lộ")]:
        agencies[key] = Agency.objects.create(name=name, kind=Agency.Kind.DISTRICT, parent=province)
        GroupMembership.objects.create(group=districts, agency=agencies[key])
    return agencies


def make_user(username: str, role: Role, agency: Agency | None = None) -> User:
    user = User(username=username, role=role, agency=agency, full_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_personas(agencies: dict[str, Agency]) -> dict[str, User]:
    """The named people every permission test speaks of."""
    return {
        "officer_a": make_user("officer_a", Role.OFFICER, agencies["a"]),
        "head_a": make_user("head_a", Role.HEAD, agencies["a"]),
        "officer_b": make_user("officer_b", Role.OFFICER, agencies["b"]),
        "coordinator": make_user("coordinator", Role.COORDINATOR, agencies["home"]),
        "leader": make_user("leader", Role.LEADER),
        "appraiser": make_user("appraiser", Role.APPRAISER),
        "admin": make_user("admin", Role.ADMIN),
    }


def synthetic_document(tasks: int, *, year: int = 2022, number: str = "99/KH-UBND") -> PlanDocument:
    """A plan of `tasks` tasks over seven areas; every third task has two activities."""
    leads = ["Sở Tư pháp", "Sở Xây dựng", "Sở Nội vụ", "Các sở, ban, ngành", "UBND cấp huyện"]
    areas = [AreaRow(code=code, title=f"Lĩnh vực {code} cải cách") for code in ROMAN]
    for index in range(tasks):
        area = areas[index % len(areas)]
        activities = [
            ActivityRow(
                title=f"Hoạt động {index + 1}.{n + 1} rà soát thủ tục",
                outputs="Báo cáo",
                lead=[leads[(index + n) % len(leads)]],
                cooperating=["Văn phòng UBND tỉnh"],
                deadline=DEADLINES[(index + n) % len(DEADLINES)],
            )
            for n in range(2 if index % 3 == 0 else 1)
        ]
        area.tasks.append(
            TaskRow(
                number=str(len(area.tasks) + 1),
                title=f"Nhiệm vụ cải cách số {index + 1}",
                activities=activities,
            )
        )
    header = PlanHeader(
        issuer="UBND tỉnh Thử Nghiệm",
        number=number,
        year=year,
        issued_on=date(year - 1, 12, 20),
        title=f"Kế hoạch cải cách hành chính năm {year}",
    )
    return PlanDocument(header=header, areas=areas)


def make_plan(tasks: int = 14, **kwargs: object) -> Plan:
    return plan_import(document=synthetic_document(tasks, **kwargs))  # type: ignore[arg-type]


def attach_evidence_row(
    report: Any,
    *,
    filename: str,
    sha256: str = "0" * 64,
    size: int = 10,
    content_type: str = "application/pdf",
    uploaded_by: User | None = None,
) -> Any:
    """An evidence file linked to a report without storing bytes: a listing's row."""
    from cchc.documents.models import Document, DocumentFile, DocumentLink
    from cchc.files.models import StoredFile

    stored, _created = StoredFile.objects.get_or_create(
        sha256=sha256, defaults={"size": size, "content_type": content_type}
    )
    document = Document.objects.create(
        agency_id=report.assignment.agency_id, created_by=uploaded_by
    )
    DocumentFile.objects.create(
        document=document, stored=stored, filename=filename, uploaded_by=uploaded_by
    )
    return DocumentLink.objects.create(
        document=document, target=report, role=DocumentLink.Role.EVIDENCE, added_by=uploaded_by
    )


def job_of(response: Any) -> Job:
    """The job a page answered with (a redirect to its page), as it stands now."""
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith("/jobs/"), location
    return Job.objects.get(pk=location.split("/")[2])


# ---------------------------------------------------------------------------
# A second province in the same installation: provinces are tenants (docs/tenants.md).
# Its names share no words with the first province's, so that a page of one province
# showing the other's data is caught by a plain substring test.

PROVINCE_B = "UBND tỉnh Bắc Sơn"


def make_second_province() -> dict[str, Agency]:
    """Province B: its root, three departments and a collective group of them."""
    root = Agency.objects.create(name=PROVINCE_B, kind=Agency.Kind.PROVINCE)
    agencies = {"province": root}
    for key, name in [
        ("health", "Sở Y tế Bắc Sơn"),
        ("finance", "Sở Tài chính Bắc Sơn"),
        ("education", "Sở Giáo dục Bắc Sơn"),
    ]:
        agencies[key] = Agency.objects.create(name=name, kind=Agency.Kind.DEPARTMENT, parent=root)
    group = AgencyGroup.objects.create(
        code="bac-son-cac-so", name="Các sở tỉnh Bắc Sơn", province=root
    )
    for key in ("health", "finance", "education"):
        GroupMembership.objects.create(group=group, agency=agencies[key])
    return agencies


def make_second_personas(agencies: dict[str, Agency]) -> dict[str, User]:
    """Province B's coordinator, leader (no agency: the province says where they are),
    officer and head."""
    leader = User(username="leader_bs", role=Role.LEADER, full_name="leader_bs")
    leader.province = agencies["province"]
    leader.set_password(PASSWORD)
    leader.save()
    return {
        "coordinator_bs": make_user("coordinator_bs", Role.COORDINATOR, agencies["finance"]),
        "leader_bs": leader,
        "officer_bs": make_user("officer_bs", Role.OFFICER, agencies["health"]),
        "head_bs": make_user("head_bs", Role.HEAD, agencies["health"]),
    }


def second_province_document(year: int = 2021) -> PlanDocument:
    """Province B's plan: its own departments lead, its own issuer and number."""
    leads = ["Sở Y tế Bắc Sơn", "Sở Tài chính Bắc Sơn", "Các sở tỉnh Bắc Sơn"]
    areas = [AreaRow(code=code, title=f"Mảng {code} của Bắc Sơn") for code in ROMAN[:3]]
    for index in range(6):
        area = areas[index % len(areas)]
        area.tasks.append(
            TaskRow(
                number=str(len(area.tasks) + 1),
                title=f"Việc Bắc Sơn số {index + 1}",
                activities=[
                    ActivityRow(
                        title=f"Công việc Bắc Sơn {index + 1}",
                        outputs="Văn bản",
                        lead=[leads[index % len(leads)]],
                        cooperating=[],
                        deadline=DEADLINES[index % len(DEADLINES)].replace("2022", str(year)),
                    )
                ],
            )
        )
    header = PlanHeader(
        issuer=PROVINCE_B,
        number="7/KH-BS",
        year=year,
        issued_on=date(year - 1, 12, 25),
        title=f"Kế hoạch CCHC Bắc Sơn {year}",
    )
    return PlanDocument(header=header, areas=areas)


def make_second_plan(province: Agency, year: int = 2021) -> Plan:
    return plan_import(document=second_province_document(year), province=province)
