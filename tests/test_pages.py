"""The server-rendered pages: who may open them, what they show, what they change."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.jobs.models import Job
from cchc.plans.formats import write_json
from cchc.plans.models import Activity, Assignee, DueDate, Plan, Task
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = ["officer_a", "head_a", "officer_b", "coordinator", "leader", "appraiser", "admin"]
STAFF = {"coordinator", "admin"}
LEADS = ["Sở Tư pháp", "Sở Xây dựng", "Sở Nội vụ", "Các sở, ban, ngành", "UBND cấp huyện"]


def shown_task_ids(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="task-(\d+)"', response.content.decode())}


def shown_activity_ids(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="activity-(\d+)"', response.content.decode())}


def opened(client: Client, plan: Plan) -> str:
    """The plan page as its user sees it with every area opened: the folded page, then
    each area's tasks as htmx fetches them on opening it."""
    content = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    for area_id in re.findall(rf'hx-get="/plans/{plan.pk}/areas/(\d+)/"', content):
        area = client.get(
            reverse("plan_area", args=[plan.pk, int(area_id)]), HTTP_HX_REQUEST="true"
        )
        assert area.status_code == 200
        content += area.content.decode()
    return content


def synthetic_rows(tasks: int) -> list[tuple[int, int, str, str]]:
    """(task index, activity index, lead, deadline) as tests.factories builds them."""
    return [
        (i, n, LEADS[(i + n) % len(LEADS)], factories.DEADLINES[(i + n) % len(factories.DEADLINES)])
        for i in range(tasks)
        for n in range(2 if i % 3 == 0 else 1)
    ]


def task_ids(plan: Plan, indexes: set[int]) -> set[int]:
    titles = {f"Nhiệm vụ cải cách số {i + 1}" for i in indexes}
    return set(plan.tasks.filter(title__in=titles).values_list("pk", flat=True))


def page_urls(plan: Plan, agencies: dict[str, Agency]) -> list[str]:
    return [
        reverse("home"),
        reverse("plan_list"),
        reverse("plan_detail", args=[plan.pk]),
        reverse("needs_date", args=[plan.pk]),
        reverse("needs_date_latest"),
        reverse("agency_list"),
        reverse("agency_detail", args=[agencies["a"].pk]),
        reverse("search") + "?q=cai+cach",
        reverse("plan_export", args=[plan.pk, "json"]),
    ]


# ---------------------------------------------------------------------------
# Logging in and out


