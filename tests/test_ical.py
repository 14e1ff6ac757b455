"""Each agency's due dates as an iCalendar feed at a secret, revocable URL."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest
from django.test import Client

from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.plans.models import DueDate, Plan
from cchc.reminders.models import CalendarFeed
from cchc.reminders.services import calendar_feed_regenerate
from tests import factories


@pytest.fixture
def feed(plan, personas) -> CalendarFeed:
    officer = personas["officer_a"]
    return calendar_feed_regenerate(agency=officer.agency, actor=officer)


def all_events(response) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def events(response) -> list[icalendar.Event]:
    """The assignments' events (not the official reports due upward)."""
    return [e for e in all_events(response) if not str(e["uid"]).startswith("cchc-official-")]


def official_events(response) -> list[icalendar.Event]:
    return [e for e in all_events(response) if str(e["uid"]).startswith("cchc-official-")]


def expected_dates(agency: Agency) -> list[tuple[int, date]]:
    return sorted(
        (a.pk, d.due_on)
        for a in Assignment.objects.filter(agency=agency).select_related("activity")
        for d in DueDate.objects.filter(activity=a.activity)
    )


def test_the_feed_is_icalendar_with_one_all_day_event_per_due_date(feed, client: Client) -> None:
    response = client.get(f"/lich/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    expected = expected_dates(feed.agency)
    assert expected, "the test plan gives agency A due dates"
    assert len(found) == len(expected)
    assert sorted(e.decoded("dtstart") for e in found) == sorted(d for _a, d in expected)
    for event in found:
        start = event.decoded("dtstart")
        assert type(start) is date  # all-day, no time of day to drift across zones
        assert event.decoded("dtend") == date.fromordinal(start.toordinal() + 1)


def test_each_event_names_the_activity_and_the_deadline_phrase(feed, client: Client) -> None:
    found = events(client.get(f"/lich/{feed.token}.ics"))
    assignment = (
        Assignment.objects.filter(agency=feed.agency)
        .select_related("activity__task")
        .exclude(activity__due_dates=None)
        .first()
    )
    assert assignment is not None
    mine = [e for e in found if str(e["uid"]).startswith(f"cchc-{assignment.pk}-")]
    assert mine
    assert str(mine[0]["summary"]) == f"Hạn: {assignment.activity.title}"
    description = str(mine[0]["description"])
    assert assignment.activity.task.title in description
    assert f"Thời gian hoàn thành: {assignment.activity.deadline}" in description


def test_uids_are_stable_between_fetches(feed, client: Client) -> None:
    first = sorted(str(e["uid"]) for e in events(client.get(f"/lich/{feed.token}.ics")))
    second = sorted(str(e["uid"]) for e in events(client.get(f"/lich/{feed.token}.ics")))
    assert first == second
    assert len(set(first)) == len(first)


def test_the_feed_holds_only_the_agency_own_due_dates(feed, client: Client, agencies) -> None:
    uids = {str(e["uid"]).split("-")[1] for e in events(client.get(f"/lich/{feed.token}.ics"))}
    theirs = set(Assignment.objects.filter(agency=agencies["b"]).values_list("pk", flat=True))
    assert uids and not uids & {str(pk) for pk in theirs}


def test_an_unknown_token_is_not_found(plan, client: Client) -> None:
    assert client.get("/lich/" + "x" * 43 + ".ics").status_code == 404


def test_a_revoked_token_is_not_found(feed, client: Client, personas) -> None:
    old = feed.token
    new = calendar_feed_regenerate(agency=feed.agency, actor=personas["head_a"])
    assert client.get(f"/lich/{old}.ics").status_code == 404
    assert client.get(f"/lich/{new.token}.ics").status_code == 200


def test_an_agency_has_at_most_one_live_feed(feed) -> None:
    calendar_feed_regenerate(agency=feed.agency, actor=None)
    calendar_feed_regenerate(agency=feed.agency, actor=None)
    assert CalendarFeed.objects.filter(agency=feed.agency, revoked_at__isnull=True).count() == 1
    assert CalendarFeed.objects.filter(agency=feed.agency).count() == 3


def test_tokens_are_long_and_random(feed) -> None:
    other = calendar_feed_regenerate(agency=feed.agency, actor=None)
    assert len(feed.token) >= 40 and feed.token != other.token


@pytest.mark.parametrize("tasks", [10, 60])
def test_the_feed_costs_the_same_queries_whatever_the_size(
    agencies, personas, client: Client, tasks: int, django_assert_num_queries
) -> None:
    factories.make_plan(tasks)
    feed = calendar_feed_regenerate(agency=agencies["a"], actor=None)
    with django_assert_num_queries(4):
        response = client.get(f"/lich/{feed.token}.ics")
    assert len(events(response)) == len(expected_dates(agencies["a"]))
    assert (
        len(official_events(response))
        == ReportingPeriod.objects.filter(
            plan__status=Plan.Status.ISSUED, plan__parent__isnull=True
        ).count()
    )


def test_official_reports_due_upward_are_in_the_feed_with_their_cut_off(
    feed, client: Client, plan, agencies
) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ISSUED)
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("position"))
    assert periods, "the test plan has reporting periods"
    found = {
        e.decoded("dtstart"): e for e in official_events(client.get(f"/lich/{feed.token}.ics"))
    }
    assert sorted(found) == sorted({p.due_on for p in periods})
    half = next(p for p in periods if p.code == "6-thang")
    event = found[half.due_on]
    assert type(event.decoded("dtstart")) is date
    summary = str(event["summary"])
    assert summary == f"Hạn gửi: Báo cáo CCHC {half.name} năm {plan.year} gửi Sở Nội vụ"
    description = str(event["description"])
    assert f"Số liệu chốt đến ngày {half.ends_on:%d/%m/%Y}." in description
    assert f"Hạn gửi báo cáo lên tỉnh: {half.due_on:%d/%m/%Y}." in description
    assert str(event["url"]).endswith("/bao-cao-dinh-ky/")
    # The same UIDs on the next fetch: a calendar app updates, it does not duplicate.
    again = official_events(client.get(f"/lich/{feed.token}.ics"))
    assert sorted(str(e["uid"]) for e in again) == sorted(str(e["uid"]) for e in found.values())


