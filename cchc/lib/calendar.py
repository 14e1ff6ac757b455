"""Days as Vietnam counts them: today, quarters and working days, in Asia/Ho_Chi_Minh.

This is the one module that decides what "today" is and which days are working days;
everything that counts days imports it rather than asking the clock or the weekday.

A working day is Monday to Friday, except Vietnamese public holidays (Tết included, as
the `holidays` package lists them, with their days off in lieu) and except the days an
administrator adds as holidays. A day the administrator adds as a make-up working day
(ngày làm bù, usually a Saturday) is a working day whatever else is true of it: the
administrator's word wins over the package and over the weekday.

`WorkingCalendar` reads the administrator's days once per year it touches, so a loop
over thousands of dates costs one query per calendar year. The module-level helpers
make a fresh one per call, which sees changes made in the admin at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COUNTRY = "VN"
HOLIDAY = "holiday"
WORKDAY = "workday"


def today() -> date:
    """The business "today": the current date in Vietnam, whatever zone the process or
    request runs in, unless the `CCHC_TODAY` setting fixes it (a demonstration of a past
    year's plan). Every deadline, overdue count, reminder and "current period" asks this,
    never the clock; timestamps of records stay real time."""
    told = _as_of.get()
    if told is not None:
        return told
    fixed = demo_today()
    if fixed is not None:
        return fixed
    return timezone.localdate(timezone=TZ)


# A day a piece of code runs "as of" (the demo writing its story), over CCHC_TODAY.
_as_of: ContextVar[date | None] = ContextVar("cchc_as_of", default=None)


@contextmanager
def as_of(day: date) -> Iterator[None]:
    """Within the block, `today()` is `day`: for code that replays dated events, such as
    the demo's half-year, whose 10 July must not be refused as "after today" on a demo
    started at an earlier CCHC_TODAY."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def demo_today() -> date | None:
    """The date `CCHC_TODAY` fixes, or None when the app follows the real calendar."""
    return getattr(settings, "CCHC_TODAY", None)


def local_date(moment: datetime) -> date:
    """The Vietnamese calendar date of an aware datetime (stored in UTC)."""
    return timezone.localtime(moment, timezone=TZ).date()


# --- quarters -----------------------------------------------------------------------


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, not {quarter}")
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, not {quarter}")
    if quarter == 4:
        return date(year, 12, 31)
    return quarter_start(year, quarter + 1) - timedelta(days=1)


def quarter_bounds(day: date) -> tuple[date, date]:
    """First and last day of the quarter that holds `day`."""
    quarter = quarter_of(day)
    return quarter_start(day.year, quarter), quarter_end(day.year, quarter)


# --- working days -------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[date, str]:
    # Pure data from the package: safe to keep for the life of the process.
    return dict(holidays.country_holidays(COUNTRY, years=year, language="vi").items())


class WorkingCalendar:
    """Working days with the administrator's holidays and make-up days, read per year."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[date, tuple[str, str]]] = {}

    def _year(self, year: int) -> dict[date, tuple[str, str]]:
        if year not in self._overrides:
            from cchc.reminders.models import CalendarDay

            self._overrides[year] = {
                day: (kind, name)
                for day, kind, name in CalendarDay.objects.filter(
                    date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
                ).values_list("date", "kind", "name")
            }
        return self._overrides[year]

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday on `day`, or None when it is not a holiday."""
        override = self._year(day.year).get(day)
        if override is not None:
            return override[1] if override[0] == HOLIDAY else None
        return _public_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        override = self._year(day.year).get(day)
        if override is not None:
            return override[0] == WORKDAY
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself when n = 0.

        `day` is not counted: a request received on a Friday with 1 working day to answer
        is due the next Monday. This keeps working_days_between(d, add_working_days(d, n)) == n.
        """
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = day
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def is_working_day(day: date) -> bool:
    return WorkingCalendar().is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    return WorkingCalendar().add_working_days(day, n)


def working_days_between(start: date, end: date) -> int:
    return WorkingCalendar().working_days_between(start, end)


def holiday_name(day: date) -> str | None:
    return WorkingCalendar().holiday_name(day)
