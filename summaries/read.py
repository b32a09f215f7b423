"""Reading the registry's figures from the summary tables.

Every reader first recounts the stale villages of its scope
(:func:`summaries.build.ensure_counted`: one query when none is; ``checked``
when the caller has just done so for the same villages), then reads
the year-end sums and one year of deltas (:mod:`summaries.models`). The
figures are those of ``households.selectors`` on the same date — the property
test ``tests/summaries`` proves it on the demo town and on a generated county
with random edits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum

from households.choices import PovertyCause
from households.selectors import Tally
from summaries.build import ensure_counted
from summaries.counting import CAUSE, DIBAO, STATUS, STUDENTS, TEKUN
from summaries.models import FigureDelta, FigureYearEnd, MeasureTotals


def _in_scope(queryset, village_ids):
    return queryset if village_ids is None else queryset.filter(village_id__in=list(village_ids))


def _year_end_q(year: int) -> Q:
    """The year-end rows giving the value at the end of ``year``: that year's,
    or the village's last when it ended earlier."""
    return Q(year=year) | Q(is_last=True, year__lt=year)


def cells_on(
    *, on: date, village_ids=None, prefixes=None, checked: bool = False
) -> dict[tuple[int, str], Tally]:
    """``{(village id, figure): Tally}`` on ``on`` (zeros left out), in two
    queries after :func:`ensure_counted`; ``prefixes``: only the figures
    starting with one of them."""
    if not checked:
        ensure_counted(village_ids)
    before = on.year - 1
    ends = _in_scope(FigureYearEnd.objects.filter(_year_end_q(before)), village_ids)
    deltas = _in_scope(
        FigureDelta.objects.filter(day__gt=date(before, 12, 31), day__lte=on), village_ids
    )
    if prefixes:
        only = Q()
        for prefix in prefixes:
            only |= Q(figure__startswith=prefix)
        ends, deltas = ends.filter(only), deltas.filter(only)
    cells: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for village_id, figure, h, p in ends.order_by().values_list(
        "village_id", "figure", "households", "persons"
    ):
        cell = cells[(village_id, figure)]
        cell[0] += h
        cell[1] += p
    summed = (
        deltas.order_by()
        .values("village_id", "figure")
        .annotate(h=Sum("households"), p=Sum("persons"))
        .values_list("village_id", "figure", "h", "p")
    )
    for village_id, figure, h, p in summed:
        cell = cells[(village_id, figure)]
        cell[0] += h
        cell[1] += p
    return {key: Tally(h, p) for key, (h, p) in cells.items() if h or p}


@dataclass(frozen=True)
class RegistryFigures:
    """The registry's figures of some villages on a date, from the summaries."""

    on: date
    cells: dict[tuple[int, str], Tally]

    def _of(self, prefix: str) -> dict[tuple[int, str], Tally]:
        n = len(prefix)
        return {(v, f[n:]): t for (v, f), t in self.cells.items() if f.startswith(prefix)}

    def status_tallies(self) -> dict[tuple[int, str], Tally]:
        """As ``households.selectors.status_tallies``: ``{(village, status): Tally}``."""
        return {key: t for key, t in self._of(STATUS).items() if t.households}

    def dibao_by_village(self) -> dict[int, Tally]:
        """As ``households.selectors.dibao_tallies_by_village``."""
        return {v: t for (v, f), t in self.cells.items() if f == DIBAO and t.persons}

    def dibao(self) -> Tally:
        """As ``households.selectors.dibao_tally``."""
        return sum(self.dibao_by_village().values(), Tally())

    def tekun_persons(self) -> int:
        """As ``households.selectors.tekun_persons``."""
        return sum(t.persons for (_v, f), t in self.cells.items() if f == TEKUN)

    def students_by_level(self) -> dict[str, int]:
        """As ``households.selectors.students_by_level``."""
        levels: dict[str, int] = defaultdict(int)
        for (_v, level), t in self._of(STUDENTS).items():
            levels[level] += t.persons
        return {level: n for level, n in levels.items() if n}

    def causes(self) -> list[tuple[PovertyCause, int]]:
        """As ``reports.selectors.causes``: registered households by main cause,
        most frequent first."""
        totals: dict[str, int] = defaultdict(int)
        for (_v, cause), t in self._of(CAUSE).items():
            totals[cause] += t.households
        order = PovertyCause.values
        found = [(PovertyCause(c), n) for c, n in totals.items() if n and c in order]
        return sorted(found, key=lambda item: (-item[1], order.index(item[0])))


def registry_figures(*, on: date, village_ids=None, checked: bool = False) -> RegistryFigures:
    """Every figure the summaries keep, per village, on ``on``."""
    return RegistryFigures(on=on, cells=cells_on(on=on, village_ids=village_ids, checked=checked))


