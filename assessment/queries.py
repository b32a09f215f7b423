"""SQL twins of the criteria of :func:`assessment.rules.check_lifting_standard`.

The per-household page runs the Python rules (``assessment.selectors.lifting_check``
gathers one household's facts as of a date and calls ``rules.check_lifting_standard``).
Lists and dashboards cannot do that for a thousand households, so this module
writes the same criteria as SQL: ``Q`` objects that filter a ``Household``
queryset, annotations of the income figures, and counts of failures in one
query. ``tests/assessment/test_queries.py`` proves that the two versions
agree household by household (every household of the demo town on several
dates, and the edge cases: ages on the day, 29 February, members joining and
leaving, assessments before and after the date, the per-capita boundary…).
A change to a rule must be made in both places, and that test tells which.

The facts are taken exactly as ``lifting_check(household=h, on=on)`` takes them:

* members: those present on ``on`` (``selectors.member_present_q``); ages in
  full years on ``on``, as ``households.rules.age_on`` counts them;
* income: the ``HouseholdIncome`` of the year ``on.year``; per capita divides
  its net income by the members present on the income's ``assessed_on``
  (the survey date), not on ``on``; the line is the ``PolicyYear`` of that year
  and of the household's province (its county's 所属省区, ``PROVINCE_PATH``),
  read by a correlated subquery on the province, never a query per household;
* food, clothing, housing grade and alternative, water: the latest
  ``GuaranteeAssessment`` with ``assessed_on`` ≤ ``on``; later ones are ignored;
* renovation: a 危房改造 measure completed on or before ``on``
  (``measures.selectors.renovation_completed_q``);
* missing facts fail, as in the rules: no assessment fails food, clothing and
  water (and housing, unless a renovation was completed); no income, no
  poverty line or no member on the survey date fails income; no member present
  fails education and medical.

Every criterion is written with ``Exists`` only, never with a nullable
comparison, so the ``Q`` objects are self-contained (no annotation needed
first) and combine freely with ``|``, ``&`` and ``~``.

Money and SQLite
----------------
SQLite has no decimal type: it keeps amounts as binary floats, so
``7999.99 / 2 >= 4000 - 0.005`` may come out either way there. Every amount is
therefore turned into an integer number of fen (分) first —
``CAST(ROUND(amount * 100) AS BIGINT)``, exact since the amounts have two
decimals — and the rounding and comparisons are integer arithmetic, identical
on SQLite and PostgreSQL:

* per capita in fen = net fen ÷ size rounded half away from zero, computed as
  ``(2·n + s) div (2·s)`` (and symmetrically for a negative net income), which
  is what ``households.rules.per_capita_income`` does with ``ROUND_HALF_UP``;
* the income criterion passes when per-capita fen ≥ the line in fen, i.e. the
  rounded per-capita income reaches the line (8,000.00 ÷ 2 = 4,000.00 and
  7,999.99 ÷ 2 = 3,999.995 → 4,000.00 pass a 4,000 line; 7,999.98 ÷ 2 fails).

The annotations of :func:`with_income` turn fen back into yuan and come back as
``Decimal`` with exactly two places on both backends (on SQLite the value is
the double nearest the amount, which is also what SQLite stores for the same
``Decimal`` in a filter, so ``per_capita_income__gte=Decimal("4000")`` is exact).
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache, reduce

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Round

from assessment import rules
from households import rules as household_rules
from households.choices import (
    MEDICAL_INSURANCE_OK,
    SAFE_HOUSING_GRADES,
    HousingAlternative,
    HousingGrade,
)
from households.models import (
    INCOME_TRANSFER_FIELDS,
    PROVINCE_PATH,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    Member,
    PolicyYear,
)
from households.selectors import member_present_q
from measures.models import MeasureApplication
from measures.selectors import renovation_completed_q

Criterion = rules.Criterion

#: Income components added up, and the one subtracted, in ``household_rules.IncomeComponents``.
INCOME_GAIN_FIELDS = (
    "wage_income",
    "production_income",
    "property_income",
    *INCOME_TRANSFER_FIELDS,
)
INCOME_COST_FIELDS = ("production_cost",)

#: Grades ``rules._check_housing`` accepts as recorded ("" = not appraised).
_RECORDED_GRADES = ("", *HousingGrade.values)
#: Housing alternatives that make an unsafe house stop mattering.
_ALTERNATIVES_OK = tuple(v for v in HousingAlternative.values if v != HousingAlternative.NONE)

_SQLITE_DECIMALS = Context(prec=15)


# --------------------------------------------------------------------------
# Exact money in SQL
# --------------------------------------------------------------------------


def fen(amount) -> Cast:
    """An amount of yuan with two decimals as an exact integer number of fen."""
    return Cast(Round(amount * Value(100)), BigIntegerField())


class FenToYuan(Func):
    """An integer number of fen as yuan: a ``Decimal`` with two places.

    PostgreSQL multiplies exact numerics (scale 2). SQLite divides by 100.0,
    which gives the double nearest the amount, and casts to NUMERIC so that a
    comparison with a ``Decimal`` parameter is numeric. The converter
    quantizes, so the value is e.g. ``Decimal("4000.00")`` on both backends.
    """

    template = "(CAST(%(expressions)s AS NUMERIC) * 0.01)"
    arity = 1
    output_field = DecimalField(max_digits=14, decimal_places=2)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sqlite(
            compiler, connection, template="(%(expressions)s / 100.0)", **extra_context
        )

    def convert_value(self, value, expression, connection):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = _SQLITE_DECIMALS.create_decimal_from_float(value)
        return value.quantize(household_rules.CENT, rounding=ROUND_HALF_UP)


def net_income():
    """Net income of a ``HouseholdIncome`` row (``household_rules.IncomeComponents.net_income``)."""
    gains = reduce(operator.add, (F(name) for name in INCOME_GAIN_FIELDS))
    return reduce(operator.sub, (F(name) for name in INCOME_COST_FIELDS), gains)


def size_on_assessment():
    """Members of the income row's household present on its ``assessed_on``."""
    members = (
        Member.objects.filter(member_present_q(OuterRef("assessed_on")))
        .filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members), Value(0))


