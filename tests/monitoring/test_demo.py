"""The demo town's monitoring history, 2021–2025 (demo/monitoring.py): cases in every
category and state, the fast track, overdue cases, a household without labour
capacity that stays monitored, ordinary households, two departments' warnings;
the 2020 town untouched by them; and a reload of the demo that changes nothing."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from audit.models import AuditAction, AuditEntry
from demo.monitoring import CASES, MONITORING_AS_OF
from households.choices import REGISTERED_STATUSES
from households.models import Household, Member
from households.selectors import sum_tallies, town_status_tallies
from monitoring import selectors
from monitoring.choices import CLOSED_STATES, CaseState, Category, Channel, Department, StepKind
from monitoring.models import CaseStep, DepartmentWarning, MonitoringCase, MonitoringLine

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("demo_town")]

AS_OF_2020 = date(2020, 5, 31)


def cases_on(on=MONITORING_AS_OF):
    return list(selectors.worklist(cases=MonitoringCase.objects.all(), on=on))


def ordinary_households():
    return Household.objects.filter(status_periods__isnull=True)


def test_there_are_a_few_dozen_cases_in_every_category_and_every_state():
    rows = cases_on()
    assert 30 <= len(rows) == len(CASES) <= 60
    assert {c.category for c in rows} == set(Category.values)
    assert {c.state_on for c in rows} == set(CaseState.values)
    # The stored state is the state of the last step, as of the story's date.
    assert all(c.state_on == c.state for c in rows)


def test_every_state_change_is_a_step_with_its_actor_and_audit_entry():
    for case in MonitoringCase.objects.prefetch_related("steps"):
        steps = list(case.steps.all())
        before = CaseState.INTAKE
        for step in steps:
            assert step.state_before == before
            before = step.state_after
        assert before == case.state
    steps = CaseStep.objects.count()
    audited = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="monitoring.monitoringcase"
    ).count()
    follow_ups = MonitoringCase.objects.filter(income_stable_since__isnull=False).count()
    assert audited == steps + follow_ups
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.CREATE, object_type="monitoring.monitoringcase"
        ).count()
        == MonitoringCase.objects.count()
    )
    # Who did what: the village's cadre, the town office, the county.
    actors = set(CaseStep.objects.values_list("actor__username", flat=True))
    assert {"cadre", "cadre2", "admin", "countyadmin"} <= actors
    county = set(
        CaseStep.objects.filter(kind=StepKind.COUNTY_APPROVAL).values_list(
            "actor__username", flat=True
        )
    )
    assert county == {"countyadmin"}
    # Home checks carry the signed consent form.
    assert not CaseStep.objects.filter(kind=StepKind.HOME_CHECK, evidence="").exists()


def test_a_fast_track_case_is_helped_from_intake():
    fast = MonitoringCase.objects.filter(fast_track=True)
    assert fast.count() >= 1
    for case in fast:
        assert case.category == Category.SUDDEN
        assert case.helped_from == case.intake_on
    assert fast.filter(state=CaseState.MONITORED).exists()
    assert fast.exclude(state__in=(CaseState.MONITORED, *CLOSED_STATES)).exists()


def test_some_cases_are_overdue_on_the_date_and_none_of_the_others():
    rows = cases_on()
    overdue = [c for c in rows if c.overdue]
    assert len(overdue) >= 1
    assert {c.state_on for c in overdue} <= {CaseState.INTAKE, CaseState.COMPARED}
    for case in selectors.with_clock(overdue, on=MONITORING_AS_OF):
        assert case.overdue_by > 0


def test_a_household_without_labour_capacity_stays_monitored_after_elimination_was_considered():
    (case,) = [
        c
        for c in MonitoringCase.objects.filter(state=CaseState.MONITORED)
        if selectors.case_elimination_check(case=c, on=MONITORING_AS_OF).stays_monitored
    ]
    # Its follow-up found income stable and costs settled: the labour test alone keeps it.
    assert case.income_stable_since is not None and case.rigid_costs_settled
    labours = set(
        Member.objects.filter(household=case.household)
        .present_on(MONITORING_AS_OF)
        .values_list("labour", flat=True)
    )
    assert labours <= {"lost", "none"}
    assert not case.steps.filter(kind=StepKind.ELIMINATION_REVIEW).exists()


def test_eliminations_passed_the_elimination_test_on_their_review_day():
    eliminated = MonitoringCase.objects.filter(state=CaseState.ELIMINATED)
    assert eliminated.count() >= 3
    for case in eliminated:
        review = case.steps.get(kind=StepKind.ELIMINATION_REVIEW)
        assert selectors.case_elimination_check(case=case, on=review.on).passed
        assert case.eliminated_on > case.identified_on


def test_ordinary_households_exist_only_from_their_recording_in_2021_or_later():
    ordinary = ordinary_households()
    assert ordinary.count() >= 10
    monitored = MonitoringCase.objects.filter(household__in=ordinary)
    assert set(monitored.values_list("category", flat=True)) <= {Category.EDGE, Category.SUDDEN}
    assert monitored.filter(category=Category.EDGE).exists()
    members = Member.objects.filter(household__in=ordinary)
    assert members.exists()
    assert min(members.values_list("joined_on", flat=True)) >= date(2021, 1, 1)
    assert not members.present_on(AS_OF_2020).exists()
    # Every 边缘易致贫户 is an ordinary household: never registered.
    edge = MonitoringCase.objects.filter(category=Category.EDGE)
    assert not edge.exclude(household__in=ordinary).exists()
    # Each ordinary household has a case (it was recorded because of one).
    assert not ordinary.exclude(pk__in=monitored.values("household")).exists()


def test_ordinary_households_change_no_figure_of_2020():
    assert Household.objects.registered_on(AS_OF_2020).count() == 1347
    registered = sum_tallies(town_status_tallies(on=AS_OF_2020), REGISTERED_STATUSES)
    assert (registered.households, registered.persons) == (1347, 2829)
    # Nor of the years after: they are not registered on any date.
    assert not Household.objects.registered_on(MONITORING_AS_OF).filter(
        pk__in=ordinary_households()
    )


def test_registered_households_in_monitoring_gained_no_registry_row_after_2020():
    registered = Household.objects.exclude(pk__in=ordinary_households())
    cased = registered.filter(monitoring_cases__isnull=False).distinct()
    assert cased.count() >= 10
    assert not Member.objects.filter(household__in=cased, joined_on__gt=AS_OF_2020).exists()
    assert not cased.filter(incomes__year__gt=2020).exists()
    assert not cased.filter(measures__programme__year__gt=2020).exists()


def test_warnings_of_two_departments_matched_not_found_and_already_monitored():
    warnings = DepartmentWarning.objects.all()
    assert set(warnings.values_list("department", flat=True)) == {
        Department.MEDICAL_INSURANCE,
        Department.CIVIL_AFFAIRS,
    }
    by_village, not_found = selectors.warning_counts_by_village(warnings)
    assert not_found >= 2
    matched = sum(v["matched"] for v in by_village.values())
    monitored = sum(v["monitored"] for v in by_village.values())
    assert matched > monitored >= 2
    # Some became cases, of the department that sent them.
    from_warnings = MonitoringCase.objects.filter(warning__isnull=False)
    assert from_warnings.count() >= 3
    for case in from_warnings.select_related("warning__member"):
        assert case.channel == Channel.DEPARTMENT
        assert case.department == case.warning.department
        assert case.warning.member.household_id == case.household_id
        assert case.intake_on >= case.warning.received_on


def test_the_province_has_a_monitoring_line_for_every_year_of_the_history():
    years = set(MonitoringLine.objects.values_list("year", flat=True))
    assert years == {2021, 2022, 2023, 2024, 2025}


def fingerprint():
    cases = sorted(
        MonitoringCase.objects.values_list(
            "household__number", "category", "state", "intake_on", "fast_track"
        )
    )
    steps = sorted(CaseStep.objects.values_list("case__household__number", "kind", "on"))
    warnings = sorted(DepartmentWarning.objects.values_list("id_number", "department", "kind"))
    members = sorted(
        Member.objects.filter(household__status_periods__isnull=True).values_list(
            "household__number", "name", "id_number"
        )
    )
    counts = dict(MonitoringCase.objects.values_list("state").annotate(n=Count("pk")))
    return cases, steps, warnings, members, counts, Household.objects.count()


def test_loading_the_demo_again_changes_nothing_and_a_reset_builds_the_same_history(settings):
    settings.DEBUG = True
    before = fingerprint()
    call_command("load_demo", verbosity=0)
    assert fingerprint() == before
    call_command("load_demo", reset=True, verbosity=0)
    assert fingerprint() == before
    # The demo logins that took the steps can log in with the demo password.
    assert get_user_model().objects.get(username="cadre").has_usable_password()