def test_an_agency_without_open_assignments_owes_no_report(plan, client: Client, agencies) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ISSUED)
    Assignment.objects.filter(agency=agencies["a"]).update(closed_on=date(2022, 1, 1))
    feed = calendar_feed_regenerate(agency=agencies["a"], actor=None)
    assert official_events(client.get(f"/lich/{feed.token}.ics")) == []


def test_a_draft_plan_puts_no_report_in_the_feed(feed, client: Client, plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)
    assert official_events(client.get(f"/lich/{feed.token}.ics")) == []


# --- the page that shows and renews the URL ----------------------------------------------


def test_the_officer_sees_the_feed_url_of_their_agency(feed, login) -> None:
    response = login("officer_a").get(f"/lich/co-quan/{feed.agency_id}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"/lich/{feed.token}.ics" in text
    assert "webcal://" in text
    assert "Tạo đường dẫn mới" in text


def test_lich_takes_the_user_to_their_own_agency_feed(feed, login) -> None:
    response = login("head_a").get("/lich/")
    assert response.status_code == 302
    assert response["Location"] == f"/lich/co-quan/{feed.agency_id}/"
    assert login("leader").get("/lich/").status_code == 403


def test_the_officer_regenerates_the_url_and_the_old_one_stops_working(feed, login) -> None:
    client = login("officer_a")
    response = client.post(f"/lich/co-quan/{feed.agency_id}/tao-moi/", follow=True)
    assert response.status_code == 200
    assert "Đường dẫn cũ không còn dùng được" in response.content.decode()
    new = CalendarFeed.objects.get(agency=feed.agency, revoked_at__isnull=True)
    assert new.token != feed.token
    assert new.token in response.content.decode()
    client.logout()
    assert client.get(f"/lich/{feed.token}.ics").status_code == 404


def test_regenerating_needs_a_post(feed, login) -> None:
    response = login("officer_a").get(f"/lich/co-quan/{feed.agency_id}/tao-moi/")
    assert response.status_code == 405
    assert CalendarFeed.objects.filter(agency=feed.agency).count() == 1


def test_an_agency_without_a_feed_can_create_one(plan, login, agencies) -> None:
    client = login("officer_a")
    page = client.get(f"/lich/co-quan/{agencies['a'].pk}/")
    assert "chưa có đường dẫn lịch" in page.content.decode()
    client.post(f"/lich/co-quan/{agencies['a'].pk}/tao-moi/")
    assert CalendarFeed.objects.filter(agency=agencies["a"], revoked_at__isnull=True).exists()


def test_officer_b_can_neither_see_nor_regenerate_agency_a_feed(feed, login) -> None:
    client = login("officer_b")
    page = client.get(f"/lich/co-quan/{feed.agency_id}/")
    assert page.status_code == 404
    assert feed.token not in page.content.decode()
    assert client.post(f"/lich/co-quan/{feed.agency_id}/tao-moi/").status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_the_coordinator_sees_any_feed_but_cannot_regenerate_it(feed, login) -> None:
    client = login("coordinator")
    page = client.get(f"/lich/co-quan/{feed.agency_id}/")
    assert page.status_code == 200
    assert feed.token in page.content.decode()
    assert "Tạo đường dẫn mới" not in page.content.decode()
    assert client.post(f"/lich/co-quan/{feed.agency_id}/tao-moi/").status_code == 403
    feed.refresh_from_db()
    assert feed.revoked_at is None


@pytest.mark.parametrize("persona", ["leader", "appraiser"])
def test_leaders_and_appraisers_do_not_handle_feed_urls(feed, login, persona: str) -> None:
    client = login(persona)
    assert client.get(f"/lich/co-quan/{feed.agency_id}/").status_code == 403
    assert client.post(f"/lich/co-quan/{feed.agency_id}/tao-moi/").status_code == 403


def test_the_feed_page_needs_a_login(feed, client: Client) -> None:
    response = client.get(f"/lich/co-quan/{feed.agency_id}/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(f"/lich/co-quan/{feed.agency_id}/tao-moi/")
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_an_unknown_agency_is_not_found(feed, login) -> None:
    assert login("coordinator").get("/lich/co-quan/999999/").status_code == 404


# --- a way forward from an agency without a feed -------------------------------------------


def test_the_coordinator_creates_the_feed_of_its_own_agency(plan, login, agencies) -> None:
    client = login("coordinator")
    home = agencies["home"]
    page = client.get("/lich/", follow=True).content.decode()
    assert "Cơ quan chưa có đường dẫn lịch." in page
    assert f'action="/lich/co-quan/{home.pk}/tao-moi/"' in page
    assert "Tạo đường dẫn lịch" in page
    response = client.post(f"/lich/co-quan/{home.pk}/tao-moi/", follow=True)
    assert "Đã tạo đường dẫn lịch." in response.content.decode()
    feed = CalendarFeed.objects.get(agency=home, revoked_at__isnull=True)
    assert f"/lich/{feed.token}.ics" in response.content.decode()


def test_another_agency_without_a_feed_says_who_creates_it_and_leads_home(
    plan, login, agencies
) -> None:
    client = login("coordinator")
    page = client.get(f"/lich/co-quan/{agencies['a'].pk}/").content.decode()
    assert "Cán bộ đầu mối hoặc lãnh đạo của Sở Tư pháp tạo đường dẫn này" in page
    assert f'href="/lich/co-quan/{agencies["home"].pk}/"' in page
    assert "Lịch hạn của Sở Nội vụ" in page
    assert "/tao-moi/" not in page
    assert client.post(f"/lich/co-quan/{agencies['a'].pk}/tao-moi/").status_code == 403
    assert not CalendarFeed.objects.filter(agency=agencies["a"]).exists()
