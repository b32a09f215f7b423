"""Deadlines counted in working days on China's official calendar.

Monitoring deadlines (home check within 5 working days of intake, the whole
identification within 20) are counted in 工作日: weekdays that are not public
holidays, plus the weekend days the State Council declares make-up working
days (调休上班, e.g. Sunday 2024-02-04 before the Spring Festival). The
calendar is the ``chinese-calendar`` package's, which the State Council's
yearly notice updates; a year the installed package does not know is
refused with :class:`WorkCalendarError` (never guessed as Monday–Friday),
because a guessed deadline in a holiday week would be wrong by days.

Counting convention, the one every function here keeps:

* ``add_working_days(start, n)`` is the n-th working day *after* ``start``
  (the intake day itself does not count, whatever day it is);
* ``working_days_between(a, b)`` counts the working days d with a < d ≤ b,
  so ``working_days_between(start, add_working_days(start, n)) == n``;
* ``days_left(deadline, today)`` is the working days still left: 0 on the
  deadline itself, negative once it has passed (at least −1 from the day
  after it).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants
from django.utils.translation import gettext_lazy as _

ERROR_UNKNOWN_YEAR = _(
    "工作日历不含{year}年,无法计算期限(已知{first}年至{last}年;请更新chinese-calendar工作日历)"
)
ERROR_NEGATIVE = _("工作日天数不能为负数")

ONE_DAY = timedelta(days=1)


class WorkCalendarError(ValueError):
    """A date outside the years the installed working-day calendar knows."""

    def __init__(self, year: int):
        first, last = supported_years()
        self.year = year
        super().__init__(str(ERROR_UNKNOWN_YEAR).format(year=year, first=first, last=last))


@lru_cache(maxsize=1)
def supported_years() -> tuple[int, int]:
    """The first and last year of the installed calendar (as the package itself checks)."""
    years = {day.year for day in constants.holidays}
    return min(years), max(years)


def check_year(day: date) -> None:
    """Raise :class:`WorkCalendarError` if the calendar does not know ``day``'s year."""
    first, last = supported_years()
    if not first <= day.year <= last:
        raise WorkCalendarError(day.year)


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (make-up Saturdays and Sundays included)."""
    check_year(day)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the package's own range check, should ours drift
        raise WorkCalendarError(day.year) from None


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts).

    ``n = 0`` is ``start``. Raises :class:`WorkCalendarError` as soon as the
    count reaches a year the calendar does not know.
    """
    if n < 0:
        raise ValueError(str(ERROR_NEGATIVE))
    check_year(start)
    day = start
    while n:
        day += ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """Working days d with ``a`` < d ≤ ``b``; negative (the same count) if ``b`` < ``a``."""
    if b < a:
        return -working_days_between(b, a)
    check_year(a)
    count, day = 0, a
    while day < b:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def days_left(deadline: date, today: date) -> int:
    """Working days left until ``deadline``: 0 on the day itself, negative once past.

    Past the deadline the value is minus the working days since it, and at
    least −1: a deadline of Friday is −1 on Saturday, Sunday and Monday, −2 on
    Tuesday (a case is overdue from the day after its deadline, weekend or not).
    """
    if today <= deadline:
        return working_days_between(today, deadline)
    return -max(1, working_days_between(deadline, today))


def is_overdue(deadline: date, today: date) -> bool:
    """Whether ``deadline`` has passed on ``today`` (calendar days: the day after is late)."""
    return today > deadline
