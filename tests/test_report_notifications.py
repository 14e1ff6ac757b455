"""People are told when a report moves: the head when a draft waits for them, the
coordinator when a report is sent, the writers when it is returned or approved; in the
app at once and in the next daily mail, each event once."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.plans.models import Plan
from cchc.reminders.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)
STATE = ProgressReport.State
KIND = Notification.Kind


@pytest.fixture(autouse=True)
def _clock(settings: Any) -> None:
    settings.CCHC_TODAY = TODAY


@pytest.fixture
def people(personas: dict[str, User], agencies: dict[str, Agency]) -> dict[str, User]:
    """The personas with addresses, plus the people who must NOT hear of agency A's report:
    a second officer of A who never wrote it, the head of B, and a deactivated head of A;
    and a second coordinator, who must."""
    extra = {
        "officer_a2": factories.make_user("officer_a2", Role.OFFICER, agencies["a"]),
        "head_b": factories.make_user("head_b", Role.HEAD, agencies["b"]),
        "head_a_gone": factories.make_user("head_a_gone", Role.HEAD, agencies["a"]),
        "coordinator2": factories.make_user("coordinator2", Role.COORDINATOR, agencies["home"]),
    }
    extra["head_a_gone"].is_active = False
    extra["head_a_gone"].save()
    everyone = {**personas, **extra}
    for name, user in everyone.items():
        user.email = f"{name}@example.vn"
        user.save()
    return everyone


def _assignment(plan: Plan, agency: Agency) -> Assignment:
    return Assignment.objects.filter(activity__plan=plan, agency=agency, role="lead").order_by(
        "pk"
    )[0]


def _form(version: int, **fields: Any) -> dict[str, Any]:
    data = {
        "version": version,
        "status": "in_progress",
        "percent": 40,
        "reason": "",
        "narrative": "Đã rà soát 12 thủ tục hành chính.",
        "completed_on": "",
        "doc-TOTAL_FORMS": 0,
        "doc-INITIAL_FORMS": 0,
        "doc-MIN_NUM_FORMS": 0,
        "doc-MAX_NUM_FORMS": 1000,
        "then": "save",
    }
    data.update(fields)
    return data


def _notices() -> list[tuple[str, str]]:
    return sorted(Notification.objects.values_list("user__username", "kind"))


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """run("--today", "2022-03-26"): the daily command, its mail sent as after a commit."""

    def _run(*args: str) -> None:
        with django_capture_on_commit_callbacks(execute=True), open("/dev/null", "w") as out:
            call_command("send_reminders", *args, stdout=out)

    return _run


def _page(client: Client, user: User) -> str:
    client.force_login(user)
    html = client.get(reverse("notifications")).content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_full_cycle_tells_exactly_the_right_people_once_each(
    plan: Plan, agencies: dict[str, Agency], people: dict[str, User], client: Client
) -> None:
    item = _assignment(plan, agencies["a"])
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    save_url = reverse("report_save", args=[item.pk, period.pk])
    review_url = reverse("report_review", args=[item.pk, period.pk])
    report_url = reverse("report_detail", args=[item.pk, period.pk])

    # The officer saves a draft three times: the head hears of it once.
    client.force_login(people["officer_a"])
    for version, percent in [(None, 20), (2, 30), (3, 40)]:
        response = client.post(save_url, _form(version or 1, percent=percent))
        assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=item, period=period)
    assert report.version == 4
    assert _notices() == [("head_a", KIND.REPORT_READY)]
    head_page = _page(client, people["head_a"])
    assert "Báo cáo chờ lãnh đạo gửi" in head_page and item.activity.title[:40] in head_page
    assert report_url in client.get(reverse("notifications")).content.decode()

    # The head sends it: both coordinators hear of it; the head's notice is settled.
    client.post(reverse("report_drafts_submit"), {"report": f"{report.pk}:{report.version}"})
    report.refresh_from_db()
    assert report.state == STATE.SUBMITTED
    assert _notices() == [
        ("coordinator", KIND.REPORT_SENT),
        ("coordinator2", KIND.REPORT_SENT),
        ("head_a", KIND.REPORT_READY),
    ]
    assert Notification.objects.get(user=people["head_a"]).read_at is not None
    assert "Sở Tư pháp gửi báo cáo chờ duyệt" in _page(client, people["coordinator"])

    # The coordinator returns it: the officer who wrote it is told, with the comment.
    client.force_login(people["coordinator"])
    client.post(
        review_url,
        {"version": report.version, "decision": "return", "comment": "Bổ sung số liệu quý II."},
    )
    report.refresh_from_db()
    assert report.state == STATE.RETURNED
    returned = Notification.objects.get(kind=KIND.REPORT_RETURNED)
    assert returned.user == people["officer_a"]
    # The review settles the coordinators' notices, for the one who did not review too.
    assert not Notification.objects.filter(kind=KIND.REPORT_SENT, read_at__isnull=True).exists()
    officer_page = _page(client, people["officer_a"])
    assert "Báo cáo bị trả lại" in officer_page and "Bổ sung số liệu quý II." in officer_page

    # The officer fixes and resends it (an officer may resend a returned report), and
    # the coordinator approves it.
    client.force_login(people["officer_a"])
    client.post(save_url, _form(report.version, percent=60, then="submit"))
    report.refresh_from_db()
    assert report.state == STATE.SUBMITTED
    client.force_login(people["coordinator2"])
    client.post(review_url, {"version": report.version, "decision": "approve", "comment": ""})
    report.refresh_from_db()
    assert report.state == STATE.APPROVED

    assert _notices() == [
        ("coordinator", KIND.REPORT_SENT),
        ("coordinator", KIND.REPORT_SENT),
        ("coordinator2", KIND.REPORT_SENT),
        ("coordinator2", KIND.REPORT_SENT),
        ("head_a", KIND.REPORT_READY),
        ("officer_a", KIND.REPORT_APPROVED),
        ("officer_a", KIND.REPORT_RETURNED),
    ]
    assert "Báo cáo đã được duyệt" in _page(client, people["officer_a"])
    for nobody in ("officer_a2", "head_b", "officer_b", "leader", "admin", "appraiser"):
        assert "Chưa có thông báo nào." in _page(client, people[nobody])


def test_the_daily_mail_carries_each_unread_event_once_in_vietnamese(
    plan: Plan, agencies: dict[str, Agency], people: dict[str, User], client: Client, run: Any
) -> None:
    item = _assignment(plan, agencies["a"])
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    client.force_login(people["officer_a"])
    client.post(reverse("report_save", args=[item.pk, period.pk]), _form(1))

    run()
    to_head = [m for m in mail.outbox if m.to == ["head_a@example.vn"]]
    assert len(to_head) == 1
    message = to_head[0]
    assert message.subject == "[CCHC] Tin mới về báo cáo ngày 25/03/2022: 1 tin"
    assert "Kính gửi head_a" in message.body
    assert "Báo cáo chờ lãnh đạo gửi: «" in message.body
    assert "Người thực hiện: officer_a" in message.body
    assert reverse("report_detail", args=[item.pk, period.pk]) in message.body
    html = message.alternatives[0][0]  # type: ignore[index]
    assert "Báo cáo chờ lãnh đạo gửi" in html
    # The deactivated head, the other agency's head and the officers get no such mail.
    assert not [m for m in mail.outbox if "Tin mới về báo cáo" in m.subject and m is not message]

    # A second run the same day, and the next day, mail nothing again.
    mail.outbox.clear()
    run()
    run("--today", "2022-03-26")
    assert not [m for m in mail.outbox if "Tin mới về báo cáo" in m.subject]


def test_an_event_read_in_the_app_before_the_run_is_not_mailed(
    plan: Plan, agencies: dict[str, Agency], people: dict[str, User], client: Client, run: Any
) -> None:
    item = _assignment(plan, agencies["a"])
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    client.force_login(people["officer_a"])
    client.post(reverse("report_save", args=[item.pk, period.pk]), _form(1))
    client.force_login(people["head_a"])
    client.post(reverse("notifications_read_all"))

    run()
    assert not [m for m in mail.outbox if "Tin mới về báo cáo" in m.subject]


def test_a_head_who_saves_and_an_officer_who_may_resend_tell_no_head(
    plan: Plan, agencies: dict[str, Agency], people: dict[str, User], client: Client
) -> None:
    item = _assignment(plan, agencies["a"])
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    client.force_login(people["head_a"])
    client.post(reverse("report_save", args=[item.pk, period.pk]), _form(1))
    assert ProgressReport.objects.get(assignment=item, period=period).version == 2
    assert not Notification.objects.exists()


def test_a_refused_save_tells_nobody(
    plan: Plan, agencies: dict[str, Agency], people: dict[str, User], client: Client
) -> None:
    item = _assignment(plan, agencies["a"])
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    client.force_login(people["officer_a"])
    # "Không thực hiện" without a reason is refused: no draft, no notice.
    response = client.post(
        reverse("report_save", args=[item.pk, period.pk]),
        _form(1, status="not_done", percent=0, reason=""),
    )
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_the_demo_story_leaves_unread_only_what_still_waits_and_mails_none_of_it(
    plan: Plan, people: dict[str, User], run: Any
) -> None:
    from cchc.monitoring.demo import demo_progress_fill

    demo_progress_fill(plan)
    notices = list(Notification.objects.filter(kind__in=Notification.REPORT_KINDS))
    assert {n.kind for n in notices} >= {KIND.REPORT_SENT, KIND.REPORT_APPROVED}
    waiting = {
        KIND.REPORT_READY: STATE.DRAFT,
        KIND.REPORT_SENT: STATE.SUBMITTED,
        KIND.REPORT_RETURNED: STATE.RETURNED,
    }
    states = dict(ProgressReport.objects.values_list("pk", "state"))
    for notice in notices:
        # Dated in the story's half-year, never on the day the demo was loaded.
        assert date(plan.year, 1, 1) <= notice.sent_on <= date(plan.year, 7, 10)
        assert notice.mailed_on == notice.sent_on
        if notice.read_at is None:
            assert waiting.get(notice.kind) == states[notice.items[0]["report"]], notice.title
    assert any(n.read_at is None for n in notices)
    run()
    assert not [m for m in mail.outbox if "Tin mới về báo cáo" in m.subject]
