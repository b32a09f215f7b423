"""The monitoring tables: Chinese names, the constraints the database keeps,
and who may do what (the role permissions)."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from households import roles
from monitoring.choices import CaseState, Category, Channel
from monitoring.models import MonitoringCase
from tests.factories import HouseholdFactory
from tests.test_model_meta import CJK

pytestmark = pytest.mark.django_db


def monitoring_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label == "monitoring" and not m.__name__.startswith("Historical")
    ]


@pytest.mark.parametrize("model", monitoring_models(), ids=lambda m: m._meta.label)
def test_every_table_and_field_is_named_in_chinese(model):
    assert CJK.search(str(model._meta.verbose_name))
    missing = [
        f.name
        for f in model._meta.get_fields()
        if f.concrete and not f.auto_created and not CJK.search(str(f.verbose_name))
    ]
    assert missing == []


def case(household, **fields):
    values = {
        "household": household,
        "category": Category.EDGE,
        "channel": Channel.VISIT,
        "intake_on": date(2024, 3, 1),
        "home_check_due": date(2024, 3, 8),
        "deadline": date(2024, 3, 29),
        **fields,
    }
    return MonitoringCase.objects.create(**values)


def test_a_household_has_at_most_one_open_case():
    household = HouseholdFactory()
    case(household, state=CaseState.REJECTED)
    case(household, state=CaseState.ELIMINATED)
    case(household)
    with pytest.raises(IntegrityError), transaction.atomic():
        case(household, state=CaseState.MONITORED)


@pytest.mark.parametrize(
    "fields",
    [
        {"channel": Channel.SELF_REPORT},  # no kind of self-report
        {"channel": Channel.DEPARTMENT},  # no department
        {"deadline": date(2024, 2, 1)},  # before the intake
    ],
)
def test_the_database_refuses_an_incomplete_case(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        case(HouseholdFactory(), **fields)


def perms(username):
    return get_user_model().objects.get(username=username).get_all_permissions()


def test_county_approval_is_the_county_administrators_only(town):
    admin = perms("admin")
    assert {"monitoring.review_at_town", "monitoring.work_case"} <= admin
    assert "monitoring.approve_at_county" not in admin
    assert "monitoring.approve_at_county" in perms("countyadmin")
    assert "monitoring.approve_at_county" not in perms("countyleader")


def test_a_cadre_works_cases_but_neither_reviews_nor_approves(town):
    cadre = perms("cadre")
    assert {"monitoring.work_case", "monitoring.add_monitoringcase"} <= cadre
    assert not {"monitoring.review_at_town", "monitoring.approve_at_county"} & cadre


def test_leaders_and_responsible_persons_only_read_monitoring(town):
    for username in ("leader", "helper"):
        granted = {p for p in perms(username) if p.startswith("monitoring.")}
        assert "monitoring.view_monitoringcase" in granted
        assert all(p.split(".")[1].startswith("view_") for p in granted), username


def test_the_system_administrators_get_nothing_of_monitoring(town):
    from django.contrib.auth.models import Group

    for role in roles.ADMIN_ROLES:
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(content_type__app_label="monitoring").exists()
