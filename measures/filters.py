"""Filters of a bulk apply: the registry list's household filters, plus who
enjoys the policies, and the person filters of a person-targeted programme."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households.check_queries import years_before
from households.choices import ENJOYING_POLICY_STATUSES, PovertyStatus, SchoolStatus
from households.filters import HouseholdFilter
from households.models import Member
from measures.forms import ApplyFilterForm

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


def members_q(form: ApplyFilterForm, *, on: date) -> Q:
    """The person filters of ``form`` (valid) as a ``Member`` filter on ``on``.

    学生儿童 = under 18 on the date or in school, as the medical-insurance
    subsidy distinguishes them; 成人 = the others.
    """
    data = form.cleaned_data
    q = Q()
    child = Q(birth_date__gt=years_before(on, 18)) | Q(school_status=SchoolStatus.IN_SCHOOL)
    if data.get("age") == ApplyFilterForm.AGE_CHILD:
        q &= child
    elif data.get("age") == ApplyFilterForm.AGE_ADULT:
        q &= ~child
    if data.get("member_dibao"):
        q &= Q(on_dibao=True)
    if data.get("member_disabled"):
        q &= Q(disability_grade__isnull=False)
    if data.get("exclude_deceased"):
        q &= Q(deceased_on__isnull=True) | Q(deceased_on__gt=on)
    return q
