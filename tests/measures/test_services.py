"""Writes of the measures: amounts from standards, bulk apply, statuses, concurrent edits."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from assessment.selectors import lifting_check
from households.models import Household
from measures import rules, services
from measures.models import MeasureApplication, Programme, Target, Unit
from measures.selectors import apply_plan

pytestmark = pytest.mark.django_db

ON = date(2020, 5, 31)


@pytest.fixture
def admin(town):
    return get_user_model().objects.get(username="admin")


def add(programme, household, **kwargs):
    kwargs.setdefault("on", ON)
    return services.application_create(programme=programme, household=household, **kwargs)


def head(household):
    return household.members.get(relation="head")


def field_errors(exc_info):
    return exc_info.value.message_dict


# -- one application -------------------------------------------------------------


def test_amount_follows_the_standard_per_person(town, programmes, admin):
    a = add(programmes["insurance"], town["household"], member=head(town["household"]), user=admin)
    assert (a.amount, a.persons, a.status, a.planned_on) == (Decimal("145"), 1, "planned", ON)


def test_per_person_standard_of_a_household_programme_counts_its_members(town, programmes):
    a = add(programmes["heating"], town["household"])
    assert (a.persons, a.amount) == (2, Decimal("400"))


def test_per_day_standard_is_times_the_days(town, programmes):
    a = add(programmes["student"], town["household"], member=head(town["household"]))
    assert a.amount == Decimal("1890")


def test_override_without_a_reason_is_refused_on_the_reason_field(town, programmes):
    with pytest.raises(ValidationError) as exc:
        add(programmes["dividend"], town["household"], amount=Decimal("2000"))
    assert list(field_errors(exc)) == ["amount_override_reason"]
    assert not MeasureApplication.objects.exists()


def test_override_with_a_reason_is_recorded(town, programmes):
    a = add(
        programmes["dividend"],
        town["household"],
        amount=Decimal("1500"),
        amount_override_reason="下半年入股,按半年分红",
    )
    assert (a.amount, a.amount_override_reason) == (Decimal("1500"), "下半年入股,按半年分红")


def test_lump_sum_programme_needs_an_amount(town, programmes):
    with pytest.raises(ValidationError) as exc:
        add(programmes["relief"], town["household"])
    assert list(field_errors(exc)) == ["amount"]
    assert add(programmes["relief"], town["household"], amount=Decimal("1000")).amount == 1000


def test_person_programme_needs_a_member(town, programmes):
    with pytest.raises(ValidationError) as exc:
        add(programmes["insurance"], town["household"])
    assert list(field_errors(exc)) == ["member"]


def test_renovation_needs_its_kind(town, programmes):
    with pytest.raises(ValidationError) as exc:
        add(programmes["renovation"], town["household"], amount=Decimal("45000"))
    assert "renovation_kind" in field_errors(exc)
    a = add(
        programmes["renovation"],
        town["household"],
        amount=Decimal("45000"),
        renovation_kind="new_build",
        progress_note="4月动工",
    )
    assert a.get_renovation_kind_display() == "新建"


def test_the_same_programme_twice_is_refused_until_cancelled(town, programmes, admin):
    household = town["household"]
    first = add(programmes["dividend"], household)
    with pytest.raises(ValidationError) as exc:
        add(programmes["dividend"], household)
    assert field_errors(exc) == {"programme": [str(services.APPLICATION_ERROR_DUPLICATE_HOUSEHOLD)]}
    services.application_change_status(
        application=first, status="cancelled", on=ON, reason="录入错误", expected_version=1
    )
    assert add(programmes["dividend"], household).status == "planned"


def test_village_programme_only_for_its_village(town, programmes):
    programme = programmes["dividend"]
    programme.village = town["household"].village
    programme.save()
    with pytest.raises(ValidationError) as exc:
        add(programme, town["other_household"])
    assert "programme" in field_errors(exc)


def test_responsible_defaults_to_the_households_and_history_names_the_user(town, programmes, admin):
    a = add(programmes["dividend"], town["household"], user=admin)
    assert a.responsible.name == "孙帮扶"
    assert a.history.get().history_user == admin


# -- status ------------------------------------------------------------------------


def test_status_moves_forward_with_dates(town, programmes, admin):
    a = add(programmes["dividend"], town["household"])
    services.application_change_status(
        application=a, status="in_progress", on=date(2020, 4, 1), expected_version=1, user=admin
    )
    services.application_change_status(
        application=a, status="completed", on=date(2020, 5, 1), expected_version=2, user=admin
    )
    a.refresh_from_db()
    assert (a.status, a.started_on, a.completed_on, a.version) == (
        "completed",
        date(2020, 4, 1),
        date(2020, 5, 1),
        3,
    )
    assert [h.status for h in a.history.order_by("history_date")] == [
        "planned",
        "in_progress",
        "completed",
    ]
    assert a.history.latest().history_user == admin


def test_completing_without_a_date_is_refused_and_changes_nothing(town, programmes):
    a = add(programmes["dividend"], town["household"])
    with pytest.raises(ValidationError) as exc:
        services.application_change_status(
            application=a, status="completed", on=None, expected_version=1
        )
    assert field_errors(exc) == {"on": [str(rules.TRANSITION_ERROR_NO_DATE["completed"])]}
    a.refresh_from_db()
    assert (a.status, a.version) == ("planned", 1)


def test_going_backwards_is_refused(town, programmes):
    a = add(programmes["dividend"], town["household"], status="completed")
    with pytest.raises(ValidationError) as exc:
        services.application_change_status(
            application=a, status="in_progress", on=ON, expected_version=1
        )
    assert list(field_errors(exc)) == ["status"]


def test_cancel_needs_a_reason(town, programmes):
    a = add(programmes["dividend"], town["household"])
    with pytest.raises(ValidationError) as exc:
        services.application_change_status(
            application=a, status="cancelled", on=ON, reason="", expected_version=1
        )
    assert list(field_errors(exc)) == ["reason"]


def test_second_of_two_concurrent_status_changes_is_refused(town, programmes):
    a = add(programmes["dividend"], town["household"])
    stale = MeasureApplication.objects.get(pk=a.pk)
    services.application_change_status(
        application=a, status="in_progress", on=ON, expected_version=1
    )
    with pytest.raises(services.ConcurrentEditError):
        services.application_change_status(
            application=stale, status="cancelled", on=ON, reason="x", expected_version=1
        )
    assert MeasureApplication.objects.get(pk=a.pk).status == "in_progress"


# -- edits -------------------------------------------------------------------------


def test_edit_keeps_the_standard_and_asks_a_reason_for_another_amount(town, programmes):
    a = add(programmes["dividend"], town["household"])
    services.application_update(
        application=a, expected_version=1, data={"progress_note": "已签协议", "amount": None}
    )
    assert (a.amount, a.progress_note, a.version) == (Decimal("3000"), "已签协议", 2)
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            application=MeasureApplication.objects.get(pk=a.pk),
            expected_version=2,
            data={"amount": Decimal("1000"), "amount_override_reason": ""},
        )
    assert list(field_errors(exc)) == ["amount_override_reason"]
    assert MeasureApplication.objects.get(pk=a.pk).version == 2  # nothing half-saved


def test_stale_edit_is_refused(town, programmes):
    a = add(programmes["dividend"], town["household"])
    services.application_update(application=a, expected_version=1, data={"notes": "一"})
    with pytest.raises(services.ConcurrentEditError):
        services.application_update(
            application=MeasureApplication.objects.get(pk=a.pk),
            expected_version=1,
            data={"notes": "二"},
        )
    assert MeasureApplication.objects.get(pk=a.pk).notes == "一"


def test_cancelled_application_cannot_be_edited(town, programmes):
    a = add(programmes["dividend"], town["household"])
    services.application_change_status(
        application=a, status="cancelled", on=ON, reason="重复", expected_version=1
    )
    with pytest.raises(ValidationError):
        services.application_update(application=a, expected_version=2, data={"notes": "x"})


# -- projected income ----------------------------------------------------------------


def test_planned_measures_feed_the_projected_income_until_they_land_or_are_cancelled(
    town, programmes
):
    household = town["household"]  # 7,000 for 2 persons: 3,500 < 4,000
    before = lifting_check(household=household, on=ON)
    assert (before.planned_added_income, before.check.passed) == (0, False)

    a = add(programmes["dividend"], household)  # +3,000 a year
    planned = lifting_check(household=household, on=ON)
    assert planned.planned_added_income == Decimal("3000")
    assert planned.projected_per_capita_income == Decimal("5000.00")
    assert planned.projected_check.passed

    services.application_change_status(
        application=a, status="in_progress", on=ON, expected_version=1
    )
    assert lifting_check(household=household, on=ON).planned_added_income == Decimal("3000")

    services.application_change_status(
        application=a, status="cancelled", on=ON, reason="企业停产", expected_version=2
    )
    cancelled = lifting_check(household=household, on=ON)
    assert (cancelled.planned_added_income, cancelled.projected_check.passed) == (0, False)

    b = add(programmes["dividend"], household)
    services.application_change_status(application=b, status="completed", on=ON, expected_version=1)
    assert lifting_check(household=household, on=ON).planned_added_income == 0


# -- programmes ---------------------------------------------------------------------


def test_new_standard_reprices_planned_applications_only(town, programmes, admin):
    programme = programmes["insurance"]
    household, other = town["household"], town["other_household"]
    planned = add(programme, household, member=head(household))
    overridden = add(
        programme,
        household,
        member=household.members.get(relation="spouse"),
        amount=Decimal("72.50"),
        amount_override_reason="年中参保,减半",
    )
    paid = add(programme, other, member=head(other), status="completed")
    result = services.programme_update(
        programme=programme,
        expected_version=1,
        data={"standard_amount": Decimal("160")},
        user=admin,
    )
    assert result.repriced == 1
    for a in (planned, overridden, paid):
        a.refresh_from_db()
    assert (planned.amount, overridden.amount, paid.amount) == (
        Decimal("160"),
        Decimal("72.50"),
        Decimal("145"),
    )
    assert planned.history.latest().history_user == admin
    # The paid one is still edited without a reason: its amount did not change.
    services.application_update(application=paid, expected_version=1, data={"notes": "已发放"})
    assert MeasureApplication.objects.get(pk=paid.pk).notes == "已发放"


def test_programme_unit_cannot_change_once_applied(town, programmes):
    programme = programmes["dividend"]
    add(programme, town["household"])
    with pytest.raises(ValidationError) as exc:
        services.programme_update(
            programme=programme, expected_version=1, data={"unit": Unit.PER_PERSON}
        )
    assert "unit" in field_errors(exc)
    assert Programme.objects.get(pk=programme.pk).unit == Unit.PER_HOUSEHOLD


def test_programme_standard_must_match_its_unit(db):
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            data={
                "year": 2020,
                "name": "学生补助",
                "category": "education",
                "target": Target.PERSON,
                "unit": Unit.PER_DAY,
                "standard_amount": Decimal("7"),
                "days": None,
            }
        )
    assert list(field_errors(exc)) == ["days"]


def test_stale_programme_edit_is_refused(town, programmes):
    programme = programmes["dividend"]
    services.programme_update(programme=programme, expected_version=1, data={"partner": "甲"})
    with pytest.raises(services.ConcurrentEditError):
        services.programme_update(
            programme=Programme.objects.get(pk=programme.pk),
            expected_version=1,
            data={"partner": "乙"},
        )


# -- bulk apply ---------------------------------------------------------------------


def test_bulk_apply_previews_then_creates_and_is_idempotent(town, programmes, admin):
    programme = programmes["insurance"]
    households = Household.objects.all()
    plan = apply_plan(programme=programme, households=households, on=ON)
    assert (plan.households, plan.persons, plan.to_create, plan.funds) == (2, 4, 4, Decimal("580"))
    assert not MeasureApplication.objects.exists()  # the preview writes nothing

    result = services.programme_apply(
        programme=programme, households=households, on=ON, user=admin, expected=4
    )
    assert (result.created, result.households, result.persons, result.funds) == (
        4,
        2,
        4,
        Decimal("580"),
    )
    rows = MeasureApplication.objects.filter(programme=programme)
    assert rows.count() == 4
    assert {h.history_user for a in rows for h in a.history.all()} == {admin}
    assert rows.get(household=town["household"], member=head(town["household"])).responsible

    again = apply_plan(programme=programme, households=households, on=ON)
    assert (again.already, again.to_create) == (4, 0)
    with pytest.raises(ValidationError) as exc:
        services.programme_apply(programme=programme, households=households, on=ON, user=admin)
    assert exc.value.messages == [str(services.APPLY_ERROR_NOTHING)]
    assert rows.count() == 4


def test_bulk_apply_refuses_when_the_set_changed_since_the_preview(town, programmes, admin):
    programme = programmes["dividend"]
    households = Household.objects.all()
    add(programme, town["household"])  # someone applied one meanwhile
    with pytest.raises(ValidationError) as exc:
        services.programme_apply(
            programme=programme, households=households, on=ON, user=admin, expected=2
        )
    assert exc.value.code == "changed"
    assert MeasureApplication.objects.filter(programme=programme).count() == 1


def test_bulk_apply_with_member_filter_and_household_filter(town, programmes, admin):
    programme = programmes["insurance"]
    own = Household.objects.filter(village=town["household"].village)
    result = services.programme_apply(
        programme=programme, households=own, on=ON, user=admin, members_q=Q(relation="head")
    )
    assert result.created == 1
    assert MeasureApplication.objects.get().member == head(town["household"])


def test_bulk_apply_of_a_lump_sum_needs_an_amount(town, programmes, admin):
    households = Household.objects.all()
    with pytest.raises(ValidationError) as exc:
        services.programme_apply(
            programme=programmes["relief"], households=households, on=ON, user=admin
        )
    assert list(field_errors(exc)) == ["amount"]
    result = services.programme_apply(
        programme=programmes["relief"],
        households=households,
        on=ON,
        user=admin,
        amount=Decimal("500"),
    )
    assert result.funds == Decimal("1000")


def test_bulk_apply_as_completed_records_the_completion(town, programmes, admin):
    services.programme_apply(
        programme=programmes["dividend"],
        households=Household.objects.all(),
        on=ON,
        user=admin,
        status="completed",
    )
    assert set(MeasureApplication.objects.values_list("status", "started_on", "completed_on")) == {
        ("completed", ON, ON)
    }


def test_bulk_apply_of_a_village_programme_keeps_its_village(town, programmes, admin):
    programme = programmes["dividend"]
    programme.village = town["other_household"].village
    programme.save()
    result = services.programme_apply(
        programme=programme, households=Household.objects.all(), on=ON, user=admin
    )
    assert result.created == 1
    assert MeasureApplication.objects.get().household == town["other_household"]


def test_preview_counts_the_persons_a_household_programme_reaches(town, programmes):
    plan = apply_plan(programme=programmes["dividend"], households=Household.objects.all(), on=ON)
    assert (plan.households_to_create, plan.persons_to_create, plan.funds) == (
        2,
        4,
        Decimal("6000"),
    )
    heating = apply_plan(programme=programmes["heating"], households=Household.objects.all(), on=ON)
    assert [t.persons for t in heating.targets] == [2, 2]
    assert heating.funds == Decimal("800")  # 200 per person
