"""Unknown agency names are settled once: on the failed import's page, or from a file on
the command line, and every later import reads them without asking."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cchc.accounts.models import Role
from cchc.agencies.models import Agency, AgencyGroup, Alias
from cchc.agencies.services import Resolver
from cchc.audit.models import AuditRecord
from cchc.jobs.models import Job
from cchc.plans.formats import write_json
from cchc.plans.interchange import PlanDocument
from cchc.plans.models import Assignee, Plan
from cchc.plans.services import plan_import
from tests import factories

pytestmark = pytest.mark.django_db

JUSTICE = "Sở Tư pháp tỉnh Thử Nghiệm"  # the department "Sở Tư pháp", written longer
ETHNIC = "Ban Dân tộc tỉnh"  # a body the province's list does not have


def document_with_unknown_names(*, number: str = "7/KH-UBND") -> PlanDocument:
    """Two unknown names: one leads two activities, one cooperates on a third."""
    document = factories.synthetic_document(4, number=number)
    rows = [a for area in document.areas for task in area.tasks for a in task.activities]
    rows[0].lead = [JUSTICE]
    rows[1].lead = [JUSTICE]
    rows[2].cooperating = ["Văn phòng UBND tỉnh", ETHNIC]
    rows[3].lead = [JUSTICE]
    rows[3].cooperating = [JUSTICE]  # one row, both cells: counted once
    return document


def start_import(client: Any, data: bytes, name: str = "ke-hoach.json") -> Job:
    return factories.job_of(
        client.post(reverse("plan_import"), {"file": SimpleUploadedFile(name, data)})
    )


@pytest.fixture
def failed(login: Any) -> Job:
    """The coordinator's import that failed on the two names."""
    job = start_import(login("coordinator"), write_json(document_with_unknown_names()))
    assert job.status == Job.Status.FAILED
    return job


def settle_url(job: Job) -> str:
    return reverse("plan_import_settle", args=[job.pk])


def page_rows(client: Any, job: Job) -> dict[str, str]:
    """Written name -> the radio field the page gives it."""
    context = client.get(settle_url(job)).context
    return {row.unknown.name: row.field for row in context["rows"]}


# ---------------------------------------------------------------------------
# The failed import names them


def test_an_import_with_unknown_names_fails_and_says_which(failed: Job, login: Any) -> None:
    unknown = [e["unknown_name"] for e in failed.errors if e.get("unknown_name")]
    assert unknown == [JUSTICE, JUSTICE, ETHNIC, JUSTICE, JUSTICE]
    assert not Plan.objects.exists()
    page = login("coordinator").get(reverse("job_detail", args=[failed.pk]))
    assert "Xác định 2 tên cơ quan chưa biết" in page.content.decode()
    assert settle_url(failed) in page.content.decode()
    api = login("coordinator").get(f"/api/jobs/{failed.pk}").json()
    assert [e["unknown_name"] for e in api["errors"] if e["unknown_name"]] == unknown


