"""Provinces are tenants (docs/tenants.md): one installation, two provinces, and no page
or API endpoint shows one province's data to the other's people.

Province A is the permission matrix's province (tests/factories.make_structure) with all
the matrix's objects (reports, evidence, feedback, official reports, PAR …); province B
("Bắc Sơn") has its own agencies, group, plan and people. B's people walk every page and
API list of the matrix and must meet none of A's names; A's detail URLs answer them 404
(or 403 where their role is refused before any object is looked at).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cchc.accounts import policy, tenancy
from cchc.accounts.models import Role, User
from cchc.agencies import tenant_backfill
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.plans.models import Assignee, Plan
from cchc.plans.readmodel import plan_latest, plan_viewed, plans_visible_to
from tests import factories
from tests.test_permission_matrix import (
    API_BODIES,
    EXPECTATIONS,
    LOGIN,
    OK,
    ask,
    fill,
    objects_for_paths,
    outcome,
)

B_PERSONAS = ("coordinator_bs", "leader_bs", "officer_bs", "head_bs")

# Province A's names and numbers that no page of province B may show. ("UBND cấp huyện",
# A's other group, is also the label of an agency kind, and "Sở Nội vụ", A's coordinator's
# department, is where every official report is sent: both are words of the pages.)
A_MARKERS = (
    "UBND tỉnh Thử Nghiệm",
    "Sở Tư pháp",
    "Sở Xây dựng",
    "UBND huyện Đakrông",
    "UBND huyện Cam Lộ",
    "Các sở, ban, ngành",
    "99/KH-UBND",
    "Nhiệm vụ cải cách số",
)

# Routes with parameters that do not name one of province A's objects.
FEED = "GET ^lich/(?P<token>[A-Za-z0-9_-]{16,64})\\.ics$"
NOT_A_TENANT_OBJECT = {
    # The feed's address is its secret: whoever holds it reads it, logged in or not.
    FEED,
    # The public satisfaction survey: any citizen answers for any agency, no login.
    "GET khao-sat/<int:agency_id>/",
    "POST khao-sat/<int:agency_id>/",
    "GET khao-sat/quay/<int:counter_id>/",
    "POST khao-sat/quay/<int:counter_id>/",
    # A chart's name: the figures are of the plan the user looks at (their province's);
    # walked with the lists below, whose content is checked.
    "GET dashboard/csv/<slug:chart>/",
}
CHART_CSV = "GET dashboard/csv/<slug:chart>/"

_PARAM = re.compile(r"<[^>]+>|\{[^}]+\}")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    if response.get("Content-Type", "").split(";")[0] in (
        "text/html",
        "application/json",
        "text/csv",
    ):
        return response.content.decode("utf-8", "replace")
    return ""


def _leaks(text: str, values: dict[str, Any]) -> list[str]:
    found = [marker for marker in A_MARKERS if marker in text]
    for prefix in ("/plans/", "/agencies/"):
        key = "plan_id" if prefix == "/plans/" else "agency_id"
        if f"{prefix}{values[key]}/" in text:
            found.append(f"{prefix}{values[key]}/")
    return found


def test_province_b_people_belong_to_province_b(
    personas: dict[str, User], province_b: dict[str, Any]
) -> None:
    root_b = province_b["agencies"]["province"]
    for name in B_PERSONAS:
        assert province_b["people"][name].province_id == root_b.pk
    # The matrix's coordinator works in Sở Nội vụ, under province A's root.
    assert personas["coordinator"].province_id == Agency.objects.get(name="UBND tỉnh Thử Nghiệm").pk


def test_every_list_page_and_api_list_shows_province_b_only(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    values = objects_for_paths(plan, agencies)
    lists = sorted(
        k for k in EXPECTATIONS if k.startswith("GET ") and (not _PARAM.search(k) or k == CHART_CSV)
    )
    wrong = []
    seen = 0
    for name in B_PERSONAS:
        client = _client(province_b["people"][name])
        for key in lists:
            url = fill(key.partition(" ")[2], values)
            response = client.get(url, follow=not url.startswith("/api/"))
            if response.status_code != 200:
                continue
            seen += 1
            for leak in _leaks(_text(response), values):
                wrong.append(f"{name}: {url} shows province A's «{leak}»")
    assert seen > 40, seen  # the walk reached the pages, not only refusals
    assert not wrong, "\n".join(wrong)


def test_province_a_objects_answer_404_to_province_b(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    values = objects_for_paths(plan, agencies)
    keys = sorted(k for k in EXPECTATIONS if _PARAM.search(k) and k not in NOT_A_TENANT_OBJECT)
    wrong = []
    for key in keys:
        method, _, route = key.partition(" ")
        url = fill(route, values)
        for name in B_PERSONAS:
            response = ask(_client(province_b["people"][name]), method, url, API_BODIES.get(key))
            got = outcome(response)
            if response.status_code == 422 and route.startswith("/api/") and key not in API_BODIES:
                continue  # the empty body is refused before any object is looked up
            if got not in (403, 404, LOGIN):
                wrong.append(f"{name}: {method} {url} gave {got} ({response.status_code})")
    assert not wrong, "\n".join(wrong)


def test_the_plan_looked_at_is_the_users_provinces(
    personas: dict[str, User], plan: Plan, province_b: dict[str, Any]
) -> None:
    plan_b = province_b["plan"]
    # Province B's plan is the older one: the newest plan in the database is A's.
    assert plan_b.year < plan.year
    assert plan_latest() == plan
    coordinator_b = province_b["people"]["coordinator_bs"]
    assert plan_latest(coordinator_b) == plan_b
    assert list(plans_visible_to(coordinator_b)) == [plan_b]
    assert plan_viewed(coordinator_b, {}).plan == plan_b
    # Asking for A's plan by its id: refused as unknown, B's plan shown instead.
    choice = plan_viewed(coordinator_b, {"plan": str(plan.pk)})
    assert choice.plan == plan_b and "Không có kế hoạch" in choice.problem
    assert plan_viewed(personas["coordinator"], {}).plan == plan
    # The national level (the matrix's leader has no province) sees both.
    assert {p.pk for p in plans_visible_to(personas["leader"])} == {plan.pk, plan_b.pk}


def test_the_worklist_of_province_b_opens_on_its_plan(
    personas: dict[str, User], plan: Plan, province_b: dict[str, Any]
) -> None:
    response = _client(province_b["people"]["officer_bs"]).get("/bao-cao/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Kế hoạch CCHC Bắc Sơn 2021" in text or "7/KH-BS" in text
    assert "99/KH-UBND" not in text


def test_scopers(personas: dict[str, User], plan: Plan, province_b: dict[str, Any]) -> None:
    coordinator_b = province_b["people"]["coordinator_bs"]
    root_b = province_b["agencies"]["province"]
    names = set(policy.visible_agencies(coordinator_b).values_list("name", flat=True))
    assert names == {a.name for a in province_b["agencies"].values()}
    assert set(policy.agencies_of_province(coordinator_b).values_list("name", flat=True)) == names
    # A national row (a ministry outside every tree, with no province) is everyone's.
    ministry = Agency.objects.create(name="Bộ Nội vụ", kind=Agency.Kind.UNIT)
    assert ministry.province_id is None  # two provinces: nothing to assume
    assert policy.agencies_of_province(coordinator_b).filter(pk=ministry.pk).exists()
    # and its internal data too: a national agency is no province's secret.
    assert policy.visible_agencies(coordinator_b).filter(pk=ministry.pk).exists()
    assert not policy.visible_agencies(coordinator_b).filter(name="Sở Tư pháp").exists()
    assert set(tenancy.scope(AgencyGroup.objects.all(), coordinator_b)) == set(
        AgencyGroup.objects.filter(province=root_b)
    )
    # The object gate: another province's plan, agency and group are refused.
    a_agency = Agency.objects.get(name="Sở Tư pháp")
    assert not policy.can(coordinator_b, "plan.view", plan)
    assert not policy.can(coordinator_b, "agency.data", a_agency)
    assert not policy.can(coordinator_b, "agency.data", a_agency.pk)
    assert policy.can(coordinator_b, "agency.data", province_b["agencies"]["health"])
    assert policy.can(personas["leader"], "agency.data", a_agency)  # national
    assert policy.can(personas["coordinator"], "plan.view", plan)


def test_a_reparented_agency_takes_its_subtree_along(db: None) -> None:
    a = Agency.objects.create(name="UBND tỉnh Một", kind=Agency.Kind.PROVINCE)
    b = Agency.objects.create(name="UBND tỉnh Hai", kind=Agency.Kind.PROVINCE)
    assert a.province_id == a.pk and b.province_id == b.pk
    district = Agency.objects.create(name="UBND huyện Ba", kind=Agency.Kind.DISTRICT, parent=a)
    commune = Agency.objects.create(name="UBND xã Bốn", kind=Agency.Kind.COMMUNE, parent=district)
    assert commune.province_id == a.pk
    district.parent = b
    district.save()
    commune.refresh_from_db()
    assert (district.province_id, commune.province_id) == (b.pk, b.pk)
    user = User.objects.create(username="x", role=Role.OFFICER, agency=commune)
    assert user.province_id == b.pk


def test_backfill_with_one_province_gives_every_row_its_province(
    agencies: dict[str, Agency], personas: dict[str, User], plan: Plan
) -> None:
    outsider = Agency.objects.create(name="Bộ Tư pháp", kind=Agency.Kind.UNIT)
    Agency.objects.update(province=None)
    AgencyGroup.objects.update(province=None)
    Plan.objects.update(province=None)
    User.objects.update(province=None)
    tenant_backfill.backfill_agencies(Agency, AgencyGroup, GroupMembership)
    tenant_backfill.backfill_plans(Plan, Agency, Assignee)
    tenant_backfill.backfill_users(User, Agency)
    root = agencies["province"].pk
    assert set(Agency.objects.values_list("province_id", flat=True)) == {root}
    assert set(AgencyGroup.objects.values_list("province_id", flat=True)) == {root}
    assert set(Plan.objects.values_list("province_id", flat=True)) == {root}
    # Every user, the leader without an agency too: a single province stays as it was.
    assert set(User.objects.values_list("province_id", flat=True)) == {root}
    outsider.refresh_from_db()
    assert outsider.province_id == root


def test_backfill_with_two_provinces_follows_the_trees(
    agencies: dict[str, Agency],
    personas: dict[str, User],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    Agency.objects.update(province=None)
    AgencyGroup.objects.update(province=None)
    Plan.objects.update(province=None)
    User.objects.update(province=None)
    tenant_backfill.backfill_agencies(Agency, AgencyGroup, GroupMembership)
    tenant_backfill.backfill_plans(Plan, Agency, Assignee)
    tenant_backfill.backfill_users(User, Agency)
    root_a, root_b = agencies["province"].pk, province_b["agencies"]["province"].pk
    assert Agency.objects.get(name="Sở Tư pháp").province_id == root_a
    assert Agency.objects.get(name="Sở Y tế Bắc Sơn").province_id == root_b
    assert AgencyGroup.objects.get(code="so-ban-nganh").province_id == root_a
    assert AgencyGroup.objects.get(code="bac-son-cac-so").province_id == root_b
    plan.refresh_from_db()
    province_b["plan"].refresh_from_db()
    assert (plan.province_id, province_b["plan"].province_id) == (root_a, root_b)
    assert User.objects.get(username="officer_a").province_id == root_a
    assert User.objects.get(username="officer_bs").province_id == root_b
    # Nothing leads a user without an agency anywhere: national, as before.
    assert User.objects.get(username="leader").province_id is None


def test_import_resolves_names_in_its_own_province_only(
    agencies: dict[str, Agency], province_b: dict[str, Any]
) -> None:
    # Province B's plan names "Sở Tư pháp" (province A's department): not one of B's.
    document = factories.second_province_document(2020)
    document.header.number = "8/KH-BS"
    document.areas[0].tasks[0].activities[0].lead = ["Sở Tư pháp"]
    from cchc.plans.interchange import PlanImportError
    from cchc.plans.services import plan_import

    with pytest.raises(PlanImportError) as failure:
        plan_import(document=document, province=province_b["agencies"]["province"])
    assert "Không tìm thấy cơ quan «Sở Tư pháp»" in str(failure.value.issues[0])
    # Imported by B's coordinator, with no province said: B's.
    document.areas[0].tasks[0].activities[0].lead = ["Sở Y tế Bắc Sơn"]
    imported = plan_import(document=document, actor=province_b["people"]["coordinator_bs"])
    assert imported.province_id == province_b["agencies"]["province"].pk


def test_cli_import_needs_a_province_when_there_are_several(
    agencies: dict[str, Agency], province_b: dict[str, Any], tmp_path: Any
) -> None:
    from cchc.plans.formats.jsonfmt import write_json

    document = factories.second_province_document(2019)
    document.header.number = "9/KH-BS"
    document.header.issuer = ""
    path = tmp_path / "plan.json"
    path.write_bytes(write_json(document))
    with pytest.raises(CommandError):
        call_command("import_plan", str(path))
    assert not Plan.objects.filter(number="9/KH-BS").exists()
    with pytest.raises(CommandError, match="Không có tỉnh"):
        call_command("import_plan", str(path), "--province", "tỉnh Không Có")
    call_command("import_plan", str(path), "--province", "ubnd tinh bac son")
    imported = Plan.objects.get(number="9/KH-BS")
    assert imported.province_id == province_b["agencies"]["province"].pk
    assert imported.issuer == factories.PROVINCE_B


def test_the_table_knows_ok_and_login() -> None:
    # The walk above reads outcomes with the matrix's own vocabulary.
    assert OK == "ok" and LOGIN == "login"


# --- figures, feedback, escalation, public pages (docs/tenants.md) ------------------------


def _feedback(province: Agency | None, agency: Agency | None = None, regulation: str = "") -> Any:
    from cchc.citizens.feedback import feedback_submit, feedback_types_ensure
    from cchc.citizens.models import FeedbackType

    feedback_types_ensure()
    item = feedback_submit(
        feedback_type=FeedbackType.objects.order_by("position").first(),
        regulation=regulation or "Thủ tục cấp phép",
        content="Hồ sơ bị yêu cầu thêm giấy tờ không có trong quy định.",
        sender_name="Nguyễn Văn An",
        sender_phone="0912345678",
        province=province,
    )
    if agency is not None:
        item.agency = agency
        item.save()
    return item


def _indicator(code: str, agency: Agency) -> Any:
    from datetime import date
    from decimal import Decimal

    from cchc.citizens.models import Indicator

    return Indicator.objects.create(
        code=code,
        name=f"Chỉ tiêu {agency.name}",
        unit="%",
        baseline_year=2021,
        baseline_value=Decimal("10"),
        target_value=Decimal("90"),
        due_on=date(2030, 12, 31),
        agency=agency,
    )


def test_the_citizens_panel_and_indicator_counts_are_the_plans_provinces(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    from cchc.citizens.indicators import status_counts

    root_a, root_b = agencies["province"], province_b["agencies"]["province"]
    _feedback(root_a, regulation="Phản ánh của tỉnh A")
    _feedback(root_a, agencies["a"])
    _feedback(root_b, province_b["agencies"]["health"])
    _indicator("chi-tieu-a-1", agencies["a"])
    _indicator("chi-tieu-a-2", agencies["b"])
    _indicator("chi-tieu-b-1", province_b["agencies"]["health"])
    assert sum(status_counts(province=root_b.pk).values()) == 1
    assert sum(status_counts(province=root_a.pk).values()) == 2
    assert sum(status_counts().values()) == 3  # the installation's

    def panel(user: User) -> Any:
        response = _client(user).get("/dashboard/")
        assert response.status_code == 200
        return response.context["citizens"]

    seen_b = panel(province_b["people"]["coordinator_bs"])
    assert seen_b.feedback.received == 1
    assert [v.indicator.code for v in seen_b.indicators] == ["chi-tieu-b-1"]
    seen_a = panel(personas["coordinator"])
    assert seen_a.feedback.received == 2
    assert {v.indicator.code for v in seen_a.indicators} == {"chi-tieu-a-1", "chi-tieu-a-2"}


def test_feedback_not_yet_routed_belongs_to_the_province_it_was_sent_to(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    province_b: dict[str, Any],
) -> None:
    from cchc.citizens.models import Feedback

    root_a, root_b = agencies["province"], province_b["agencies"]["province"]
    public = Client()
    form = public.get("/phan-anh/").content.decode()
    # Two provinces: the citizen says which (both are offered, none is assumed).
    assert 'name="province"' in form and root_a.name in form and root_b.name in form
    body = {
        "type": Feedback._meta.get_field("type").related_model.objects.first().pk,
        "regulation": "Thủ tục cấp giấy phép xây dựng Bắc Sơn",
        "content": "Hồ sơ bị yêu cầu thêm giấy tờ.",
        "sender_name": "Trần Thị Bình",
        "sender_phone": "0912345678",
    }
    refused = public.post("/phan-anh/", body)
    assert refused.status_code == 400
    assert "Hãy chọn tỉnh nhận phản ánh, kiến nghị." in refused.content.decode()
    assert not Feedback.objects.exists()
    assert public.post("/phan-anh/", {**body, "province": "999999"}).status_code == 400
    assert public.post("/phan-anh/", {**body, "province": str(root_b.pk)}).status_code == 200
    item_b = Feedback.objects.get()
    assert item_b.province_id == root_b.pk and item_b.agency_id is None
    item_a = _feedback(root_a, regulation="Thủ tục của tỉnh Thử Nghiệm")
    # Each province's coordinators see their own unrouted item, not the other's.
    list_b = _client(province_b["people"]["coordinator_bs"]).get("/phan-anh/xu-ly/")
    list_a = _client(personas["coordinator"]).get("/phan-anh/xu-ly/")
    text_b, text_a = list_b.content.decode(), list_a.content.decode()
    assert "Bắc Sơn" in text_b and "Thủ tục của tỉnh Thử Nghiệm" not in text_b
    assert "Thủ tục của tỉnh Thử Nghiệm" in text_a and "giấy phép xây dựng Bắc Sơn" not in text_a
    coordinator_b = _client(province_b["people"]["coordinator_bs"])
    assert coordinator_b.get(f"/phan-anh/xu-ly/{item_a.pk}/").status_code == 404
    assert coordinator_b.get(f"/phan-anh/xu-ly/{item_b.pk}/").status_code == 200
    # Routing keeps it in its province: B's coordinator cannot send it to A's agency.
    coordinator_b.post(
        f"/phan-anh/xu-ly/{item_b.pk}/", {"action": "route", "agency": str(agencies["a"].pk)}
    )
    item_b.refresh_from_db()
    assert item_b.agency_id is None
    from cchc.citizens.feedback import FeedbackError, feedback_route

    with pytest.raises(FeedbackError, match="không thuộc tỉnh"):
        feedback_route(
            item=item_b,
            agency=agencies["a"],
            actor=factories.make_user("coordinator_national", Role.COORDINATOR),
        )
    coordinator_b.post(
        f"/phan-anh/xu-ly/{item_b.pk}/",
        {"action": "route", "agency": str(province_b["agencies"]["health"].pk)},
    )
    item_b.refresh_from_db()
    assert item_b.agency_id == province_b["agencies"]["health"].pk
    assert item_b.province_id == root_b.pk
    # A province's staff sending one from the public form send it to their own province.
    _client(province_b["people"]["officer_bs"]).post(
        "/phan-anh/", {**body, "regulation": "Gửi từ cán bộ Bắc Sơn"}
    )
    assert Feedback.objects.get(regulation="Gửi từ cán bộ Bắc Sơn").province_id == root_b.pk


def test_feedback_in_a_single_province_installation_is_that_provinces(
    agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    form = Client().get("/phan-anh/").content.decode()
    assert 'name="province"' not in form  # nothing to choose
    item = _feedback(None)
    assert item.province_id == agencies["province"].pk


def test_feedback_backfill_follows_the_agency_or_the_only_province(
    agencies: dict[str, Agency], personas: dict[str, User], province_b: dict[str, Any]
) -> None:
    from cchc.citizens.models import Feedback

    routed_b = _feedback(None, province_b["agencies"]["health"])
    unrouted = _feedback(None)
    assert routed_b.province_id == province_b["agencies"]["province"].pk
    assert unrouted.province_id is None  # two provinces and nobody said which: national
    Feedback.objects.update(province=None)
    tenant_backfill.backfill_feedback(Feedback, Agency)
    routed_b.refresh_from_db()
    unrouted.refresh_from_db()
    assert routed_b.province_id == province_b["agencies"]["province"].pk
    assert unrouted.province_id is None


def test_feedback_backfill_with_one_province_gives_it_every_item(
    agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    from cchc.citizens.models import Feedback

    _feedback(None)
    _feedback(None, agencies["a"])
    Feedback.objects.update(province=None)
    tenant_backfill.backfill_feedback(Feedback, Agency)
    assert set(Feedback.objects.values_list("province_id", flat=True)) == {agencies["province"].pk}


def test_each_provinces_coordinators_get_only_their_provinces_late_work(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    province_b: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from datetime import date

    from django.core import mail

    from cchc.plans.services import plan_import
    from cchc.reminders.models import Notification
    from cchc.reminders.services import reminders_send
    from tests.test_reminders import reminder_document

    plan_import(document=reminder_document())  # A: Sở Xây dựng 12 days late on 14/3
    document_b = factories.second_province_document(2022)
    document_b.header.number = "8/KH-BS"
    plan_import(document=document_b, province=province_b["agencies"]["province"])
    national = factories.make_user("coordinator_national", Role.COORDINATOR)
    assert national.province_id is None
    for user, email in [
        (personas["coordinator"], "coordinator@cchc.example"),
        (province_b["people"]["coordinator_bs"], "coordinator_bs@cchc.example"),
        (national, "national@cchc.example"),
    ]:
        user.email = email
        user.save()

    def run() -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_send(today=date(2022, 3, 14))

    result = run()
    assert result.escalations == 3
    escalations = {
        address: m
        for m in mail.outbox
        if m.subject.startswith("[CCHC] Cảnh báo")
        for address in m.to
    }
    mail_b = escalations["coordinator_bs@cchc.example"]
    mail_a = escalations["coordinator@cchc.example"]
    mail_n = escalations["national@cchc.example"]
    assert mail_b.to == ["coordinator_bs@cchc.example"]
    assert "Sở Tài chính Bắc Sơn" in mail_b.body and "UBND tỉnh Bắc Sơn" in mail_b.body
    assert not [marker for marker in (*A_MARKERS, "Sở Xây dựng") if marker in mail_b.body]
    assert "Sở Xây dựng" in mail_a.body and "Bắc Sơn" not in mail_a.body
    # The national level's coordinators: every province's late work, in one message.
    assert "Sở Xây dựng" in mail_n.body and "Sở Tài chính Bắc Sơn" in mail_n.body
    assert "mọi tỉnh" in mail_n.body
    html_b = str(mail_b.alternatives[0][0])  # type: ignore[index]
    assert "Sở Tài chính Bắc Sơn" in html_b and "Sở Xây dựng" not in html_b
    notice_b = Notification.objects.get(user=province_b["people"]["coordinator_bs"])
    assert {row["agency"] for row in notice_b.items} <= {
        a.name for a in province_b["agencies"].values()
    }
    # Once a day: a second run sends no escalation again.
    sent = len(mail.outbox)
    again = run()
    assert again.escalations == 0 and len(mail.outbox) == sent


def test_public_pages_are_one_provinces(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    public = Client()
    root_a, root_b = agencies["province"], province_b["agencies"]["province"]
    plan_b = province_b["plan"]
    assert plan_b.status != Plan.Status.DRAFT and plan.status != Plan.Status.DRAFT
    # Several provinces and nothing says which: the citizen chooses.
    chooser = public.get("/cong-khai/")
    assert chooser.status_code == 200
    text = chooser.content.decode()
    assert f"?tinh={root_a.pk}" in text and f"?tinh={root_b.pk}" in text
    assert "99/KH-UBND" not in text and "7/KH-BS" not in text
    page_b = public.get(f"/cong-khai/?tinh={root_b.pk}").content.decode()
    assert "7/KH-BS" in page_b and "Việc Bắc Sơn số 1" in page_b
    assert not [m for m in A_MARKERS if m in page_b], page_b[:200]
    assert f'value="{plan.pk}"' not in page_b  # A's plan is not offered in the chooser
    page_a = public.get(f"/cong-khai/?tinh={root_a.pk}").content.decode()
    assert "99/KH-UBND" in page_a and "Bắc Sơn số" not in page_a and "7/KH-BS" not in page_a
    # A plan's own address says its province; another province's plan under B is unknown.
    assert "99/KH-UBND" in public.get(f"/cong-khai/?plan={plan.pk}").content.decode()
    assert public.get(f"/cong-khai/?tinh={root_b.pk}&plan={plan.pk}").status_code == 404
    assert public.get("/cong-khai/?tinh=999999").status_code == 404
    assert public.get("/cong-khai/?tinh=abc").status_code == 404
    # Downloads: a province must be known; B's file has B's plan only.
    assert public.get("/cong-khai/tien-do.csv").status_code == 404
    started = public.get(f"/cong-khai/tien-do.csv?tinh={root_b.pk}")
    assert started.status_code == 302
    download = public.get(started["Location"] + "file/")
    csv_b = _text(download)
    assert "Việc Bắc Sơn số 1" in csv_b
    assert not [m for m in A_MARKERS if m in csv_b]
    # B's staff opening the public page land on their own province's.
    own = _client(province_b["people"]["officer_bs"]).get("/cong-khai/").content.decode()
    assert "7/KH-BS" in own and "99/KH-UBND" not in own


def test_public_pages_of_a_single_province_need_no_choice(
    agencies: dict[str, Agency], personas: dict[str, User], plan: Plan
) -> None:
    page = Client().get("/cong-khai/")
    assert page.status_code == 200 and "99/KH-UBND" in page.content.decode()
    assert "Xem tỉnh khác" not in page.content.decode()


def test_bench_refuses_an_unsupported_database_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import tempfile

    from django.db import connection

    from cchc.ops import bench_db

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(connection, "vendor", "mysql")
    with pytest.raises(CommandError, match=r"chỉ chạy được trên PostgreSQL hoặc SQLite.*mysql"):
        bench_db.create()
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_load_units_gives_its_groups_the_loaded_province(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    from io import StringIO

    agencies_b = factories.make_second_province()
    call_command("load_units", "--era", "2022", stdout=StringIO())
    quang_tri = Agency.objects.get(name="UBND tỉnh Quảng Trị", parent=None)
    loaded = AgencyGroup.objects.exclude(code="bac-son-cac-so")
    assert loaded.exists()
    assert set(loaded.values_list("province_id", flat=True)) == {quang_tri.pk}
    assert AgencyGroup.objects.get(code="bac-son-cac-so").province_id == agencies_b["province"].pk


def test_load_par_sets_for_one_province(
    agencies: dict[str, Agency], province_b: dict[str, Any]
) -> None:
    from io import StringIO

    from cchc.par.models import CriteriaSet

    out = StringIO()
    call_command("load_par_sets", "--year", "2022", "--province", "ubnd tinh bac son", stdout=out)
    assert not CriteriaSet.objects.exists()  # B has none of the shipped sets' groups
    assert "chưa có trong danh mục" in out.getvalue()
    with pytest.raises(CommandError, match="Không có tỉnh «tỉnh Không Có»"):
        call_command("load_par_sets", "--year", "2022", "--province", "tỉnh Không Có")
    call_command(
        "load_par_sets", "--year", "2022", "--province", str(agencies["province"].pk), stdout=out
    )
    loaded = CriteriaSet.objects.select_related("group")
    assert loaded.exists()
    assert {s.group.province_id for s in loaded} == {agencies["province"].pk}
    # A's sets are not B's to see (the gate goes through the set's group).
    assert not tenancy.allows(province_b["people"]["coordinator_bs"], loaded[0])


def test_a_province_report_counts_only_its_own_provinces_data(
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    province_b: dict[str, Any],
) -> None:
    """The province-wide official report of province B (agency None) is written from
    province B's documents, feedback, indicators and survey answers, never province A's."""
    from datetime import date

    from cchc.citizens.models import Feedback
    from cchc.documents.models import Document
    from cchc.monitoring.models import ReportingPeriod
    from cchc.official.blocks import BLOCKS

    root_a, root_b = agencies["province"], province_b["agencies"]["province"]
    health_b = province_b["agencies"]["health"]
    plan_b = province_b["plan"]
    period = ReportingPeriod.objects.filter(plan=plan_b).order_by("-ends_on").first()
    assert period is not None
    inside = period.starts_on
    for agency, number in [
        (agencies["a"], "1/QĐ-A"),
        (agencies["b"], "2/QĐ-A"),
        (health_b, "9/QĐ-B"),
    ]:
        Document.objects.create(agency=agency, number=number, issued_on=inside, summary=number)
    for province, agency in [(root_a, agencies["a"]), (root_a, None), (root_b, health_b)]:
        _feedback(province, agency)
    Feedback.objects.update(received_on=inside)
    _indicator("chi-tieu-a-1", agencies["a"])
    _indicator("chi-tieu-b-1", health_b)

    def block(key: str) -> list[list[Any]]:
        return BLOCKS[key].compute(None, period, {"today": date(2022, 7, 15)}).rows

    documents = block("documents_issued")
    assert [row[1:] for row in documents] == [[health_b.name, 1], ["Cộng", 1]]
    feedback = block("feedback_stats")
    assert feedback[0][2] == 1  # received in the period: province B's one item
    indicators = block("indicator_values")
    assert [row[1] for row in indicators] == [f"Chỉ tiêu {health_b.name}"]


def test_groups_of_the_same_code_are_told_apart_by_their_province_in_the_api(
    personas: dict[str, User], agencies: dict[str, Agency], province_b: dict[str, Any]
) -> None:
    root_b = province_b["agencies"]["province"]
    own = AgencyGroup.objects.create(
        code="so-ban-nganh", name="Các sở, ban, ngành", province=root_b
    )
    a_group = AgencyGroup.objects.exclude(pk=own.pk).get(code="so-ban-nganh")
    national = _client(personas["leader"]).get("/api/groups").json()
    same_code = {(g["id"], g["province_id"]) for g in national if g["code"] == "so-ban-nganh"}
    assert same_code == {(a_group.pk, a_group.province_id), (own.pk, root_b.pk)}
    assert a_group.province_id != root_b.pk
    b_sees = _client(province_b["people"]["coordinator_bs"]).get("/api/groups").json()
    assert {g["province_id"] for g in b_sees} == {root_b.pk}