def test_it_redirects_anonymous_users_to_login(
    client: Client, plan: Plan, agencies: dict[str, Agency]
) -> None:
    for url in [*page_urls(plan, agencies), reverse("plan_import")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_it_redirects_an_anonymous_date_fix_to_login(client: Client, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    response = client.post(reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "Quý II"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    activity.refresh_from_db()
    assert activity.needs_date


def test_it_shows_the_login_form_in_vietnamese(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert "Đăng nhập" in response.content.decode()
    assert "Mật khẩu" in response.content.decode()


def test_it_logs_in_through_the_form_and_lands_on_the_officers_work(
    client: Client, personas: dict[str, User], plan: Plan
) -> None:
    response = client.post(
        reverse("login"), {"username": "officer_a", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("report_worklist")
    assert response.context["user"].username == "officer_a"
    assert response.context["plan"] == plan


def test_it_rejects_a_wrong_password(client: Client, personas: dict[str, User]) -> None:
    response = client.post(reverse("login"), {"username": "officer_a", "password": "nope"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_logs_out_with_post_only(login, plan: Plan) -> None:
    client = login("officer_a")
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("plan_list")).status_code == 302


def test_home_goes_to_the_plan_list_when_there_is_no_plan(login) -> None:
    response = login("officer_a").get(reverse("home"))
    assert response["Location"] == reverse("plan_list")


def test_home_goes_to_the_most_recent_plan(login, plan: Plan) -> None:
    newer = factories.make_plan(3, year=2023, number="1/KH-2023")
    # The admin sets plans up and lands on the plan itself.
    response = login("admin").get(reverse("home"))
    assert response["Location"] == reverse("plan_detail", args=[newer.pk])
    # The officer lands on the work, of the newest plan too.
    response = login("officer_a").get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("report_worklist")
    assert response.context["plan"] == newer


# ---------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_can_read_the_pages(
    login, persona: str, plan: Plan, agencies: dict[str, Agency]
) -> None:
    client = login(persona)
    for url in page_urls(plan, agencies):
        response = client.get(url, follow=True)
        assert response.status_code == 200, (persona, url)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_staff_can_open_the_import_page(login, persona: str) -> None:
    response = login(persona).get(reverse("plan_import"))
    assert response.status_code == (200 if persona in STAFF else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_staff_see_the_import_link(login, persona: str, plan: Plan) -> None:
    content = login(persona).get(reverse("plan_list")).content.decode()
    assert (reverse("plan_import") in content) == (persona in STAFF)
    assert (reverse("admin:index") in content) == (persona == "admin")


def test_the_header_names_the_user_and_role(login, plan: Plan) -> None:
    content = login("officer_a").get(reverse("plan_list")).content.decode()
    assert "officer_a" in content
    assert "Cán bộ đầu mối CCHC" in content
    assert "Đăng xuất" in content


def test_an_officer_cannot_post_an_import(login) -> None:
    upload = SimpleUploadedFile("plan.json", write_json(factories.synthetic_document(2)))
    response = login("officer_a").post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 403
    assert not Plan.objects.exists()


def test_it_answers_404_for_unknown_ids(login, plan: Plan) -> None:
    client = login("coordinator")
    assert client.get(reverse("plan_detail", args=[999999])).status_code == 404
    assert client.get(reverse("agency_detail", args=[999999])).status_code == 404
    assert client.get(reverse("needs_date", args=[999999])).status_code == 404
    assert client.get(reverse("plan_export", args=[999999, "json"])).status_code == 404
    assert client.get(reverse("plan_export", args=[plan.pk, "pdf"])).status_code == 404
    assert (
        client.post(reverse("fix_date", args=[plan.pk, 999999]), {"text": "Quý I"}).status_code
        == 404
    )


# ---------------------------------------------------------------------------
# The plan list and the plan page


def test_the_plan_list_shows_counts(login, plan: Plan) -> None:
    response = login("leader").get(reverse("plan_list"))
    listed = response.context["plans"][0]
    assert listed.task_count == 14
    assert listed.activity_count == plan.activities.count()
    assert listed.needs_date_count == plan.activities.filter(needs_date=True).count()
    assert "99/KH-UBND" in response.content.decode()


def test_the_plan_page_shows_header_areas_tasks_and_activities(login, plan: Plan) -> None:
    content = opened(login("officer_a"), plan)
    assert "99/KH-UBND" in content
    assert "20/12/2021" in content
    assert "UBND tỉnh Thử Nghiệm" in content
    assert "Lĩnh vực VII cải cách" in content
    shown = {int(pk) for pk in re.findall(r'id="task-(\d+)"', content)}
    assert shown == set(plan.tasks.values_list("pk", flat=True))
    assert "Hiển thị 14/14 nhiệm vụ" in content
    # The deadline phrase word for word, the dates computed from it, the flags.
    assert "Quý II, Quý III/2022" in content
    assert "30/06/2022" in content and "30/09/2022" in content
    assert "Theo quy định" in content and "Cần xác định ngày" in content
    assert "Thường xuyên" in content
    for fmt in ("xlsx", "json", "docx"):
        assert reverse("plan_export", args=[plan.pk, fmt]) in content
    assert "Tải phụ lục XLSX" in content


def test_the_plan_page_links_agencies_and_badges_groups(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    content = opened(login("officer_a"), plan)
    assert f'href="{reverse("agency_detail", args=[agencies["a"].pk])}"' in content
    assert "Nhóm «UBND cấp huyện»: 2 cơ quan thành viên" in content
    assert "Nhóm «Các sở, ban, ngành»: 4 cơ quan thành viên" in content


def test_the_plan_page_shows_what_the_cell_adds_to_a_name(login, plan: Plan) -> None:
    from cchc.plans.models import Assignee

    assignee = Assignee.objects.filter(activity__plan=plan, group__isnull=False).first()
    assert assignee is not None
    assignee.note = "có đơn vị sự nghiệp công lập"
    assignee.save()
    content = login("officer_a").get(reverse("plan_detail", args=[plan.pk]), {"open": "all"})
    assert "(có đơn vị sự nghiệp công lập)" in content.content.decode()


def test_it_filters_by_area(login, plan: Plan) -> None:
    area = plan.areas.get(code="II")
    response = login("officer_a").get(reverse("plan_detail", args=[plan.pk]), {"area": area.pk})
    expected = task_ids(plan, {i for i in range(14) if i % 7 == 1})
    assert shown_task_ids(response) == expected
    assert f"Hiển thị {len(expected)}/14 nhiệm vụ" in response.content.decode()


def test_it_filters_by_a_lead_agency_directly_and_through_its_group(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"agency": agencies["b"].pk, "role": "lead"}
    )
    # Sở Xây dựng is named directly, and is one of "Các sở, ban, ngành".
    expected = {
        i for i, _n, lead, _d in synthetic_rows(14) if lead in {"Sở Xây dựng", "Các sở, ban, ngành"}
    }
    assert shown_task_ids(response) == task_ids(plan, expected)


def test_it_filters_by_an_agency_through_its_group(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"agency": agencies["d1"].pk, "role": "lead"}
    )
    expected = {i for i, _n, lead, _d in synthetic_rows(14) if lead == "UBND cấp huyện"}
    assert expected
    assert shown_task_ids(response) == task_ids(plan, expected)
    # Only the matching activities of those tasks are listed.
    shown = Activity.objects.filter(pk__in=shown_activity_ids(response))
    assert all(
        a.assignees.filter(role="lead", group__code="ubnd-cap-huyen").exists() for a in shown
    )


def test_it_filters_a_department_both_directly_and_through_its_group(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"agency": agencies["a"].pk}
    )
    expected = {
        i for i, _n, lead, _d in synthetic_rows(14) if lead in {"Sở Tư pháp", "Các sở, ban, ngành"}
    }
    assert shown_task_ids(response) == task_ids(plan, expected)


def test_it_filters_by_cooperating_role(login, plan: Plan, agencies: dict[str, Agency]) -> None:
    client = login("officer_a")
    url = reverse("plan_detail", args=[plan.pk])
    office = agencies["office"].pk
    assert len(shown_task_ids(client.get(url, {"agency": office, "role": "cooperating"}))) == 14
    # The office leads nothing by name, only as one of "Các sở, ban, ngành".
    expected = {i for i, _n, lead, _d in synthetic_rows(14) if lead == "Các sở, ban, ngành"}
    lead = shown_task_ids(client.get(url, {"agency": office, "role": "lead"}))
    assert lead == task_ids(plan, expected)


def test_it_filters_by_due_month(login, plan: Plan) -> None:
    response = login("officer_a").get(reverse("plan_detail", args=[plan.pk]), {"month": 5})
    expected = {
        i for i, _n, _l, deadline in synthetic_rows(14) if deadline == "Tháng 5 và tháng 11"
    }
    assert expected
    assert shown_task_ids(response) == task_ids(plan, expected)


def test_it_filters_by_text_ignoring_diacritics(login, plan: Plan) -> None:
    task = plan.tasks.order_by("pk")[3]
    task.title = "Đẩy mạnh chuyển đổi số trong cơ quan"
    task.save()
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"q": "day manh chuyen doi"}
    )
    assert shown_task_ids(response) == {task.pk}
    assert "Hiển thị 1/14 nhiệm vụ" in response.content.decode()


def test_text_filter_finds_activities_by_their_own_words(login, plan: Plan) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"q": "hoat dong 4.2 ra soat"}
    )
    assert shown_task_ids(response) == task_ids(plan, {3})
    assert len(shown_activity_ids(response)) == 1


def test_filters_combine(login, plan: Plan, agencies: dict[str, Agency]) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]),
        {"agency": agencies["office"].pk, "role": "cooperating", "month": 6},
    )
    expected = {
        i
        for i, _n, _l, deadline in synthetic_rows(14)
        if deadline in {"Quý II, Quý III/2022", "Hàng quý"}
    }
    assert shown_task_ids(response) == task_ids(plan, expected)


