"""Two requests at the same moment: the row lock lets exactly one of them through.

Real concurrency needs a server database (SQLite has no row locks and a
single writer); the double-post tests of ``test_services`` cover the
sequential case on every database.
"""

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from rectification import services
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus
from tests.factories import VillageFactory
from tests.rectification.conftest import PNG

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def at_once(action, n=2):
    """Run ``action`` in ``n`` threads released together; return what each raised or returned."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        from django.db import connections

        try:
            barrier.wait()
            results[i] = action()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def problem():
    village = VillageFactory(name="学田地村")
    round_ = InspectionRound.objects.create(name="并发测试", kind="survey", year=2020)
    problem = Problem.objects.create(
        inspection_round=round_,
        category="housing",
        text="并发测试问题",
        responsible_name="孙帮扶",
        found_on=date(2020, 4, 1),
        deadline=date(2020, 6, 30),
        status=ProblemStatus.RECTIFYING,
    )
    problem.villages.set([village])
    return problem


def test_two_simultaneous_closes_close_once(problem):
    admin = get_user_model().objects.create_user("closer", password="x")
    services.evidence_add(
        problem=problem, upload=SimpleUploadedFile("a.png", PNG), description="", user=admin
    )
    results = at_once(
        lambda: services.problem_close(
            problem=Problem.objects.get(pk=problem.pk),
            completed_on=date(2020, 6, 1),
            completion_note="已整改",
            user=admin,
            today=date(2020, 6, 10),
        )
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "不能重复销号" in errors[0].messages[0]
    assert problem.history.filter(history_change_reason="核实销号").count() == 1


def test_two_simultaneous_uploads_of_one_file_store_it_once(problem, settings):
    results = at_once(
        lambda: services.evidence_add(
            problem=problem, upload=SimpleUploadedFile("a.png", PNG), description="", user=None
        )
    )
    assert sum(isinstance(r, Evidence) for r in results) == 1
    assert Evidence.objects.filter(problem=problem).count() == 1
    stored = [p for p in (settings.MEDIA_ROOT / "evidence").rglob("*") if p.is_file()]
    assert len(stored) == 1
