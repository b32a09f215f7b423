"""Reads of rectification: the counts of problems as of a date, per round,
per village and for the town, and the lists the pages show.

Each count has one definition, a ``Q`` over ``Problem`` in
``rectification.models`` (``found_q``, ``done_q``, ``open_q``, ``overdue_q``,
each with its twin on the model, e.g. ``Problem.is_overdue_on``): the
per-problem pages, the round summaries and the leaders' dashboard all use the
same ones, so the problem a page marks "overdue" is the one the town figure
counts.

"As of" a date: a problem counts from the day it was found (``found_on``);
whether it is done is its current status. The status is a workflow state,
not a dated history (the change history keeps who did what when), and the
report's figures ("14 done, 1 open") are the register's state on the day of
the report even where the completion date recorded lies after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from rectification.models import (
    Evidence,
    InspectionRound,
    Problem,
    ProblemCategory,
    # The as-of definitions are the model's (each with its twin on the model).
    done_q,
    found_q,
    open_q,
    overdue_q,
)


def _counts(on: date, prefix: str = "") -> dict:
    """The four aggregates of ``ProblemCounts``, over the problems (``prefix`` = path to them)."""
    pk = f"{prefix}id" if prefix else "id"
    return {
        "found": Count(pk, filter=found_q(on, prefix), distinct=bool(prefix)),
        "done": Count(pk, filter=done_q(on, prefix), distinct=bool(prefix)),
        "open": Count(pk, filter=open_q(on, prefix), distinct=bool(prefix)),
        "overdue": Count(pk, filter=overdue_q(on, prefix), distinct=bool(prefix)),
    }


# --------------------------------------------------------------------------
# For the leaders' dashboard (constant query counts)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemCounts:
    found: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0


def problem_counts(*, on: date, problems=None) -> ProblemCounts:
    """Problems found / done / open / overdue on ``on``, for the town (one query).

    ``problems`` narrows the count (e.g. ``Problem.objects.visible_to(user)``).
    """
    queryset = Problem.objects.all() if problems is None else problems
    return ProblemCounts(**queryset.aggregate(**_counts(on)))


@dataclass(frozen=True)
class VillageProblems:
    open: int = 0
    overdue: int = 0


def town_problem_counts(*, on: date, town_ids) -> dict[int, VillageProblems]:
    """Town id → open and overdue problems concerning one of its villages on ``on``
    (one query; a problem of several of a town's villages counts once)."""
    from households.models import Town

    rows = (
        Town.objects.filter(pk__in=town_ids)
        .annotate(
            open=Count(
                "villages__problems", filter=open_q(on, "villages__problems__"), distinct=True
            ),
            overdue=Count(
                "villages__problems", filter=overdue_q(on, "villages__problems__"), distinct=True
            ),
        )
        .values_list("pk", "open", "overdue")
    )
    return {pk: VillageProblems(open=o, overdue=d) for pk, o, d in rows if o or d}


def village_problem_counts(*, on: date) -> dict[int, VillageProblems]:
    """Village id → open and overdue problems concerning it on ``on`` (one query).

    A problem concerning several villages counts once in each; villages with
    no open problem are absent.
    """
    from households.models import Village

    rows = (
        Village.objects.annotate(
            open=Count("problems", filter=open_q(on, "problems__"), distinct=True),
            overdue=Count("problems", filter=overdue_q(on, "problems__"), distinct=True),
        )
        .filter(open__gt=0)
        .values_list("pk", "open", "overdue")
    )
    return {pk: VillageProblems(open_, overdue) for pk, open_, overdue in rows}


# --------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySummary:
    category: str
    label: str
    found: int
    done: int
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.found - self.done


@dataclass(frozen=True)
class RoundSummary:
    inspection_round: InspectionRound
    categories: list[CategorySummary]

    @property
    def found(self) -> int:
        return sum(c.found for c in self.categories)

    @property
    def done(self) -> int:
        return sum(c.done for c in self.categories)

    @property
    def open(self) -> int:
        return self.found - self.done

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.categories)

    @property
    def breakdown(self) -> str:
        """The report's way of writing it: "9 (3/2/2/2)"."""
        if len(self.categories) < 2:
            return str(self.found)
        return f"{self.found}({'/'.join(str(c.found) for c in self.categories)})"


CATEGORY_LABELS = dict(ProblemCategory.choices)
CATEGORY_ORDER = {value: index for index, value in enumerate(ProblemCategory.values)}


def _category_rows(problems, on: date):
    return (
        problems.filter(found_q(on))
        .values("inspection_round_id", "category")
        .annotate(
            found=Count("id"),
            done=Count("id", filter=done_q(on)),
            overdue=Count("id", filter=overdue_q(on)),
        )
        .order_by()
    )


def rounds_summary(*, on: date, problems=None, rounds=None) -> list[RoundSummary]:
    """Every round with found / done / open / overdue per category on ``on`` (two queries).

    Categories keep the order of ``ProblemCategory`` (as the report lists them).
    """
    problems = Problem.objects.all() if problems is None else problems
    rounds = list(InspectionRound.objects.all() if rounds is None else rounds)
    by_round: dict[int, list[CategorySummary]] = {r.pk: [] for r in rounds}
    for row in _category_rows(problems.filter(inspection_round__in=rounds), on):
        by_round[row["inspection_round_id"]].append(
            CategorySummary(
                row["category"],
                CATEGORY_LABELS.get(row["category"], row["category"]),
                row["found"],
                row["done"],
                row["overdue"],
            )
        )
    return [
        RoundSummary(r, sorted(by_round[r.pk], key=lambda c: CATEGORY_ORDER.get(c.category, 99)))
        for r in rounds
    ]


def round_summary(
    *, inspection_round: InspectionRound, on: date | None = None, problems=None
) -> list[CategorySummary]:
    """Problems found / done / open per category of one round, in one query.

    Without ``on``, every problem of the round counts.
    """
    problems = Problem.objects.all() if problems is None else problems
    problems = problems.filter(inspection_round=inspection_round)
    if on is None:
        on = date.max
    rows = _category_rows(problems, on)
    summaries = [
        CategorySummary(
            row["category"],
            CATEGORY_LABELS.get(row["category"], row["category"]),
            row["found"],
            row["done"],
            row["overdue"],
        )
        for row in rows
    ]
    return sorted(summaries, key=lambda c: CATEGORY_ORDER.get(c.category, 99))


# --------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------


def problem_rows(problems):
    """What a row of a problem list shows, loaded in a constant number of queries."""
    return problems.select_related("inspection_round", "responsible_user").prefetch_related(
        "villages"
    )


def overdue_problems(*, on: date, problems=None):
    """Problems still open past their deadline on ``on``, earliest deadline first."""
    problems = Problem.objects.all() if problems is None else problems
    return problem_rows(problems.filter(overdue_q(on))).order_by("deadline", "id")


def responsible_tasks(*, user, on: date):
    """The problems ``user`` is responsible for: open ones first, earliest deadline first."""
    return (
        problem_rows(Problem.objects.found_by(on).filter(responsible_user=user))
        .annotate(evidence_count=Count("evidence"))
        .order_by("status", "deadline", "id")
    )


def problem_page(*, problem: Problem):
    """The evidence and history of one problem (two queries)."""
    evidence = list(
        Evidence.objects.filter(problem=problem)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )
    history = list(
        problem.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    )
    return evidence, history
