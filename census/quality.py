"""SQL twins of the data-quality rules of :mod:`census.rules`.

:func:`census.rules.find_problems` judges one household (the household's census
page); worklists and progress counts cannot do that for a thousand households,
so this module writes each rule as a ``Q`` over ``Household`` as of a date, in
the manner of ``assessment.queries`` (whose criteria they reuse: a rule
about the lifting standard *is* ``criterion_failed_q``, never a restatement).
``tests/census/test_quality.py`` proves, household by household over the demo
town and over households built to break each rule, that both versions agree.

Every rule applies to the households registered on the date
(``households.selectors.registered_q``). Two rules need more than a ``Q``:

* R04 (size ≠ members) compares two counts, so it reads the annotations of
  :func:`annotate_for_rules` (``income_size`` from ``assessment.queries.with_income``
  and ``size_on``): apply that function before filtering with :func:`rule_q`;
* R05 (invalid ID number) is the check digit and birth date of GB 11643, which
  is ``households.rules.parse_id_number`` and no SQL: :func:`invalid_id_members`
  reads the ID numbers of the members present in one query and applies the
  rule in Python.

Counts are one query for every rule together (:func:`violation_aggregates`,
used by ``census.selectors.census_progress``) plus the one query of R05: the
number of queries never grows with households.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from assessment import rules as lifting
from assessment.queries import criterion_failed_q, with_income
from census import rules
from census.rules import RuleCode
from households.choices import LIFTED_STATUSES
from households.models import INCOME_MONEY_FIELDS, HouseholdIncome, Member, PolicyYear
from households.selectors import (
    member_present_q,
    members_present_count,
    registered_q,
    status_in_q,
)

Criterion = lifting.Criterion

#: Rules written as SQL (R05 is evaluated in Python over one query).
SQL_RULES = tuple(code for code in RuleCode if code != RuleCode.INVALID_ID)


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def lifted_q(on: date) -> Q:
    """Households whose status on ``on`` is 已脱贫 (享受政策 or 不再享受政策)."""
    return status_in_q(on, LIFTED_STATUSES)


def _present(on: date) -> QuerySet:
    return Member.objects.filter(member_present_q(on), household=OuterRef("pk"))


def income_recorded_q(on: date) -> Q:
    """An income of ``on.year`` with at least one amount entered."""
    blank = Q(**dict.fromkeys(INCOME_MONEY_FIELDS, 0))
    rows = HouseholdIncome.objects.filter(household=OuterRef("pk"), year=on.year).exclude(blank)
    return Q(Exists(rows))


def poverty_line_set_q(on: date) -> Q:
    """A poverty line of ``on.year`` set for the household's province."""
    return Q(Exists(PolicyYear.objects.filter(year=on.year).of_outer()))


def _shared_id_members(on: date) -> QuerySet:
    """Members present on ``on`` whose ID number another present member holds too."""
    others = Member.objects.filter(member_present_q(on), id_number=OuterRef("id_number")).exclude(
        pk=OuterRef("pk")
    )
    return Member.objects.filter(member_present_q(on)).filter(Exists(others))


def _deceased_present(on: date) -> QuerySet:
    return Member.objects.filter(member_present_q(on), deceased_on__lte=on)


def annotate_for_rules(queryset: QuerySet, *, on: date) -> QuerySet:
    """The annotations rule R04 reads: ``income_size`` (the divisor of the
    per-capita income of ``on.year``) and ``size_on`` (members present on ``on``)."""
    queryset = with_income(queryset, year=on.year)
    return queryset.annotate(size_on=members_present_count(on))


# --------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------


def _lifted_low_income(on):
    return (
        lifted_q(on)
        & income_recorded_q(on)
        & poverty_line_set_q(on)
        & criterion_failed_q(Criterion.INCOME, on=on)
    )


def _lifted_unsafe_house(on):
    return lifted_q(on) & criterion_failed_q(Criterion.HOUSING, on=on)


def _lifted_guarantee_failed(on):
    failed = reduce(operator.or_, (criterion_failed_q(c, on=on) for c in rules.GUARANTEE_CRITERIA))
    return lifted_q(on) & failed


