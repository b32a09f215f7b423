"""The demo town reproduces every figure of the 2020 report, counted from its rows."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from assessment.rules import Criterion
from assessment.selectors import lifting_check
from households import selectors
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    REGISTERED_STATUSES,
    EducationLevel,
    PoorVillageKind,
    PovertyStatus,
    RenovationKind,
)
from households.models import Household, Member, Village, VillagePopulation, VillagerGroup
from measures.models import CollectiveIncome, Kind, ProjectIncome, VillageProject
from measures.selectors import programme_totals, renovations_by_kind
from rectification.models import InspectionRound
from rectification.selectors import round_summary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

AS_OF = date(2020, 5, 31)  # after the May 2020 dynamic adjustment


def totals(kind=None):
    return {t.programme.name: t for t in programme_totals(year=2020, kind=kind)}


def test_geography_and_population():
    assert Village.objects.count() == 12
    assert VillagerGroup.objects.count() == 74
    kinds = list(Village.objects.values_list("poor_village_kind", flat=True))
    assert kinds.count(PoorVillageKind.KEY) == 4
    assert kinds.count(PoorVillageKind.DEEP) == 4
    exits = sorted(Village.objects.exclude(exit_year=None).values_list("exit_year", flat=True))
    assert exits == [2016, 2018] + [2019] * 6
    pop = selectors.population_for_year(year=2020).values()
    assert sum(p.registered_households for p in pop) == 8956
    assert sum(p.registered_persons for p in pop) == 18516
    assert sum(p.resident_households for p in pop) == 2914
    assert sum(p.resident_persons for p in pop) == 6211
    assert VillagePopulation.objects.count() == 12


def test_registered_poor_by_status():
    tallies = selectors.town_status_tallies(on=AS_OF)
    assert selectors.sum_tallies(tallies, REGISTERED_STATUSES) == selectors.Tally(1347, 2829)
    assert tallies[PovertyStatus.LIFTED] == selectors.Tally(1260, 2624)
    assert tallies[PovertyStatus.STABLE] == selectors.Tally(72, 178)
    assert tallies[PovertyStatus.NOT_LIFTED] == selectors.Tally(15, 27)


def test_not_lifted_persons_depend_on_the_date():
    # The newborn of report household 15 joins in July 2020; the head of
    # household 7, who died in January 2020, stays registered.
    assert selectors.town_status_tallies(on=AS_OF)[PovertyStatus.NOT_LIFTED].persons == 27
    later = selectors.town_status_tallies(on=date(2020, 7, 31))
    assert later[PovertyStatus.NOT_LIFTED].persons == 28
    deceased = Member.objects.get(household__notes__contains="第7户", relation="head")
    assert deceased.deceased_on == date(2020, 1, 16) and deceased.left_on is None


def test_status_history_counts_as_of_earlier_dates():
    # Before the May 2020 adjustment the 72 stable households were still
    # lifted-and-enjoying; removed households counted before their removal.
    before = selectors.town_status_tallies(on=date(2020, 5, 1))
    assert PovertyStatus.STABLE not in before
    assert before[PovertyStatus.LIFTED].households == 1260 + 72
    # At the end of 2016 every household identified by then was registered,
    # including the ten removed later (in 2017–2019).
    end_2016 = selectors.town_status_tallies(on=date(2016, 12, 31))
    identified = Household.objects.filter(identified_year__lte=2016).count()
    assert selectors.sum_tallies(end_2016, REGISTERED_STATUSES).households == identified
    removed = Household.objects.filter(
        status_periods__status__in=[PovertyStatus.REMOVED_NATURAL, PovertyStatus.REMOVED_CLEARED]
    )
    assert removed.count() == 10
    assert not removed.filter(selectors.registered_q(AS_OF)).exists()
    assert removed.filter(selectors.registered_q(date(2016, 12, 31))).count() == 10


def test_incidence_is_0_15_percent():
    incidence = selectors.town_incidence(on=AS_OF)
    assert (incidence.poor_persons, incidence.population) == (27, 18516)
    assert incidence.display == "0.15%"


def test_the_overview_sums_its_villages_into_the_towns_figures(client, django_user_model):
    """The overview adds up the villages' figures it has read; they are the town's."""
    from django.urls import reverse

    from demo.build import ensure_demo_users

    ensure_demo_users(password="test-Password-2020")
    client.force_login(django_user_model.objects.get(username="leader"))
    content = client.get(reverse("households:overview") + "?on=2020-05-31").content.decode()
    # (intcomma groups digits only where the active locale does.)
    assert re.search(r'id="town-registered">1,?347户 2,?829人<', content)
    assert 'id="town-incidence">0.15%<' in content


def test_persons_enjoying_policies_all_got_the_insurance_subsidies():
    tallies = selectors.town_status_tallies(on=AS_OF)
    assert selectors.sum_tallies(tallies, ENJOYING_POLICY_STATUSES).persons == 2651
    t = totals(Kind.INSURANCE_SUBSIDY)
    adult, child = (
        t["城乡居民医疗保险个人缴费补贴(成人)"],
        t["城乡居民医疗保险个人缴费补贴(学生儿童)"],
    )
    assert adult.persons + child.persons == 2651
    assert adult.programme.standard_amount == Decimal("145")
    assert child.programme.standard_amount == Decimal("135")
    commercial = totals(Kind.COMMERCIAL_INSURANCE)["商业补充保险"]
    assert commercial.persons == 2651
    assert commercial.funds == 2651 * Decimal("260")


def test_social_security():
    assert selectors.dibao_tally(on=AS_OF) == selectors.Tally(944, 1716)
    assert selectors.tekun_persons(on=AS_OF) == 44
    t = totals(Kind.DISABILITY_SUBSIDY)
    assert t["重度残疾人护理补贴"].persons == 110
    assert t["困难残疾人生活补贴"].persons == 183
    assert totals(Kind.MEDICINE_DELIVERY)["上门送药服务"].persons == 123


def test_students_by_level():
    students = selectors.students_by_level(on=AS_OF)
    assert students == {
        EducationLevel.PRIMARY: 71,
        EducationLevel.JUNIOR: 51,
        EducationLevel.SENIOR: 31,
        EducationLevel.VOCATIONAL: 27,
        EducationLevel.COLLEGE: 17,
    }
    assert sum(students.values()) == 197
    t = totals(Kind.STUDENT_SUBSIDY)
    per_student = {
        name: t[name].programme.standard_per_beneficiary
        for name in ("学生生活补助(小学)", "学生生活补助(初中)", "学生生活补助(高中)")
    }
    assert per_student == {
        "学生生活补助(小学)": Decimal("1890"),
        "学生生活补助(初中)": Decimal("2160"),
        "学生生活补助(高中)": Decimal("4050"),
    }


def test_housing_renovations():
    by_kind = renovations_by_kind(year=2020)
    assert by_kind == {
        RenovationKind.REPAIR: (11, 11),
        RenovationKind.REPLACEMENT: (1, 1),
        RenovationKind.NEW_BUILD: (79, 65),
    }
    renovation = totals(Kind.RENOVATION)["危房改造"]
    assert (renovation.households, renovation.completed, renovation.in_progress) == (91, 77, 14)


def test_water():
    purifiers = VillageProject.objects.filter(kind=VillageProject.ProjectKind.WATER_PURIFIER)
    assert sum(p.quantity for p in purifiers) == 478
    assert purifiers.values("village").distinct().count() == 7
    tap = VillageProject.objects.filter(kind=VillageProject.ProjectKind.TAP_WATER)
    assert tap.values("village").distinct().count() == 9


def test_industry():
    t = totals(Kind.ENTERPRISE_LINKAGE)
    assert t["福乐养鸡厂利益联结"].households == 72
    assert t["福乐养鸡厂利益联结"].programme.income_per_year == Decimal("3000")
    assert t["永富肉牛养殖厂利益联结"].households == 96
    assert t["阴山优麦食品有限公司带动"].households == 184
    assert t["阴山优麦食品有限公司带动"].funds == 184 * Decimal("900")
    menu = totals(Kind.MENU_SUBSIDY)["菜单式产业奖补(第一批)"]
    assert menu.funds == Decimal("592390")
    pv = totals(Kind.PHOTOVOLTAIC)["光伏扶贫电站收益分配"]
    assert pv.households == 134 and pv.programme.income_per_year == Decimal("3000")
    stations = VillageProject.objects.filter(kind=VillageProject.ProjectKind.PHOTOVOLTAIC)
    assert stations.count() == 8
    assert {s.capacity_kw for s in stations} == {Decimal("500")}
    income_2019 = ProjectIncome.objects.filter(project__in=stations, year=2019)
    assert sum(i.income for i in income_2019) == Decimal("450000")
    collective = CollectiveIncome.objects.filter(year=2019)
    assert sum(c.amount for c in collective) == Decimal("1039000")


def test_jobs_and_loans():
    t = totals(Kind.PUBLIC_WELFARE_POST)
    assert t["国家级生态护林员"].persons == 36
    assert t["旗级生态护林员"].persons == 7
    assert t["保洁员"].persons == 114
    assert t["国家级生态护林员"].programme.standard_amount == Decimal("10000")
    loans = totals(Kind.MICROCREDIT)["扶贫小额信贷"]
    assert (loans.households, loans.completed, loans.in_progress) == (402, 370, 32)


def test_rectification_rounds():
    found = {
        r.kind: {c.category: (c.found, c.done) for c in round_summary(inspection_round=r)}
        for r in InspectionRound.objects.all()
    }
    assert found["central"] == {
        "housing": (3, 3),
        "industry_advisor": (2, 2),
        "water": (2, 2),
        "finance": (2, 2),
    }
    assert found["assessment"] == {"housing": (3, 3), "finance": (1, 1), "employment": (2, 2)}
    assert found["survey"] == {"records": (7, 7), "guarantees": (2, 1), "measures": (6, 6)}
    assert found["discipline"] == {"old_house": (13, 12)}
    old_house = InspectionRound.objects.get(kind="discipline").problems.all()
    assert len({v.pk for p in old_house for v in p.villages.all()}) == 4


def test_census_preparation():
    from census.models import CensusStaff, WorkingGroup

    assert WorkingGroup.objects.filter(kind="working").count() == 5
    leader = WorkingGroup.objects.get(kind="leading").members.get(role="leader")
    assert leader.position == "镇长"
    enumerators = CensusStaff.objects.filter(role="enumerator")
    assert enumerators.count() == 36
    per_village = [enumerators.filter(village=v).count() for v in Village.objects.all()]
    assert per_village == [3] * 12
    assert CensusStaff.objects.filter(role="reviewer").count() == 3


def test_the_fifteen_not_lifted_households():
    households = Household.objects.filter(notes__contains="未脱贫户").order_by("id")
    sizes = [selectors.household_size_on(h, AS_OF) for h in households]
    assert sizes == [2, 2, 2, 2, 1, 1, 3, 1, 1, 1, 2, 1, 2, 2, 4]
    per_capita = [lifting_check(household=h, on=AS_OF).per_capita_income for h in households]
    assert per_capita == [
        Decimal(v)
        for v in [
            "12181.50",
            "12963.00",
            "6696.50",
            "3950.00",
            "2300.00",
            "12336.00",
            "9194.88",
            "5692.08",
            "1950.00",
            "6079.00",
            "3106.69",
            "6983.00",
            "5420.00",
            "5854.00",
            "2205.00",
        ]
    ]


def test_seed_household_1_passes_income_but_fails_housing():
    household = Household.objects.get(notes__contains="第1户")
    result = lifting_check(household=household, on=AS_OF)
    assert result.per_capita_income == Decimal("12181.50")
    assert result.check.get(Criterion.INCOME).passed
    assert [f.key for f in result.check.failures] == [Criterion.HOUSING]
    assert "危房" in result.check.get(Criterion.HOUSING).reason


def test_seed_household_4_passes_once_planned_measures_land():
    household = Household.objects.get(notes__contains="第4户")
    result = lifting_check(household=household, on=AS_OF)
    assert not result.check.get(Criterion.INCOME).passed  # 3,950 < 4,000
    assert result.check.get(Criterion.HOUSING).passed  # repair completed
    assert result.projected_per_capita_income == Decimal("4950.00")  # + relief + dividend
    assert result.projected_check.passed


def test_load_demo_is_idempotent(capsys, settings):
    settings.DEBUG = True
    before = (Household.objects.count(), Member.objects.count())
    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out
    assert (Household.objects.count(), Member.objects.count()) == before
