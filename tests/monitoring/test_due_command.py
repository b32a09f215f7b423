"""The daily reminder: what falls due on the next working day, per responsible person."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from measures.models import ResponsiblePerson
from monitoring.choices import CaseState, StepKind
from tests.factories import HouseholdFactory
from tests.monitoring.test_views import add_step, make_case

pytestmark = pytest.mark.django_db


def run(on: str) -> str:
    out = StringIO()
    call_command("monitoring_due", on=date.fromisoformat(on), stdout=out)
    return out.getvalue()


def test_on_friday_it_lists_what_is_due_on_the_make_up_sunday(town):
    village = town["household"].village
    sun = ResponsiblePerson.objects.create(name="孙帮扶甲")
    # Due 2024-02-18, the Sunday worked after the 2024 Spring Festival.
    due = make_case(town["household"], home_check_due=date(2024, 2, 18), responsible=sun)
    later = make_case(HouseholdFactory(village=village), home_check_due=date(2024, 2, 19))
    checked = make_case(
        HouseholdFactory(village=village), home_check_due=date(2024, 2, 18), responsible=sun
    )
    add_step(checked, StepKind.HOME_CHECK, date(2024, 2, 8), CaseState.HOME_CHECKED)
    output = run("2024-02-09")  # 除夕, a Friday: the next working day is 02-18
    assert output.splitlines()[0] == "2024-02-18(下一个工作日)到期:1户"
    assert "孙帮扶甲:1户" in output
    assert due.household.number in output
    assert later.household.number not in output
    assert checked.household.number not in output  # its home check is done
    assert output.splitlines()[-1] == "已逾期:0户"


def test_cases_without_a_responsible_person_are_listed_too(town):
    make_case(town["household"], home_check_due=date(2024, 2, 19))
    output = run("2024-02-18")
    assert "未指定责任人:1户" in output


def test_a_day_the_calendar_does_not_know_fails_loudly(town):
    with pytest.raises(CommandError, match="工作日历不含2031年"):
        run("2031-01-06")
