"""The working-day clock on China's official calendar (holidays and make-up days)."""

from datetime import date

import pytest

from monitoring import workdays
from monitoring.workdays import (
    WorkCalendarError,
    add_working_days,
    days_left,
    is_overdue,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 4),  # Sunday, 调休上班 before the 2024 Spring Festival
        date(2024, 2, 18),  # Sunday, 调休上班 after it
        date(2025, 1, 26),  # Sunday before the 2025 Spring Festival
        date(2025, 2, 8),  # Saturday after it
        date(2024, 9, 29),  # Sunday before National Day
        date(2024, 10, 12),  # Saturday after it
    ],
)
def test_a_make_up_weekend_day_is_a_working_day(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 12),  # Monday inside the Spring Festival holiday
        date(2024, 10, 1),
        date(2024, 10, 7),  # Monday, last day of the National Day week
        date(2024, 2, 3),  # an ordinary Saturday
    ],
)
def test_a_holiday_or_ordinary_weekend_is_not_a_working_day(day):
    assert not is_working_day(day)


def test_a_case_opened_on_spring_festival_eve_2024_counts_the_make_up_sunday():
    # 2024-02-09 (除夕, a Friday, worked); holiday 02-10…02-17; 02-18 is a make-up Sunday.
    opened = date(2024, 2, 9)
    assert add_working_days(opened, 1) == date(2024, 2, 18)
    assert add_working_days(opened, 5) == date(2024, 2, 22)
    assert add_working_days(opened, 20) == date(2024, 3, 14)
    # Eight calendar days of holiday add nothing.
    assert working_days_between(opened, date(2024, 2, 17)) == 0


def test_a_case_opened_the_day_before_the_2025_spring_festival_holiday():
    # 2025-01-27 (Monday, worked); holiday 01-28…02-04; 02-08 is a make-up Saturday.
    opened = date(2025, 1, 27)
    assert add_working_days(opened, 5) == date(2025, 2, 10)
    assert add_working_days(opened, 20) == date(2025, 3, 3)
    assert working_days_between(opened, date(2025, 2, 10)) == 5


def test_national_day_week_is_skipped_and_its_make_up_saturday_counted():
    opened = date(2024, 9, 30)  # Monday before 10-01…10-07
    assert add_working_days(opened, 5) == date(2024, 10, 12)
    assert add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)


def test_the_intake_day_itself_never_counts_even_when_a_holiday():
    assert add_working_days(date(2024, 10, 3), 1) == date(2024, 10, 8)
    assert add_working_days(date(2024, 10, 3), 0) == date(2024, 10, 3)


def test_counting_between_is_the_inverse_of_adding():
    start = date(2024, 1, 15)
    for n in range(0, 45):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(date(2024, 3, 14), date(2024, 2, 9)) == -20


def test_days_left_is_zero_on_the_deadline_and_negative_after_it():
    deadline = date(2024, 2, 22)  # a Thursday
    assert days_left(deadline, date(2024, 2, 9)) == 5
    assert days_left(deadline, date(2024, 2, 14)) == 5  # holiday: nothing used up
    assert days_left(deadline, deadline) == 0
    assert not is_overdue(deadline, deadline)
    assert days_left(deadline, date(2024, 2, 23)) == -1
    assert is_overdue(deadline, date(2024, 2, 23))
    friday = date(2024, 3, 1)
    assert days_left(friday, date(2024, 3, 2)) == -1  # Saturday: late, by at least one
    assert days_left(friday, date(2024, 3, 4)) == -1  # Monday
    assert days_left(friday, date(2024, 3, 5)) == -2


def test_an_unknown_year_fails_loudly_in_chinese():
    with pytest.raises(WorkCalendarError) as caught:
        is_working_day(date(2031, 3, 3))
    assert "工作日历不含2031年,无法计算期限" in str(caught.value)
    with pytest.raises(WorkCalendarError, match="2003年"):
        working_days_between(date(2003, 12, 1), date(2004, 1, 5))


def test_a_deadline_running_into_an_unknown_year_fails_rather_than_guessing():
    first, last = workdays.supported_years()
    late_december = date(last, 12, 20)
    with pytest.raises(WorkCalendarError, match=f"{last + 1}年"):
        add_working_days(late_december, 20)
    with pytest.raises(WorkCalendarError):
        days_left(date(last + 1, 1, 10), late_december)
    assert first <= 2021 <= last  # the monitoring years since 2021 are known


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="不能为负数"):
        add_working_days(date(2024, 1, 1), -1)
