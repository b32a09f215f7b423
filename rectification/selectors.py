"""Reads of rectification: per-round summaries and overdue problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from rectification.models import InspectionRound, Problem, ProblemStatus


@dataclass(frozen=True)
class CategorySummary:
    category: str
    label: str
    found: int
    done: int

    @property
    def open(self) -> int:
        return self.found - self.done


def round_summary(*, inspection_round: InspectionRound) -> list[CategorySummary]:
    """Problems found / done / open per category of one round, in one query."""
    labels = dict(Problem._meta.get_field("category").choices)
    rows = (
        Problem.objects.filter(inspection_round=inspection_round)
        .values("category")
        .annotate(found=Count("id"), done=Count("id", filter=Q(status=ProblemStatus.DONE)))
        .order_by("category")
    )
    return [
        CategorySummary(row["category"], labels[row["category"]], row["found"], row["done"])
        for row in rows
    ]


def overdue_problems(*, on: date):
    """Problems still open past their deadline on ``on``, earliest deadline first."""
    return (
        Problem.objects.overdue_on(on).select_related("inspection_round").order_by("deadline", "id")
    )
