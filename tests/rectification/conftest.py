"""The small town of the page tests (two villages, one user per role), a round and problems."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from rectification.models import InspectionRound, Problem
from tests.households.conftest import client_for, town  # noqa: F401 (fixtures)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def inspection_round(db):
    return InspectionRound.objects.create(
        name="2020年全面摸底排查(测试)", kind="survey", year=2020, feedback_on=date(2020, 4, 15)
    )


@pytest.fixture
def make_problem(town, inspection_round):  # noqa: F811 (the imported fixture)
    """A problem of 学田地村 (``own=True``) or 点力村, responsible user ``helper`` by default."""

    def make(*, own=True, responsible="helper", **fields):
        village = (town["household"] if own else town["other_household"]).village
        values = {
            "inspection_round": inspection_round,
            "category": "housing",
            "text": f"{village.name}部分农户住房安全鉴定资料不全",
            "responsible_name": "孙帮扶",
            "responsible_user": user(responsible) if responsible else None,
            "found_on": date(2020, 4, 15),
            "deadline": date(2020, 6, 30),
            **fields,
        }
        problem = Problem.objects.create(**values)
        problem.villages.set([village])
        return problem

    return make
