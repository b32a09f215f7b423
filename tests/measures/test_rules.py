"""The pure rules of the measures: amounts from standards, programme standards, transitions."""

from datetime import date
from decimal import Decimal

import pytest

from measures import rules
from measures.choices import ApplicationStatus as S
from measures.choices import Target, Unit

TODAY = date(2020, 6, 30)


@pytest.mark.parametrize(
    ("unit", "standard", "days", "persons", "expected"),
    [
        (Unit.PER_HOUSEHOLD, "3000", None, 4, "3000"),
        (Unit.PER_PERSON, "145", None, 1, "145"),
        (Unit.PER_PERSON, "260", None, 3, "780"),
        (Unit.PER_DAY, "7", 270, 1, "1890"),
        (Unit.PER_DAY, "8", 270, 1, "2160"),
        (Unit.PER_DAY, "15", 270, 2, "8100"),
        (Unit.PER_POST_YEAR, "10000", None, 1, "10000"),
        (Unit.LUMP_SUM, "0", None, 1, None),
    ],
)
def test_standard_amount_is_the_standard_times_the_unit(unit, standard, days, persons, expected):
    got = rules.standard_amount(unit=unit, standard=Decimal(standard), days=days, persons=persons)
    assert got == (Decimal(expected) if expected is not None else None)


def test_standard_amount_refuses_floats():
    with pytest.raises(TypeError):
        rules.standard_amount(unit=Unit.PER_PERSON, standard=145.0)


@pytest.mark.parametrize(
    ("unit", "target", "size", "expected"),
    [
        (Unit.PER_PERSON, Target.PERSON, 5, 1),
        (Unit.PER_PERSON, Target.HOUSEHOLD, 5, 5),
        (Unit.PER_DAY, Target.HOUSEHOLD, 3, 3),
        (Unit.PER_HOUSEHOLD, Target.HOUSEHOLD, 5, 1),
        (Unit.LUMP_SUM, Target.HOUSEHOLD, 0, 1),
        (Unit.PER_PERSON, Target.HOUSEHOLD, 0, 0),
    ],
)
def test_persons_concerned(unit, target, size, expected):
    assert rules.persons_concerned(unit=unit, target=target, household_size=size) == expected


def test_amount_defaults_to_the_standard():
    assert rules.resolve_amount(standard=Decimal("145"), amount=None) == Decimal("145")


def test_the_standard_amount_needs_no_reason():
    assert rules.resolve_amount(standard=Decimal("145"), amount=Decimal("145")) == Decimal("145")


def test_override_without_a_reason_is_an_error_on_the_reason_field():
    with pytest.raises(rules.RuleViolation) as exc:
        rules.resolve_amount(standard=Decimal("145"), amount=Decimal("100"), override_reason="  ")
    assert exc.value.errors == {
        "amount_override_reason": str(rules.AMOUNT_ERROR_NO_REASON).format(standard="145")
    }


def test_override_with_a_reason_is_kept():
    got = rules.resolve_amount(
        standard=Decimal("145"), amount=Decimal("100"), override_reason="年中入户,按月折算"
    )
    assert got == Decimal("100")


def test_lump_sum_needs_an_amount():
    with pytest.raises(rules.RuleViolation) as exc:
        rules.resolve_amount(standard=None, amount=None)
    assert exc.value.errors == {"amount": str(rules.AMOUNT_ERROR_REQUIRED)}
    assert rules.resolve_amount(standard=None, amount=Decimal("1000")) == Decimal("1000")


def test_negative_amount_is_refused():
    with pytest.raises(rules.RuleViolation) as exc:
        rules.resolve_amount(standard=None, amount=Decimal("-1"))
    assert "amount" in exc.value.errors