def half_up_quotient(numerator: str, denominator: str):
    """``numerator ÷ denominator`` (integer fields) rounded half away from zero.

    As ``Decimal.quantize(..., ROUND_HALF_UP)``: ``(2n + d) div 2d`` for
    n ≥ 0, its mirror for n < 0 (SQL integer division truncates toward zero).
    NULL when the denominator is 0.
    """
    n, d = F(numerator), F(denominator)
    divisor = NullIf(Value(2) * d, Value(0))
    return Case(
        When(**{f"{numerator}__gte": 0}, then=(Value(2) * n + d) / divisor),
        default=Value(0) - (d - Value(2) * n) / divisor,
        output_field=BigIntegerField(),
    )


def _income_rows(year: int) -> QuerySet:
    """The ``HouseholdIncome`` of ``year`` of the outer household (``OuterRef("pk")``),
    annotated with ``net_fen``, ``size`` and ``per_capita_fen``."""
    return (
        HouseholdIncome.objects.filter(household=OuterRef("pk"), year=year)
        .order_by()
        .annotate(net_fen=fen(net_income()), size=size_on_assessment())
        .annotate(per_capita_fen=half_up_quotient("net_fen", "size"))
    )


def _poverty_line_fen(year: int, *, province: str = PROVINCE_PATH) -> Subquery:
    """The poverty line of ``year`` in fen, of the outer row's province:
    ``province`` is the lookup from that row to it (a household's by default)."""
    line = (
        PolicyYear.objects.filter(year=year)
        .of_outer(province)
        .order_by()
        .values(fen=fen(F("poverty_line")))
    )
    return Subquery(line)


