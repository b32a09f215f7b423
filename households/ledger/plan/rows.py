"""Grouping the file's rows into households (the decisions: :mod:`households.ledger.pipeline`)."""

from __future__ import annotations

from collections import defaultdict

from households.choices import Relation
from households.ledger.clean import MaskedIdNumber
from households.ledger.columns import HOUSEHOLD_COLUMNS
from households.ledger.plan.common import _Group, _text
from households.ledger.plan.messages import (
    ERROR_CONFLICT,
    ERROR_HEAD_NAME_AMBIGUOUS,
    ERROR_HEAD_NAME_UNKNOWN,
    ERROR_ID_DUPLICATE,
    ERROR_NO_HEAD_ABOVE,
    ERROR_NO_HOUSEHOLD,
)


class RowSteps:
    """Steps of ``pipeline._Planner``."""

    def serial_numbers_households(self) -> bool:
        """Whether the 序号 column numbers households (blank on member rows, or
        repeated on them), not every row."""
        if "serial" not in self.columns:
            return False
        previous = ...
        for row in self.parsed.rows:
            serial = _text(row.values.get("serial"))
            if serial is None:
                return True
            if serial is not None and serial == previous:
                return True
            previous = serial
        return False

    def group_rows(self) -> list[_Group]:
        keys = [c.key for c in HOUSEHOLD_COLUMNS if c.key in self.columns and c.key != "number"]
        use_serial = self.serial_numbers_households()
        # What starts a household: its 户编号 when the file fills them, else a
        # 序号 numbering households, else its 户主 row.
        numbered = "number" in self.columns and any(
            _text(row.values.get("number")) for row in self.parsed.rows
        )
        key_column = "number" if numbered else "serial" if use_serial else ""
        # Heads by name, for member rows naming their head (户主姓名 on every row).
        head_lines: dict[str, list[int]] = defaultdict(list)
        for row in self.parsed.rows:
            if row.values.get("relation") == Relation.HEAD and _text(row.values.get("name")):
                head_lines[_text(row.values["name"])].append(row.line)
        groups: list[_Group] = []
        by_number: dict[str, _Group] = {}
        by_head: dict[str, _Group] = {}
        current: _Group | None = None
        for row in self.parsed.rows:
            bad = {e.key for e in row.errors}
            if row.errors:
                self.errors.extend(row.errors)
                self.error_lines.add(row.line)
                self.error_keys.update((row.line, e.key) for e in row.errors)
                if bad - {c.key for c in HOUSEHOLD_COLUMNS}:
                    self.member_error_lines.add(row.line)
            values = row.values
            number = _text(values.get("number"))
            serial = _text(values.get("serial")) if use_serial else None
            is_head = values.get("relation") == Relation.HEAD
            head_name = _text(values.get("head_name"))
            if number is None and "number" in bad:
                # Unreadable number: the row (and rows under it) are in error already.
                current = _Group(number=None, line=row.line, broken=True, error=True)
                groups.append(current)
            elif number is not None:
                current = by_number.get(number)
                if current is None:
                    current = by_number[number] = _Group(number=number, line=row.line)
                    groups.append(current)
            elif serial is not None:
                if current is None or current.serial != serial:
                    current = _Group(number=None, line=row.line, serial=serial)
                    groups.append(current)
            elif is_head and not key_column:
                current = _Group(number=None, line=row.line)
                groups.append(current)
            elif (
                head_name is not None
                and not is_head
                and (
                    current is None
                    or current.head_name != head_name
                    or len(head_lines.get(head_name, [])) > 1
                )
            ):
                # A member row naming a head other than the current household's.
                lines = head_lines.get(head_name, [])
                target = by_head.get(head_name)
                if len(lines) > 1:
                    shown = "、".join(map(str, lines))
                    message = ERROR_HEAD_NAME_AMBIGUOUS.format(name=head_name, rows=shown)
                elif target is None:
                    message = ERROR_HEAD_NAME_UNKNOWN.format(name=head_name)
                else:
                    message = None
                if message is not None:
                    self.error(row.line, "head_name", message, member=True)
                    self.counts["members"]["error"] += 1
                    continue
                current = target
            elif current is None:
                if key_column:
                    self.error(row.line, key_column, ERROR_NO_HOUSEHOLD, member=True)
                else:
                    self.error(row.line, "relation", ERROR_NO_HEAD_ABOVE, member=True)
                self.counts["members"]["error"] += 1
                continue
            current.rows.append(row)
            if is_head and current.head_name is None and _text(values.get("name")):
                current.head_name = _text(values["name"])
                if len(head_lines.get(current.head_name, [])) == 1:
                    by_head[current.head_name] = current
            if row.errors:
                current.error = True
            filled = [k for k in keys if values.get(k) is not None and k not in bad]
            for key in filled:
                value = values[key]
                if value == "" or value == []:
                    continue
                if key not in current.values:
                    current.values[key] = value
                    current.source[key] = row.line
                elif current.values[key] != value:
                    first = current.values[key]
                    shown = "、".join(map(str, first)) if isinstance(first, list) else first
                    self.error(
                        row.line,
                        key,
                        ERROR_CONFLICT.format(row=current.source[key], value=shown),
                    )
                    current.error = True
        return groups

    def check_duplicate_ids(self, groups: list[_Group]) -> None:
        first_line: dict[str, int] = {}
        self.duplicates: set[int] = set()
        for group in groups:
            for row in group.rows:
                number = row.values.get("id_number")
                if not number or isinstance(number, MaskedIdNumber):
                    continue
                if number in first_line:
                    self.error(
                        row.line,
                        "id_number",
                        ERROR_ID_DUPLICATE.format(row=first_line[number]),
                        member=True,
                    )
                    self.duplicates.add(row.line)
                    group.error = True
                else:
                    first_line[number] = row.line
        self.file_ids = list(first_line)
