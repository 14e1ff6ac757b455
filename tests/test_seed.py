"""The built-in Quảng Trị 2022 plan: the transcription and `cchc load_demo`."""

import io
import json
import unicodedata

import pytest
from django.core.management import call_command

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.plans.models import Activity, Area, Indicator, Plan, Responsibility, Task
from cchc.plans.services import DATA_DIR

SEED = DATA_DIR / "quang-tri-2022.json"

# Tasks and activities per area, as transcribed from the appendix (see the file's notes).
EXPECTED = {
    "I": (10, 15),
    "II": (7, 16),
    "III": (11, 15),
    "IV": (8, 8),
    "V": (6, 6),
    "VI": (7, 7),
    "VII": (8, 8),
}


@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def test_the_seed_file_is_nfc(seed):
    text = SEED.read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", text)


def test_the_seed_file_has_the_transcribed_counts_per_area(seed):
    counts = {
        area["code"]: (len(area["tasks"]), sum(len(t["activities"]) for t in area["tasks"]))
        for area in seed["areas"]
    }
    assert counts == EXPECTED


def test_task_numbers_run_from_one_in_every_area(seed):
    for area in seed["areas"]:
        assert [t["number"] for t in area["tasks"]] == [
            str(n) for n in range(1, len(area["tasks"]) + 1)
        ]


def test_every_activity_has_a_title_a_lead_and_a_deadline_phrase(seed):
    for area in seed["areas"]:
        for task in area["tasks"]:
            for activity in task["activities"]:
                assert activity["title"].strip()
                assert activity["lead"], task["title"]
                assert activity["deadline"].strip(), task["title"]


def test_the_body_covers_seven_focus_areas_and_eleven_responsibilities(seed):
    assert [f["code"] for f in seed["document"]["focus_areas"]] == list(EXPECTED)
    assert len(seed["responsibilities"]) == 11
    assert seed["responsibilities"][1]["agencies"] == ["Sở Nội vụ"]


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("load_demo", "--without-reports", stdout=out)
    return out.getvalue()


def test_load_demo_loads_the_whole_plan(demo, seed):
    plan = Plan.objects.get()
    assert plan.year == 2022
    assert plan.issuer == "UBND tỉnh Quảng Trị"
    assert Area.objects.count() == 7
    assert Task.objects.count() == sum(t for t, _ in EXPECTED.values())
    assert Activity.objects.count() == sum(a for _, a in EXPECTED.values())
    assert Indicator.objects.filter(plan=plan).count() == len(seed["indicators"])
    assert Responsibility.objects.filter(plan=plan).count() == 11
    assert Area.objects.get(code="III").description.startswith("Tiếp tục thực hiện")


def test_load_demo_resolves_every_agency_name(demo):
    activity = Activity.objects.get(task__area__code="I", task__number="2")
    leads = {a.agency.name for a in activity.assignees.filter(role="lead")}
    assert leads == {"Sở Nội vụ", "Sở Thông tin và Truyền thông"}
    assert not Activity.objects.filter(assignees__isnull=True).exists()


def test_load_demo_computes_schedules_and_flags_undatable_phrases(demo):
    quarter = Activity.objects.filter(deadline="Quý I").first()
    assert quarter is not None and str(quarter.first_due) == "2022-03-31"
    flagged = Activity.objects.filter(needs_date=True)
    assert flagged.exists()
    assert {a.deadline for a in flagged} <= {
        "Theo quy định",
        "Theo quy định về nội dung, mốc thời gian báo cáo",
        "Theo Kế hoạch phê duyệt",
    }


def test_load_demo_is_idempotent(demo):
    counts = (
        Agency.objects.count(),
        Task.objects.count(),
        Activity.objects.count(),
        User.objects.count(),
    )
    call_command("load_demo", "--without-reports", stdout=io.StringIO())
    assert (
        Agency.objects.count(),
        Task.objects.count(),
        Activity.objects.count(),
        User.objects.count(),
    ) == counts


def test_load_demo_creates_one_account_per_role_and_prints_them(demo):
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert "thuongtruc" in demo
    assert "cchc-demo-2022" in demo


def test_the_json_export_matches_the_seed_task_by_task(demo, seed, tmp_path):
    target = tmp_path / "plan.json"
    call_command(
        "export_plan", "21/KH-UBND", "--format", "json", "-o", str(target), stderr=io.StringIO()
    )
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["plan"]["number"] == seed["plan"]["number"]
    for theirs, ours in zip(seed["areas"], exported["areas"], strict=True):
        assert theirs["title"] == ours["title"]
        for seed_task, task in zip(theirs["tasks"], ours["tasks"], strict=True):
            assert seed_task["title"] == task["title"]
            for seed_activity, activity in zip(
                seed_task["activities"], task["activities"], strict=True
            ):
                assert seed_activity["lead"] == activity["lead"]
                assert seed_activity["cooperating"] == activity["cooperating"]
                assert seed_activity["deadline"] == activity["deadline"]