def test_unknown_filter_values_are_ignored(login, plan: Plan) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"area": "x", "agency": "999999", "month": 13}
    )
    assert response.status_code == 200
    # Nothing filtered: the whole plan, folded, every area's line there to open.
    content = response.content.decode()
    assert "Hiển thị 14/14 nhiệm vụ" in content
    for area in plan.areas.all():
        assert reverse("plan_area", args=[plan.pk, area.pk]) in content


def test_htmx_filter_requests_get_only_the_results(login, plan: Plan) -> None:
    response = login("officer_a").get(
        reverse("plan_detail", args=[plan.pk]), {"month": 5}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "<html" not in content
    assert 'class="filterbar"' not in content
    assert "Hiển thị" in content
    assert "HX-Request" in response["Vary"]


def test_the_plan_page_shows_indicators_and_the_body_document(login, plan: Plan) -> None:
    plan.indicators.create(
        code="dvc-muc-do-cao",
        name="Tỷ lệ hồ sơ trực tuyến",
        target=50,
        baseline=35,
        baseline_year=2021,
        due_on=date(2022, 12, 31),
    )
    plan.document = {
        "focus_areas": [{"code": "I", "title": "Cải cách thể chế", "items": ["Rà soát văn bản"]}],
        "responsibilities": [{"heading": "Sở Nội vụ", "duties": ["Theo dõi, đôn đốc"]}],
    }
    plan.save()
    content = login("officer_a").get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert "Tỷ lệ hồ sơ trực tuyến" in content
    assert "≥ 50 %" in content
    assert "31/12/2022" in content
    assert '<details class="plan-document">' in content
    assert "Rà soát văn bản" in content and "Theo dõi, đôn đốc" in content


def test_stored_script_in_a_task_title_is_escaped(login, plan: Plan) -> None:
    task = plan.tasks.first()
    assert task is not None
    task.title = "<script>alert(1)</script>"
    task.save()
    client = login("officer_a")
    for content in [
        opened(client, plan),
        client.get(reverse("search") + "?q=alert").content.decode(),
    ]:
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_pages_have_no_inline_scripts_or_handlers(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    for url in [*page_urls(plan, agencies)[1:-1], reverse("plan_import")]:
        content = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content), url
        assert not re.search(r"\son[a-z]+=", content), url
        assert "style=" not in content, url


# ---------------------------------------------------------------------------
# The agency pages


def test_the_agency_list_groups_by_kind_and_filters_without_diacritics(
    login, agencies: dict[str, Agency]
) -> None:
    client = login("officer_b")
    response = client.get(reverse("agency_list"))
    content = response.content.decode().split("<main", 1)[1]
    assert "Sở, ban, ngành và tương đương" in content
    assert "UBND cấp huyện" in content
    # Vietnamese order: "Sở Nội vụ" < "Sở Tư pháp" < "Sở Xây dựng".
    assert content.index("Sở Nội vụ") < content.index("Sở Tư pháp") < content.index("Sở Xây dựng")
    assert "Các sở, ban, ngành" in content
    response = client.get(reverse("agency_list"), {"q": "dakrong"})
    kinds = response.context["by_kind"]
    assert [a.name for _k, _l, items in kinds for a in items] == ["UBND huyện Đakrông"]


def test_the_agency_page_shows_what_the_agency_is(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    agencies["a"].names.create(name="Sở Tư pháp cũ", valid_to=date(2020, 1, 1))
    content = (
        login("officer_b").get(reverse("agency_detail", args=[agencies["a"].pk])).content.decode()
    )
    assert "Sở Tư pháp" in content
    assert "Sở, ban, ngành và tương đương" in content
    assert "UBND tỉnh Thử Nghiệm" in content
    assert "Các sở, ban, ngành" in content
    assert "Sở Tư pháp cũ" in content
    province = (
        login("officer_b")
        .get(reverse("agency_detail", args=[agencies["province"].pk]))
        .content.decode()
    )
    assert '<details class="children">' in province
    assert "UBND huyện Cam Lộ" in province


def test_the_agency_page_lists_soonest_due_first_including_group_work(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    response = login("officer_a").get(reverse("agency_detail", args=[agencies["a"].pk]))
    lead = response.context["lead"]
    expected = [
        (i, n)
        for i, n, lead_name, _d in synthetic_rows(14)
        if lead_name in {"Sở Tư pháp", "Các sở, ban, ngành"}
    ]
    assert len(lead) == len(expected)
    dues = [item.activity.first_due for item in lead]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert dues[: len(dated)] == dated  # undated and ongoing at the end
    assert any(item.via_groups for item in lead)
    assert any(item.direct for item in lead)
    assert "qua nhóm «Các sở, ban, ngành»" in response.content.decode()
    assert response.context["cooperating"] == []


def test_the_agency_page_lists_district_work_through_the_district_group(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    response = login("officer_a").get(reverse("agency_detail", args=[agencies["d2"].pk]))
    expected = [r for r in synthetic_rows(14) if r[2] == "UBND cấp huyện"]
    assert len(response.context["lead"]) == len(expected)
    assert "qua nhóm «UBND cấp huyện»" in response.content.decode()


def test_the_agency_page_can_show_another_plan(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    newer = factories.make_plan(2, year=2023, number="1/KH-2023")
    client = login("officer_a")
    url = reverse("agency_detail", args=[agencies["office"].pk])
    assert client.get(url).context["plan"] == newer
    response = client.get(url, {"plan": plan.pk})
    assert response.context["plan"] == plan
    assert len(response.context["cooperating"]) == plan.activities.count()


# ---------------------------------------------------------------------------
# Needs a date


def test_the_needs_date_page_lists_undated_activities_read_only_for_officers(
    login, plan: Plan
) -> None:
    response = login("officer_a").get(reverse("needs_date", args=[plan.pk]))
    undated = set(plan.activities.filter(needs_date=True).values_list("pk", flat=True))
    assert undated
    assert shown_activity_ids(response) == undated
    content = response.content.decode()
    assert "Theo quy định" in content
    assert "fix-form" not in content


def test_an_officer_cannot_fix_a_date(login, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    for persona in ("officer_a", "head_a", "leader", "appraiser"):
        response = login(persona).post(
            reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "Quý II"}
        )
        assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.needs_date
    assert not activity.due_dates.exists()


def test_the_coordinator_fixes_a_date_and_the_plan_wording_stays(login, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    client = login("coordinator")
    assert "fix-form" in client.get(reverse("needs_date", args=[plan.pk])).content.decode()
    response = client.post(
        reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "Quý II"}, follow=True
    )
    activity.refresh_from_db()
    assert activity.deadline == "Theo quy định"
    assert not activity.needs_date
    assert activity.first_due == date(2022, 6, 30)
    assert activity.deadline_kind == "quarter"
    assert list(activity.due_dates.values_list("due_on", flat=True)) == [date(2022, 6, 30)]
    content = response.content.decode()
    assert "Đã xác định hạn" in content
    assert activity.pk not in shown_activity_ids(response)


def test_a_date_can_be_typed_as_a_day(login, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    login("admin").post(reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "30/06/2022"})
    activity.refresh_from_db()
    assert activity.first_due == date(2022, 6, 30)
    assert activity.deadline_kind == "day"


def test_a_phrase_without_a_date_changes_nothing(login, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    before = DueDate.objects.count()
    response = login("coordinator").post(
        reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "Khi có chỉ đạo"}, follow=True
    )
    activity.refresh_from_db()
    assert activity.needs_date
    assert activity.first_due is None
    assert activity.deadline_kind == "undated"
    assert DueDate.objects.count() == before
    assert "Không đọc được ngày từ «Khi có chỉ đạo»" in response.content.decode()


def test_fixing_a_date_needs_post(login, plan: Plan) -> None:
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    response = login("coordinator").get(reverse("fix_date", args=[plan.pk, activity.pk]))
    assert response.status_code == 405


def test_fixing_a_date_is_csrf_protected(personas: dict[str, User], plan: Plan) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["coordinator"])
    activity = plan.activities.filter(needs_date=True).first()
    assert activity is not None
    response = client.post(reverse("fix_date", args=[plan.pk, activity.pk]), {"text": "Quý II"})
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.needs_date


# ---------------------------------------------------------------------------
# Search


def test_search_ignores_diacritics(login, plan: Plan, agencies: dict[str, Agency]) -> None:
    response = login("officer_a").get(reverse("search"), {"q": "cai cach"})
    results = response.context["results"]
    assert results.tasks
    assert all("cải cách" in task.title for task in results.tasks)
    content = response.content.decode()
    assert "Nhiệm vụ cải cách số 1" in content
    response = login("officer_a").get(reverse("search"), {"q": "so tu phap"})
    assert [a.name for a in response.context["results"].agencies] == ["Sở Tư pháp"]
    response = login("officer_a").get(reverse("search"), {"q": "ra soat thu tuc"})
    assert response.context["results"].activities


def test_search_with_nothing_typed_shows_the_form(login) -> None:
    response = login("officer_a").get(reverse("search"))
    assert response.status_code == 200
    assert response.context["results"].total == 0


# ---------------------------------------------------------------------------
# Import and export


def _counts() -> tuple[int, int, int, int]:
    return (
        Plan.objects.count(),
        Task.objects.count(),
        Activity.objects.count(),
        Assignee.objects.count(),
    )


def test_a_broken_import_shows_every_issue_and_changes_nothing(login, plan: Plan) -> None:
    document = factories.synthetic_document(4, number="7/KH-LOI")
    document.areas[0].tasks[0].activities[0].lead = ["Sở Không Tồn Tại"]
    document.areas[1].tasks[0].activities[0].lead = []
    before = _counts()
    upload = SimpleUploadedFile("ke-hoach.json", write_json(document))
    client = login("coordinator")
    job = factories.job_of(client.post(reverse("plan_import"), {"file": upload}))
    assert _counts() == before
    assert job.status == "failed"
    response = client.get(reverse("job_detail", args=[job.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Không tìm thấy cơ quan «Sở Không Tồn Tại»" in content
    assert "Thiếu cơ quan chủ trì." in content
    assert len(job.errors) >= 2
    assert content.count("<tr><td") == len(job.errors)
    assert "Vị trí" in content and "Lỗi" in content


def test_an_import_of_a_file_that_is_no_plan_changes_nothing(login, plan: Plan) -> None:
    before = _counts()
    upload = SimpleUploadedFile("notes.txt", b"just some text")
    response = login("coordinator").post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 200
    assert _counts() == before
    assert response.context["issues"] or response.context["form"].errors


def test_an_import_larger_than_the_limit_is_refused(login, settings) -> None:
    settings.CCHC_MAX_IMPORT_BYTES = 100
    upload = SimpleUploadedFile("big.json", b"{" + b" " * 200 + b"}")
    response = login("coordinator").post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 200
    assert "Tệp quá lớn" in response.content.decode()
    assert not Plan.objects.exists()


def test_a_good_json_import_creates_the_plan(login, agencies: dict[str, Agency]) -> None:
    upload = SimpleUploadedFile(
        "ke-hoach.json", write_json(factories.synthetic_document(5, number="5/KH-MOI"))
    )
    response = login("coordinator").post(reverse("plan_import"), {"file": upload}, follow=True)
    plan = Plan.objects.get(number="5/KH-MOI")
    job = Job.objects.get()
    # The page answers with the job's page, which links to the plan once it is in.
    assert response.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert plan.tasks.count() == 5
    content = response.content.decode()
    assert "Đã nhập kế hoạch" in content
    assert f'href="{reverse("plan_detail", args=[plan.pk])}"' in content


def test_an_import_over_an_existing_plan_needs_replace(login, plan: Plan) -> None:
    data = write_json(factories.synthetic_document(3))
    client = login("admin")
    response = client.post(reverse("plan_import"), {"file": SimpleUploadedFile("p.json", data)})
    assert factories.job_of(response).status == "failed"
    assert plan.tasks.count() == 14
    response = client.post(
        reverse("plan_import"), {"file": SimpleUploadedFile("p.json", data), "replace": "on"}
    )
    assert factories.job_of(response).status == "done"
    assert plan.tasks.count() == 3


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("json", "application/json"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_export_downloads_an_attachment(login, plan: Plan, fmt: str, content_type: str) -> None:
    client = login("officer_b")
    job = factories.job_of(client.get(reverse("plan_export", args=[plan.pk, fmt])))
    assert job.status == "done"
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="ke-hoach-cchc-2022.{fmt}"'
    )
    assert len(b"".join(response.streaming_content)) > 100


# ---------------------------------------------------------------------------
# Language


def test_the_interface_is_vietnamese_by_default(login, plan: Plan) -> None:
    content = login("officer_a").get(reverse("plan_list")).content.decode()
    assert '<html lang="vi">' in content
    assert "Kế hoạch cải cách hành chính" in content


def test_it_switches_to_english_and_back(login, plan: Plan) -> None:
    client = login("officer_a")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("plan_list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_list")
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("plan_list")).content.decode()
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("plan_list")})
    assert '<html lang="vi">' in client.get(reverse("plan_list")).content.decode()


# ---------------------------------------------------------------------------
# Query counts do not grow with the plan

# session, user (with their agency and unread notifications for the header, read with
# them: were 2 queries more); plan, agencies (filter), areas with their counts,
# indicators, responsibilities. The plan opens folded: no task nor activity is read
# (was 12 when it read the whole tree and the memberships).
PLAN_PAGE_QUERIES = 7
# Filtered or opened (?open=all): the tree's tasks, activities, due dates and assignees,
# and the memberships of the groups they name, as well.
PLAN_PAGE_OPEN_QUERIES = 12
# htmx asks for the results only: no header, indicators or responsibilities.
PLAN_RESULTS_QUERIES = 10
# session, user (with their agency and unread notifications for the header, read with
# them: were 2 queries more); agency, plans, the agency's groups (ids), activities, due
# dates, assignees, children, groups with counts, former names, merged agencies.
AGENCY_PAGE_QUERIES = 12


def _queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    return len(captured)


def test_plan_and_agency_pages_use_the_same_queries_for_60_and_600_tasks(
    login, agencies: dict[str, Agency]
) -> None:
    small = factories.make_plan(60, number="60/KH")
    large = factories.make_plan(600, number="600/KH")
    client = login("officer_a")
    counts = {}
    for plan in (small, large):
        counts[plan.number] = (
            _queries(client, reverse("plan_detail", args=[plan.pk])),
            _queries(
                client,
                reverse("plan_detail", args=[plan.pk])
                + f"?agency={agencies['d1'].pk}&month=6&q=cai",
            ),
            _queries(
                client, reverse("plan_detail", args=[plan.pk]) + "?month=5", HTTP_HX_REQUEST="true"
            ),
            _queries(
                client, reverse("agency_detail", args=[agencies["a"].pk]) + f"?plan={plan.pk}"
            ),
        )
    assert counts["60/KH"] == counts["600/KH"]
    assert counts["60/KH"] == (
        PLAN_PAGE_QUERIES,
        PLAN_PAGE_OPEN_QUERIES,
        PLAN_RESULTS_QUERIES,
        AGENCY_PAGE_QUERIES,
    )


def test_the_plan_page_query_count_is_pinned(login, plan: Plan, django_assert_num_queries) -> None:
    client = login("officer_a")
    client.get(reverse("plan_list"))
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        client.get(reverse("plan_detail", args=[plan.pk]))