def with_income(queryset: QuerySet, *, year: int) -> QuerySet:
    """Annotate households with their income figures of ``year``, in the same query.

    * ``net_income``: net income of the year's ``HouseholdIncome``
      (``Decimal``; ``None`` without an income row);
    * ``income_size``: members present on that row's ``assessed_on``, the
      divisor of the per-capita income (``None`` without an income row);
    * ``per_capita_income``: ``net_income ÷ income_size`` to the fen, half up,
      exactly ``household_rules.per_capita_income(net_income, income_size)``
      (``None`` without an income row or with no member on the survey date);
    * ``poverty_line``: the ``PolicyYear`` line of ``year`` of the household's
      province (``None`` if not set).

    Filter an income range with e.g.
    ``with_income(qs, year=2020).filter(per_capita_income__lt=Decimal("5000"))``.
    The income criterion (:func:`criterion_failed_q`) does not need these
    annotations.
    """
    rows = _income_rows(year)
    return queryset.annotate(
        net_income=FenToYuan(Subquery(rows.values("net_fen"))),
        income_size=Subquery(rows.values("size")),
        per_capita_income=FenToYuan(Subquery(rows.values("per_capita_fen"))),
        poverty_line=FenToYuan(_poverty_line_fen(year)),
    )


# --------------------------------------------------------------------------
# The criteria
# --------------------------------------------------------------------------


def _present_members(on: date) -> QuerySet:
    return Member.objects.filter(member_present_q(on), household=OuterRef("pk"))


