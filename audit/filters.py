"""Filters of the audit trail page and its export (django-filter)."""

from __future__ import annotations

import ipaddress
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import presentation
from audit.models import AuditAction, AuditEntry
from audit.selectors import audit_object_types
from households.params import DATE_MAX, DATE_MIN

#: A day the trail can hold: a date past it is a form error, not a query.
DATE_RANGE = [
    MinValueValidator(DATE_MIN, message=_("日期不能早于%(limit_value)s")),
    MaxValueValidator(DATE_MAX, message=_("日期不能晚于%(limit_value)s")),
]


class AuditFilter(django_filters.FilterSet):
    # Whole local days, as a range of the indexed timestamp.
    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_RANGE,
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_RANGE,
    )
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(
        label=_("操作"), choices=AuditAction.choices, empty_label=_("全部")
    )
    object_type = django_filters.ChoiceFilter(
        label=_("对象类型"), choices=[], empty_label=_("全部")
    )
    ip_address = django_filters.CharFilter(label=_("IP地址"), method="filter_ip")
    q = django_filters.CharFilter(label=_("对象(名称或编号)"), method="filter_object")

    class Meta:
        model = AuditEntry
        fields = ["date_from", "date_to", "username", "action", "object_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = [
            (t, presentation.model_name(t)) for t in audit_object_types()
        ]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_midnight(value + timedelta(days=1)))

    def filter_ip(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        try:
            address = str(ipaddress.ip_address(value))
        except ValueError:
            return queryset.none()  # no entry has an address that is not one
        return queryset.filter(ip_address=address)

    def filter_object(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_label__icontains=value) | Q(object_id=value))


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))
