"""Filters of the household list and of a programme's bulk apply (django-filter),
all evaluated in SQL as of a date. Both offer the lifting check's criteria."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment import rules
from assessment.queries import criterion_failed_q, lifting_failed_q, lifting_passed_q
from households import rules as household_rules
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    DibaoClass,
    HouseholdAttribute,
    PovertyCause,
    PovertyStatus,
)
from households.models import Household, Member, Village, VillagerGroup
from households.selectors import registered_q, status_in_q

CHECK_CHOICES = [
    ("passes", _("全部达标")),
    ("fails", _("有未达标项")),
    *((f"fails_{c.value}", rules.FAILED_LABELS[c]) for c in rules.Criterion),
]


#: The shortest part of an ID number searched for (fewer digits match too much).
ID_SEARCH_MIN_LENGTH = 4
_ID_CHARACTERS = frozenset("0123456789X")


def id_number_search_q(value: str, *, reveal: bool) -> Q:
    """Members whose ID number matches ``value`` (normalised): the whole number,
    or a part of it of at least ``ID_SEARCH_MIN_LENGTH`` characters.

    A user who may see full numbers finds any part. Others find only parts
    they see on the page anyway (the first 6 and last 4 characters of the
    masked number): a search must not tell them the hidden birth date digit
    by digit.
    """
    exact = Q(id_number=value)
    if len(value) < ID_SEARCH_MIN_LENGTH or not set(value) <= _ID_CHARACTERS:
        return exact
    if reveal:
        return exact | Q(id_number__contains=value)
    visible = exact
    if len(value) <= 6:
        visible |= Q(id_number__startswith=value)
    if len(value) <= 4:
        visible |= Q(id_number__endswith=value)
    return visible


class HouseholdFilter(django_filters.FilterSet):
    """Filters for ``scope.households_visible_to(user)``; the queryset given is already scoped.

    ``on`` (the as-of date) is passed in by the view and used by the status
    and check filters.
    """

    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=forms.TextInput(attrs={"placeholder": _("户编号、姓名或身份证号(可输入一部分)")}),
    )
    #: Offered only to who sees several towns (``towns`` given): a county's
    #: roles, a superuser. Its choices are the towns they see, read once.
    town = django_filters.ChoiceFilter(label=_("镇"), method="filter_town")
    village = django_filters.ModelChoiceFilter(label=_("行政村"), queryset=Village.objects.none())
    group = django_filters.ModelChoiceFilter(
        label=_("村民小组"), queryset=VillagerGroup.objects.none()
    )
    status = django_filters.ChoiceFilter(
        label=_("贫困状态"),
        choices=PovertyStatus.choices,
        method="filter_status",
        empty_label=_("在册户(全部)"),
    )
    attribute = django_filters.ChoiceFilter(
        label=_("贫困户属性"), choices=HouseholdAttribute.choices
    )
    dibao_class = django_filters.ChoiceFilter(label=_("低保类别"), choices=DibaoClass.choices)
    cause = django_filters.ChoiceFilter(
        label=_("致贫原因"), choices=PovertyCause.choices, method="filter_cause"
    )
    income_min = django_filters.NumberFilter(
        label=_("人均纯收入不低于"), method="filter_income_min"
    )
    income_max = django_filters.NumberFilter(label=_("人均纯收入低于"), method="filter_income_max")
    check = django_filters.ChoiceFilter(
        label=_("脱贫标准检查"), choices=CHECK_CHOICES, method="filter_check"
    )

    class Meta:
        model = Household
        fields = ["q", "town", "village", "group", "status", "attribute", "dibao_class", "cause"]

    def __init__(
        self,
        *args,
        on: date,
        villages,
        whole_registry: bool = False,
        reveal=False,
        towns=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.on = on
        self.reveal = reveal
        if towns is None:
            # One town (or some villages): no town to choose.
            del self.filters["town"]
        else:
            self.filters["town"].extra["choices"] = [(str(t.pk), t.name) for t in towns]
            # The villages offered are the chosen town's; a town not among
            # the user's is refused by the choice (the view: 404).
            town = self.data.get("town", "")
            if town in {str(t.pk) for t in towns}:
                villages = villages.filter(town_id=int(town))
        self.filters["village"].queryset = villages
        groups = VillagerGroup.objects.filter(village__in=villages).select_related("village")
        # The groups offered are those of the chosen village. Someone who sees
        # the whole registry (a town's hundred groups, a county's thousands)
        # picks a village first; a village cadre sees the groups of their villages.
        village = self.data.get("village", "")
        if village.isdigit():
            groups = groups.filter(village_id=int(village))
        elif whole_registry:
            group = self.data.get("group", "")
            groups = groups.filter(pk=int(group)) if group.isdigit() else groups.none()
        self.filters["group"].queryset = groups
        if whole_registry and not village.isdigit():
            self.filters["group"].field.empty_label = _("(先选行政村)")
        self.filters["group"].field.label_from_instance = lambda g: f"{g.village.name}{g.name}"
        for name in ("income_min", "income_max"):
            self.filters[name].field.widget = forms.NumberInput(attrs={"step": "100", "min": 0})

    def filter_queryset(self, queryset):
        # Without a status filter the list is the registry as of the date:
        # households removed before it, or identified after it, are not shown.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(registered_q(self.on))
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        normalised = household_rules.normalize_id_number(value)
        members = Member.objects.filter(
            Q(name__contains=value) | id_number_search_q(normalised, reveal=self.reveal)
        )
        return queryset.filter(Q(number__contains=value) | Q(pk__in=members.values("household_id")))

    def filter_town(self, queryset, name, value):
        return queryset.filter(village__town_id=int(value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_in_q(self.on, [value]))

    def filter_cause(self, queryset, name, value):
        # other_causes is a JSON list; "contains" on JSON is not available on
        # SQLite, so match the quoted code in its text form.
        return queryset.filter(Q(main_cause=value) | Q(other_causes__icontains=f'"{value}"'))

    def filter_income_min(self, queryset, name, value):
        return queryset.filter(per_capita_income__gte=value)

    def filter_income_max(self, queryset, name, value):
        return queryset.filter(per_capita_income__lt=value)

    def filter_check(self, queryset, name, value):
        if value == "passes":
            return queryset.filter(lifting_passed_q(on=self.on))
        if value == "fails":
            return queryset.filter(lifting_failed_q(on=self.on))
        criterion = rules.Criterion(value.removeprefix("fails_"))
        return queryset.filter(criterion_failed_q(criterion, on=self.on))


ENJOYING = "enjoying"


class ApplyHouseholdFilter(HouseholdFilter):
    """The registry list's filters; the status also offers "enjoying the policies"
    (未脱贫, 已脱贫享受政策, 返贫), the set the insurance subsidies go to."""

    status = django_filters.ChoiceFilter(
        label=_("贫困状态"),
        choices=[(ENJOYING, _("享受政策的户")), *PovertyStatus.choices],
        method="filter_status",
        empty_label=_("在册户(全部)"),
    )
    has_dibao = django_filters.ChoiceFilter(
        label=_("有享受低保的成员"),
        choices=[("yes", _("是")), ("no", _("否"))],
        empty_label=_("不限"),
        method="filter_has_dibao",
    )

    def filter_status(self, queryset, name, value):
        statuses = ENJOYING_POLICY_STATUSES if value == ENJOYING else [value]
        return queryset.with_status_in(self.on, statuses)

    def filter_has_dibao(self, queryset, name, value):
        dibao = Member.objects.present_on(self.on).filter(on_dibao=True)
        ids = dibao.values("household_id")
        return queryset.filter(pk__in=ids) if value == "yes" else queryset.exclude(pk__in=ids)
