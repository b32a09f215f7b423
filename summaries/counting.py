"""The registry's figures as intervals: pure functions, no database.

Each figure the summaries keep is a count of the households or persons an
interval of dates covers; every interval is half-open, ``[start, end)``,
``end`` ``None`` for one still running — the registry's own definitions:

* ``s:<status>``: a household with a status period (valid_from ≤ d <
  valid_to), and the members present in it (joined_on ≤ d < left_on):
  ``households.selectors.status_tallies``;
* ``dibao``: members on 低保 present while their household is registered,
  and the households with at least one (``dibao_tally``);
* ``tekun``: members supported as 特困供养 likewise (``tekun_persons``);
* ``edu:<level>``: members in school present while their household enjoys
  the policies, by education level (``students_by_level``);
* ``cause:<cause>``: registered households by main cause (``reports.selectors.causes``).

:func:`household_changes` turns one household's rows into the changes of
these figures (+1 where an interval starts, -1 where it ends);
:func:`village_changes` sums them per figure and day; :func:`year_ends`
makes the prefix sums at each year end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from households.choices import ENJOYING_POLICY_STATUSES, REGISTERED_STATUSES, SchoolStatus

STATUS = "s:"
DIBAO = "dibao"
TEKUN = "tekun"
STUDENTS = "edu:"
CAUSE = "cause:"

Interval = tuple[date, date | None]

_REGISTERED = frozenset(str(s) for s in REGISTERED_STATUSES)
_ENJOYING = frozenset(str(s) for s in ENJOYING_POLICY_STATUSES)
_IN_SCHOOL = str(SchoolStatus.IN_SCHOOL)


@dataclass(frozen=True)
class MemberRow:
    joined_on: date
    left_on: date | None
    on_dibao: bool
    on_tekun: bool
    school_status: str
    education_level: str


@dataclass
class HouseholdRows:
    """One household's rows that the figures are counted from."""

    village_id: int
    main_cause: str
    periods: list[tuple[str, date, date | None]] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)


def intersect(a: Interval, b: Interval) -> Interval | None:
    """The dates both intervals cover, or ``None``."""
    start = max(a[0], b[0])
    if a[1] is None:
        end = b[1]
    elif b[1] is None:
        end = a[1]
    else:
        end = min(a[1], b[1])
    if end is not None and end <= start:
        return None
    return (start, end)


def merge(intervals) -> list[Interval]:
    """The union of ``intervals`` as disjoint intervals, in order (touching ones joined)."""
    result: list[list] = []
    for start, end in sorted((i for i in intervals if i is not None), key=lambda i: i[0]):
        if end is not None and end <= start:
            continue
        if result and (result[-1][1] is None or result[-1][1] >= start):
            last = result[-1]
            if last[1] is not None and (end is None or end > last[1]):
                last[1] = end
            continue
        result.append([start, end])
    return [(s, e) for s, e in result]


def household_changes(household: HouseholdRows, add) -> None:
    """Call ``add(figure, day, households, persons)`` for each change one
    household makes to the figures."""

    def interval(figure: str, piece: Interval, *, households: int, persons: int) -> None:
        add(figure, piece[0], households, persons)
        if piece[1] is not None:
            add(figure, piece[1], -households, -persons)

    members = [(m, (m.joined_on, m.left_on)) for m in household.members]
    for status, valid_from, valid_to in household.periods:
        period = (valid_from, valid_to)
        if valid_to is not None and valid_to <= valid_from:
            continue
        figure = STATUS + status
        interval(figure, period, households=1, persons=0)
        for _member, presence in members:
            piece = intersect(period, presence)
            if piece is not None:
                interval(figure, piece, households=0, persons=1)

    registered = merge((f, t) for s, f, t in household.periods if s in _REGISTERED)
    enjoying = merge((f, t) for s, f, t in household.periods if s in _ENJOYING)
    for piece in registered:
        interval(CAUSE + household.main_cause, piece, households=1, persons=0)
    dibao_pieces = []
    for member, presence in members:
        if member.on_dibao or member.on_tekun:
            for span in registered:
                piece = intersect(span, presence)
                if piece is None:
                    continue
                if member.on_dibao:
                    interval(DIBAO, piece, households=0, persons=1)
                    dibao_pieces.append(piece)
                if member.on_tekun:
                    interval(TEKUN, piece, households=0, persons=1)
        if member.school_status == _IN_SCHOOL:
            for span in enjoying:
                piece = intersect(span, presence)
                if piece is not None:
                    interval(STUDENTS + member.education_level, piece, households=0, persons=1)
    for piece in merge(dibao_pieces):
        interval(DIBAO, piece, households=1, persons=0)


def village_changes(households) -> dict[int, dict[tuple[str, date], list[int]]]:
    """``{village id: {(figure, day): [households, persons]}}`` of ``households``
    (:class:`HouseholdRows`), days whose changes cancel out left out."""
    result: dict[int, dict[tuple[str, date], list[int]]] = defaultdict(dict)
    for household in households:
        changes = result[household.village_id]

        def add(figure, day, h, p, changes=changes):
            cell = changes.get((figure, day))
            if cell is None:
                changes[(figure, day)] = [h, p]
            else:
                cell[0] += h
                cell[1] += p

        household_changes(household, add)
    for changes in result.values():
        for key in [k for k, (h, p) in changes.items() if h == 0 and p == 0]:
            del changes[key]
    return dict(result)


def year_ends(
    changes: dict[tuple[str, date], list[int]],
) -> tuple[dict[tuple[str, int], tuple[int, int]], int | None, int | None]:
    """The prefix sums of one village's ``changes`` at the end of each year
    from its first change to its last: ``({(figure, year): (households,
    persons)}, first year, last year)``, zero values left out."""
    if not changes:
        return {}, None, None
    by_year: dict[int, list] = defaultdict(list)
    for (figure, day), (h, p) in changes.items():
        by_year[day.year].append((figure, h, p))
    first, last = min(by_year), max(by_year)
    running: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    result = {}
    for year in range(first, last + 1):
        for figure, h, p in by_year.get(year, ()):
            cell = running[figure]
            cell[0] += h
            cell[1] += p
        for figure, (h, p) in running.items():
            if h or p:
                result[(figure, year)] = (h, p)
    return result, first, last


def value_on(changes: dict[tuple[str, date], list[int]], figure: str, on: date) -> tuple[int, int]:
    """One figure on ``on`` straight from the changes (the reference the stored
    year-end sums are checked against)."""
    h = p = 0
    for (f, day), (dh, dp) in changes.items():
        if f == figure and day <= on:
            h += dh
            p += dp
    return h, p