def test_the_page_lists_each_name_once_with_the_closest_agencies_and_groups(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    response = login("coordinator").get(settle_url(failed))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(f"«{JUSTICE}»") == 1 and html.count(f"«{ETHNIC}»") == 1
    assert "dùng ở 3 dòng" in html and "dùng ở 1 dòng" in html
    rows = {row.unknown.name: row for row in response.context["rows"]}
    justice = [target for _value, target in rows[JUSTICE].candidates]
    assert justice[0] == agencies["a"]
    assert 1 < len(justice) <= 5
    # Groups are proposed as well as agencies, each once.
    everything = [t for row in rows.values() for _v, t in row.candidates]
    assert any(isinstance(t, AgencyGroup) for t in everything)
    assert len({(type(t), t.pk) for t in justice}) == len(justice)
    assert "Cơ quan mới" in html and "Bỏ qua" in html


def test_a_name_left_unsettled_is_refused_and_nothing_is_kept(failed: Job, login: Any) -> None:
    client = login("coordinator")
    fields = page_rows(client, failed)
    agencies_before = Agency.objects.count()
    response = client.post(settle_url(failed), {fields[JUSTICE]: "ignore"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Còn 1 tên chưa chọn; chưa có gì được lưu." in html
    assert "Hãy chọn một cơ quan, nhóm, «Cơ quan mới» hoặc «Bỏ qua» cho tên này." in html
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()
    assert Agency.objects.count() == agencies_before
    assert Job.objects.count() == 1
    # What was chosen stays chosen on the page that asks again.
    assert 'value="ignore" checked' in html


def test_settled_names_are_kept_and_the_file_imported_again(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    fields = page_rows(client, failed)
    response = client.post(
        settle_url(failed),
        {fields[JUSTICE]: f"agency:{agencies['a'].pk}", fields[ETHNIC]: "ignore"},
    )
    rerun = factories.job_of(response)
    assert rerun.pk != failed.pk
    assert rerun.status == Job.Status.DONE, rerun.errors
    assert rerun.input_name == failed.input_name and rerun.asked_by == failed.asked_by

    plan = Plan.objects.get()
    led = Assignee.objects.filter(activity__plan=plan, written_name=JUSTICE)
    assert led.count() == 4 and {a.agency for a in led} == {agencies["a"]}
    assert led.filter(role=Assignee.Role.LEAD).count() == 3
    # The ignored name is no one; the rest of its cell still counts.
    assert not Assignee.objects.filter(written_name=ETHNIC).exists()
    third = Assignee.objects.filter(activity__plan=plan, role=Assignee.Role.COOPERATING)
    # Every activity but the fourth (whose cooperating cell names only Sở Tư pháp) keeps
    # Văn phòng UBND tỉnh, the third too, beside its ignored name.
    assert third.filter(agency=agencies["office"]).count() == plan.activities.count() - 1 == 5

    assert Alias.objects.get(name=JUSTICE).agency == agencies["a"]
    assert Alias.objects.get(name=ETHNIC).ignored
    records = AuditRecord.objects.filter(action="alias.settle")
    assert records.count() == 2 and {r.actor for r in records} == {failed.asked_by}

    # The failed job now points to the import that followed, and asks nothing more.
    page = client.get(reverse("job_detail", args=[failed.pk])).content.decode()
    assert "Xác định 2 tên" not in page
    assert reverse("job_detail", args=[rerun.pk]) in page
    # Settling twice (the back button) only leads to that import.
    again = client.post(settle_url(failed), {fields[JUSTICE]: "ignore", fields[ETHNIC]: "ignore"})
    assert factories.job_of(again) == rerun
    assert Alias.objects.get(name=JUSTICE).agency == agencies["a"]


def test_a_later_import_using_the_names_asks_nothing(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    fields = page_rows(client, failed)
    client.post(
        settle_url(failed),
        {fields[JUSTICE]: f"agency:{agencies['a'].pk}", fields[ETHNIC]: "ignore"},
    )
    later = start_import(client, write_json(document_with_unknown_names(number="8/KH-UBND")))
    assert later.status == Job.Status.DONE, later.errors
    assert Plan.objects.count() == 2


def test_a_new_agency_is_made_with_the_written_name_and_the_kind_chosen(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    fields = page_rows(client, failed)
    index = fields[ETHNIC].removeprefix("name-")
    response = client.post(
        settle_url(failed),
        {
            fields[JUSTICE]: f"agency:{agencies['a'].pk}",
            fields[ETHNIC]: "new",
            f"kind-{index}": Agency.Kind.DEPARTMENT,
        },
    )
    assert factories.job_of(response).status == Job.Status.DONE
    ethnic = Agency.objects.get(name=ETHNIC)
    assert ethnic.kind == Agency.Kind.DEPARTMENT and ethnic.parent == agencies["province"]
    assert Assignee.objects.get(written_name=ETHNIC).agency == ethnic
    assert AuditRecord.objects.filter(action="agency.create", object_id=str(ethnic.pk)).exists()


def test_an_activity_led_only_by_ignored_names_still_lacks_a_lead(agencies: Any) -> None:
    Alias.objects.create(name=ETHNIC, ignored=True)
    document = factories.synthetic_document(2)
    document.areas[0].tasks[0].activities[0].lead = [ETHNIC]
    with pytest.raises(Exception) as failure:
        plan_import(document=document)
    assert "Thiếu cơ quan chủ trì." in str(failure.value)
    assert not Plan.objects.exists()


def test_an_ignored_part_of_a_cell_leaves_the_rest(agencies: dict[str, Agency]) -> None:
    Alias.objects.create(name=ETHNIC, ignored=True)
    found = Resolver().resolve(f"Sở Xây dựng, {ETHNIC}")
    assert found is not None
    targets = [r.target for r in found]
    assert agencies["b"] in targets
    assert ETHNIC not in Resolver().suggest("Ban Dân tộc")


def test_an_alias_is_one_target_or_ignored_never_both(agencies: dict[str, Agency]) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(name="X", agency=agencies["a"], ignored=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(name="Y")


# ---------------------------------------------------------------------------
# Who may settle


def test_an_officer_may_not_open_the_page(failed: Job, login: Any) -> None:
    assert login("officer_a").get(settle_url(failed)).status_code == 403
    assert login("officer_a").post(settle_url(failed), {}).status_code == 403


def test_another_coordinators_job_is_not_found(
    failed: Job, client: Any, agencies: dict[str, Agency]
) -> None:
    other = factories.make_user("coordinator2", Role.COORDINATOR, agencies["home"])
    client.force_login(other)
    # The job's page is theirs to read, but the names are settled by whoever imported.
    page = client.get(reverse("job_detail", args=[failed.pk]))
    assert page.status_code == 200 and "Xác định 2 tên" not in page.content.decode()
    assert client.get(settle_url(failed)).status_code == 404
    assert client.post(
        settle_url(failed), {"name-0": "ignore", "name-1": "ignore"}
    ).status_code == (404)
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()


def test_a_job_that_did_not_fail_has_no_names_to_settle(login: Any) -> None:
    client = login("coordinator")
    done = start_import(client, write_json(factories.synthetic_document(2, number="3/KH")))
    assert done.status == Job.Status.DONE
    assert client.get(settle_url(done)).status_code == 404


# ---------------------------------------------------------------------------
# Hostile input


def test_a_nul_in_a_choice_is_refused_at_the_edge(failed: Job, login: Any) -> None:
    response = login("coordinator").post(settle_url(failed), {"name-0": "ignore\x00"})
    assert response.status_code == 400
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()


@pytest.mark.parametrize(
    "value", ["agency:99999999999999999999999999", "agency:-1", "group:abc", "agency:٣", "x"]
)
def test_a_forged_choice_is_asked_again(failed: Job, login: Any, value: str) -> None:
    client = login("coordinator")
    fields = page_rows(client, failed)
    response = client.post(settle_url(failed), {fields[JUSTICE]: value, fields[ETHNIC]: "ignore"})
    assert response.status_code == 400
    assert "Lựa chọn này không còn; hãy chọn lại." in response.content.decode()
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()


def test_an_overly_long_name_is_explained_and_the_others_still_settled(login: Any) -> None:
    long_name = "Ban " + "rất dài " * 60
    document = document_with_unknown_names()
    document.areas[0].tasks[0].activities[0].cooperating = [long_name]
    client = login("coordinator")
    job = start_import(client, write_json(document))
    response = client.get(settle_url(job))
    html = response.content.decode()
    assert "Tên dài hơn 255 ký tự nên không thể ghi nhớ" in html
    rows = {row.unknown.name: row for row in response.context["rows"]}
    long_row = rows[long_name.strip()] if long_name.strip() in rows else rows[long_name]
    assert long_row.problem and f'name="{long_row.field}"' not in html
    fields = {name: row.field for name, row in rows.items() if not row.problem}
    rerun = factories.job_of(
        client.post(settle_url(job), {fields[JUSTICE]: "ignore", fields[ETHNIC]: "ignore"})
    )
    # Still failing, on that one name alone: the file must be fixed.
    assert rerun.status == Job.Status.FAILED
    assert {e.get("unknown_name") for e in rerun.errors if e.get("unknown_name")} == {
        long_row.unknown.name
    }


# ---------------------------------------------------------------------------
# The command line


def write_files(tmp_path: Path, aliases: str) -> tuple[Path, Path]:
    plan_file = tmp_path / "ke-hoach.json"
    plan_file.write_bytes(write_json(document_with_unknown_names()))
    aliases_file = tmp_path / "ten.csv"
    aliases_file.write_text(aliases, encoding="utf-8")
    return plan_file, aliases_file


@pytest.mark.parametrize(
    "header", ["tên_trong_văn_bản,chọn", "written,target", "\ufeffTên_trong_văn_bản,Chọn"]
)
def test_the_cli_settles_names_from_a_file(
    tmp_path: Path, agencies: dict[str, Agency], header: str
) -> None:
    plan_file, aliases_file = write_files(
        tmp_path, f"{header}\n{JUSTICE},Sở Tư pháp\n{ETHNIC},bỏ qua\n"
    )
    out = io.StringIO()
    call_command("import_plan", str(plan_file), "--aliases", str(aliases_file), stdout=out)
    assert "Đã nhập kế hoạch" in out.getvalue()
    assert Alias.objects.get(name=JUSTICE).agency == agencies["a"]
    assert Alias.objects.get(name=ETHNIC).ignored
    assert Assignee.objects.filter(written_name=JUSTICE, agency=agencies["a"]).count() == 4


def test_the_cli_makes_a_new_agency_and_maps_to_a_group(
    tmp_path: Path, agencies: dict[str, Agency]
) -> None:
    plan_file, aliases_file = write_files(
        tmp_path, f'written,target\n{JUSTICE},"Các sở, ban, ngành"\n{ETHNIC},+mới\n'
    )
    call_command(
        "import_plan", str(plan_file), "--aliases", str(aliases_file), stdout=io.StringIO()
    )
    assert Alias.objects.get(name=JUSTICE).group.code == "so-ban-nganh"
    assert Agency.objects.get(name=ETHNIC).kind == Agency.Kind.DEPARTMENT


def test_the_cli_keeps_no_alias_when_the_import_still_fails(
    tmp_path: Path, agencies: dict[str, Agency]
) -> None:
    plan_file, aliases_file = write_files(tmp_path, f"written,target\n{JUSTICE},Sở Tư pháp\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Dữ liệu không thay đổi"):
        call_command(
            "import_plan",
            str(plan_file),
            "--aliases",
            str(aliases_file),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert ETHNIC in err.getvalue()
    assert not Alias.objects.filter(name=JUSTICE).exists()
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            f"written,target\n{JUSTICE},Sở Không Có\n",
            "không tìm thấy cơ quan hay nhóm «Sở Không Có»",
        ),
        ("tên,đích\na,b\n", "Dòng đầu của tệp cách viết"),
        (f"written,target\n{JUSTICE},\n", "cần cả tên trong văn bản và lựa chọn"),
        (f"written,target\n{JUSTICE},new,không-có-loại\n", "không có loại cơ quan"),
        (f"written,target\n{JUSTICE},-\n{JUSTICE},-\n", "đã có ở một dòng trên"),
    ],
)
def test_a_wrong_aliases_file_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, agencies: dict[str, Agency], content: str, message: str
) -> None:
    plan_file, aliases_file = write_files(tmp_path, content)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Tệp cách viết có"):
        call_command(
            "import_plan",
            str(plan_file),
            "--aliases",
            str(aliases_file),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert message in err.getvalue()
    assert not Alias.objects.filter(name=JUSTICE).exists()
    assert not Plan.objects.exists()


def test_an_aliases_file_that_is_not_utf8_is_refused(tmp_path: Path, agencies: Any) -> None:
    plan_file, aliases_file = write_files(tmp_path, "")
    aliases_file.write_bytes(b"written,target\nBan D\xe2n,-\n")  # Latin-1, not UTF-8
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_plan",
            str(plan_file),
            "--aliases",
            str(aliases_file),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "UTF-8" in err.getvalue()


def test_a_name_settled_meanwhile_is_not_asked_again(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    Alias.objects.create(name=ETHNIC, ignored=True)  # a colleague, through another import
    client = login("coordinator")
    fields = page_rows(client, failed)
    assert list(fields) == [JUSTICE]
    rerun = factories.job_of(
        client.post(settle_url(failed), {fields[JUSTICE]: f"agency:{agencies['a'].pk}"})
    )
    assert rerun.status == Job.Status.DONE, rerun.errors


def test_when_the_uploaded_file_is_gone_nothing_is_kept(failed: Job, login: Any) -> None:
    from cchc.jobs.services import job_input_path

    job_input_path(failed).unlink()
    client = login("coordinator")
    page = client.get(settle_url(failed)).content.decode()
    assert "Tệp đã tải lên không còn được giữ trên máy chủ" in page
    response = client.post(settle_url(failed), {"name-0": "ignore", "name-1": "ignore"})
    assert response.status_code == 409
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()
    assert Job.objects.count() == 1


def test_only_the_unknown_part_of_a_list_cell_is_asked_about(
    login: Any, agencies: dict[str, Agency]
) -> None:
    """A cell that lists known agencies beside an unknown one: the page asks about the
    unknown name alone, and once it is settled the cell reads whole."""
    document = factories.synthetic_document(2, number="8/KH-UBND")
    row = next(a for area in document.areas for task in area.tasks for a in task.activities)
    row.lead = [f"Sở Xây dựng; {ETHNIC}"]
    client = login("coordinator")
    job = start_import(client, write_json(document))
    assert job.status == Job.Status.FAILED
    assert [e["unknown_name"] for e in job.errors if e.get("unknown_name")] == [ETHNIC]
    assert list(page_rows(client, job)) == [ETHNIC]

    Alias.objects.create(name=ETHNIC, ignored=True)
    again = start_import(client, write_json(document))
    assert again.status == Job.Status.DONE, again.errors
    plan = Plan.objects.get(number="8/KH-UBND")
    leads = Assignee.objects.filter(activity__plan=plan, activity__title=row.title, role="lead")
    assert [a.agency.name for a in leads if a.agency] == ["Sở Xây dựng"]


# ---------------------------------------------------------------------------
# The same through the API


def names_url(job: Job) -> str:
    return f"/api/jobs/{job.pk}/names"


def test_the_api_lists_the_unknown_names_with_their_closest_agencies(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    response = login("coordinator").get(names_url(failed))
    assert response.status_code == 200
    body = response.json()
    names = {item["name"]: item for item in body["names"]}
    assert set(names) == {JUSTICE, ETHNIC}
    assert names[JUSTICE]["uses"] == 3
    assert names[JUSTICE]["candidates"][0] == {
        "value": f"agency:{agencies['a'].pk}",
        "name": agencies["a"].name,
        "kind": "agency",
    }
    assert body["input_available"] is True
    assert body["kinds"]["department"] == "Sở, ban, ngành và tương đương"


def test_the_api_refuses_an_incomplete_choice_and_keeps_nothing(failed: Job, login: Any) -> None:
    client = login("coordinator")
    response = client.post(
        names_url(failed),
        {"choices": [{"name": JUSTICE, "choice": "ignore"}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Chưa chọn được cho mọi tên; không ghi gì."
    assert body["names"] == [
        {
            "name": ETHNIC,
            "message": "Hãy chọn một cơ quan, nhóm, «Cơ quan mới» hoặc «Bỏ qua» cho tên này.",
        }
    ]
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()
    assert Job.objects.count() == 1
    # A new agency needs a kind; a forged target is asked again.
    response = client.post(
        names_url(failed),
        {
            "choices": [
                {"name": JUSTICE, "choice": "new", "kind": "planet"},
                {"name": ETHNIC, "choice": "agency:999999"},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    messages = {item["name"]: item["message"] for item in response.json()["names"]}
    assert messages == {
        JUSTICE: "Hãy chọn loại của cơ quan mới.",
        ETHNIC: "Lựa chọn này không còn; hãy chọn lại.",
    }
    assert Job.objects.count() == 1 and not Alias.objects.filter(name=JUSTICE).exists()


def test_the_api_settles_the_names_and_imports_again(
    failed: Job, login: Any, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    choices = {
        "choices": [
            # Spelt otherwise than in the file: one name all the same.
            {"name": JUSTICE.upper(), "choice": f"agency:{agencies['a'].pk}"},
            {"name": ETHNIC, "choice": "new", "kind": "department"},
        ]
    }
    response = client.post(names_url(failed), choices, content_type="application/json")
    assert response.status_code == 202, response.content
    rerun = Job.objects.get(pk=response.json()["id"])
    assert response["Location"] == f"/api/jobs/{rerun.pk}"
    assert rerun.status == Job.Status.DONE, rerun.errors
    assert Alias.objects.get(name=JUSTICE).agency == agencies["a"]
    assert Agency.objects.get(name=ETHNIC).kind == "department"
    assert AuditRecord.objects.filter(action="alias.settle", source="api").count() >= 1
    # Again: the import that followed, nothing written twice.
    again = client.post(names_url(failed), choices, content_type="application/json")
    assert again.status_code == 202 and again.json()["id"] == str(rerun.pk)
    assert Agency.objects.filter(name=ETHNIC).count() == 1
    assert client.get(names_url(failed)).json()["names"] == []


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "leader"])
def test_the_api_names_are_for_whoever_may_settle(failed: Job, login: Any, persona: str) -> None:
    client = login(persona)
    assert client.get(names_url(failed)).status_code == 403
    response = client.post(
        names_url(failed),
        {"choices": [{"name": JUSTICE, "choice": "ignore"}]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Alias.objects.filter(name=JUSTICE).exists()


def test_another_users_job_is_not_found_through_the_api(failed: Job, login: Any) -> None:
    response = login("admin").get(names_url(failed))
    assert response.status_code == 404
    assert response.json()["detail"] == "Không có lần nhập kế hoạch bị lỗi nào của bạn với mã này."


def test_the_api_refuses_a_nul_in_a_name(failed: Job, login: Any) -> None:
    response = login("coordinator").post(
        names_url(failed),
        {"choices": [{"name": "Sở\x00Tư pháp", "choice": "ignore"}]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert not Alias.objects.exists()
    assert Job.objects.count() == 1