def status_totals_at_year_ends(
    *, years, village_ids=None, checked: bool = False
) -> dict[int, dict[str, Tally]]:
    """``{year: {status: Tally}}`` of the scope at the end of each of ``years``,
    summed over its villages, in one query after :func:`ensure_counted`."""
    years = sorted(set(years))
    if not years:
        return {}
    if not checked:
        ensure_counted(village_ids)
    rows = _in_scope(
        FigureYearEnd.objects.filter(
            Q(year__in=years) | Q(is_last=True, year__lt=years[-1]),
            figure__startswith=STATUS,
        ),
        village_ids,
    )
    sums = {}
    for i, year in enumerate(years):
        sums[f"h{i}"] = Sum("households", filter=_year_end_q(year))
        sums[f"p{i}"] = Sum("persons", filter=_year_end_q(year))
    result: dict[int, dict[str, Tally]] = {year: {} for year in years}
    for row in rows.order_by().values("figure").annotate(**sums):
        status = row["figure"][len(STATUS) :]
        for i, year in enumerate(years):
            h, p = row[f"h{i}"] or 0, row[f"p{i}"] or 0
            if h:
                result[year][status] = Tally(h, p)
    return result


def measure_coverage(*, year: int, village_ids=None, checked: bool = False) -> dict:
    """As ``measures.selectors.village_coverage``: ``{village id:
    VillageMeasureTotals}`` of ``year``, every village of ``village_ids`` (every
    village for ``None``) a key, zeros where none; one query after
    :func:`ensure_counted` (two without ``village_ids``)."""
    from households.models import Village
    from measures.selectors import ZERO, VillageMeasureTotals

    if not checked:
        ensure_counted(village_ids)
    if village_ids is None:
        village_ids = list(Village.objects.order_by().values_list("pk", flat=True))
    rows = MeasureTotals.objects.filter(year=year, key="", village_id__in=list(village_ids))
    found = {row.village_id: row for row in rows}
    result = {}
    for pk in village_ids:
        row = found.get(pk)
        result[pk] = VillageMeasureTotals(
            households=row.households if row else 0,
            persons=row.persons if row else 0,
            applications=row.applications if row else 0,
            completed=row.completed if row else 0,
            funds=row.funds if row else ZERO,
        )
    return result


def category_totals(*, year: int, village_ids=None, checked: bool = False) -> list:
    """As ``measures.selectors.category_totals``: the categories of the year's
    programmes, in their order, with the villages' applications summed (zeros
    for a category without any); two queries after :func:`ensure_counted`."""
    from measures.choices import Category
    from measures.models import Programme
    from measures.selectors import ZERO, CategoryTotals

    if not checked:
        ensure_counted(village_ids)
    categories = set(
        Programme.objects.filter(year=year).order_by().values_list("category", flat=True)
    )
    sums = _measure_sums(year=year, village_ids=village_ids, prefix="c:")
    result = []
    for category in Category:
        if category.value not in categories:
            continue
        row = sums.get(category.value, {})
        result.append(
            CategoryTotals(
                category=category.value,
                label=str(category.label),
                households=row.get("h") or 0,
                persons=row.get("p") or 0,
                applications=row.get("a") or 0,
                completed=row.get("c") or 0,
                funds=row.get("f") or ZERO,
            )
        )
    return result


def _measure_sums(*, year: int, village_ids, prefix: str) -> dict[str, dict]:
    """``{key without prefix: summed totals}`` of the villages' measure rows."""
    rows = _in_scope(
        MeasureTotals.objects.filter(year=year, key__startswith=prefix), village_ids
    ).order_by()
    summed = rows.values("key").annotate(
        h=Sum("households"),
        p=Sum("persons"),
        a=Sum("applications"),
        c=Sum("completed"),
        i=Sum("in_progress"),
        n=Sum("planned"),
        f=Sum("funds"),
        added=Sum("added_income"),
    )
    return {row["key"][len(prefix) :]: row for row in summed}


def programme_totals(*, year: int, village_ids=None, checked: bool = False) -> list:
    """As ``measures.selectors.programme_totals`` for the households of
    ``village_ids``: every programme of ``year`` (by category, then name),
    zeros for one without applications there; two queries after
    :func:`ensure_counted`."""
    from measures.models import Programme
    from measures.selectors import ZERO, ProgrammeTotals

    if not checked:
        ensure_counted(village_ids)
    sums = _measure_sums(year=year, village_ids=village_ids, prefix="p:")
    result = []
    for programme in Programme.objects.filter(year=year).order_by("category", "name"):
        row = sums.get(str(programme.pk), {})
        result.append(
            ProgrammeTotals(
                programme=programme,
                households=row.get("h") or 0,
                persons=row.get("p") or 0,
                applications=row.get("a") or 0,
                completed=row.get("c") or 0,
                in_progress=row.get("i") or 0,
                planned=row.get("n") or 0,
                funds=row.get("f") or ZERO,
                added_income=row.get("added") or ZERO,
            )
        )
    return result


def renovations_by_kind(
    *, year: int, village_ids=None, checked: bool = False
) -> dict[str, tuple[int, int]]:
    """As ``measures.selectors.renovations_by_kind`` for the households of
    ``village_ids``: 危房改造 of ``year`` per kind, (households, completed)."""
    if not checked:
        ensure_counted(village_ids)
    sums = _measure_sums(year=year, village_ids=village_ids, prefix="r:")
    return {kind: (row["h"], row["c"]) for kind, row in sums.items()}
