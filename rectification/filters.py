"""Filters of the problem list (django-filter); "overdue" uses the one rule of the selectors."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households.models import Village
from rectification.models import (
    InspectionRound,
    Problem,
    ProblemCategory,
    ProblemStatus,
    open_q,
    overdue_q,
)

STATE_CHOICES = [
    *ProblemStatus.choices,
    ("not_done", _("未完成(待整改和正在整改)")),
]


class ProblemFilter(django_filters.FilterSet):
    """Filters for ``Problem.objects.visible_to(user)``; the queryset given is already scoped."""

    q = django_filters.CharFilter(label=_("搜索"), method="filter_search")
    inspection_round = django_filters.ModelChoiceFilter(
        label=_("检查反馈"), queryset=InspectionRound.objects.all()
    )
    category = django_filters.ChoiceFilter(label=_("问题类别"), choices=ProblemCategory.choices)
    status = django_filters.ChoiceFilter(
        label=_("整改状态"), choices=STATE_CHOICES, method="filter_status"
    )
    village = django_filters.ModelChoiceFilter(
        label=_("涉及村"), queryset=Village.objects.none(), method="filter_village"
    )
    responsible = django_filters.CharFilter(label=_("整改责任人"), method="filter_responsible")
    overdue = django_filters.BooleanFilter(
        label=_("只看逾期"),
        method="filter_overdue",
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Problem
        fields = ["q", "inspection_round", "category", "status", "village", "responsible"]

    def __init__(self, *args, on: date, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on
        self.filters["village"].queryset = villages
        self.filters["overdue"].field.widget.choices = [
            ("", _("全部")),
            ("true", _("是")),
            ("false", _("否")),
        ]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching = Problem.objects.filter(
            Q(text__contains=value)
            | Q(measures_taken__contains=value)
            | Q(households__number__startswith=value)
        )
        return queryset.filter(pk__in=matching.values("pk"))

    def filter_status(self, queryset, name, value):
        if value == "not_done":
            return queryset.filter(open_q(self.on))
        return queryset.filter(status=value)

    def filter_village(self, queryset, name, value):
        return queryset.filter(pk__in=Problem.objects.filter(villages=value).values("pk"))

    def filter_responsible(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(responsible_name__contains=value)
            | Q(responsible_user__username=value)
            | Q(responsible_user__first_name__contains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q(self.on)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
