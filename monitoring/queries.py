"""SQL twins of ``monitoring.rules``: the income test, the rigid-expenditure
test, the sharp income drop and the category, for lists and counts.

:func:`with_risk` annotates a ``Household`` queryset, in one query, with what
``selectors.household_risk`` + ``rules.determine_category`` decide for each
household; ``tests/monitoring/test_queries.py`` proves they agree household
by household. A change to a rule must be made in both places.

As in ``assessment.queries`` (the lifting check's twins), every amount is turned into an integer
number of fen before it is compared, and shares (percent with two decimals)
into basis points, so the comparisons are exact integer arithmetic on SQLite
and PostgreSQL alike:

* below the line: per-capita fen < line fen (at the line is not below);
* medical surge: medical fen × 10,000 > net fen × share bp (and medical > 0),
  i.e. ``medical × 100 > net × share%``; likewise the total of rigid costs;
* sharp drop: last year's net > 0 and (last − this) × 10,000 ≥ last × share bp.

The annotations (all prefixed ``risk_``): ``risk_per_capita_fen``,
``risk_net_fen``, ``risk_previous_net_fen``, ``risk_line_fen``, the booleans
``risk_below_line``, ``risk_rigid_surge``, ``risk_income_drop`` (True only
when the rule flags it; an unknown is False), and ``risk_category`` (a
``Category`` value, or ``None``). Filter with e.g.
``with_risk(qs, year=2024, on=d).filter(risk_category=Category.EDGE)``.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

# The lifting check's exact money in SQL: the same net income, household size
# on the survey date and half-up rounding of fen.
from assessment.queries import fen, half_up_quotient, net_income, size_on_assessment
from households.choices import LIFTED_STATUSES, POOR_STATUSES
from households.models import HouseholdIncome
from households.selectors import status_in_q
from monitoring.choices import Category
from monitoring.models import MonitoringLine, RigidExpenditure
from monitoring.selectors import PROVINCE_PATH

#: Fen × this against an amount × a share in basis points (percent × 100).
_SHARE_SCALE = 10_000


def _income_rows(year: int) -> QuerySet:
    """The outer household's ``HouseholdIncome`` of ``year`` with its figures in fen."""
    declared_only = Q(net_fen=0, declared_fen__isnull=False)
    rows = (
        HouseholdIncome.objects.filter(household=OuterRef("pk"), year=year)
        .order_by()
        .annotate(
            net_fen=fen(net_income()),
            declared_fen=fen(F("declared_per_capita")),
            size=size_on_assessment(),
        )
    )
    half_up = half_up_quotient("net_fen", "size")
    return rows.annotate(
        per_capita_fen=Case(
            When(declared_only, then=F("declared_fen")),
            default=half_up,
            output_field=BigIntegerField(),
        ),
        household_net_fen=Case(
            When(declared_only, then=F("declared_fen") * F("size")),
            default=F("net_fen"),
            output_field=BigIntegerField(),
        ),
    )


def _line(year: int, field: str) -> Subquery:
    """A parameter of the outer household's province line of ``year``, in fen / basis points."""
    line = MonitoringLine.objects.filter(
        province_name=OuterRef(PROVINCE_PATH), year=year
    ).order_by()
    return Subquery(line.values(value=fen(F(field)))[:1])


def _rigid(year: int, field: str | None) -> Subquery:
    rows = RigidExpenditure.objects.filter(household=OuterRef("pk"), year=year).order_by()
    if field is None:
        amount = reduce(operator.add, (F(name) for name in RigidExpenditure.AMOUNT_FIELDS))
    else:
        amount = F(field)
    return Subquery(rows.values(value=fen(amount))[:1])


def with_risk(queryset: QuerySet, *, year: int, on: date) -> QuerySet:
    """Annotate households with the monitoring tests and category (income of ``year``,
    registration on ``on``); see the module's docstring for the annotations."""
    this_year = _income_rows(year)
    last_year = _income_rows(year - 1)
    queryset = queryset.annotate(
        risk_per_capita_fen=Subquery(this_year.values("per_capita_fen")[:1]),
        risk_net_fen=Subquery(this_year.values("household_net_fen")[:1]),
        risk_previous_net_fen=Subquery(last_year.values("household_net_fen")[:1]),
        risk_line_fen=_line(year, "line"),
    ).alias(
        _medical_bp=_line(year, "medical_cost_share"),
        _rigid_bp=_line(year, "rigid_cost_share"),
        _drop_bp=_line(year, "income_drop_share"),
        _medical_fen=_rigid(year, "medical"),
        _rigid_fen=_rigid(year, None),
    )
    scale = Value(_SHARE_SCALE)
    queryset = queryset.alias(
        _medical_lhs=F("_medical_fen") * scale,
        _medical_rhs=F("risk_net_fen") * F("_medical_bp"),
        _rigid_lhs=F("_rigid_fen") * scale,
        _rigid_rhs=F("risk_net_fen") * F("_rigid_bp"),
        _drop_lhs=(F("risk_previous_net_fen") - F("risk_net_fen")) * scale,
        _drop_rhs=F("risk_previous_net_fen") * F("_drop_bp"),
    )
    line_known = Q(risk_line_fen__isnull=False)
    below = line_known & Q(risk_per_capita_fen__lt=F("risk_line_fen"))
    at_or_above = line_known & Q(risk_per_capita_fen__gte=F("risk_line_fen"))
    rigid = line_known & (
        Q(_medical_fen__gt=0, _medical_lhs__gt=F("_medical_rhs"))
        | Q(_rigid_fen__gt=0, _rigid_lhs__gt=F("_rigid_rhs"))
    )
    drop = line_known & Q(
        risk_net_fen__isnull=False,
        risk_previous_net_fen__gt=0,
        _drop_lhs__gte=F("_drop_rhs"),
    )

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(True)), default=Value(False))

    lifted = status_in_q(on, LIFTED_STATUSES)
    poor = status_in_q(on, POOR_STATUSES)
    return queryset.annotate(
        risk_below_line=flag(below),
        risk_rigid_surge=flag(rigid),
        risk_income_drop=flag(drop),
        risk_category=Case(
            When(poor, then=Value(None)),
            When(below & lifted, then=Value(Category.UNSTABLE.value)),
            When(below, then=Value(Category.EDGE.value)),
            When(at_or_above & (rigid | drop), then=Value(Category.SUDDEN.value)),
            default=Value(None),
            output_field=CharField(),
        ),
    )


def category_counts(queryset: QuerySet, *, year: int, on: date) -> dict[str, int]:
    """``{category: households}`` of the households of ``queryset`` (one query)."""
    rows = (
        with_risk(queryset.order_by(), year=year, on=on)
        .filter(risk_category__isnull=False)
        .values("risk_category")
        .annotate(n=Count("pk"))
        .values_list("risk_category", "n")
    )
    return dict(rows)
