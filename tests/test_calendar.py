"""Working days in Vietnam: weekends, public holidays with Tết, and the admin's own days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.admin.sites import site
from django.utils import timezone

from cchc.lib import calendar
from cchc.reminders.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_tet_2022_is_not_working_days() -> None:
    # The package gives Giao thừa (31/1) to mùng bốn (4/2); 5–6/2 are the weekend.
    for day in range(1, 7):
        assert not calendar.is_working_day(date(2022, 2, day)), day
    assert not calendar.is_working_day(date(2022, 1, 31))
    assert calendar.is_working_day(date(2022, 2, 7))


def test_tet_has_its_vietnamese_name() -> None:
    assert calendar.holiday_name(date(2022, 2, 1)) == "Tết Nguyên Đán"
    assert calendar.holiday_name(date(2022, 2, 7)) is None


def test_saturday_and_sunday_are_not_working_days() -> None:
    assert not calendar.is_working_day(date(2022, 3, 12))
    assert not calendar.is_working_day(date(2022, 3, 13))
    assert calendar.is_working_day(date(2022, 3, 14))


def test_other_public_holidays_and_days_in_lieu_are_off() -> None:
    assert not calendar.is_working_day(date(2022, 9, 2))  # Quốc khánh
    assert not calendar.is_working_day(date(2022, 4, 11))  # Giỗ Tổ, nghỉ bù
    assert not calendar.is_working_day(date(2022, 5, 3))  # 1/5 nghỉ bù


def test_a_holiday_added_by_the_admin_is_not_a_working_day() -> None:
    assert calendar.is_working_day(date(2022, 3, 15))
    CalendarDay.objects.create(date=date(2022, 3, 15), kind="holiday", name="Nghỉ theo quyết định")
    assert not calendar.is_working_day(date(2022, 3, 15))
    assert calendar.holiday_name(date(2022, 3, 15)) == "Nghỉ theo quyết định"


def test_a_make_up_saturday_added_by_the_admin_is_a_working_day() -> None:
    CalendarDay.objects.create(date=date(2022, 1, 8), kind="workday", name="Làm bù ngày 31/1")
    assert calendar.is_working_day(date(2022, 1, 8))
    assert calendar.holiday_name(date(2022, 1, 8)) is None


def test_the_admin_can_turn_a_package_holiday_into_a_working_day() -> None:
    CalendarDay.objects.create(date=date(2022, 1, 31), kind="workday", name="Đi làm")
    assert calendar.is_working_day(date(2022, 1, 31))


def test_adding_working_days_skips_tet() -> None:
    # Friday 28/1/2022 + 1 working day: 31/1–4/2 are Tết, 5–6/2 the weekend.
    assert calendar.add_working_days(date(2022, 1, 28), 1) == date(2022, 2, 7)
    assert calendar.add_working_days(date(2022, 1, 28), 5) == date(2022, 2, 11)
    assert calendar.add_working_days(date(2022, 2, 7), -1) == date(2022, 1, 28)


def test_adding_working_days_counts_a_make_up_saturday() -> None:
    CalendarDay.objects.create(date=date(2022, 1, 29), kind="workday", name="Làm bù")
    assert calendar.add_working_days(date(2022, 1, 28), 1) == date(2022, 1, 29)


def test_adding_zero_working_days_keeps_the_day() -> None:
    assert calendar.add_working_days(date(2022, 2, 1), 0) == date(2022, 2, 1)


def test_adding_working_days_crosses_the_new_year() -> None:
    # 31/12/2021 is a Friday; 1/1/2022 is a Saturday and 3/1/2022 its day in lieu.
    assert calendar.add_working_days(date(2021, 12, 31), 1) == date(2022, 1, 4)


def test_working_days_between_is_the_inverse_of_adding() -> None:
    start = date(2022, 1, 20)
    for n in (0, 1, 5, 12, 40):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    assert calendar.working_days_between(date(2022, 2, 11), date(2022, 1, 28)) == -5


def test_a_working_calendar_reads_the_admin_days_once_per_year(
    django_assert_num_queries,
) -> None:
    cal = calendar.WorkingCalendar()
    with django_assert_num_queries(2):
        cal.add_working_days(date(2022, 1, 1), 300)  # runs into 2023
    with django_assert_num_queries(0):
        cal.working_days_between(date(2022, 1, 1), date(2023, 3, 1))


def test_today_is_the_date_in_vietnam(settings) -> None:
    settings.TIME_ZONE = "UTC"
    # 20:00 UTC on 31/12 is already 03:00 on 1/1 in Hà Nội.
    moment = datetime(2021, 12, 31, 20, 0, tzinfo=UTC)
    assert calendar.local_date(moment) == date(2022, 1, 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        assert calendar.today() == date(2022, 1, 1)


def test_quarter_boundaries() -> None:
    assert calendar.quarter_of(date(2022, 5, 31)) == 2
    assert calendar.quarter_bounds(date(2022, 5, 31)) == (date(2022, 4, 1), date(2022, 6, 30))
    assert calendar.quarter_end(2022, 1) == date(2022, 3, 31)
    assert calendar.quarter_end(2022, 4) == date(2022, 12, 31)
    with pytest.raises(ValueError):
        calendar.quarter_start(2022, 5)


def test_calendar_days_are_managed_in_the_admin(login) -> None:
    assert CalendarDay in site._registry
    client = login("admin")
    response = client.post(
        "/admin/reminders/calendarday/add/",
        {"date": "2022-04-09", "kind": "workday", "name": "Làm bù ngày 2/9"},
    )
    assert response.status_code == 302
    assert calendar.is_working_day(date(2022, 4, 9))
    assert login("officer_a").get("/admin/reminders/calendarday/").status_code == 302