@pytest.mark.parametrize(
    ("unit", "target", "standard", "days", "errors"),
    [
        (Unit.PER_DAY, Target.PERSON, "7", 270, set()),
        (Unit.PER_DAY, Target.PERSON, "7", None, {"days"}),
        (Unit.PER_PERSON, Target.PERSON, "145", 30, {"days"}),
        (Unit.PER_POST_YEAR, Target.HOUSEHOLD, "10000", None, {"target"}),
        (Unit.LUMP_SUM, Target.HOUSEHOLD, "100", None, {"standard_amount"}),
        (Unit.PER_HOUSEHOLD, Target.HOUSEHOLD, "0", None, {"standard_amount"}),
        (Unit.LUMP_SUM, Target.HOUSEHOLD, "0", None, set()),
    ],
)
def test_programme_standard_consistency(unit, target, standard, days, errors):
    got = rules.programme_errors(unit=unit, target=target, standard=Decimal(standard), days=days)
    assert set(got) == errors


# -- transitions -------------------------------------------------------------


def move(old, new, on=TODAY, **kwargs):
    return rules.transition(old=old, new=new, on=on, today=TODAY, **kwargs)


def errors_of(old, new, on=TODAY, **kwargs):
    with pytest.raises(rules.RuleViolation) as exc:
        move(old, new, on, **kwargs)
    return exc.value.errors


def test_planned_to_in_progress_records_the_start():
    t = move(S.PLANNED, S.IN_PROGRESS, date(2020, 4, 1))
    assert (t.status, t.started_on, t.completed_on) == (S.IN_PROGRESS, date(2020, 4, 1), None)


def test_in_progress_to_completed_keeps_the_start():
    t = move(S.IN_PROGRESS, S.COMPLETED, date(2020, 5, 1), started_on=date(2020, 4, 1))
    assert (t.started_on, t.completed_on) == (date(2020, 4, 1), date(2020, 5, 1))


def test_completed_at_once_starts_and_completes_that_day():
    t = move(S.PLANNED, S.COMPLETED, date(2020, 5, 1))
    assert (t.started_on, t.completed_on) == (date(2020, 5, 1), date(2020, 5, 1))


def test_no_completing_without_a_completion_date():
    assert errors_of(S.IN_PROGRESS, S.COMPLETED, None) == {
        "on": str(rules.TRANSITION_ERROR_NO_DATE[S.COMPLETED])
    }


def test_no_completing_before_the_start():
    errors = errors_of(S.IN_PROGRESS, S.COMPLETED, date(2020, 3, 1), started_on=date(2020, 4, 1))
    assert errors == {"on": str(rules.TRANSITION_ERROR_BEFORE_START).format(start="2020-04-01")}


def test_no_date_after_today():
    assert "on" in errors_of(S.PLANNED, S.IN_PROGRESS, date(2020, 7, 1))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.COMPLETED, S.IN_PROGRESS),
        (S.COMPLETED, S.PLANNED),
        (S.IN_PROGRESS, S.PLANNED),
    ],
)
def test_no_going_backwards(old, new):
    assert set(errors_of(old, new)) == {"status"}


def test_unchanged_status_is_an_error():
    assert errors_of(S.PLANNED, S.PLANNED) == {"status": str(rules.TRANSITION_ERROR_UNCHANGED)}


def test_cancelled_is_final():
    assert errors_of(S.CANCELLED, S.PLANNED) == {"status": str(rules.TRANSITION_ERROR_CANCELLED)}


@pytest.mark.parametrize("old", [S.PLANNED, S.IN_PROGRESS, S.COMPLETED])
def test_cancel_from_any_live_status_needs_a_reason(old):
    assert errors_of(old, S.CANCELLED, reason=" ") == {
        "reason": str(rules.TRANSITION_ERROR_NO_REASON)
    }
    t = move(old, S.CANCELLED, reason=" 户已自然减少 ", completed_on=None)
    assert (t.status, t.cancelled_on, t.cancel_reason) == (S.CANCELLED, TODAY, "户已自然减少")


def test_cancel_keeps_the_dates_it_had():
    t = move(
        S.COMPLETED,
        S.CANCELLED,
        reason="重复录入",
        started_on=date(2020, 1, 2),
        completed_on=date(2020, 3, 1),
    )
    assert (t.started_on, t.completed_on) == (date(2020, 1, 2), date(2020, 3, 1))
