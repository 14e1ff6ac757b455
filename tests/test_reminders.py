"""The daily reminder run, told with a fixed clock: Monday 14 March 2022 unless a test says.

Agency A (Sở Tư pháp) leads activities due on 21/3 (7 days on), 20/3 (6 days on, never
a reminder day), 17/3 (3 days), 15/3 (1 day) and 10/3 (4 days overdue), plus one due on
1/3 that it has reported done and had approved. Agency B (Sở Xây dựng) leads one due on
2/3 (12 days overdue) and one ongoing ("Thường xuyên").
"""

from __future__ import annotations

import unicodedata
from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import Role, User
from cchc.accounts.throttle import ThrottledModelBackend
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.plans.interchange import ActivityRow, AreaRow, PlanDocument, PlanHeader, TaskRow
from cchc.plans.models import Plan
from cchc.plans.services import plan_import
from cchc.reminders.context import notifications as notifications_context
from cchc.reminders.models import Notification, ReminderLog
from cchc.reminders.services import reminders_open_items, reminders_plan, reminders_send
from tests import factories

MONDAY = date(2022, 3, 14)

ACTIVITIES = [
    # (title, lead, deadline)
    ("Bảy ngày nữa", "Sở Tư pháp", "Ngày 21/03/2022"),
    ("Sáu ngày nữa", "Sở Tư pháp", "Ngày 20/03/2022"),
    ("Ba ngày nữa", "Sở Tư pháp", "Ngày 17/03/2022"),
    ("Một ngày nữa", "Sở Tư pháp", "Ngày 15/03/2022"),
    ("Quá hạn bốn ngày", "Sở Tư pháp", "Ngày 10/03/2022"),
    ("Đã hoàn thành và được duyệt", "Sở Tư pháp", "Ngày 01/03/2022"),
    ("Xây dựng quá hạn mười hai ngày", "Sở Xây dựng", "Ngày 02/03/2022"),
    ("Việc thường xuyên", "Sở Xây dựng", "Thường xuyên"),
]


def reminder_document(number: str = "7/KH-UBND") -> PlanDocument:
    area = AreaRow(code="I", title="Cải cách thể chế")
    for index, (title, lead, deadline) in enumerate(ACTIVITIES, start=1):
        area.tasks.append(
            TaskRow(
                number=str(index),
                title=f"Nhiệm vụ {index}",
                activities=[
                    ActivityRow(title=title, outputs="Báo cáo", lead=[lead], deadline=deadline)
                ],
            )
        )
    header = PlanHeader(
        issuer="UBND tỉnh Thử Nghiệm",
        number=number,
        year=2022,
        issued_on=date(2021, 12, 20),
        title="Kế hoạch CCHC năm 2022",
    )
    return PlanDocument(header=header, areas=[area])


def assignment(title: str) -> Assignment:
    return Assignment.objects.get(activity__title=title)


def report(title: str, *, status: str, state: str) -> ProgressReport:
    target = assignment(title)
    period = target.activity.plan.periods.order_by("position").first()
    done = status == ProgressReport.Status.DONE
    return ProgressReport.objects.create(
        assignment=target,
        period=period,
        status=status,
        percent=100 if done else 40,
        completed_on=date(2022, 2, 28) if done else None,
        state=state,
        reason="Không còn phù hợp" if status == ProgressReport.Status.NOT_DONE else "",
    )


