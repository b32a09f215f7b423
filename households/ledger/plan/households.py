"""Planning one household: its village, group and fields, new or changed."""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.exceptions import ValidationError

from households.choices import Relation
from households.ledger.columns import BY_KEY
from households.ledger.plan.common import (
    CLEAR,
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_NOT_CHECKED,
    HOUSEHOLD_POLICY,
    REQUIRED,
    _Group,
    _is_empty,
    display,
    field_label,
)
from households.ledger.plan.messages import (
    ERROR_GROUP_UNKNOWN,
    ERROR_HEAD_NAME,
    ERROR_NO_HEAD,
    ERROR_NUMBER_NOT_YOURS,
    ERROR_NUMBER_OTHER_VILLAGE,
    ERROR_REQUIRED,
    ERROR_REQUIRED_COLUMN,
    ERROR_SIZE,
    ERROR_TWO_HEADS,
    ERROR_VILLAGE_AMBIGUOUS,
    ERROR_VILLAGE_DISAGREES,
    ERROR_VILLAGE_SCOPE,
    ERROR_VILLAGE_UNKNOWN,
)
from households.ledger.types import LedgerRow
from households.ledger.variants import group_number
from households.models import Household, Village


class HouseholdSteps:
    """Steps of ``pipeline._Planner``."""

    def plan_household(self, group: _Group) -> None:
        if group.broken:
            self.counts["households"]["error"] += 1
            self.counts["members"]["error"] += len(group.rows)
            return
        errors_before = len(self.errors)
        line_of = group.source.get
        existing = self.households.get(group.number) if group.number else None

        if existing is not None and not self.village_allowed(existing.village_id):
            self.error(line_of("number", group.line), "number", ERROR_NUMBER_NOT_YOURS)
            self.counts["households"]["error"] += 1
            self.counts["members"]["error"] += len(group.rows)
            return

        village = self.resolve_village(group, existing)
        group_obj = self.resolve_group(group, village)
        if existing is None and group.number is None:
            group.number = self.provisional_number(group, village)

        if existing is None:
            household = self.new_household(group, village, group_obj)
        else:
            household = existing
            household_changes = self.diff_household(group, existing, group_obj)

        heads = [r for r in group.rows if r.values.get("relation") == Relation.HEAD]
        self.check_heads(group, heads)
        start = self.start_date(group) if existing is None else None

        # Where this household's planned members and income start in the plan.
        self.planned_from = (len(self.plan.members_new), len(self.plan.incomes_new))
        member_results = [
            self.plan_member(group, row, household, existing, start) for row in group.rows
        ]
        self.report_absent(group, existing)
        income_result = self.plan_income(group, household, existing)
        if existing is None:
            self.plan_status_new(group, household, start)
        else:
            self.check_status(group, existing)

        self.count_members(member_results)
        if group.error or len(self.errors) > errors_before:
            self.counts["households"]["error"] += 1
            return
        if existing is None:
            self.counts["households"]["new"] += 1
            self.plan.households_new.append(household)
            self.change(group.number, "", "new", new=f"{len(group.rows)}人")
            self.plan.trace("H+", group.number)
            return
        touched = bool(household_changes) or any(r in ("new", "changed") for r in member_results)
        touched = touched or income_result in ("new", "changed")
        if household_changes:
            self.plan.households_changed.append(household)
            self.plan.household_fields.update(name for name, _old, _new in household_changes)
            for name, old, new in household_changes:
                self.change(
                    group.number,
                    "",
                    "changed",
                    field_label(Household, name),
                    display(Household, name, old),
                    display(Household, name, new),
                )
                self.plan.trace("H", household.pk, name, display(Household, name, old), str(new))
        if touched:
            self.plan.households_touched.append(household)
            self.counts["households"]["changed"] += 1
        else:
            self.counts["households"]["unchanged"] += 1

    def resolve_village(self, group: _Group, existing: Household | None) -> Village | None:
        name = group.values.get("village")
        line = group.source.get("village", group.line)
        chosen = self.village
        if chosen is not None:
            if name is not None and str(name).strip() != chosen.name:
                self.error(line, "village", ERROR_VILLAGE_DISAGREES.format(village=chosen.name))
                return None
            if not self.village_allowed(chosen.pk):
                self.error(line, "village", ERROR_VILLAGE_SCOPE)
                return None
            if existing is not None and existing.village_id != chosen.pk:
                key = "village" if name is not None else "number"
                self.error(
                    line, key, ERROR_NUMBER_OTHER_VILLAGE.format(village=existing.village.name)
                )
                return None
            return chosen
        if name is None:
            if existing is not None:
                return existing.village
            if "village" in self.columns:
                self.error(group.line, "village", ERROR_REQUIRED)
            else:
                self.error(
                    group.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY["village"].title),
                )
            return None
        candidates = self.villages_by_name.get(str(name), [])
        if not candidates:
            self.error(
                line,
                "village",
                ERROR_VILLAGE_UNKNOWN.format(name=name, villages=self.own_village_names),
            )
            return None
        if len(candidates) > 1:
            self.error(line, "village", ERROR_VILLAGE_AMBIGUOUS.format(name=name))
            return None
        village = candidates[0]
        if not self.village_allowed(village.pk):
            self.error(line, "village", ERROR_VILLAGE_SCOPE)
            return None
        if existing is not None and existing.village_id != village.pk:
            self.error(
                line, "village", ERROR_NUMBER_OTHER_VILLAGE.format(village=existing.village.name)
            )
            return None
        return village

    def resolve_group(self, group: _Group, village: Village | None):
        """The VillagerGroup, ``None`` for an empty cell, or ``...`` when not in the file."""
        if "group" not in self.columns:
            return ...
        name = group.values.get("group")
        if name is None:
            return None
        if village is None:
            return ...
        found = self.groups.get((village.pk, str(name)))
        if found is None:
            # 一组, 1组, 第一组, 一社: the group of that number, if just one.
            number = group_number(name)
            same = self.group_numbers.get((village.pk, number), []) if number else []
            found = same[0] if len(same) == 1 else None
        if found is None:
            names = "、".join(self.group_names.get(village.pk, [])) or "无"
            self.error(
                group.source.get("group", group.line),
                "group",
                ERROR_GROUP_UNKNOWN.format(village=village.name, name=name, groups=names),
            )
            return ...
        return found

    def provisional_number(self, group: _Group, village) -> str:
        """A new household without a 户编号: ``TZ`` + village + a digest of
        its head's ID number (the same on every preview of the same file)."""
        rows = sorted(group.rows, key=lambda r: r.values.get("relation") != Relation.HEAD)
        number = next((r.values["id_number"] for r in rows if r.values.get("id_number")), "")
        if not number or village is None:
            return ""
        self.provisional += 1
        digest = hashlib.sha256(f"{village.pk}:{number}".encode()).hexdigest()[:12].upper()
        return f"TZ{village.pk}-{digest}"

    def household_value(self, group: _Group, name: str, *, new: bool):
        """(present, value) of a household field from the ledger, after the empty-cell rule."""
        if name not in self.columns:
            return False, None
        value = group.values.get(name)
        if not _is_empty(value):
            return True, value
        policy, blank = HOUSEHOLD_POLICY[name]
        if policy == CLEAR:
            return True, blank
        if policy == REQUIRED and new:
            self.error(group.line, name, ERROR_REQUIRED)
        return False, None

    def new_household(self, group: _Group, village, group_obj) -> Household:
        household = Household(number=group.number)
        if village is not None:
            household.village = village
        if group_obj is not ... and group_obj is not None:
            household.group = group_obj
        for name in HOUSEHOLD_FIELDS:
            if name == "group":
                continue
            present, value = self.household_value(group, name, new=True)
            if present:
                setattr(household, name, value)
            elif name not in self.columns and HOUSEHOLD_POLICY[name][0] == REQUIRED:
                self.error(
                    group.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="户", title=BY_KEY[name].title),
                )
        if village is not None:
            self.clean_household(group, household)
        return household

    def clean_household(self, group: _Group, household: Household) -> None:
        # Cells with an error on any row of the household are not reported again.
        for row in group.rows:
            for e in row.errors:
                self.error_keys.add((group.line, e.key))
        try:
            household.full_clean(
                exclude=HOUSEHOLD_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self.model_errors(exc, group.line, Household, member=False)

    def has_cell_error(self, group: _Group, key: str) -> bool:
        return any(e.key == key for row in group.rows for e in row.errors)

    def diff_household(self, group: _Group, household: Household, group_obj) -> list:
        changes = []
        for name in HOUSEHOLD_FIELDS:
            if name == "group":
                if group_obj is ...:
                    continue
                old, new = household.group, group_obj
                if (old.pk if old else None) != (new.pk if new else None):
                    changes.append((name, old, new))
                continue
            present, value = self.household_value(group, name, new=False)
            if not present:
                continue
            old = getattr(household, name)
            if old != value:
                changes.append((name, old, value))
        if not changes:
            return changes
        for name, _old, new in changes:
            setattr(household, name, new)
        self.clean_household(group, household)
        return changes

    def check_heads(self, group: _Group, heads: list[LedgerRow]) -> None:
        values = group.values
        if not heads and not any((r.line, "relation") in self.error_keys for r in group.rows):
            self.error(group.line, "relation", ERROR_NO_HEAD)
        for row in heads[1:]:
            self.error(row.line, "relation", ERROR_TWO_HEADS.format(row=heads[0].line), member=True)
        head_name = values.get("head_name")
        if head_name is not None and heads:
            actual = heads[0].values.get("name")
            if actual is not None and str(head_name) != str(actual):
                self.error(
                    group.source.get("head_name", group.line),
                    "head_name",
                    ERROR_HEAD_NAME.format(given=head_name, actual=actual),
                )
        size = values.get("size")
        if size is not None and size != len(group.rows):
            self.warning(
                group.source.get("size", group.line),
                "size",
                ERROR_SIZE.format(given=size, actual=len(group.rows)),
            )

    def start_date(self, group: _Group) -> date | None:
        """Registration date of a new household (see the module docstring)."""
        year = group.values.get("identified_year")
        if not isinstance(year, int):
            return None
        joined = [
            r.values["joined_on"]
            for r in group.rows
            if isinstance(r.values.get("joined_on"), date) and r.values["joined_on"].year == year
        ]
        return min(joined) if joined else date(year, 1, 1)
