"""Reads of census preparation: progress per village, the organisation, the
worklists of the data-quality rules, one household's census page.

Households are those registered on the as-of date
(``households.selectors.registered_q``). A check's status is its current
status (the workflow is work in progress, its history is in the change
history); the rule violations are those of the registry as of the date.
Every function here runs a fixed number of queries, whatever the number of
villages or households.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from census import quality
from census.models import CheckStatus
from census.rules import RuleCode
from households.models import Household, Village
from households.selectors import registered_q

#: Statuses of a check the enumerator has submitted and not been sent back.
CHECKED_STATUSES = (CheckStatus.CHECKED, CheckStatus.APPROVED)


# --------------------------------------------------------------------------
# Progress per village (also read by the leaders' dashboard)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusProgressTotal:
    """Progress of the census preparation over some households, as of a date.

    * ``households``: registered poor households on the date;
    * ``checked``: checks submitted by the enumerator and not sent back
      (awaiting review or approved);
    * ``approved``: checks approved by a reviewer;
    * ``sent_back``: checks a reviewer sent back, waiting for the enumerator;
    * ``open_violations``: data-quality problems found, one per household and
      rule broken (``violations_by_rule`` splits them by rule code);
    * ``households_with_violations``: households breaking at least one rule.
    """

    households: int = 0
    checked: int = 0
    approved: int = 0
    sent_back: int = 0
    open_violations: int = 0
    households_with_violations: int = 0
    violations_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def awaiting_review(self) -> int:
        return self.checked - self.approved

    @property
    def not_checked(self) -> int:
        """Households without a submitted check (never submitted, or sent back)."""
        return self.households - self.checked

    @property
    def checked_percent(self) -> float | None:
        return 100 * self.checked / self.households if self.households else None

    @property
    def approved_percent(self) -> float | None:
        return 100 * self.approved / self.households if self.households else None


@dataclass(frozen=True)
class VillageCensusProgress(CensusProgressTotal):
    village: Village | None = None


def _progress_counts(households, on: date) -> dict[int, dict]:
    """Households, check statuses, violations and violating households per village."""
    registered = households.filter(registered_q(on))
    queryset = quality.annotate_for_rules(registered, on=on)
    rows = (
        queryset.order_by()
        .values("village_id")
        .annotate(
            n_households=Count("pk", distinct=True),
            n_checked=Count("pk", filter=Q(census_check__status__in=CHECKED_STATUSES)),
            n_approved=Count("pk", filter=Q(census_check__status=CheckStatus.APPROVED)),
            n_sent_back=Count("pk", filter=Q(census_check__status=CheckStatus.SENT_BACK)),
            n_violating=Count("pk", filter=quality.any_rule_q(on=on), distinct=True),
            **quality.violation_aggregates(on),
        )
    )
    counts = {}
    for row in rows:
        by_rule = {code.value: 0 for code in RuleCode}
        by_rule.update({code.value: row[f"rule_{code.value}"] for code in quality.SQL_RULES})
        counts[row["village_id"]] = {
            "households": row["n_households"],
            "checked": row["n_checked"],
            "approved": row["n_approved"],
            "sent_back": row["n_sent_back"],
            "violating": row["n_violating"],
            "by_rule": by_rule,
            # Households flagged by SQL rules; R05 adds those flagged only by it.
            "violating_ids": None,
        }
    return counts


def census_progress(*, on: date, villages: Iterable[Village] | None = None):
    """Progress of the census preparation per village on ``on``, in three queries.

    One row per village of ``villages`` (every village, ordered by name, if
    not given), villages without households included (all zeros). Feed the
    rows to :func:`census_progress_total` for the town's figures.
    Returns ``list[VillageCensusProgress]``.
    """
    if villages is None:
        villages = Village.objects.order_by("name")
    villages = list(villages)
    households = Household.objects.filter(village__in=[v.pk for v in villages])
    counts = _progress_counts(households, on)
    # R05 is judged in Python: households it flags that no SQL rule flagged
    # add to the violating households.
    invalid = quality.invalid_id_members(households, on=on)
    invalid_households = {(i.village_id, i.household_id) for i in invalid}
    flagged_by_sql = set()
    if invalid_households:
        flagged_by_sql = set(
            quality.annotate_for_rules(
                households.filter(pk__in=[h for _v, h in invalid_households]), on=on
            )
            .filter(quality.any_rule_q(on=on))
            .values_list("pk", flat=True)
        )
    for village_id, household_id in invalid_households:
        row = counts[village_id]
        row["by_rule"][RuleCode.INVALID_ID.value] += 1
        if household_id not in flagged_by_sql:
            row["violating"] += 1

    result = []
    for village in villages:
        row = counts.get(village.pk)
        if row is None:
            result.append(VillageCensusProgress(village=village, violations_by_rule={}))
            continue
        result.append(
            VillageCensusProgress(
                village=village,
                households=row["households"],
                checked=row["checked"],
                approved=row["approved"],
                sent_back=row["sent_back"],
                open_violations=sum(row["by_rule"].values()),
                households_with_violations=row["violating"],
                violations_by_rule=row["by_rule"],
            )
        )
    return result


def census_progress_total(rows: Iterable[CensusProgressTotal]) -> CensusProgressTotal:
    """The sum of progress rows (e.g. the town's total of :func:`census_progress`)."""
    rows = list(rows)
    by_rule = {code.value: 0 for code in RuleCode}
    for row in rows:
        for code, n in row.violations_by_rule.items():
            by_rule[code] = by_rule.get(code, 0) + n
    return CensusProgressTotal(
        households=sum(r.households for r in rows),
        checked=sum(r.checked for r in rows),
        approved=sum(r.approved for r in rows),
        sent_back=sum(r.sent_back for r in rows),
        open_violations=sum(r.open_violations for r in rows),
        households_with_violations=sum(r.households_with_violations for r in rows),
        violations_by_rule=by_rule,
    )
