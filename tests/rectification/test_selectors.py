"""The rectification counts of the demo town reproduce the report's figures."""

import re
from datetime import date

import pytest

from households.models import Village
from rectification.models import InspectionRound, Problem, ProblemStatus
from rectification.selectors import (
    ProblemCounts,
    VillageProblems,
    open_problems_by_village,
    overdue_problems,
    problem_counts,
    rounds_summary,
    village_problem_counts,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

AS_OF = date(2020, 5, 31)
AFTER_DEADLINES = date(2020, 7, 1)  # every round's deadline (June 20 / June 30) has passed


def by_kind(summaries):
    return {s.inspection_round.kind: s for s in summaries}


def test_each_round_has_the_reports_figures():
    rounds = by_kind(rounds_summary(on=AS_OF))
    central, assessment = rounds["central"], rounds["assessment"]
    survey, old_houses = rounds["survey"], rounds["discipline"]
    assert central.breakdown == "9(3/2/2/2)"
    assert (central.found, central.done, central.open) == (9, 9, 0)
    assert assessment.breakdown == "6(3/1/2)"
    assert (assessment.found, assessment.done, assessment.open) == (6, 6, 0)
    assert survey.breakdown == "15(7/2/6)"
    assert (survey.found, survey.done, survey.open) == (15, 14, 1)
    assert (old_houses.found, old_houses.done, old_houses.open) == (13, 12, 1)


def test_old_houses_concern_four_villages_and_the_open_one_is_in_dongliang():
    round_ = InspectionRound.objects.get(kind="discipline")
    villages = Village.objects.filter(problems__inspection_round=round_).distinct()
    assert sorted(villages.values_list("name", flat=True)) == sorted(
        ["东梁村", "学田地村", "点力村", "哈达图村"]
    )
    open_problem = round_.problems.exclude(status=ProblemStatus.DONE).get()
    assert list(open_problem.villages.values_list("name", flat=True)) == ["东梁村"]


def test_town_counts_on_the_report_date(django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = problem_counts(on=AS_OF)
    assert counts == ProblemCounts(found=43, done=41, open=2, overdue=0)


def test_the_two_open_problems_are_overdue_after_the_deadlines():
    assert problem_counts(on=AFTER_DEADLINES) == ProblemCounts(43, 41, 2, 2)
    overdue = list(overdue_problems(on=AFTER_DEADLINES))
    assert len(overdue) == 2
    assert all(p.is_overdue_on(AFTER_DEADLINES) for p in overdue)
    assert not any(p.is_overdue_on(AFTER_DEADLINES) for p in Problem.objects.filter(status="done"))


def test_the_deadline_day_itself_is_not_overdue():
    deadline = date(2020, 6, 30)
    assert problem_counts(on=deadline).overdue == 0
    assert problem_counts(on=date(2020, 7, 1)).overdue == 2


def test_problems_found_after_the_date_do_not_count_yet():
    # The survey was fed back on 2020-04-15, the old-house check on 2020-05-10.
    assert problem_counts(on=date(2020, 4, 30)) == ProblemCounts(30, 29, 1, 0)
    assert problem_counts(on=date(2020, 3, 1)) == ProblemCounts(0, 0, 0, 0)


def test_open_problems_by_village_counts_each_concerned_village(django_assert_num_queries):
    with django_assert_num_queries(1):
        by_village = open_problems_by_village(on=AS_OF)
    names = dict(Village.objects.values_list("pk", "name"))
    named = {names[pk]: n for pk, n in by_village.items()}
    # The survey's open problem concerns the villages of report households
    # 1, 2, 5 and 6; the open old house is in 东梁村 (西梁).
    survey_open = Problem.objects.get(inspection_round__kind="survey", status="rectifying")
    expected = {v.name: 1 for v in survey_open.villages.all()}
    expected["东梁村"] = expected.get("东梁村", 0) + 1
    assert named == expected
    assert named["东梁村"] == 2


def test_village_counts_agree_with_the_per_problem_rule():
    with_overdue = village_problem_counts(on=AFTER_DEADLINES)
    for pk, counts in with_overdue.items():
        problems = Problem.objects.filter(villages=pk)
        assert counts == VillageProblems(
            open=sum(p.status != ProblemStatus.DONE for p in problems),
            overdue=sum(p.is_overdue_on(AFTER_DEADLINES) for p in problems),
        )


def test_rounds_page_shows_the_reports_figures(client, django_assert_num_queries):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from demo.build import ensure_demo_users

    ensure_demo_users(password="test-Password-2020")
    client.force_login(get_user_model().objects.get(username="admin"))
    url = reverse("rectification:rounds") + "?on=2020-05-31"
    client.get(url)
    with django_assert_num_queries(7):  # as with a handful of problems (test_views)
        content = client.get(url).content.decode()
    for figures in ("9(3/2/2/2)", "6(3/1/2)", "15(7/2/6)"):
        assert f"合计 {figures}" in content
    assert 'data-count="found">43<' in content
    assert 'data-count="done">41<' in content
    assert 'data-count="open">2<' in content
    assert re.search(r'data-count="overdue"><a [^>]*>0</a>', content)


def test_a_cadre_counts_only_problems_concerning_their_village(client):
    from django.contrib.auth import get_user_model

    from demo.build import ensure_demo_users

    ensure_demo_users(password="test-Password-2020")
    cadre = get_user_model().objects.get(username="cadre")  # 学田地村
    own = Problem.objects.visible_to(cadre)
    assert own.exists()
    assert not own.exclude(villages__name="学田地村").exists()
    assert problem_counts(on=AS_OF, problems=own).found == own.count()


def test_the_demos_closed_problems_are_consistent_with_its_date():
    from demo.build import ensure_demo_users

    ensure_demo_users(password="test-Password-2020")
    done = Problem.objects.filter(status=ProblemStatus.DONE)
    assert done.count() == 41
    # Nothing was finished after the demo's date, nor before it was found.
    assert not done.filter(completed_on__gt=AS_OF).exists()
    assert all(p.found_on < p.completed_on for p in done)
    # No problem closed without evidence, nor without who closed it.
    assert not done.filter(evidence__isnull=True).exists()
    assert not done.filter(closed_by__isnull=True).exists()
    for problem in done.prefetch_related("evidence"):
        for evidence in problem.evidence.all():
            assert evidence.uploaded_at.date() <= problem.completed_on
            assert evidence.content_type == "application/pdf" and evidence.size > 0
    assert (
        not Problem.objects.exclude(status=ProblemStatus.DONE)
        .filter(completed_on__isnull=False)
        .exists()
    )
