"""A plan's reporting periods: the coordinator's page, the service behind it, the admin."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.accounts.models import User
from cchc.audit.context import audit_context
from cchc.audit.models import AuditRecord
from cchc.documents.models import Document, DocumentLink
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.periods import PeriodRow, PeriodsInvalid, periods_state, periods_update
from cchc.plans.models import Plan
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = ("code", "name", "kind", "starts_on", "ends_on", "due_on", "position")


def periods_of(plan: Plan) -> list[tuple[Any, ...]]:
    """Everything stored about the plan's periods, to compare before and after."""
    return list(plan.periods.order_by("pk").values_list("pk", *FIELDS))


def period_audits() -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action__startswith="period.").order_by("pk"))


def form_data(
    plan: Plan,
    edit: dict[str, dict[str, Any]] | None = None,
    delete: set[str] | frozenset[str] = frozenset(),
    new: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The POST of the periods page as the browser sends it: every stored row, changed
    where `edit` says (by code), ticked for deletion where `delete` says, and the empty
    row filled in with `new`."""
    periods = list(plan.periods.order_by("position", "pk"))
    data: dict[str, Any] = {
        "period-TOTAL_FORMS": len(periods) + 1,
        "period-INITIAL_FORMS": len(periods),
        "period-MIN_NUM_FORMS": 0,
        "period-MAX_NUM_FORMS": 1000,
    }
    for index, period in enumerate(periods):
        row = {"id": period.pk, **{name: getattr(period, name) for name in FIELDS}}
        row.update((edit or {}).get(period.code, {}))
        for name, value in row.items():
            data[f"period-{index}-{name}"] = (
                value.strftime("%d/%m/%Y") if isinstance(value, date) else value
            )
        if period.code in delete:
            data[f"period-{index}-DELETE"] = "on"
    for name, value in (new or {}).items():
        data[f"period-{len(periods)}-{name}"] = value
    # The fingerprint of the periods as the page showed them.
    data["state"] = periods_state(periods)
    return data


def page_text(response: Any) -> str:
    return response.content.decode()


QUARTER_III = {
    "code": "q3",
    "name": "Quý III",
    "kind": "quarter",
    "starts_on": "2022-06-15",
    "ends_on": "2022-09-14",
    "due_on": "2022-09-20",
    "position": "5",
}


def add_reports(period: ReportingPeriod, count: int) -> None:
    assignments = list(Assignment.objects.filter(activity__plan=period.plan).order_by("pk"))
    assert len(assignments) >= count
    for assignment in assignments[:count]:
        ProgressReport.objects.create(assignment=assignment, period=period)


# ---------------------------------------------------------------------------
# Saving


def test_the_page_lists_the_plans_periods_with_an_empty_row(login, plan: Plan) -> None:
    response = login("coordinator").get(reverse("plan_periods", args=[plan.pk]))
    assert response.status_code == 200
    content = page_text(response)
    for name in ("Quý I", "6 tháng", "9 tháng", "Năm"):
        assert f'value="{name}"' in content
    assert 'name="period-TOTAL_FORMS" value="5"' in content
    assert 'name="period-4-name"' in content  # the empty row for a new period
    assert 'name="period-0-ends_on" value="14/03/2022"' in content
    assert "Lưu" in content and "Thêm kỳ mới" in content


def test_the_coordinator_moves_a_cut_off_and_adds_a_period(
    login, plan: Plan, personas: dict[str, User]
) -> None:
    client = login("coordinator")
    q1 = plan.periods.get(code="q1")
    untouched = [p for p in periods_of(plan) if p[0] != q1.pk]
    data = form_data(plan, edit={"q1": {"ends_on": "2022-03-10"}}, new=QUARTER_III)

    response = client.post(reverse("plan_periods", args=[plan.pk]), data, follow=True)

    assert response.redirect_chain == [(reverse("plan_periods", args=[plan.pk]), 302)]
    assert "Đã lưu các kỳ báo cáo: thêm 1, sửa 1, xóa 0." in page_text(response)
    q1.refresh_from_db()
    assert q1.ends_on == date(2022, 3, 10)
    q3 = plan.periods.get(code="q3")
    assert (q3.name, q3.kind, q3.starts_on, q3.ends_on, q3.due_on, q3.position) == (
        "Quý III",
        "quarter",
        date(2022, 6, 15),
        date(2022, 9, 14),
        date(2022, 9, 20),
        5,
    )
    assert [p for p in periods_of(plan) if p[0] not in (q1.pk, q3.pk)] == untouched

    update, create = period_audits()
    assert (update.action, update.object_id, update.source) == ("period.update", str(q1.pk), "web")
    assert update.actor == personas["coordinator"]
    assert update.before == {"ends_on": "2022-03-14"}
    assert update.after == {"ends_on": "2022-03-10"}
    assert (create.action, create.object_id, create.before) == ("period.create", str(q3.pk), None)
    assert create.after == {
        "code": "q3",
        "name": "Quý III",
        "kind": "quarter",
        "starts_on": "2022-06-15",
        "ends_on": "2022-09-14",
        "due_on": "2022-09-20",
        "position": 5,
    }


def test_saving_an_unchanged_table_changes_and_audits_nothing(login, plan: Plan) -> None:
    before = periods_of(plan)
    response = login("coordinator").post(
        reverse("plan_periods", args=[plan.pk]), form_data(plan), follow=True
    )
    assert response.status_code == 200
    assert "Các kỳ báo cáo không có gì thay đổi." in page_text(response)
    assert periods_of(plan) == before
    assert period_audits() == []


def test_a_period_without_reports_can_be_deleted(login, plan: Plan) -> None:
    nine = plan.periods.get(code="9-thang")
    response = login("coordinator").post(
        reverse("plan_periods", args=[plan.pk]), form_data(plan, delete={"9-thang"})
    )
    assert response.status_code == 302
    assert not plan.periods.filter(code="9-thang").exists()
    (record,) = period_audits()
    assert (record.action, record.object_id, record.after) == ("period.delete", str(nine.pk), None)
    assert record.before["name"] == "9 tháng"
    assert record.before["ends_on"] == "2022-09-14"


def test_two_periods_can_swap_codes(plan: Plan, personas: dict[str, User]) -> None:
    q1, half = plan.periods.get(code="q1"), plan.periods.get(code="6-thang")
    rows = [
        PeriodRow(id=p.pk, **{n: getattr(p, n) for n in FIELDS})
        for p in plan.periods.order_by("position")
    ]
    rows[0] = PeriodRow(**{**rows[0].__dict__, "code": "6-thang"})
    rows[1] = PeriodRow(**{**rows[1].__dict__, "code": "q1"})
    changes = periods_update(
        plan=plan, rows=rows, actor=personas["coordinator"], expected_state=None
    )
    assert len(changes.updated) == 2
    q1.refresh_from_db()
    half.refresh_from_db()
    assert (q1.code, half.code) == ("6-thang", "q1")


def test_the_audit_source_is_the_one_in_progress(plan: Plan, personas: dict[str, User]) -> None:
    year = plan.periods.get(code="nam")
    with audit_context(source="cli", actor=personas["coordinator"]):
        periods_update(
            plan=plan,
            rows=[
                PeriodRow(id=year.pk, **{**{n: getattr(year, n) for n in FIELDS}, "name": "Cả năm"})
            ],
            actor=personas["coordinator"],
            expected_state=None,
        )
    (record,) = period_audits()
    assert record.source == "cli"
    assert (record.before, record.after) == ({"name": "Năm"}, {"name": "Cả năm"})


def test_names_are_stored_tidy_and_composed(plan: Plan, personas: dict[str, User]) -> None:
    decomposed = "Quy\u0301  I"  # "Quý" written with a combining accent, two spaces
    q1 = plan.periods.get(code="q1")
    periods_update(
        plan=plan,
        rows=[PeriodRow(id=q1.pk, **{**{n: getattr(q1, n) for n in FIELDS}, "name": decomposed})],
        actor=personas["coordinator"],
        expected_state=None,
    )
    q1.refresh_from_db()
    assert q1.name == "Quý I"
    assert period_audits() == []  # the same name once tidied: nothing changed


# ---------------------------------------------------------------------------
# Refusing


INVALID = {
    "end before start": (
        {"edit": {"q1": {"ends_on": "2021-12-01"}}},
        "Kỳ «Quý I»: ngày chốt số liệu 01/12/2021 sớm hơn ngày bắt đầu 15/12/2021.",
    ),
    "due before cut-off": (
        {"edit": {"q1": {"due_on": "2022-03-10"}}},
        "Kỳ «Quý I»: hạn gửi báo cáo 10/03/2022 sớm hơn ngày chốt số liệu 14/03/2022.",
    ),
    "duplicate code of a stored period": (
        {"edit": {"6-thang": {"code": "q1"}}},
        "Kỳ «6 tháng»: mã «q1» trùng với mã của kỳ «Quý I».",
    ),
    "duplicate code of a new period": (
        {"new": {**QUARTER_III, "code": "nam"}},
        "Kỳ «Quý III»: mã «nam» trùng với mã của kỳ «Năm».",
    ),
    "empty name": (
        {"edit": {"9-thang": {"name": "   "}}},
        "Dòng 3: chưa nhập tên kỳ báo cáo.",
    ),
    "new period without dates": (
        {"new": {"code": "q3", "name": "Quý III", "kind": "quarter"}},
        "Kỳ «Quý III»: chưa nhập từ ngày, đến ngày (chốt số liệu), hạn gửi báo cáo.",
    ),
    "code that is no slug": (
        {"edit": {"q1": {"code": "quý 1"}}},
        "Kỳ «Quý I»: mã:",
    ),
    "outside the plan's years": (
        {"edit": {"nam": {"due_on": "2024-01-15"}}},
        "Kỳ «Năm»: hạn gửi báo cáo 15/01/2024 không thuộc các năm 2021–2023 "
        "(năm kế hoạch 2022, năm trước và năm sau).",
    ),
    "before the year before": (
        {"edit": {"q1": {"starts_on": "2020-12-31"}}},
        "Kỳ «Quý I»: từ ngày 31/12/2020 không thuộc các năm 2021–2023",
    ),
    "every period deleted": (
        {"delete": {"q1", "6-thang", "9-thang", "nam"}},
        "Kế hoạch phải còn ít nhất một kỳ báo cáo.",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_an_invalid_table_is_refused_whole(login, plan: Plan, case: str) -> None:
    changes, message = INVALID[case]
    before = periods_of(plan)
    # A good change rides along, on a row the case leaves alone, and is not saved either.
    edit = dict(changes.get("edit", {}))
    left_alone = set(edit) | set(changes.get("delete", ()))
    spare = [code for code in ("9-thang", "6-thang") if code not in left_alone]
    if spare:
        edit[spare[0]] = {"name": "Kỳ đổi tên"}
    data = form_data(plan, **{**changes, "edit": edit})

    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert "Chưa lưu thay đổi nào." in page_text(response)
    assert periods_of(plan) == before
    assert period_audits() == []


def test_each_error_shows_under_its_own_row(login, plan: Plan) -> None:
    data = form_data(
        plan,
        edit={"6-thang": {"due_on": "2022-06-01"}, "nam": {"ends_on": "2021-01-01"}},
    )
    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)
    assert response.status_code == 400
    content = page_text(response)
    half_row = content.index('value="6 tháng"')
    half_error = content.index("Kỳ «6 tháng»: hạn gửi báo cáo 01/06/2022")
    nine_row = content.index('value="9 tháng"')
    year_row = content.index('value="Năm"')
    year_error = content.index("Kỳ «Năm»: ngày chốt số liệu 01/01/2021")
    assert half_row < half_error < nine_row < year_row < year_error
    assert "Có 2 lỗi, ghi ngay dưới từng dòng bị lỗi." in content
    # The rows keep what was typed, so that it can be put right and sent again.
    assert 'name="period-1-due_on" value="2022-06-01"' in content


def test_a_period_with_reports_cannot_be_deleted(login, plan: Plan) -> None:
    q1 = plan.periods.get(code="q1")
    add_reports(q1, 12)
    before = periods_of(plan)
    response = login("coordinator").post(
        reverse("plan_periods", args=[plan.pk]), form_data(plan, delete={"q1", "9-thang"})
    )
    assert response.status_code == 400
    assert "Kỳ «Quý I» đã có 12 báo cáo nên không xóa được." in page_text(response)
    # The row ticked for deletion is left out of the formset's own error count; not here.
    assert "Có 1 lỗi, ghi ngay dưới dòng bị lỗi." in page_text(response)
    assert periods_of(plan) == before  # 9 tháng, which has none, stays too
    assert ProgressReport.objects.filter(period=q1).count() == 12
    assert period_audits() == []


def test_the_service_names_the_row_of_each_problem(plan: Plan, personas: dict[str, User]) -> None:
    q1 = plan.periods.get(code="q1")
    add_reports(q1, 2)
    rows = [
        PeriodRow(id=q1.pk, delete=True),
        PeriodRow(
            code="q3",
            name="",
            kind="quarter",
            starts_on=date(2022, 6, 15),
            ends_on=date(2022, 9, 14),
            due_on=date(2022, 9, 1),
        ),
    ]
    with pytest.raises(PeriodsInvalid) as raised:
        periods_update(plan=plan, rows=rows, actor=personas["coordinator"], expected_state=None)
    assert [(p.row, p.message) for p in raised.value.problems] == [
        (0, "Kỳ «Quý I» đã có 2 báo cáo nên không xóa được."),
        (1, "Dòng 2: chưa nhập tên kỳ báo cáo."),
        (1, "Dòng 2: hạn gửi báo cáo 01/09/2022 sớm hơn ngày chốt số liệu 14/09/2022."),
    ]


def test_a_period_of_another_plan_cannot_be_changed_from_this_one(
    login, plan: Plan, agencies: dict[str, Any]
) -> None:
    other = factories.make_plan(3, number="100/KH-UBND")
    theirs = other.periods.get(code="q1")
    before = periods_of(other)
    data = form_data(plan)
    data["period-0-id"] = theirs.pk
    data["period-0-name"] = "Đổi trộm"
    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)
    assert response.status_code == 400
    assert "Dòng 1: kỳ báo cáo này không còn trong kế hoạch; hãy tải lại trang." in page_text(
        response
    )
    assert periods_of(other) == before


def test_a_broken_post_is_a_400_that_changes_nothing(login, plan: Plan) -> None:
    before = periods_of(plan)
    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), {})
    assert response.status_code == 400
    assert periods_of(plan) == before


def test_an_unknown_plan_is_a_404(login) -> None:
    assert login("coordinator").get(reverse("plan_periods", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------
# Who may


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "leader", "appraiser"])
def test_only_the_coordinator_and_the_admin_may_change_periods(
    login, plan: Plan, persona: str
) -> None:
    client = login(persona)
    url = reverse("plan_periods", args=[plan.pk])
    before = periods_of(plan)
    assert client.get(url).status_code == 403
    data = form_data(plan, edit={"q1": {"name": "Quý một"}})
    assert client.post(url, data).status_code == 403
    assert periods_of(plan) == before


def test_the_admin_may_change_periods(login, plan: Plan) -> None:
    response = login("admin").post(
        reverse("plan_periods", args=[plan.pk]), form_data(plan, edit={"q1": {"name": "Quý một"}})
    )
    assert response.status_code == 302
    assert plan.periods.get(code="q1").name == "Quý một"


def test_anonymous_users_are_sent_to_login(client: Client, plan: Plan) -> None:
    url = reverse("plan_periods", args=[plan.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    before = periods_of(plan)
    assert client.post(url, form_data(plan, edit={"q1": {"name": "X"}})).status_code == 302
    assert periods_of(plan) == before


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("coordinator", True), ("admin", True), ("officer_a", False), ("leader", False)],
)
def test_the_plan_page_links_the_periods_for_those_who_may_change_them(
    login, plan: Plan, persona: str, shown: bool
) -> None:
    content = page_text(login(persona).get(reverse("plan_detail", args=[plan.pk])))
    assert (f'href="{reverse("plan_periods", args=[plan.pk])}"' in content) is shown


def test_the_page_has_no_inline_script_or_style(login, plan: Plan) -> None:
    data = form_data(plan, edit={"q1": {"due_on": "2022-03-01"}})
    for response in [
        login("coordinator").get(reverse("plan_periods", args=[plan.pk])),
        login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data),
    ]:
        content = page_text(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)
        assert not re.search(r"\son[a-z]+=", content)
        assert "style=" not in content


def test_the_page_reads_the_same_number_of_queries_for_more_periods(login, plan: Plan) -> None:
    client = login("coordinator")
    url = reverse("plan_periods", args=[plan.pk])
    client.get(url)  # the session and the user are warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for month in (4, 5, 7, 8):
        plan.periods.create(
            code=f"t{month}",
            name=f"Tháng {month}",
            kind="quarter",
            starts_on=date(2022, month, 1),
            ends_on=date(2022, month, 28),
            due_on=date(2022, month, 28),
            position=10 + month,
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# ---------------------------------------------------------------------------
# The admin


READ_ONLY = [Assignment, ProgressReport, ReportVersion, Document, DocumentLink]


def _admin_url(model: type, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _reported_plan(plan: Plan, personas: dict[str, User]) -> ProgressReport:
    """A report with a version, a document and a file, so every changelist has a row."""
    from cchc.monitoring.services import DocumentInput, report_get_or_create, report_save

    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=personas["officer_a"].agency)
        .order_by("pk")
        .first()
    )
    assert assignment is not None
    report = report_get_or_create(assignment=assignment, period=plan.periods.get(code="q1"))
    report = report_save(
        report=report,
        actor=personas["officer_a"],
        expected_version=report.version,
        status="in_progress",
        percent=40,
        narrative="Đã rà soát",
        reason="",
        completed_on=None,
        documents=[DocumentInput("12/QĐ-STP", date(2022, 2, 1), "Quyết định rà soát")],
    )
    factories.attach_evidence_row(
        report, filename="minh-chung.pdf", uploaded_by=personas["officer_a"]
    )
    return report


def test_the_admin_lists_periods_and_reports(login, plan: Plan, personas: dict[str, User]) -> None:
    _reported_plan(plan, personas)
    client = login("admin")
    response = client.get(_admin_url(ReportingPeriod, "changelist"))
    assert response.status_code == 200
    assert _admin_url(ReportingPeriod, "add") in page_text(response)
    for model in READ_ONLY:
        response = client.get(_admin_url(model, "changelist"))
        assert response.status_code == 200, model
        assert model.objects.exists(), model
        assert _admin_url(model, "add") not in page_text(response), model
        assert client.get(_admin_url(model, "add")).status_code == 403, model


def test_the_admin_cannot_change_or_delete_a_report(
    login, plan: Plan, personas: dict[str, User]
) -> None:
    report = _reported_plan(plan, personas)
    client = login("admin")
    url = _admin_url(ProgressReport, "change", report.pk)
    response = client.get(url)
    assert response.status_code == 200  # shown, read-only
    assert 'name="percent"' not in page_text(response)
    client.post(url, {"percent": 100, "status": "done"})
    report.refresh_from_db()
    assert report.percent == 40
    assert (
        client.post(_admin_url(ProgressReport, "delete", report.pk), {"post": "yes"}).status_code
        == 403
    )
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def test_the_admin_cannot_delete_a_period_with_reports(
    login, plan: Plan, personas: dict[str, User]
) -> None:
    report = _reported_plan(plan, personas)
    q1, nine = plan.periods.get(code="q1"), plan.periods.get(code="9-thang")
    client = login("admin")
    change_page = page_text(client.get(_admin_url(ReportingPeriod, "change", q1.pk)))
    assert _admin_url(ReportingPeriod, "delete", q1.pk) not in change_page
    response = client.post(_admin_url(ReportingPeriod, "delete", q1.pk), {"post": "yes"})
    assert response.status_code == 403
    # The list's bulk delete does not reach it either: it would delete the reports.
    client.post(
        _admin_url(ReportingPeriod, "changelist"),
        {"action": "delete_selected", "_selected_action": [q1.pk, nine.pk], "post": "yes"},
    )
    assert ReportingPeriod.objects.filter(pk=q1.pk).exists()
    assert ProgressReport.objects.filter(pk=report.pk).exists()
    # One without reports goes, and the audit trail says so.
    response = client.post(_admin_url(ReportingPeriod, "delete", nine.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ReportingPeriod.objects.filter(pk=nine.pk).exists()
    assert AuditRecord.objects.filter(
        action="monitoring.reportingperiod.delete", object_id=str(nine.pk)
    ).exists()


def test_the_admin_refuses_a_due_date_before_the_cut_off_in_words(login, plan: Plan) -> None:
    q1 = plan.periods.get(code="q1")
    client = login("admin")
    data = {name: getattr(q1, name) for name in FIELDS} | {"plan": plan.pk, "due_on": "2022-03-01"}
    response = client.post(_admin_url(ReportingPeriod, "change", q1.pk), data)
    assert response.status_code == 200  # the form again, with the error
    content = page_text(response)
    assert "Kỳ «Quý I»: hạn gửi báo cáo 01/03/2022 sớm hơn ngày chốt số liệu 14/03/2022." in content
    assert "period_due_after_cutoff" not in content
    q1.refresh_from_db()
    assert q1.due_on == date(2022, 3, 15)


def test_an_admin_change_of_a_period_is_audited(login, plan: Plan) -> None:
    q1 = plan.periods.get(code="q1")
    client = login("admin")
    data = {name: getattr(q1, name) for name in FIELDS} | {"plan": plan.pk, "due_on": "2022-03-20"}
    response = client.post(_admin_url(ReportingPeriod, "change", q1.pk), data)
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="monitoring.reportingperiod.update")
    assert (record.before, record.after) == ({"due_on": "2022-03-15"}, {"due_on": "2022-03-20"})


def test_dates_are_shown_and_typed_as_day_month_year(login: Any, plan: Plan) -> None:
    page = page_text(login("coordinator").get(reverse("plan_periods", args=[plan.pk])))
    assert 'value="14/03/2022"' in page and 'placeholder="dd/mm/yyyy"' in page
    data = form_data(plan, edit={"q1": {"ends_on": "10/03/2022"}})
    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)
    assert response.status_code == 302
    assert plan.periods.get(code="q1").ends_on == date(2022, 3, 10)


def test_replacing_the_plan_keeps_the_periods_the_coordinator_set(login: Any, plan: Plan) -> None:
    from cchc.plans.services import plan_document, plan_import

    data = form_data(plan, delete={"9-thang"}, edit={"q1": {"ends_on": "10/03/2022"}})
    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)
    assert response.status_code == 302
    before = periods_of(plan)
    plan_import(document=plan_document(plan), replace=True)
    assert periods_of(plan) == before
    assert not plan.periods.filter(code="9-thang").exists()


def test_a_save_over_someone_elses_change_is_refused_and_changes_nothing(
    login: Any, plan: Plan, personas: dict[str, User]
) -> None:
    """Two coordinators open the page; the first saves; the second's save must not undo
    it without being told."""
    url = reverse("plan_periods", args=[plan.pk])
    page = page_text(login("coordinator").get(url))
    state = re.search(r'name="state" value="([0-9a-f]+)"', page)
    assert state is not None
    stale = form_data(plan, edit={"q1": {"due_on": "20/03/2022"}})
    periods_update(
        plan=plan,
        rows=[
            PeriodRow(
                id=plan.periods.get(code="q1").pk,
                code="q1",
                name="Quý I (sửa)",
                kind="quarter",
                starts_on=date(2021, 12, 15),
                ends_on=date(2022, 3, 14),
                due_on=date(2022, 3, 16),
                position=0,
            )
        ],
        actor=personas["coordinator"],
        expected_state=None,
    )
    before, audits = periods_of(plan), len(period_audits())
    response = login("coordinator").post(url, {**stale, "state": state.group(1)})
    assert response.status_code == 400
    assert "vừa được người khác thay đổi nên chưa lưu gì" in page_text(response)
    assert periods_of(plan) == before and len(period_audits()) == audits
    assert f'name="state" value="{state.group(1)}"' in page_text(response)
    # Reloaded, the page carries the new state and the same change saves.
    fresh = re.search(r'name="state" value="([0-9a-f]+)"', page_text(login("coordinator").get(url)))
    assert fresh is not None and fresh.group(1) != state.group(1)
    data = form_data(plan, edit={"q1": {"due_on": "20/03/2022"}})
    response = login("coordinator").post(url, {**data, "state": fresh.group(1)})
    assert response.status_code == 302
    assert plan.periods.get(code="q1").due_on == date(2022, 3, 20)


# ---------------------------------------------------------------------------
# What the page offers, and the fingerprint it must send back


@pytest.mark.parametrize("state", [None, "", "   "])
def test_a_save_without_the_state_fingerprint_is_refused_and_changes_nothing(
    login: Any, plan: Plan, state: str | None
) -> None:
    """The stale-save check cannot be skipped by leaving the field out."""
    data = form_data(plan, edit={"q1": {"ends_on": "10/03/2022"}}, new=QUARTER_III)
    if state is None:
        del data["state"]
    else:
        data["state"] = state
    before = periods_of(plan)

    response = login("coordinator").post(reverse("plan_periods", args=[plan.pk]), data)

    assert response.status_code == 400
    content = page_text(response)
    assert "Chưa lưu thay đổi nào." in content
    assert "thiếu dấu phiên bản của các kỳ báo cáo nên chưa lưu gì" in content
    assert periods_of(plan) == before and period_audits() == []
    # The page shows the periods as stored, with their fingerprint, ready to be edited.
    assert 'name="period-0-ends_on" value="14/03/2022"' in content
    fresh = re.search(r'name="state" value="([0-9a-f]+)"', content)
    assert fresh is not None and fresh.group(1) == periods_state(plan.periods.all())


def test_the_page_shows_periods_by_their_names_and_the_code_after(login, plan: Plan) -> None:
    content = page_text(login("coordinator").get(reverse("plan_periods", args=[plan.pk])))
    head = content[content.index("<thead>") : content.index("</thead>")]
    assert head.index("Tên kỳ") < head.index("Loại kỳ") < head.index("Mã viết tắt")
    first_row = content[content.index('class="period-row') :]
    first_row = first_row[: first_row.index("</tr>")]
    # The name comes first in the row; the code is a small field near the end.
    assert first_row.index('value="Quý I"') < first_row.index('value="q1"')
    # The kind is shown by its Vietnamese name.
    assert '<option value="half_year" selected>6 tháng</option>' in content


def test_no_delete_box_is_offered_on_a_period_with_reports(login, plan: Plan) -> None:
    add_reports(plan.periods.get(code="q1"), 2)
    content = page_text(login("coordinator").get(reverse("plan_periods", args=[plan.pk])))
    boxes = re.findall(r'name="period-(\d+)-DELETE"', content)
    order = list(plan.periods.order_by("position", "pk").values_list("code", flat=True))
    assert [order[int(i)] for i in boxes] == ["6-thang", "9-thang", "nam"]
    assert content.count("Không xóa được: đã có báo cáo") == 1
