"""Planning a household's members: new, changed, and those missing from the file."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from households import rules
from households.choices import JoinReason, Sex
from households.ledger.columns import BY_KEY
from households.ledger.plan.common import (
    CLEAR,
    MAX_PREVIEW_ABSENT,
    MEMBER_FIELDS,
    MEMBER_NOT_CHECKED,
    MEMBER_POLICY,
    REQUIRED,
    _Group,
    _is_empty,
    _text,
    display,
    field_label,
)
from households.ledger.plan.messages import (
    ABSENT_NOTE,
    ERROR_ID_LEFT,
    ERROR_ID_REGISTERED,
    ERROR_JOINED_AFTER_START,
    ERROR_JOINED_ON_REQUIRED,
    ERROR_REQUIRED,
    ERROR_REQUIRED_COLUMN,
)
from households.ledger.types import LedgerRow
from households.models import Household, Member


class MemberSteps:
    """Steps of ``pipeline._Planner``."""

    def member_value(self, row: LedgerRow, name: str, *, new: bool):
        if name not in self.columns:
            if row.values.get(name) is not None:  # derived: 在校生状况 "小学" → 文化程度
                return True, row.values[name]
            return False, None
        value = row.values.get(name)
        if not _is_empty(value):
            if name == "disability_grade":
                value = int(value)
            return True, value
        policy, blank = MEMBER_POLICY[name]
        if policy == CLEAR:
            return True, blank
        if (
            policy == REQUIRED
            and new
            and name != "joined_on"
            and (row.line, name) not in self.error_keys
        ):
            self.error(row.line, name, ERROR_REQUIRED, member=True)
        return False, None

    def plan_member(self, group, row, household, existing, start) -> str:
        """Plan one member row: "new", "changed", "unchanged" or "error"."""
        bad = {e.key for e in row.errors}
        number = row.values.get("id_number")
        if not number:
            if "id_number" not in bad:
                self.error(row.line, "id_number", ERROR_REQUIRED, member=True)
            return "error"
        if row.line in self.duplicates:
            return "error"
        mine = self.members.get(existing.pk, []) if existing is not None else []
        current = [m for m in mine if m.id_number == number]
        active = next((m for m in current if m.left_on is None or m.left_on > self.on), None)
        registered_in = self.registered.get(number)
        if active is None and registered_in is not None:
            self.error(row.line, "id_number", ERROR_ID_REGISTERED, member=True)
            return "error"
        if active is None and current:
            self.error(
                row.line, "id_number", ERROR_ID_LEFT.format(date=current[-1].left_on), member=True
            )
            return "error"
        if active is not None:
            return self.diff_member(group, row, active, bad)
        return self.new_member(group, row, household, existing, start, bad)

    def new_member(self, group, row, household, existing, start, bad) -> str:
        number = row.values["id_number"]  # valid: the reader parsed it
        fields = {}
        for name in MEMBER_FIELDS:
            if name in bad:
                continue
            present, value = self.member_value(row, name, new=True)
            if present:
                fields[name] = value
            elif (
                name not in self.columns
                and MEMBER_POLICY[name][0] == REQUIRED
                and name != "joined_on"
            ):
                self.error(
                    row.line,
                    "",
                    ERROR_REQUIRED_COLUMN.format(what="成员", title=BY_KEY[name].title),
                    member=True,
                )
        member = Member(
            household=household,
            id_number=number,
            sex=Sex.MALE if int(number[16]) % 2 else Sex.FEMALE,
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            **fields,
        )
        member._id_number_checked = (number, None)  # the reader parsed it
        if member.joined_on is None and "joined_on" not in bad:
            if existing is None and start is not None:
                if member.birth_date and member.birth_date > start:
                    self.error(
                        row.line,
                        "joined_on",
                        ERROR_JOINED_AFTER_START.format(birth=member.birth_date, start=start),
                        member=True,
                    )
                else:
                    member.joined_on = start
            elif existing is not None:
                self.error(row.line, "joined_on", ERROR_JOINED_ON_REQUIRED, member=True)
        if member.joined_on is not None and member.birth_date == member.joined_on:
            member.join_reason = JoinReason.BIRTH
        elif existing is not None:
            member.join_reason = JoinReason.OTHER
        try:
            member.full_clean(
                exclude=MEMBER_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            if member.joined_on is None:
                self.error_keys.add((row.line, "joined_on"))  # reported, or its cause is
            self.model_errors(exc, row.line, Member, member=True)
        if row.line in self.member_error_lines:
            return "error"
        self.plan.members_new.append(member)
        label = f"{member.name}({rules.mask_id_number(member.id_number)})"
        if existing is not None:
            self.change(group.number, label, "new")
        self.plan.trace("M+", number)
        return "new"

    def diff_member(self, group, row, member: Member, bad) -> str:
        changes = []
        for name in MEMBER_FIELDS:
            if name in bad:
                continue
            present, value = self.member_value(row, name, new=False)
            if not present:
                continue
            old = getattr(member, name)
            if old != value:
                changes.append((name, old, value))
        if row.line in self.member_error_lines:
            return "error"
        if not changes:
            return "unchanged"
        # The member as the registry knows them, before the change.
        label = f"{member.name}({rules.mask_id_number(member.id_number)})"
        for name, _old, new in changes:
            setattr(member, name, new)
        try:
            member.full_clean(
                exclude=MEMBER_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self.model_errors(exc, row.line, Member, member=True)
            return "error"
        self.plan.members_changed.append(member)
        self.plan.member_fields.update(name for name, _o, _n in changes)
        for name, old, new in changes:
            self.change(
                group.number,
                label,
                "changed",
                field_label(Member, name),
                display(Member, name, old),
                display(Member, name, new),
            )
            self.plan.trace("M", member.pk, name, repr(old), repr(new))
        return "changed"

    def count_members(self, results: list[str]) -> None:
        for result in results:
            self.counts["members"][result] += 1

    def report_absent(self, group: _Group, existing: Household | None) -> None:
        if existing is None:
            return
        in_file = {r.values.get("id_number") for r in group.rows}
        # A row whose ID number could not be read is someone: not "missing".
        unread = [
            r
            for r in group.rows
            if not r.values.get("id_number") and any(e.key == "id_number" for e in r.errors)
        ]
        names = {_text(r.values.get("name")) for r in unread}
        masks = [self.unmatched_masks[r.line] for r in unread if r.line in self.unmatched_masks]
        for member in self.members.get(existing.pk, []):
            # Only members on the date: not those who left, nor those joining later.
            if not member.present_on(self.on):
                continue
            if member.id_number in in_file or member.name in names:
                continue
            if any(mask.matches(member.id_number) for mask in masks):
                continue
            self.plan.absent_total += 1
            self.counts["members"]["left"] += 1
            self.plan.trace("A", member.pk)
            if len(self.plan.absent) < MAX_PREVIEW_ABSENT:
                self.plan.absent.append(
                    {
                        "number": existing.number,
                        "name": member.name,
                        "id_number": rules.mask_id_number(member.id_number),
                        "relation": display(Member, "relation", member.relation),
                        "note": str(ABSENT_NOTE),
                    }
                )
