"""Each as-of state of a problem (rectification.models) is written twice, as a
``Q`` and in Python on the model: on the demo town they agree on every date
tried, including the days problems were found and their deadlines."""

from datetime import date, timedelta

import pytest

from rectification.models import Problem, ProblemStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


def dates() -> list[date]:
    days = {date(2018, 1, 1), date(2020, 5, 31), date(2030, 1, 1)}
    for found_on, deadline in Problem.objects.values_list("found_on", "deadline"):
        days |= {found_on - timedelta(days=1), found_on, deadline, deadline + timedelta(days=1)}
    return sorted(days)


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("method", "twin"),
    [
        ("found_by", Problem.is_found_by),
        ("done_on", Problem.is_done_on),
        ("open_on", Problem.is_open_on),
        ("overdue_on", Problem.is_overdue_on),
    ],
)
def test_a_problems_state_on_a_date_is_the_same_in_sql_and_python(method, twin):
    problems = list(Problem.objects.all())
    matched = 0
    for on in dates():
        found = ids(getattr(Problem.objects, method)(on))
        assert found == {p.pk for p in problems if twin(p, on)}
        matched += len(found)
    assert matched  # the state occurs in the demo town


def test_the_deadline_day_is_in_time_and_the_day_after_overdue():
    problem = Problem.objects.exclude(status=ProblemStatus.DONE).order_by("deadline").first()
    assert problem.is_open_on(problem.deadline)
    assert not problem.is_overdue_on(problem.deadline)
    assert problem.is_overdue_on(problem.deadline + timedelta(days=1))
    assert problem.pk not in ids(Problem.objects.overdue_on(problem.deadline))
    assert problem.pk in ids(Problem.objects.overdue_on(problem.deadline + timedelta(days=1)))
    assert not problem.is_found_by(problem.found_on - timedelta(days=1))
    assert problem.pk not in ids(Problem.objects.open_on(problem.found_on - timedelta(days=1)))
