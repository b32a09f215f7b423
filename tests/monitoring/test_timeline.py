"""A household's monitoring timeline on its page: its cases, risks, steps (date,
who, note) and the working days of the open stage, for who may read monitoring."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from monitoring.choices import CaseState, Category, RiskType, StepKind
from tests.monitoring.test_views import add_step, make_case

pytestmark = pytest.mark.django_db


def page(client, household, on):
    response = client.get(
        reverse("households:detail", kwargs={"pk": household.pk}), {"on": on.isoformat()}
    )
    return response


def section(response) -> str:
    """The monitoring section's text, tags stripped."""
    html = response.content.decode()
    start = html.index('id="monitoring"')
    end = html.index("贫困状态记录", start)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html[start:end])))


@pytest.fixture
def timeline(town):
    household = town["household"]
    old = make_case(
        household, category=Category.EDGE, intake_on=date(2023, 3, 1), state=CaseState.REJECTED
    )
    add_step(old, StepKind.HOME_CHECK, date(2023, 3, 3), CaseState.HOME_CHECKED)
    step = add_step(old, StepKind.REJECTION, date(2023, 3, 20), CaseState.REJECTED, by="admin")
    step.note = "收入高于监测线"
    step.save()
    case = make_case(
        household, category=Category.SUDDEN, risks=(RiskType.ILLNESS, RiskType.DISASTER)
    )
    checked = add_step(case, StepKind.HOME_CHECK, date(2024, 2, 21), CaseState.HOME_CHECKED)
    checked.note = "已入户,签字承诺书已收"
    checked.save()
    return household


def test_the_page_shows_each_case_with_its_risks_steps_and_clock(timeline, client_for):
    # 2024-02-20: before the home check (due 2024-02-22), two working days left.
    text = section(page(client_for("cadre"), timeline, date(2024, 2, 20)))
    assert "突发严重困难户" in text and "因灾、因病" in text
    assert "待入户核实" in text and "剩余2个工作日" in text
    assert "已入户" not in text  # a step after the page's date is not shown yet
    # The earlier case, closed, with its steps: date, kind, who, note.
    assert "边缘易致贫户" in text and "未纳入监测" in text
    assert "2023-03-20 不予纳入监测 · 镇扶贫办管理员:收入高于监测线" in text
    assert "2023-03-03 入户核实" in text


def test_an_overdue_stage_says_by_how_many_working_days(timeline, client_for):
    # Home check done 2024-02-21; the whole procedure was due 2024-03-14.
    response = page(client_for("cadre"), timeline, date(2024, 3, 19))
    text = section(response)
    assert "待县级数据比对" in text and "2024-03-14" in text
    assert "已逾期3个工作日" in text
    assert (
        "2024-02-21 入户核实(排查表、签字承诺授权书) · 学田地村村干部:已入户,签字承诺书已收" in text
    )
    assert 'data-overdue="true"' in response.content.decode()


@pytest.mark.parametrize("role", ["admin", "leader", "helper"])
def test_who_reads_monitoring_sees_the_timeline(timeline, client_for, role):
    assert "突发严重困难户" in section(page(client_for(role), timeline, date(2024, 2, 20)))


@pytest.mark.parametrize("role", ["enumerator", "reviewer"])
def test_who_may_not_read_monitoring_sees_the_household_without_it(timeline, client_for, role):
    response = page(client_for(role), timeline, date(2024, 2, 20))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="monitoring"' not in html and "突发严重困难户" not in html


def test_another_villages_cadre_does_not_get_the_page(timeline, client_for):
    assert page(client_for("cadre2"), timeline, date(2024, 2, 20)).status_code == 404


def test_a_household_without_cases_says_so(town, client_for):
    text = section(page(client_for("cadre"), town["household"], date(2024, 2, 20)))
    assert "该户没有防返贫监测记录" in text
