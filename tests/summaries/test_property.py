"""The summaries equal the live counts: on the demo town, and on a generated
county whose registry random edits keep changing, on several dates.

"Live" is ``households.selectors`` (and ``reports.selectors.live_causes``),
the definitions every page used before the summaries; "summaries" is
``summaries.read``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from households import selectors as live
from households.choices import EducationLevel, PovertyCause, PovertyStatus, SchoolStatus
from households.models import Household, HouseholdStatusPeriod, Member, Village
from measures.choices import ApplicationStatus, Category
from measures.models import MeasureApplication, Programme
from reports.selectors import live_causes
from summaries import read
from summaries.build import rebuild, stale_villages
from summaries.models import StaleVillage
from tests.factories import (
    CountyFactory,
    HouseholdFactory,
    MemberFactory,
    StatusFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

DATES = (
    date(2010, 6, 1),
    date(2014, 12, 31),
    date(2015, 1, 1),
    date(2016, 7, 15),
    date(2018, 12, 31),
    date(2019, 11, 15),
    date(2020, 5, 20),
    date(2020, 5, 31),
    date(2021, 3, 1),
    date(2035, 1, 1),
)


def assert_equal_on(on: date, village_ids=None) -> None:
    figures = read.registry_figures(on=on, village_ids=village_ids)
    assert figures.status_tallies() == live.status_tallies(on=on, village_ids=village_ids), on
    assert figures.dibao_by_village() == live.dibao_tallies_by_village(
        on=on, village_ids=village_ids
    ), on
    assert figures.dibao() == live.dibao_tally(on=on, village_ids=village_ids), on
    assert figures.tekun_persons() == live.tekun_persons(on=on, village_ids=village_ids), on
    assert figures.students_by_level() == live.students_by_level(on=on, village_ids=village_ids), on
    assert figures.causes() == live_causes(on=on, village_ids=village_ids), on


def assert_measures_equal(year: int, village_ids=None) -> None:
    from households.models import Household
    from measures import selectors as measures

    assert read.measure_coverage(year=year, village_ids=village_ids) == measures.village_coverage(
        year=year, village_ids=village_ids
    ), year
    assert read.category_totals(year=year, village_ids=village_ids) == measures.category_totals(
        year=year, village_ids=village_ids
    ), year
    households = None
    if village_ids is not None:
        households = Household.objects.filter(village_id__in=village_ids)
    assert read.programme_totals(year=year, village_ids=village_ids) == measures.programme_totals(
        year=year, households=households
    ), year
    if village_ids is None:
        assert read.renovations_by_kind(year=year) == measures.renovations_by_kind(year=year)


def assert_year_ends_equal(years, village_ids=None) -> None:
    summed = read.status_totals_at_year_ends(years=years, village_ids=village_ids)
    for year in years:
        on = date(year, 12, 31)
        counted = {
            s: t
            for s, t in live.town_status_tallies(on=on, village_ids=village_ids).items()
            if t.households
        }
        assert summed[year] == counted, year


# --------------------------------------------------------------------------
# The demo town
# --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("demo_town")
class TestDemoTown:
    def test_demo_is_counted_when_built(self):
        assert stale_villages() == []

    @pytest.mark.parametrize("on", DATES)
    def test_every_figure_equals_the_live_count(self, on):
        assert_equal_on(on)

    def test_a_village_alone_equals_its_live_count(self):
        village = Village.objects.order_by("pk")[3]
        for on in DATES:
            assert_equal_on(on, [village.pk])

    def test_year_ends_equal_the_live_count(self):
        assert_year_ends_equal(range(2013, 2022))

    @pytest.mark.parametrize("year", [2019, 2020, 2021])
    def test_measures_equal_the_live_count(self, year):
        assert_measures_equal(year)
        villages = list(Village.objects.order_by("pk").values_list("pk", flat=True))
        assert_measures_equal(year, villages[:1])
        assert_measures_equal(year, villages[2:7])

    @pytest.mark.parametrize("on", [date(2020, 5, 31), date(2019, 12, 31)])
    def test_kept_census_progress_and_lifting_failures_equal_the_live_count(self, on):
        from assessment.queries import failure_counts_by_village
        from census.selectors import census_progress, count_census_progress

        villages = list(Village.objects.order_by("pk"))
        counted = count_census_progress(on=on, villages=villages)
        assert census_progress(on=on, villages=villages) == counted  # kept on first reading
        assert census_progress(on=on, villages=villages) == counted  # read from the snapshots
        live = failure_counts_by_village(Household.objects.registered_on(on), on=on)
        assert {r.village.pk: r.lifting_failures for r in counted if r.lifting_failures} == live

    def test_an_edit_is_read_at_once(self):
        household = Household.objects.registered_on(date(2020, 5, 31)).order_by("pk").first()
        before = read.registry_figures(on=date(2020, 5, 31)).status_tallies()
        period = household.status_periods.get(valid_to__isnull=True)
        period.valid_to = date(2020, 5, 1)
        period.save()
        assert StaleVillage.objects.filter(village_id=household.village_id).exists()
        after = read.registry_figures(on=date(2020, 5, 31)).status_tallies()
        assert after != before
        assert_equal_on(date(2020, 5, 31))
        assert not StaleVillage.objects.exists()


# --------------------------------------------------------------------------
# A generated county, edited at random
# --------------------------------------------------------------------------

STATUSES = list(PovertyStatus.values)
LEAVE_REASON = Member._meta.get_field("leave_reason").choices[0][0]
LEVELS = [
    EducationLevel.PRIMARY,
    EducationLevel.JUNIOR,
    EducationLevel.SENIOR,
    EducationLevel.VOCATIONAL,
    EducationLevel.COLLEGE,
]


def random_day(rng: random.Random, start=date(2013, 6, 1), end=date(2022, 6, 1)) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def add_periods(rng: random.Random, household: Household) -> None:
    """A run of non-overlapping periods, the last sometimes still running."""
    day = random_day(rng, end=date(2020, 12, 1))
    for _ in range(rng.randint(1, 4)):
        end = day + timedelta(days=rng.randint(1, 900))
        still = rng.random() < 0.3
        StatusFactory(
            household=household,
            status=rng.choice(STATUSES),
            valid_from=day,
            valid_to=None if still else end,
        )
        if still:
            break
        day = end + timedelta(days=rng.choice([0, 0, 1, 40]))


def add_member(rng: random.Random, household: Household) -> Member:
    joined = random_day(rng)
    left = None if rng.random() < 0.6 else joined + timedelta(days=rng.randint(0, 1500))
    school = rng.random() < 0.3
    return MemberFactory(
        household=household,
        relation="head" if rng.random() < 0.3 else "child",
        joined_on=joined,
        left_on=left,
        leave_reason=LEAVE_REASON if left else "",
        on_dibao=rng.random() < 0.3,
        on_tekun=rng.random() < 0.1,
        school_status=SchoolStatus.IN_SCHOOL if school else "",
        education_level=rng.choice(LEVELS) if school else "",
    )


def add_household(rng: random.Random, village: Village) -> Household:
    household = HouseholdFactory(
        village=village,
        main_cause=rng.choice(PovertyCause.values),
        identified_year=rng.randint(2014, 2020),
    )
    add_periods(rng, household)
    for _ in range(rng.randint(0, 5)):
        add_member(rng, household)
    return household


def add_application(rng: random.Random, household: Household, programmes) -> None:
    from measures.choices import ApplicationStatus
    from measures.models import MeasureApplication

    programme = rng.choice(programmes)
    status = rng.choice(list(ApplicationStatus.values))
    member = household.members.order_by("?").first() if rng.random() < 0.5 else None
    taken = MeasureApplication.objects.filter(programme=programme)
    if taken.filter(household=household).exists() or (
        member is not None and taken.filter(member=member).exists()
    ):
        return
    day = random_day(rng)
    MeasureApplication.objects.create(
        programme=programme,
        household=household,
        member=member,
        status=status,
        amount=Decimal(rng.randint(0, 500000)) / 100,
        added_income=Decimal(rng.randint(0, 3000)),
        renovation_kind=rng.choice(["", "repair", "new_build"]),
        started_on=day,
        completed_on=day if status == ApplicationStatus.COMPLETED else None,
        cancelled_on=day if status == ApplicationStatus.CANCELLED else None,
        cancel_reason="不再需要" if status == ApplicationStatus.CANCELLED else "",
    )


def make_programmes():
    from measures.choices import Category, Kind, Target, Unit
    from measures.models import Programme

    made = []
    for year in (2019, 2020):
        for i, (category, kind) in enumerate(
            [
                (Category.MEDICAL, Kind.INSURANCE_SUBSIDY),
                (Category.HOUSING, Kind.RENOVATION),
                (Category.HOUSING, Kind.GENERAL),
                (Category.INDUSTRY, Kind.GENERAL),
            ]
        ):
            made.append(
                Programme.objects.create(
                    name=f"生成项目{year}-{i}",
                    year=year,
                    category=category,
                    kind=kind,
                    target=Target.HOUSEHOLD,
                    unit=Unit.PER_HOUSEHOLD,
                    standard_amount=Decimal("0"),
                )
            )
    # A programme of 2020 nobody applied to: zeros, as live.
    Programme.objects.create(
        name="生成项目空",
        year=2020,
        category=Category.OTHER,
        target=Target.HOUSEHOLD,
        unit=Unit.PER_HOUSEHOLD,
        standard_amount=Decimal("0"),
    )
    return made


def random_edit(rng: random.Random, villages: list[Village]) -> str:
    """One edit a cadre, a ledger or a migration could make; returns what it did."""
    households = list(Household.objects.order_by("pk"))
    kind = rng.choice(
        [
            *("new", "delete", "move", "period", "end_period", "member", "leave", "flags"),
            *("cause", "measure", "measure_status", "measure_delete", "programme"),
        ]
    )
    household = rng.choice(households)
    if kind == "new":
        add_household(rng, rng.choice(villages))
    elif kind == "delete":
        household.delete()
    elif kind == "move":
        household.village = rng.choice(villages)
        household.save()
    elif kind == "period":
        household.status_periods.all().delete()
        add_periods(rng, household)
    elif kind == "end_period":
        period = household.status_periods.order_by("-valid_from").first()
        if period is not None:
            period.valid_to = period.valid_from + timedelta(days=rng.randint(1, 400))
            period.save()
    elif kind == "member":
        add_member(rng, household)
    elif kind == "leave":
        member = household.members.order_by("?").first()
        if member is not None:
            member.left_on = max(member.joined_on, random_day(rng))
            member.leave_reason = LEAVE_REASON
            member.save()
    elif kind == "flags":
        member = household.members.order_by("?").first()
        if member is not None:
            member.on_dibao = not member.on_dibao
            member.on_tekun = rng.random() < 0.5
            member.school_status = SchoolStatus.IN_SCHOOL
            member.education_level = rng.choice(LEVELS)
            member.save()
            if rng.random() < 0.3:
                # A member moved to another household of the county.
                member.household = rng.choice(households)
                member.save()
    elif kind == "cause":
        household.main_cause = rng.choice(PovertyCause.values)
        household.save()
    elif kind == "measure":
        add_application(rng, household, list(Programme.objects.exclude(name="生成项目空")))
    elif kind in ("measure_status", "measure_delete"):
        application = MeasureApplication.objects.order_by("?").first()
        if application is not None and kind == "measure_delete":
            application.delete()
        elif application is not None:
            application.status = ApplicationStatus.IN_PROGRESS
            application.completed_on = application.cancelled_on = None
            application.cancel_reason = ""
            application.amount += 1
            application.save()
    elif kind == "programme":
        programme = Programme.objects.order_by("?").first()
        programme.category = rng.choice(list(Category.values))
        programme.save()
    return kind


@pytest.fixture
def county():
    rng = random.Random(20261207)
    county = CountyFactory(name="生成旗", code="150999000000")
    villages = []
    for t in range(2):
        town = TownFactory(name=f"生成{t}镇", county=county)
        villages.extend(VillageFactory(town=town) for _ in range(3))
    programmes = make_programmes()
    for _ in range(60):
        household = add_household(rng, rng.choice(villages))
        for _ in range(rng.randint(0, 3)):
            add_application(rng, household, programmes)
    return villages


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_county_with_random_edits_equals_the_live_count(county, seed):
    rng = random.Random(seed)
    villages = county
    ids = [v.pk for v in villages]
    rebuild()
    for on in DATES:
        assert_equal_on(on)
    for _round in range(6):
        for _ in range(rng.randint(1, 8)):
            random_edit(rng, villages)
        dates = [*DATES[::3], random_day(rng), random_day(rng, end=date(2030, 1, 1))]
        for on in dates:
            assert_equal_on(on)
            assert_equal_on(on, ids[:2])
            assert_equal_on(on, [rng.choice(ids)])
        assert_year_ends_equal(range(2012, 2024))
        assert_year_ends_equal(range(2015, 2020), ids[3:])
        for year in (2019, 2020, 2021):
            assert_measures_equal(year)
            assert_measures_equal(year, ids[:2])
            assert_measures_equal(year, [rng.choice(ids)])


def test_a_household_moved_recounts_both_villages(county):
    rebuild()
    household = HouseholdStatusPeriod.objects.filter(valid_to__isnull=True).first().household
    old, new = household.village, next(v for v in county if v.pk != household.village_id)
    household.village = new
    household.save()
    assert set(StaleVillage.objects.values_list("village_id", flat=True)) == {old.pk, new.pk}
    for on in DATES:
        assert_equal_on(on, [old.pk])
        assert_equal_on(on, [new.pk])


def test_a_committed_write_is_counted_right_after_it(county, django_capture_on_commit_callbacks):
    rebuild()
    household = Household.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        add_member(random.Random(5), household)
    # Counted right after the commit: nothing is left for a reader to recount.
    assert stale_villages() == []
    for on in DATES:
        assert_equal_on(on)


def test_a_village_never_counted_is_counted_by_its_first_reader(county):
    StaleVillage.objects.all().delete()
    assert len(stale_villages()) == len(county)  # no rebuild yet: none counted
    assert_equal_on(date(2020, 5, 31))
    assert stale_villages() == []


def test_the_bulk_signal_marks_the_villages(county):
    from households.signals import send_villages_changed

    rebuild()
    Member.objects.filter(household__village=county[0]).update(on_dibao=True)
    send_villages_changed([county[0].pk])
    assert stale_villages() == [county[0].pk]
    for on in DATES:
        assert_equal_on(on)