@pytest.fixture
def world(agencies: dict[str, Agency], personas: dict[str, User]) -> dict[str, object]:
    for name, user in personas.items():
        user.email = f"{name}@cchc.example"
        user.save()
    agencies["a"].email = "sotuphap@cchc.example"
    agencies["a"].save()
    plan = plan_import(document=reminder_document())
    report(
        "Đã hoàn thành và được duyệt",
        status=ProgressReport.Status.DONE,
        state=ProgressReport.State.APPROVED,
    )
    return {"plan": plan, "agencies": agencies, "personas": personas}


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run(day) runs the reminders as cron would: mail goes out when the run commits."""

    def _run(day: date = MONDAY, **kwargs: object):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_send(today=day, **kwargs)

    return _run


def digest_to(address: str) -> mail.EmailMessage:
    found = [m for m in mail.outbox if address in m.to]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def titles(message: mail.EmailMessage) -> set[str]:
    return {title for title, *_ in ACTIVITIES if title in message.body}


# --- what is sent on which day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 3, 2), set()),  # nothing is 7, 3 or 1 days away, nothing overdue
        (date(2022, 3, 3), {"Quá hạn bốn ngày"}),  # 10/3 is 7 days on
        (date(2022, 3, 8), {"Một ngày nữa"}),  # 15/3 is 7 days on
        (date(2022, 3, 9), {"Quá hạn bốn ngày"}),  # 10/3 is tomorrow
        (date(2022, 3, 10), {"Ba ngày nữa"}),  # 17/3 is 7 days on; 10/3 is due today
        (date(2022, 3, 11), {"Quá hạn bốn ngày"}),  # overdue by 1 day
        (date(2022, 3, 12), {"Một ngày nữa", "Quá hạn bốn ngày"}),
        (date(2022, 3, 13), {"Sáu ngày nữa", "Quá hạn bốn ngày"}),  # 20/3 is 7 days on
        (date(2022, 3, 14), {"Bảy ngày nữa", "Ba ngày nữa", "Một ngày nữa", "Quá hạn bốn ngày"}),
        (date(2022, 3, 15), {"Quá hạn bốn ngày"}),  # 15/3 due today: not a reminder day
        (date(2022, 3, 18), {"Bảy ngày nữa", "Ba ngày nữa", "Một ngày nữa", "Quá hạn bốn ngày"}),
    ],
)
def test_agency_a_is_reminded_of_exactly_what_falls_due_that_day(
    world, run, day: date, expected: set[str]
) -> None:
    run(day)
    a_mail = [m for m in mail.outbox if "officer_a@cchc.example" in m.to]
    if not expected:
        assert a_mail == []
        return
    assert len(a_mail) == 1
    assert titles(a_mail[0]) == expected


def test_the_digest_of_the_day_lists_due_soon_and_overdue_items_with_their_dates(
    world, run
) -> None:
    run()
    body = digest_to("officer_a@cchc.example").body
    assert "Còn 7 ngày (hạn 21/03/2022)" in body
    assert "Còn 3 ngày (hạn 17/03/2022)" in body
    assert "Còn 1 ngày (hạn 15/03/2022)" in body
    assert "Quá hạn 4 ngày (hạn 10/03/2022)" in body
    assert "Sáu ngày nữa" not in body
    assert "/bao-cao/" in body  # where to report
    assert "/thong-bao/" in body


def test_the_subject_is_vietnamese_with_the_counts(world, run) -> None:
    run()
    subject = digest_to("officer_a@cchc.example").subject
    assert subject == "[CCHC] Nhắc việc ngày 14/03/2022: 3 việc sắp đến hạn, 1 việc quá hạn"
    assert unicodedata.is_normalized("NFC", subject)
    assert digest_to("officer_b@cchc.example").subject == (
        "[CCHC] Nhắc việc ngày 14/03/2022: 1 việc quá hạn"
    )


def test_the_digest_has_a_plain_text_and_an_html_part(world, run) -> None:
    run()
    message = digest_to("officer_a@cchc.example")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Quá hạn 4 ngày" in html
    assert "<script" not in html


def test_each_agency_gets_one_digest_addressed_to_its_officers_and_its_own_address(
    world, run
) -> None:
    run()
    a_mail = digest_to("officer_a@cchc.example")
    assert a_mail.to == ["officer_a@cchc.example", "sotuphap@cchc.example"]
    b_mail = digest_to("officer_b@cchc.example")
    assert b_mail.to == ["officer_b@cchc.example"]
    assert "Bảy ngày nữa" not in b_mail.body
    assert "Xây dựng quá hạn" not in a_mail.body


def test_an_officer_of_another_agency_never_receives_agency_a_items(world, run) -> None:
    run()
    for message in mail.outbox:
        if "Bảy ngày nữa" in message.body:
            assert "officer_b@cchc.example" not in message.to + message.cc


# --- escalation -------------------------------------------------------------------------


def test_the_head_is_not_copied_before_the_configured_days_overdue(world, run) -> None:
    run(date(2022, 3, 12))  # 10/3 is 2 days overdue
    assert digest_to("officer_a@cchc.example").cc == []


def test_the_head_is_copied_once_an_item_is_overdue_by_the_configured_days(world, run) -> None:
    run(date(2022, 3, 13))  # 3 days overdue
    message = digest_to("officer_a@cchc.example")
    assert message.cc == ["head_a@cchc.example"]
    assert "lãnh đạo cơ quan" in message.body


def test_the_head_threshold_comes_from_settings(world, run, settings) -> None:
    settings.CCHC_ESCALATE_HEAD_DAYS = 5
    run(date(2022, 3, 14))
    assert digest_to("officer_a@cchc.example").cc == []
    mail.outbox.clear()
    run(date(2022, 3, 15))
    assert digest_to("officer_a@cchc.example").cc == ["head_a@cchc.example"]


def test_the_coordinator_gets_one_escalation_listing_agencies_and_items(world, run) -> None:
    run()
    message = digest_to("coordinator@cchc.example")
    assert message.subject == (
        "[CCHC] Cảnh báo ngày 14/03/2022: 1 việc của 1 cơ quan quá hạn từ 10 ngày trở lên"
    )
    assert "Sở Xây dựng" in message.body
    assert "Xây dựng quá hạn mười hai ngày" in message.body
    assert "Quá hạn 12 ngày" in message.body
    assert "Quá hạn bốn ngày" not in message.body  # only 4 days: not the coordinator's yet


def test_the_coordinator_is_not_told_before_the_configured_days(world, run, settings) -> None:
    settings.CCHC_ESCALATE_COORDINATOR_DAYS = 13
    run()
    assert [m for m in mail.outbox if "coordinator@cchc.example" in m.to] == []
    run(date(2022, 3, 15))
    assert len([m for m in mail.outbox if "coordinator@cchc.example" in m.to]) == 1


def test_the_coordinator_escalation_lists_every_late_agency(world, run) -> None:
    run(date(2022, 3, 21))  # 10/3 is now 11 days overdue too
    body = digest_to("coordinator@cchc.example").body
    assert "Sở Tư pháp" in body and "Sở Xây dựng" in body
    assert "2 việc của 2 cơ quan" in digest_to("coordinator@cchc.example").subject


# --- never twice ------------------------------------------------------------------------


def test_running_twice_on_one_day_sends_nothing_new(world, run) -> None:
    first = run()
    sent = len(mail.outbox)
    logs = ReminderLog.objects.count()
    notes = Notification.objects.count()
    assert sent == 3 and first.digests == 2 and first.escalations == 1
    second = run()
    assert len(mail.outbox) == sent
    assert ReminderLog.objects.count() == logs
    assert Notification.objects.count() == notes
    assert second.digests == 0 and second.escalations == 0 and second.already_sent == 2


def test_the_next_day_reminds_again_of_what_is_still_overdue(world, run) -> None:
    run(date(2022, 3, 14))
    run(date(2022, 3, 15))
    logged = ReminderLog.objects.filter(assignment=assignment("Quá hạn bốn ngày"))
    assert sorted(logged.values_list("sent_on", "kind")) == [
        (date(2022, 3, 14), "overdue"),
        (date(2022, 3, 15), "overdue"),
    ]


def test_an_item_reminder_of_one_kind_and_day_cannot_be_written_twice(world, run) -> None:
    run()
    target = assignment("Bảy ngày nữa")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(
            agency=target.agency, assignment=target, kind="due_7", sent_on=MONDAY
        )


def test_a_digest_to_one_address_cannot_be_logged_twice_a_day(world, run) -> None:
    run()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(
            agency=world["agencies"]["a"],
            recipient="officer_a@cchc.example",
            kind="digest",
            sent_on=MONDAY,
        )


# --- nothing for finished items ---------------------------------------------------------


def test_nothing_is_sent_for_an_approved_done_item(world, run) -> None:
    run(date(2022, 3, 20))
    assert "Đã hoàn thành và được duyệt" not in digest_to("officer_a@cchc.example").body
    assert not ReminderLog.objects.filter(assignment=assignment("Đã hoàn thành và được duyệt"))


@pytest.mark.parametrize(
    ("status", "state", "reminded"),
    [
        (ProgressReport.Status.DONE, ProgressReport.State.SUBMITTED, False),
        (ProgressReport.Status.NOT_DONE, ProgressReport.State.APPROVED, False),
        (ProgressReport.Status.DONE, ProgressReport.State.DRAFT, True),  # not sent yet
        (ProgressReport.Status.DONE, ProgressReport.State.RETURNED, True),  # sent back
        (ProgressReport.Status.IN_PROGRESS, ProgressReport.State.APPROVED, True),  # not done
    ],
)
def test_an_item_is_reminded_until_its_agency_has_sent_it_as_done(
    world, run, status: str, state: str, reminded: bool
) -> None:
    report("Quá hạn bốn ngày", status=status, state=state)
    run()
    assert ("Quá hạn bốn ngày" in digest_to("officer_a@cchc.example").body) is reminded


def test_ongoing_items_are_never_reminded(world) -> None:
    for day in (date(2022, 3, 14), date(2022, 6, 29), date(2022, 12, 31)):
        assert all(i.activity != "Việc thường xuyên" for i in reminders_open_items(today=day))


def test_a_draft_plan_reminds_nobody(world, run) -> None:
    Plan.objects.update(status=Plan.Status.DRAFT)
    run()
    assert mail.outbox == []


def test_a_closed_agency_is_not_reminded(world, run) -> None:
    Agency.objects.filter(pk=world["agencies"]["b"].pk).update(closed_on=date(2022, 3, 1))
    run()
    assert [m for m in mail.outbox if "officer_b@cchc.example" in m.to] == []


# --- mail after commit ------------------------------------------------------------------


def test_mail_is_sent_only_after_the_transaction_commits(
    world, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_send(today=MONDAY)
        assert mail.outbox == []
        assert ReminderLog.objects.filter(sent_on=MONDAY).exists()
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 3


def test_a_run_that_rolls_back_sends_no_mail(world, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                reminders_send(today=MONDAY)
                raise RuntimeError("crash after the run")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise OSError("SMTP server refused")


def test_a_failed_delivery_is_counted_not_raised(world, run, settings) -> None:
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    result = run()
    assert result.mails_queued == 3 and result.mails_failed == 3 and result.mails_sent == 0
    # Reminders are at most once: the day's rows stay, nothing is retried the same day.
    assert ReminderLog.objects.filter(sent_on=MONDAY).exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_run_for_real_commits_then_sends_and_never_twice(world) -> None:
    out = StringIO()
    call_command("send_reminders", "--today", "2022-03-14", stdout=out)
    assert len(mail.outbox) == 3
    assert "thư điện tử: 3 thư, đã gửi 3, lỗi 0" in out.getvalue()
    call_command("send_reminders", "--today", "2022-03-14", stdout=StringIO())
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_the_command_fails_when_mail_cannot_be_delivered(world, settings) -> None:
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    out = StringIO()
    with pytest.raises(CommandError, match="3 thư không gửi được"):
        call_command("send_reminders", "--today", "2022-03-14", stdout=out)
    assert "lỗi 3" in out.getvalue()


def test_a_dry_run_writes_nothing_and_sends_nothing(world, run) -> None:
    result = run(dry_run=True)
    assert result.digests == 2 and result.mails_queued == 3
    assert mail.outbox == []
    assert not ReminderLog.objects.exists() and not Notification.objects.exists()


# --- recipients -------------------------------------------------------------------------


def test_an_agency_without_anyone_to_tell_is_reported_and_not_logged(world, run) -> None:
    world["personas"]["officer_b"].is_active = False
    world["personas"]["officer_b"].save()
    result = run()
    assert "Sở Xây dựng" in result.without_recipient
    assert not ReminderLog.objects.filter(agency=world["agencies"]["b"], kind="overdue").exists()
    # An officer appointed later that day still gets the day's digest.
    factories.make_user("officer_b2", Role.OFFICER, world["agencies"]["b"])
    User.objects.filter(username="officer_b2").update(email="b2@cchc.example")
    run()
    assert "Xây dựng quá hạn" in digest_to("b2@cchc.example").body


def test_officers_without_an_address_still_get_the_in_app_notification(world, run) -> None:
    User.objects.filter(username="officer_a").update(email="")
    run()
    assert digest_to("sotuphap@cchc.example").to == ["sotuphap@cchc.example"]
    assert Notification.objects.filter(user__username="officer_a").count() == 1


def test_inactive_users_get_nothing(world, run) -> None:
    User.objects.filter(username="head_a").update(is_active=False)
    run()
    assert digest_to("officer_a@cchc.example").cc == []


# --- in-app notifications ---------------------------------------------------------------


def test_the_run_leaves_each_recipient_a_notification_with_the_same_items(world, run) -> None:
    run()
    officer_note = Notification.objects.get(user__username="officer_a")
    assert officer_note.title.startswith("[CCHC] Nhắc việc ngày 14/03/2022")
    assert {item["activity"] for item in officer_note.items} == {
        "Báo cáo CCHC Quý I năm 2022 gửi Sở Nội vụ",
        "Bảy ngày nữa",
        "Ba ngày nữa",
        "Một ngày nữa",
        "Quá hạn bốn ngày",
    }
    assert Notification.objects.filter(user__username="head_a").count() == 1
    escalation = Notification.objects.get(user__username="coordinator")
    assert escalation.kind == "escalation"
    assert [i["agency"] for i in escalation.items] == ["Sở Xây dựng"]
    assert not Notification.objects.filter(user__username__in=["leader", "appraiser", "admin"])


def test_the_notification_page_shows_the_user_only_their_notifications(world, run, login) -> None:
    run()
    page = login("officer_a").get("/thong-bao/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Quá hạn 4 ngày" in text and "Bảy ngày nữa" in text
    assert "Xây dựng quá hạn" not in text
    other = login("officer_b").get("/thong-bao/").content.decode()
    assert "Bảy ngày nữa" not in other and "Xây dựng quá hạn" in other


def test_the_notification_page_needs_a_login(client) -> None:
    response = client.get("/thong-bao/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_marking_a_notification_read(world, run, login) -> None:
    run()
    note = Notification.objects.get(user__username="officer_a")
    client = login("officer_a")
    assert client.get(f"/thong-bao/{note.pk}/da-doc/").status_code == 405
    response = client.post(f"/thong-bao/{note.pk}/da-doc/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_can_mark_another_users_notification(world, run, login) -> None:
    run()
    note = Notification.objects.get(user__username="officer_a")
    assert login("officer_b").post(f"/thong-bao/{note.pk}/da-doc/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_all_read_and_the_unread_count(
    world, run, login, django_assert_num_queries
) -> None:
    run()
    run(date(2022, 3, 15))
    user = User.objects.get(username="officer_a")
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(1):
        unread = notifications_context(request)["unread_notifications"]
        assert int(unread) == 2 and str(unread) == "2" and unread
    login("officer_a").post("/thong-bao/da-doc/")
    request.user = User.objects.get(username="officer_a")
    assert not notifications_context(request)["unread_notifications"]


def test_the_unread_count_costs_nothing_when_no_template_reads_it(
    world, django_assert_num_queries
) -> None:
    request = RequestFactory().get("/")
    request.user = world["personas"]["officer_a"]
    with django_assert_num_queries(0):
        notifications_context(request)


def test_the_session_user_comes_with_the_agency_and_the_unread_count(
    world, run, login, django_assert_num_queries
) -> None:
    """The header's name, agency and badge are read with the user: no query of their own
    on a page read; a request that may change notifications counts afresh."""
    run()
    run(date(2022, 3, 15))
    officer = world["personas"]["officer_a"]
    user = ThrottledModelBackend().get_user(officer.pk)
    with django_assert_num_queries(0):
        assert user.agency == officer.agency
        request = RequestFactory().get("/")
        request.user = user
        assert notifications_context(request)["unread_notifications"] == 2
    Notification.objects.filter(user=officer).update(read_at=timezone.now())
    posted = RequestFactory().post("/")
    posted.user = user
    with django_assert_num_queries(1):
        assert not notifications_context(posted)["unread_notifications"]


def test_the_header_badge_follows_the_count_and_each_role_keeps_its_menu(world, run, login) -> None:
    run()
    officer = login("officer_a")
    page = officer.get("/thong-bao/").content.decode()
    assert '<span class="badge warn">1</span>' in page
    assert reverse("plan_import") not in page
    Notification.objects.filter(user__username="officer_a").update(read_at=timezone.now())
    page = officer.get("/thong-bao/").content.decode()
    assert "badge warn" not in page
    # Another role on the same page gets its own menu, not the officer's kept one.
    coordinator = login("coordinator").get("/thong-bao/").content.decode()
    assert reverse("plan_import") in coordinator
    assert reverse("plan_import") not in page


@pytest.mark.parametrize("count", [3, 25])
def test_the_notification_page_costs_the_same_queries_for_few_or_many(
    world, login, django_assert_max_num_queries, count: int
) -> None:
    user = world["personas"]["officer_a"]
    Notification.objects.bulk_create(
        Notification(
            user=user,
            kind="digest",
            sent_on=date(2022, 1, day),
            title=f"Thư {day}",
            items=[
                {
                    "activity": "X",
                    "deadline": "",
                    "task": "",
                    "due": "01/01/2022",
                    "days_left": 1,
                    "overdue_days": 0,
                    "agency_id": 1,
                    "agency": "A",
                }
            ],
        )
        for day in range(1, count + 1)
    )
    client = login("officer_a")
    with django_assert_max_num_queries(6):
        assert client.get("/thong-bao/").status_code == 200


# --- the command ------------------------------------------------------------------------


def test_the_command_prints_a_summary_and_a_second_run_sends_nothing(
    world, django_capture_on_commit_callbacks
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--today", "2022-03-14", stdout=out)
    assert len(mail.outbox) == 3
    summary = out.getvalue()
    assert "Nhắc việc ngày 14/03/2022" in summary
    assert "2 cơ quan nhận thư nhắc việc, trong đó 1 thư gửi cả lãnh đạo cơ quan" in summary
    assert "1 thư cảnh báo quá hạn" in summary
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--today", "2022-03-14", stdout=out)
    assert len(mail.outbox) == 3
    assert "2 cơ quan đã được nhắc trong ngày, không gửi lại" in out.getvalue()


def test_the_command_refuses_a_malformed_date(world) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "14/03/2022", stdout=StringIO())


def test_the_command_uses_the_date_in_vietnam_without_a_today_flag(world, monkeypatch) -> None:
    from cchc.lib import calendar

    monkeypatch.setattr(calendar, "today", lambda: MONDAY)
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "14/03/2022" in out.getvalue()


# --- cost -------------------------------------------------------------------------------


@pytest.mark.parametrize("tasks", [10, 60])
def test_planning_a_run_costs_the_same_queries_whatever_the_size(
    agencies, personas, tasks: int, django_assert_num_queries
) -> None:
    factories.make_plan(tasks)
    # One of them reads the overdue feedback (cchc.citizens) for the agencies' digests;
    # three the official reports due upward and not sent (cchc.official).
    with django_assert_num_queries(10):
        plan = reminders_plan(today=date(2022, 4, 5))
    assert plan.digests


# --- official reports due upward (cchc.official) ------------------------------------------


def test_the_digest_recalls_official_reports_due_upward_until_sent(world) -> None:
    """Quý I is due on 15/03/2022: an agency with assignments hears of it 7, 3 and 1 days
    before, then every day once overdue for 30 days, until its report is sent; a sent
    report is never recalled, and an agency with nothing in the plan is not asked."""
    from datetime import timedelta

    from cchc.monitoring.models import ReportingPeriod
    from cchc.official.services import official_report_create, official_report_move
    from cchc.official.status import upward_lines

    plan = world["plan"]
    agencies = world["agencies"]
    q1 = ReportingPeriod.objects.get(plan=plan, code="q1")
    owing = set(Assignment.objects.filter(activity__plan=plan).values_list("agency_id", flat=True))

    def recalled(day: date) -> set[int]:
        return {
            line.agency_id
            for line in upward_lines(today=day, days_before=(7, 3, 1))
            if line.period_id == q1.pk
        }

    assert agencies["a"].pk in owing
    assert recalled(q1.due_on - timedelta(days=7)) == owing
    assert recalled(q1.due_on - timedelta(days=2)) == set()
    assert recalled(q1.due_on) == set()  # the due day itself: 0 days before, not yet late
    assert recalled(q1.due_on + timedelta(days=30)) == owing
    assert recalled(q1.due_on + timedelta(days=31)) == set()

    personas = world["personas"]
    report = official_report_create(period=q1, agency=agencies["a"], actor=personas["officer_a"])
    report = official_report_move(
        report=report, actor=personas["head_a"], move="approve", expected_version=None
    )
    official_report_move(
        report=report, actor=personas["officer_a"], move="submit", expected_version=None
    )
    after = recalled(q1.due_on + timedelta(days=1))
    assert agencies["a"].pk not in after and after == owing - {agencies["a"].pk}
    # The line as the mail reads it.
    line = next(
        x
        for x in upward_lines(today=q1.due_on + timedelta(days=2), days_before=(7, 3, 1))
        if x.period_id == q1.pk
    )
    assert line.title == f"Báo cáo CCHC {q1.name} năm {plan.year} gửi Sở Nội vụ"
    assert line.label.startswith("Quá hạn 2 ngày")