def _size_mismatch(on):
    # Needs annotate_for_rules(); the income row exists whenever it is recorded.
    return income_recorded_q(on) & ~Q(income_size=F("size_on"))


def _duplicate_id(on):
    return Q(Exists(_shared_id_members(on).filter(household=OuterRef("pk"))))


def _out_of_school(on):
    return Q(Exists(_present(on))) & criterion_failed_q(Criterion.EDUCATION, on=on)


def _deceased_registered(on):
    return Q(Exists(_deceased_present(on).filter(household=OuterRef("pk"))))


def _dibao_class_without_dibao(on):
    return ~Q(dibao_class="") & ~Q(Exists(_present(on).filter(on_dibao=True)))


def _income_missing(on):
    return ~income_recorded_q(on)


_RULE_Q = {
    RuleCode.LIFTED_LOW_INCOME: _lifted_low_income,
    RuleCode.LIFTED_UNSAFE_HOUSE: _lifted_unsafe_house,
    RuleCode.LIFTED_GUARANTEE_FAILED: _lifted_guarantee_failed,
    RuleCode.SIZE_MISMATCH: _size_mismatch,
    RuleCode.DUPLICATE_ID: _duplicate_id,
    RuleCode.OUT_OF_SCHOOL: _out_of_school,
    RuleCode.DECEASED_REGISTERED: _deceased_registered,
    RuleCode.DIBAO_CLASS_WITHOUT_DIBAO: _dibao_class_without_dibao,
    RuleCode.INCOME_MISSING: _income_missing,
}
if set(_RULE_Q) != set(SQL_RULES):  # a new rule needs its SQL twin
    raise RuntimeError("census.quality lacks a rule of census.rules.RuleCode")


def rule_q(code: str, *, on: date) -> Q:
    """Registered households breaking rule ``code`` on ``on`` (not R05).

    Filters a ``Household`` queryset prepared by :func:`annotate_for_rules`.
    """
    return registered_q(on) & _RULE_Q[RuleCode(code)](on)


def annotate_rules(queryset: QuerySet, *, on: date) -> QuerySet:
    """``annotate_for_rules`` plus a boolean ``breaks_<code>`` per SQL rule."""
    queryset = annotate_for_rules(queryset, on=on)
    return queryset.annotate(
        **{
            f"breaks_{code.value}": ExpressionWrapper(
                rule_q(code, on=on), output_field=BooleanField()
            )
            for code in SQL_RULES
        }
    )


def any_rule_q(*, on: date) -> Q:
    """Households breaking at least one SQL rule (on an ``annotate_for_rules`` queryset:
    R04 reads its annotations)."""
    return reduce(operator.or_, (rule_q(code, on=on) for code in SQL_RULES))


# --------------------------------------------------------------------------
# R05: invalid ID numbers, in Python over one query
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class InvalidId:
    household_id: int
    village_id: int
    member_id: int
    name: str
    error: str


def invalid_id_members(households: QuerySet, *, on: date) -> list[InvalidId]:
    """Members present on ``on`` in the registered households of ``households``
    whose ID number ``households.rules.parse_id_number`` refuses (one query)."""
    members = (
        Member.objects.filter(member_present_q(on))
        .filter(household__in=households.filter(registered_q(on)).values("pk"))
        .order_by("household_id", "pk")
        .values_list("household_id", "household__village_id", "pk", "name", "id_number")
    )
    found = []
    for household_id, village_id, pk, name, number in members.iterator(chunk_size=5000):
        error = rules.id_number_problem(number)
        if error:
            found.append(InvalidId(household_id, village_id, pk, name, error))
    return found


# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


def violation_aggregates(on: date) -> dict[str, Count]:
    """``rule_<code>``: households breaking each SQL rule, for ``.aggregate``/``.annotate``."""
    return {
        f"rule_{code.value}": Count("pk", filter=rule_q(code, on=on), distinct=True)
        for code in SQL_RULES
    }


def codes_in_order(codes: Iterable[str]) -> list[str]:
    return [code for code in RuleCode.values if code in set(codes)]
