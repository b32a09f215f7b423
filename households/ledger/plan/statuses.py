"""The status of a new household, and the lifting check a lifted status needs."""

from __future__ import annotations

# The import refuses a household marked lifted that fails the lifting standard:
# the ledger sits above assessment (pyproject.toml's import contracts say so).
from assessment import rules as lifting
from households import rules
from households.choices import (
    LIFTED_STATUSES,
    REGISTERED_STATUSES,
    HousingAlternative,
    PovertyStatus,
)
from households.ledger.columns import BY_KEY
from households.ledger.plan.common import _Group
from households.ledger.plan.messages import (
    ERROR_REQUIRED_COLUMN,
    ERROR_STATUS_CHANGE,
    ERROR_STATUS_LIFTED_CHECK,
    ERROR_STATUS_NOT_REGISTERED,
    ERROR_STATUS_REQUIRED,
    NEW_HOUSEHOLD_REASON,
)
from households.models import Household, HouseholdStatusPeriod


class StatusSteps:
    """Steps of ``pipeline._Planner``."""

    def plan_status_new(self, group: _Group, household: Household, start) -> None:
        line = group.source.get("status", group.line)
        if "status" not in self.columns:
            self.error(
                group.line,
                "",
                ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY["status"].title),
            )
            return
        status = group.values.get("status")
        if status is None:
            if not self.has_cell_error(group, "status"):
                self.error(line, "status", ERROR_STATUS_REQUIRED)
            return
        if status not in REGISTERED_STATUSES:
            self.error(
                line,
                "status",
                ERROR_STATUS_NOT_REGISTERED.format(status=PovertyStatus(status).label),
            )
            return
        if status in LIFTED_STATUSES and not self.lifting_check(group, household, line, status):
            return
        if start is None:
            return  # 识别年度 is missing: reported on its cell
        self.plan.periods_new.append(
            HouseholdStatusPeriod(
                household=household,
                status=status,
                valid_from=start,
                reason=NEW_HOUSEHOLD_REASON,
                recorded_by=self.user,
            )
        )
        self.plan.trace("S+", group.number)

    def lifting_check(self, group: _Group, household: Household, line: int, status) -> bool:
        """The lifting check the status service applies, on the facts the file
        gives (a new household has no assessed guarantees: it fails on them)."""
        on = self.on
        members_from, incomes_from = self.planned_from
        planned = self.plan.members_new[members_from:]
        income = next(iter(self.plan.incomes_new[incomes_from:]), None)
        per_capita = None
        if income is not None and income.year == on.year:
            per_capita = (
                income.declared_per_capita
                if income.declared_per_capita is not None and not income.net_income
                else rules.per_capita_income(income.net_income, len(planned))
            )
        facts = lifting.HouseholdFacts(
            year=on.year,
            per_capita_income=per_capita,
            poverty_line=self.poverty_line_of(household.village_id),
            food_ok=None,
            clothing_ok=None,
            housing_grade=None,
            housing_renovation_completed=False,
            housing_alternative=HousingAlternative.NONE,
            water_ok=None,
            members=tuple(lifting.member_facts(m, on) for m in planned),
        )
        check = lifting.check_lifting_standard(facts)
        if check.passed:
            return True
        failures = ";".join(f"{f.label}:{f.reason}" for f in check.failures)
        label = PovertyStatus(status).label
        self.error(
            line, "status", ERROR_STATUS_LIFTED_CHECK.format(status=label, failures=failures)
        )
        return False

    def check_status(self, group: _Group, household: Household) -> None:
        status = group.values.get("status")
        if status is None:
            return
        if status != self.status.get(household.pk):
            self.error(group.source.get("status", group.line), "status", ERROR_STATUS_CHANGE)
