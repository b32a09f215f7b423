"""The measures against the demo town of the 2020 report: bulk apply to the
2,651 persons enjoying the policies, 我的帮扶户 agreeing with the household page,
projected income following the applications."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from assessment.filters import ENJOYING
from assessment.rules import Criterion
from assessment.selectors import lifting_check, my_households
from demo.build import ensure_demo_users
from households.models import Household, Village
from measures import services
from measures.models import (
    Category,
    Kind,
    MeasureApplication,
    Programme,
    ResponsiblePerson,
    Target,
    Unit,
)
from measures.selectors import (
    apply_plan,
    programme_totals,
    programme_totals_for,
    village_coverage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

AS_OF = date(2020, 5, 31)


def enjoying_households():
    from households.choices import ENJOYING_POLICY_STATUSES
    from households.selectors import status_in_q

    return Household.objects.filter(status_in_q(AS_OF, ENJOYING_POLICY_STATUSES))


@pytest.fixture
def new_subsidy():
    return Programme.objects.create(
        year=2020,
        name="2020年城乡居民医保补贴(复核)",
        category=Category.MEDICAL,
        kind=Kind.INSURANCE_SUBSIDY,
        target=Target.PERSON,
        unit=Unit.PER_PERSON,
        standard_amount=Decimal("145"),
    )


@pytest.fixture
def users():
    ensure_demo_users(password="demo-password-for-tests")
    User = get_user_model()

    def client(username):
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    return client


def test_every_person_enjoying_the_policies_is_one_preview(new_subsidy, django_assert_num_queries):
    with django_assert_num_queries(2):
        plan = apply_plan(programme=new_subsidy, households=enjoying_households(), on=AS_OF)
    assert (plan.households, plan.persons, plan.to_create) == (1260 + 15, 2651, 2651)
    assert plan.funds == 2651 * Decimal("145")
    # Household 7's head died in January 2020 and stays registered: flagged, and
    # left out when asked.
    assert plan.deceased == 1
    alive = Q(deceased_on__isnull=True) | Q(deceased_on__gt=AS_OF)
    plan = apply_plan(
        programme=new_subsidy, households=enjoying_households(), on=AS_OF, members_q=alive
    )
    assert plan.to_create == 2650


def test_the_commercial_insurance_is_already_paid_to_all_2651(new_subsidy):
    commercial = Programme.objects.get(year=2020, kind=Kind.COMMERCIAL_INSURANCE)
    plan = apply_plan(programme=commercial, households=enjoying_households(), on=AS_OF)
    assert (plan.persons, plan.already, plan.to_create) == (2651, 2651, 0)


def test_applying_to_the_town_writes_once_with_history(new_subsidy, users):
    admin = get_user_model().objects.get(username="admin")
    result = services.programme_apply(
        programme=new_subsidy,
        households=enjoying_households(),
        on=AS_OF,
        user=admin,
        expected=2651,
        status="completed",
    )
    assert (result.created, result.persons, result.funds) == (
        2651,
        2651,
        2651 * Decimal("145"),
    )
    rows = MeasureApplication.objects.filter(programme=new_subsidy)
    assert rows.count() == 2651
    assert rows.filter(responsible__isnull=True).count() == 0
    history = MeasureApplication.history.filter(programme_id=new_subsidy.pk)
    assert history.count() == 2651 and set(history.values_list("history_user", flat=True)) == {
        admin.pk
    }
    totals = {t.programme.pk: t for t in programme_totals(year=2020)}[new_subsidy.pk]
    assert (totals.persons, totals.completed) == (2651, 2651)
    again = apply_plan(programme=new_subsidy, households=enjoying_households(), on=AS_OF)
    assert (again.already, again.to_create) == (2651, 0)


def test_preview_page_for_the_medical_insurance_of_the_town(new_subsidy, users):
    url = reverse("measures:programme_apply", kwargs={"pk": new_subsidy.pk})
    response = users("admin").get(
        url, {"preview": "1", "status": ENJOYING, "on": "2020-05-31", "record_as": "planned"}
    )
    page = response.content.decode()
    assert 'id="matched-persons">2651<' in page
    assert 'id="funds">384,395.00<' in page
    assert 'id="deceased"' in page


def test_a_cadre_previews_only_their_village(new_subsidy, users):
    url = reverse("measures:programme_apply", kwargs={"pk": new_subsidy.pk})
    page = (
        users("cadre")
        .get(url, {"preview": "1", "status": ENJOYING, "on": "2020-05-31", "record_as": "planned"})
        .content.decode()
    )
    village = Village.objects.get(name="学田地村")
    expected = apply_plan(
        programme=new_subsidy,
        households=enjoying_households().filter(village=village),
        on=AS_OF,
    )
    assert f'id="matched-persons">{expected.persons}<' in page
    assert expected.persons < 2651


def test_my_households_agree_with_the_household_page(users):
    person = ResponsiblePerson.objects.get(user__username="helper")
    rows = my_households(person=person, on=AS_OF)
    assert len(rows) == person.assignments.filter(ended_on__isnull=True).count() > 5
    for row in rows:
        result = lifting_check(household=row.household, on=AS_OF)
        assert row.failed == [f.key for f in result.check.failures]
        assert row.per_capita_income == result.per_capita_income
        assert row.planned_added_income == result.planned_added_income
        if row.planned_added_income:
            assert row.projected_per_capita == result.projected_per_capita_income
            assert row.projected_passes == result.projected_check.passed


def test_my_households_take_two_queries(users, django_assert_num_queries):
    person = ResponsiblePerson.objects.get(user__username="helper")
    with django_assert_num_queries(2):
        my_households(person=person, on=AS_OF)


def test_projected_income_follows_the_applications_of_seed_household_4():
    household = Household.objects.get(notes__contains="第4户")
    before = lifting_check(household=household, on=AS_OF)
    assert before.projected_per_capita_income == Decimal("4950.00")  # 3,950 + relief + dividend
    assert before.projected_check.passed
    relief, dividend = household.measures.filter(status="planned").order_by("-programme__kind")
    assert relief.programme.kind == Kind.RELIEF
    services.application_change_status(
        application=relief,
        status="cancelled",
        on=AS_OF,
        reason="已纳入低保,不再临时救助",
        expected_version=relief.version,
    )
    after = lifting_check(household=household, on=AS_OF)
    assert after.planned_added_income == before.planned_added_income - relief.added_income
    assert after.projected_per_capita_income == Decimal("4450.00")
    services.application_change_status(
        application=dividend,
        status="cancelled",
        on=AS_OF,
        reason="合作社未分红",
        expected_version=dividend.version,
    )
    last = lifting_check(household=household, on=AS_OF)
    assert last.planned_added_income == 0
    assert not last.projected_check.get(Criterion.INCOME).passed


def test_a_cadres_programme_totals_are_their_villages_coverage(users):
    cadre = get_user_model().objects.get(username="cadre")
    village = Village.objects.get(name="学田地村")
    totals = programme_totals_for(year=2020, user=cadre)
    coverage = village_coverage(year=2020)[village.pk]
    assert sum(t.applications for t in totals) == coverage.applications
    assert sum(t.completed for t in totals) == coverage.completed
    assert sum((t.funds for t in totals), Decimal(0)) == coverage.funds


def test_summary_page_holds_the_report_figures(users):
    page = users("leader").get(reverse("measures:summary"), {"year": 2020}).content.decode()
    housing = page.split('data-category="housing"')[1].split("</tr>")[0]
    assert '<td class="num">91</td>' in housing and '<td class="num">77</td>' in housing
    medical = page.split('data-category="medical"')[1].split("</tr>")[0]
    assert '<td class="num">2651</td>' in medical
    renovations = page.split('id="renovations"')[1].split("</table>")[0]
    assert '修缮加固</td><td class="num">11</td><td class="num">11' in renovations
    assert '新建</td><td class="num">79</td><td class="num">65' in renovations