def _latest_assessment(on: date) -> QuerySet:
    """The outer household's latest ``GuaranteeAssessment`` with assessed_on ≤ ``on``."""
    latest_date = (
        GuaranteeAssessment.objects.filter(household=OuterRef("household"), assessed_on__lte=on)
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    return GuaranteeAssessment.objects.filter(
        household=OuterRef("pk"), assessed_on=Subquery(latest_date)
    )


def _income_failed_q(on: date) -> Q:
    year = on.year
    # The line of the income's household's province (the subquery's outer row
    # is the income row).
    line = _poverty_line_fen(year, province=f"household__{PROVINCE_PATH}")
    passing = _income_rows(year).filter(per_capita_fen__gte=line)
    return ~Q(Exists(passing))


def _assessed_failed_q(on: date, field: str) -> Q:
    return ~Q(Exists(_latest_assessment(on).filter(**{field: True})))


def _education_failed_q(on: date) -> Q:
    present = _present_members(on)
    # rules.is_compulsory_school_age: 6 by the school year's entry cut-off,
    # not older than 15 on the date.
    out_of_school = present.filter(
        birth_date__gt=household_rules.years_before(on, rules.SCHOOL_AGE_MAX + 1),
        birth_date__lte=household_rules.years_before(
            rules.school_entry_cutoff(on), rules.SCHOOL_AGE_MIN
        ),
    ).exclude(school_status__in=rules.SCHOOL_STATUS_OK)
    return ~Q(Exists(present)) | Q(Exists(out_of_school))


def _medical_failed_q(on: date) -> Q:
    present = _present_members(on)
    uninsured = present.exclude(medical_insurance__in=MEDICAL_INSURANCE_OK)
    return ~Q(Exists(present)) | Q(Exists(uninsured))


def _housing_failed_q(on: date) -> Q:
    latest = _latest_assessment(on)
    safe = latest.filter(
        Q(housing_grade__in=SAFE_HOUSING_GRADES)
        | Q(housing_grade__in=_RECORDED_GRADES, housing_alternative__in=_ALTERNATIVES_OK)
    )
    invalid_grade = latest.exclude(housing_grade__in=_RECORDED_GRADES)
    renovated = MeasureApplication.objects.filter(
        renovation_completed_q(on), household=OuterRef("pk")
    )
    # A grade that is no grade fails even after a renovation (rules._check_housing).
    passed = Q(Exists(safe)) | (Q(Exists(renovated)) & ~Q(Exists(invalid_grade)))
    return ~passed


_FAILED_Q = {
    Criterion.INCOME: _income_failed_q,
    Criterion.FOOD: lambda on: _assessed_failed_q(on, "food_ok"),
    Criterion.CLOTHING: lambda on: _assessed_failed_q(on, "clothing_ok"),
    Criterion.EDUCATION: _education_failed_q,
    Criterion.MEDICAL: _medical_failed_q,
    Criterion.HOUSING: _housing_failed_q,
    Criterion.WATER: lambda on: _assessed_failed_q(on, "water_ok"),
}
if set(_FAILED_Q) != set(Criterion):  # a new criterion needs its SQL twin
    raise RuntimeError("assessment.queries lacks a criterion of rules.Criterion")


def criterion_failed_q(criterion: rules.Criterion, *, on: date) -> Q:
    """Households that fail ``criterion`` of the lifting standard on ``on``.

    Filters a ``Household`` queryset; the same households as those whose
    ``lifting_check(household=h, on=on).check`` fails that criterion.
    """
    return _FAILED_Q[Criterion(criterion)](on)


def lifting_failed_q(*, on: date) -> Q:
    """Households failing at least one criterion on ``on``."""
    return reduce(operator.or_, (criterion_failed_q(c, on=on) for c in Criterion))


def lifting_passed_q(*, on: date) -> Q:
    """Households meeting every criterion on ``on`` (``lifting_check(...).check.passed``)."""
    return ~lifting_failed_q(on=on)


#: The annotations :func:`with_failures` adds, in the standard's order.
FAILS_FIELDS = tuple(f"fails_{c.value}" for c in Criterion)


def with_failures(queryset: QuerySet, *, on: date) -> QuerySet:
    """Annotate households with ``fails_<criterion>`` booleans on ``on`` (one per
    criterion, from :func:`criterion_failed_q`); :func:`failed_criteria` reads them."""
    return queryset.annotate(
        **{
            field: ExpressionWrapper(criterion_failed_q(c, on=on), output_field=BooleanField())
            for field, c in zip(FAILS_FIELDS, Criterion, strict=True)
        }
    )


def failed_criteria(row) -> list[rules.Criterion]:
    """The criteria a row annotated by :func:`with_failures` fails, in the standard's order."""
    return [c for field, c in zip(FAILS_FIELDS, Criterion, strict=True) if getattr(row, field)]


@lru_cache(maxsize=64)
def _failures_sql(on: date, alias: str) -> tuple[str, tuple]:
    """The SQL of every household's ``fails_<criterion>`` flags on ``on``, compiled once.

    It is some 12 KB of SQL that takes Django tens of milliseconds to build and
    compile, and it depends on nothing but the date (no value is read from
    the database while it is built), so each process compiles it once per
    date and database.
    """
    queryset = with_failures(Household.objects.using(alias).order_by(), on=on).values_list(
        "pk", *FAILS_FIELDS
    )
    sql, params = queryset.query.get_compiler(alias).as_sql()
    return sql, tuple(params)


def failures_by_household(ids, *, on: date, using: str = DEFAULT_DB_ALIAS):
    """``{household_id: [failed criteria]}`` on ``on`` for the households ``ids`` (one query).

    The same flags as filtering with :func:`criterion_failed_q`, for a page
    of a list: the households are picked first, then their failures read.
    """
    ids = [int(pk) for pk in ids]
    if not ids:
        return {}
    sql, params = _failures_sql(on, using)
    placeholders = ", ".join(["%s"] * len(ids))
    with connections[using].cursor() as cursor:
        # The database applies the id filter inside the derived table (a
        # plain projection of one table), so only these rows are checked.
        cursor.execute(
            f"SELECT * FROM ({sql}) AS checked WHERE checked.pk IN ({placeholders})",  # noqa: S608 (our own compiled SQL; values are parameters)
            [*params, *ids],
        )
        rows = cursor.fetchall()
    return {
        row[0]: [c for c, failed in zip(Criterion, row[1:], strict=True) if failed] for row in rows
    }


# --------------------------------------------------------------------------
# Counts for dashboards
# --------------------------------------------------------------------------


def _failure_aggregates(on: date) -> dict[str, Count]:
    return {
        f"failed_{criterion.value}": Count(
            "pk", filter=criterion_failed_q(criterion, on=on), distinct=True
        )
        for criterion in Criterion
    }


def failure_counts_by_village(
    queryset: QuerySet, *, on: date
) -> dict[int, dict[rules.Criterion, int]]:
    """``{village_id: {criterion: failing households}}`` on ``on``, in one query.

    Villages without a household in ``queryset`` are absent.
    """
    rows = queryset.order_by().values("village_id").annotate(**_failure_aggregates(on))
    return {
        row["village_id"]: {criterion: row[f"failed_{criterion.value}"] for criterion in Criterion}
        for row in rows
    }
