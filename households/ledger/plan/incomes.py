"""Planning a household's income of the year: from its components, else declared."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from households import rules
from households.ledger.plan.common import (
    INCOME_FIELDS,
    INCOME_NOT_CHECKED,
    ZERO,
    _Group,
    field_label,
)
from households.ledger.plan.messages import ERROR_INCOME_YEAR, ERROR_PER_CAPITA
from households.models import Household, HouseholdIncome


class IncomeSteps:
    """Steps of ``pipeline._Planner``."""

    def plan_income(self, group: _Group, household: Household, existing) -> str | None:
        present = [name for name in INCOME_FIELDS if name in self.columns]
        values = group.values
        given = values.get("per_capita_income")
        if any(self.has_cell_error(group, name) for name in present):
            return "error"  # an unreadable amount is never also a change to 0.00
        amounts = {name: values.get(name) for name in present}
        declared = None
        if all(v is None for v in amounts.values()):
            if given is None:
                return None
            # No components in the file: its 人均纯收入 is the income figure.
            declared, amounts = given, {}
        size = len(group.rows)
        net = rules.IncomeComponents(
            wage=amounts.get("wage_income") or ZERO,
            production_income=amounts.get("production_income") or ZERO,
            production_cost=amounts.get("production_cost") or ZERO,
            property_income=amounts.get("property_income") or ZERO,
            transfer_income=sum(
                (amounts.get(name) or ZERO for name in HouseholdIncome.TRANSFER_FIELDS), ZERO
            ),
        ).net_income
        if declared is None and given is not None:
            computed = rules.per_capita_income(net, size)
            if computed is not None and abs(given - computed) > Decimal("0.01"):
                self.warning(
                    group.source.get("per_capita_income", group.line),
                    "per_capita_income",
                    ERROR_PER_CAPITA.format(
                        given=f"{given:.2f}", computed=computed, net=f"{net:.2f}", size=size
                    ),
                )
        year = values.get("income_year") or self.title_year
        if year is None:
            if not self.has_cell_error(group, "income_year"):
                key = "per_capita_income" if declared is not None else "wage_income"
                self.error(group.source.get(key, group.line), "income_year", ERROR_INCOME_YEAR)
            return None
        self.income_basis["declared" if declared is not None else "components"] += 1
        if declared is not None:
            return self.plan_declared_income(group, household, existing, year, declared)
        income = self.incomes.get((existing.pk, year)) if existing is not None else None
        if income is None:
            income = HouseholdIncome(
                household=household,
                year=year,
                assessed_on=date(year, 12, 31),
                **{name: amount or ZERO for name, amount in amounts.items()},
            )
            try:
                income.full_clean(
                    exclude=INCOME_NOT_CHECKED, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                self.model_errors(exc, group.line, HouseholdIncome, member=False)
                return "error"
            self.plan.incomes_new.append(income)
            self.counts["incomes"]["new"] += 1
            if existing is not None:
                self.change(group.number, "", "new", f"{year}年家庭收入")
            self.plan.trace("I+", group.number, year)
            return "new"
        changes = []
        for name, amount in amounts.items():
            amount = amount or ZERO
            if getattr(income, name) != amount:
                changes.append((name, getattr(income, name), amount))
        if not changes:
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        for name, _old, new in changes:
            setattr(income, name, new)
        self.plan.incomes_changed.append(income)
        self.plan.income_fields.update(name for name, _o, _n in changes)
        self.counts["incomes"]["changed"] += 1
        for name, old, new in changes:
            self.change(
                group.number,
                "",
                "changed",
                f"{year}年{field_label(HouseholdIncome, name)}",
                f"{old:.2f}",
                f"{new:.2f}",
            )
            self.plan.trace("I", income.pk, name, str(old), str(new))
        return "changed"

    def plan_declared_income(self, group, household, existing, year, declared) -> str:
        """The file's 人均纯收入 as the household's (undivided) income of ``year``."""
        income = self.incomes.get((existing.pk, year)) if existing is not None else None
        if income is None:
            income = HouseholdIncome(
                household=household,
                year=year,
                assessed_on=date(year, 12, 31),
                declared_per_capita=declared,
            )
            self.plan.incomes_new.append(income)
            self.counts["incomes"]["new"] += 1
            if existing is not None:
                self.change(group.number, "", "new", f"{year}年家庭收入")
            self.plan.trace("I+", group.number, year, str(declared))
            return "new"
        if income.net_income:
            # The registry has the components: they give the figure; the
            # file's is a check.
            computed = rules.per_capita_income(income.net_income, len(group.rows))
            if computed is not None and abs(declared - computed) > Decimal("0.01"):
                self.warning(
                    group.source.get("per_capita_income", group.line),
                    "per_capita_income",
                    ERROR_PER_CAPITA.format(
                        given=f"{declared:.2f}",
                        computed=computed,
                        net=f"{income.net_income:.2f}",
                        size=len(group.rows),
                    ),
                )
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        if income.declared_per_capita == declared:
            self.counts["incomes"]["unchanged"] += 1
            return "unchanged"
        old = income.declared_per_capita
        income.declared_per_capita = declared
        self.plan.incomes_changed.append(income)
        self.plan.income_fields.add("declared_per_capita")
        self.counts["incomes"]["changed"] += 1
        label = f"{year}年{field_label(HouseholdIncome, 'declared_per_capita')}"
        self.change(
            group.number, "", "changed", label, f"{old:.2f}" if old else "", f"{declared:.2f}"
        )
        self.plan.trace("I", income.pk, "declared_per_capita", str(old), str(declared))
        return "changed"
