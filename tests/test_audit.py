"""Every change of state leaves one audit record, the same whichever way it was made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import ApiToken, Role, User
from cchc.agencies.models import Agency
from cchc.audit.log import log_action
from cchc.audit.models import AuditRecord
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.services import ReportError, report_get_or_create, report_save
from cchc.plans.formats import write_json
from cchc.plans.models import Activity, Plan
from cchc.plans.services import ScheduleNotDated, activity_set_schedule, plan_import
from tests.factories import synthetic_document

COMPARED = ("action", "object_type", "object_label", "before", "after")


def _trail(record: AuditRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in COMPARED}


def test_an_import_through_the_api_and_through_the_cli_leaves_the_same_trail(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    data = write_json(synthetic_document(6, number="7/KH-UBND"))
    path = tmp_path / "ke-hoach.json"
    path.write_bytes(data)

    call_command("import_plan", str(path))
    by_cli = AuditRecord.objects.get(action="plan.import")
    Plan.objects.all().delete()

    client = Client()
    _token, key = ApiToken.issue(user=personas["coordinator"], name="báo cáo")
    response = client.post(
        "/api/plans/import", {"file": _upload(data)}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 202, response.content
    by_api = AuditRecord.objects.filter(action="plan.import").exclude(pk=by_cli.pk).get()

    assert _trail(by_api) == _trail(by_cli)
    assert (by_cli.source, by_cli.actor, by_cli.actor_label) == ("cli", None, "")
    # The API hands the file to a background job: the trail names the job as the source
    # and the person who asked for it as the actor.
    assert (by_api.source, by_api.actor, by_api.actor_label) == (
        "job",
        personas["coordinator"],
        "coordinator",
    )
    assert by_api.after["activities"] == 8 and by_api.before is None


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ke-hoach.json", data, content_type="application/json")


def test_replacing_a_plan_records_what_it_was_before(agencies: dict[str, Agency]) -> None:
    plan_import(document=synthetic_document(6))
    plan_import(document=synthetic_document(9), replace=True, source="system")
    record = AuditRecord.objects.get(action="plan.replace")
    assert record.before["tasks"] == 6 and record.after["tasks"] == 9
    assert record.source == "system"


def test_a_failed_import_records_nothing(agencies: dict[str, Agency]) -> None:
    document = synthetic_document(3)
    document.areas[0].tasks[0].activities[0].lead = ["Sở Không Có"]
    with pytest.raises(Exception):  # noqa: B017 - PlanImportError, whatever its message
        plan_import(document=document)
    assert not AuditRecord.objects.exists()


def _undated(plan: Plan) -> Activity:
    return Activity.objects.filter(plan=plan, needs_date=True).order_by("pk").first()  # type: ignore[return-value]


def test_setting_a_schedule_dates_the_activity_and_records_before_and_after(
    plan: Plan, personas: dict[str, User]
) -> None:
    activity = _undated(plan)
    schedule = activity_set_schedule(
        activity=activity, phrase=" Quý II ", actor=personas["coordinator"], source="web"
    )
    activity.refresh_from_db()
    assert [d.isoformat() for d in schedule.due_dates] == ["2022-06-30"]
    assert activity.deadline == "Theo quy định"  # the plan's wording is kept
    assert (activity.needs_date, activity.deadline_kind, activity.first_due.isoformat()) == (
        False,
        "quarter",
        "2022-06-30",
    )
    assert list(activity.due_dates.values_list("due_on", flat=True)) == [schedule.due_dates[0]]
    record = AuditRecord.objects.get(action="activity.set_schedule")
    assert record.before == {
        "deadline": "Theo quy định",
        "deadline_kind": "undated",
        "recurring": "",
        "needs_date": True,
        "first_due": None,
        "due_dates": [],
    }
    assert record.after == {
        "deadline": "Theo quy định",
        "deadline_kind": "quarter",
        "recurring": "",
        "needs_date": False,
        "first_due": "2022-06-30",
        "due_dates": ["2022-06-30"],
        "phrase": "Quý II",
    }
    assert (record.actor, record.source, record.object_id) == (
        personas["coordinator"],
        "web",
        str(activity.pk),
    )


def test_a_phrase_without_a_date_is_refused_in_vietnamese_and_changes_nothing(
    plan: Plan, personas: dict[str, User]
) -> None:
    activity = _undated(plan)
    with pytest.raises(ScheduleNotDated, match="Không đọc được ngày từ «Theo kế hoạch»"):
        activity_set_schedule(
            activity=activity, phrase="Theo kế hoạch", actor=personas["coordinator"], source="web"
        )
    activity.refresh_from_db()
    assert activity.needs_date
    assert not AuditRecord.objects.filter(action="activity.set_schedule").exists()


def test_account_changes_are_recorded_without_the_password(agencies: dict[str, Agency]) -> None:
    user = User(username="moi", role=Role.OFFICER, agency=agencies["a"])
    user.set_password("mật khẩu thứ nhất 2022")
    user.save()
    user.role = Role.HEAD
    user.is_active = False
    user.save()
    user.set_password("mật khẩu thứ hai 2022")
    user.save()
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    actions = list(AuditRecord.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["user.create", "user.update", "user.password_change"]
    update = AuditRecord.objects.get(action="user.update")
    assert update.before == {"role": "officer", "is_active": True}
    assert update.after == {"role": "head", "is_active": False}
    assert all("password" not in str(r.after) for r in AuditRecord.objects.all())


def test_issuing_and_revoking_a_token_is_recorded_with_its_source(
    personas: dict[str, User],
) -> None:
    AuditRecord.objects.all().delete()
    call_command("create_api_token", "coordinator", "Hệ thống báo cáo", stdout=_Null())
    token = ApiToken.objects.get()
    from django.utils import timezone

    token.revoked_at = timezone.now()
    token.save()
    issue, revoke = AuditRecord.objects.order_by("pk")
    assert (issue.action, issue.source) == ("api_token.issue", "cli")
    assert issue.after == {
        "name": "Hệ thống báo cáo",
        "prefix": token.prefix,
        "user": "coordinator",
    }
    assert revoke.action == "api_token.revoke"


def test_a_change_in_the_admin_names_the_administrator(
    client: Client, personas: dict[str, User]
) -> None:
    client.force_login(personas["admin"])
    officer = personas["officer_b"]
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        role="head",
        agency=officer.agency_id,
        is_active="on",
        username=officer.username,
        date_joined_0="2022-01-01",
        date_joined_1="08:00:00",
        groups=[],
        user_permissions=[],
    )
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = AuditRecord.objects.get(action="user.update", object_id=str(officer.pk))
    assert (record.actor, record.source) == (personas["admin"], "web")
    assert record.after == {"role": "head"}


def test_the_audit_trail_cannot_be_edited_in_the_admin(
    client: Client, personas: dict[str, User]
) -> None:
    record = log_action(
        actor=None, action="test", obj=None, before=None, after={"a": 1}, source="system"
    )
    client.force_login(personas["admin"])
    change = reverse("admin:audit_auditrecord_change", args=[record.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"action": "sửa"})
    record.refresh_from_db()
    assert record.action == "test"
    assert client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:audit_auditrecord_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_an_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown audit source"):
        log_action(actor=None, action="x", obj=None, before=None, after=None, source="email")  # type: ignore[arg-type]


class _Null:
    def write(self, *args: object) -> None:
        pass

    def flush(self) -> None:
        pass


def test_a_report_through_the_pages_and_through_the_api_leaves_the_same_trail(
    plan: Plan,
    personas: dict[str, User],
    agencies: dict[str, Agency],
    settings: Any,
    tmp_path: Path,
) -> None:
    """Draft, send, return, resend, approve: once by page, once by API, same records."""
    settings.MEDIA_ROOT = tmp_path / "files"
    first, second = Assignment.objects.filter(
        activity__plan=plan, agency=agencies["a"], role="lead"
    ).order_by("pk")[:2]
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    AuditRecord.objects.all().delete()

    def page(persona: str, name: str, data: dict[str, Any]) -> None:
        client = Client()
        client.force_login(personas[persona])
        response = client.post(reverse(name, args=[first.pk, period.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]

    def version() -> int:
        return ProgressReport.objects.get(assignment=first, period=period).version

    page(
        "officer_a",
        "report_save",
        {
            "version": 1,
            "status": "in_progress",
            "percent": 40,
            "reason": "",
            "narrative": "Đã rà soát 12 thủ tục.",
            "completed_on": "",
            "then": "save",
            "doc-TOTAL_FORMS": 1,
            "doc-INITIAL_FORMS": 0,
            "doc-MIN_NUM_FORMS": 0,
            "doc-MAX_NUM_FORMS": 1000,
            "doc-0-number": "15/QĐ-STP",
            "doc-0-issued_on": "2022-03-01",
            "doc-0-summary": "Kế hoạch rà soát",
        },
    )
    page("head_a", "report_submit", {"version": version()})
    page(
        "coordinator",
        "report_review",
        {"version": version(), "decision": "return", "comment": "Bổ sung minh chứng."},
    )
    page("officer_a", "report_submit", {"version": version()})
    page(
        "coordinator", "report_review", {"version": version(), "decision": "approve", "comment": ""}
    )

    def api(persona: str, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        _token, key = ApiToken.issue(user=personas[persona], name="đồng bộ")
        response = Client().generic(
            method,
            url,
            json.dumps(body),
            "application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code in (200, 201), response.content
        return response.json()  # type: ignore[no-any-return]

    report = api("officer_a", "POST", f"/api/assignments/{second.pk}/reports/{period.pk}", {})
    base = f"/api/reports/{report['id']}"
    report = api(
        "officer_a",
        "PUT",
        base,
        {
            "status": "in_progress",
            "percent": 40,
            "narrative": "Đã rà soát 12 thủ tục.",
            "version": report["version"],
            "documents": [
                {"number": "15/QĐ-STP", "issued_on": "2022-03-01", "summary": "Kế hoạch rà soát"}
            ],
        },
    )
    report = api("head_a", "POST", f"{base}/submit", {"version": report["version"]})
    report = api(
        "coordinator",
        "POST",
        f"{base}/review",
        {"approve": False, "comment": "Bổ sung minh chứng.", "version": report["version"]},
    )
    report = api("officer_a", "POST", f"{base}/submit", {"version": report["version"]})
    api("coordinator", "POST", f"{base}/review", {"approve": True, "version": report["version"]})

    def trail(assignment: Assignment) -> list[tuple[Any, ...]]:
        pk = str(ProgressReport.objects.get(assignment=assignment, period=period).pk)
        records = AuditRecord.objects.filter(
            object_type="monitoring.progressreport", object_id=pk
        ).order_by("pk")
        return [(r.action, r.actor, r.before, r.after) for r in records]

    by_page, by_api = trail(first), trail(second)
    assert [step[:2] for step in by_page] == [
        ("report.save", personas["officer_a"]),
        ("report.submit", personas["head_a"]),
        ("report.return", personas["coordinator"]),
        ("report.submit", personas["officer_a"]),
        ("report.approve", personas["coordinator"]),
    ]
    assert by_api == by_page

    def sources(assignment: Assignment) -> set[str]:
        pk = ProgressReport.objects.get(assignment=assignment, period=period).pk
        records = AuditRecord.objects.filter(
            object_type="monitoring.progressreport", object_id=str(pk)
        )
        return set(records.values_list("source", flat=True))

    assert (sources(first), sources(second)) == ({"web"}, {"api"})
    returned = by_page[2]
    assert returned[2]["state"] == "submitted" and returned[3]["state"] == "returned"
    assert returned[3]["review_comment"] == "Bổ sung minh chứng."
    assert by_page[0][3]["documents"] == [
        {"number": "15/QĐ-STP", "issued_on": "2022-03-01", "summary": "Kế hoạch rà soát"}
    ]


def test_a_refused_report_change_leaves_no_record(
    plan: Plan, personas: dict[str, User], agencies: dict[str, Agency]
) -> None:
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    assert assignment is not None
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    report = report_get_or_create(assignment=assignment, period=period)
    AuditRecord.objects.all().delete()
    with pytest.raises(ReportError):
        report_save(
            report=report,
            actor=personas["officer_b"],
            expected_version=1,
            status="in_progress",
            percent=10,
        )
    with pytest.raises(ReportError):
        report_save(
            report=report,
            actor=personas["officer_a"],
            expected_version=7,
            status="in_progress",
            percent=10,
        )
    assert not AuditRecord.objects.exists()


def _admin_form_data(page: Any) -> dict[str, Any]:
    """What the admin change page would post back unchanged: the form and its inlines."""
    data: dict[str, Any] = {}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or name == "password":
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = (
                field.widget.format_value(value)
                if hasattr(field.widget, "format_value") and not isinstance(value, int | str)
                else value
            )
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, sub in enumerate(formset.initial_forms):
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and value is not False:
                    data[f"{formset.prefix}-{index}-{name}"] = "on" if value is True else str(value)
    return data


def test_changes_in_the_admin_are_recorded_with_before_and_after(
    client: Client, personas: dict[str, User]
) -> None:
    from cchc.reminders.models import CalendarDay

    client.force_login(personas["admin"])
    AuditRecord.objects.all().delete()
    add = reverse("admin:reminders_calendarday_add")
    response = client.post(
        add, {"date": "2022-09-05", "kind": "holiday", "name": "Nghỉ bù Quốc khánh"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date="2022-09-05")
    change = reverse("admin:reminders_calendarday_change", args=[day.pk])
    response = client.post(change, {"date": "2022-09-05", "kind": "workday", "name": "Làm bù"})
    assert response.status_code == 302
    response = client.post(
        reverse("admin:reminders_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    created, updated, deleted = AuditRecord.objects.order_by("pk")
    assert (created.action, created.before, created.after) == (
        "reminders.calendarday.create",
        None,
        {"date": "2022-09-05", "kind": "holiday", "name": "Nghỉ bù Quốc khánh"},
    )
    assert (updated.action, updated.before, updated.after) == (
        "reminders.calendarday.update",
        {"kind": "holiday", "name": "Nghỉ bù Quốc khánh"},
        {"kind": "workday", "name": "Làm bù"},
    )
    assert (deleted.action, deleted.after) == ("reminders.calendarday.delete", None)
    assert deleted.before["name"] == "Làm bù"
    assert {r.actor for r in (created, updated, deleted)} == {personas["admin"]}
    assert {r.source for r in (created, updated, deleted)} == {"web"}


def test_renaming_an_agency_in_the_admin_is_recorded_once_by_the_service(
    client: Client, personas: dict[str, User], agencies: dict[str, Agency]
) -> None:
    agency = agencies["b"]
    old_name = agency.name
    client.force_login(personas["admin"])
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    data = _admin_form_data(client.get(url))
    data["name"] = "Sở Xây dựng và Quy hoạch"
    AuditRecord.objects.all().delete()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    agency.refresh_from_db()
    assert agency.name == "Sở Xây dựng và Quy hoạch"
    records = list(AuditRecord.objects.filter(object_type="agencies.agency"))
    assert [(r.action, r.before, r.after["name"]) for r in records] == [
        ("agency.rename", {"name": old_name}, "Sở Xây dựng và Quy hoạch")
    ]
    assert (records[0].actor, records[0].source) == (personas["admin"], "web")


def test_a_new_calendar_feed_url_is_recorded_without_its_secret(
    client: Client, personas: dict[str, User], agencies: dict[str, Agency]
) -> None:
    from cchc.reminders.services import calendar_feed_regenerate

    AuditRecord.objects.all().delete()
    first = calendar_feed_regenerate(agency=agencies["a"], actor=personas["officer_a"])
    second = calendar_feed_regenerate(agency=agencies["a"], actor=personas["officer_a"])
    records = list(AuditRecord.objects.filter(action="calendar_feed.regenerate").order_by("pk"))
    assert [(r.before, r.after) for r in records] == [
        ({"active_feeds": 0}, {"active_feeds": 1}),
        ({"active_feeds": 1}, {"active_feeds": 1}),
    ]
    assert {(r.actor, r.source) for r in records} == {(personas["officer_a"], "system")}
    trail = json.dumps([[r.before, r.after, r.object_label] for r in records])
    assert first.token not in trail and second.token not in trail
