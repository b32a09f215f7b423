"""A worker killed in the middle of writing an import: nothing of it stays, and
the job runs again to completion.

A real worker process — the task library's own ``manage.py db_worker`` —
writes the import into the test database (PostgreSQL: the test needs a second
connection and a server that outlives the killed client). The test holds a
SHARE lock on the income table, so the worker's transaction stops at the
income COPY, after the households, status periods and members are written;
the worker is then killed with SIGKILL (no clean-up runs in it), the lock
released, and the server rolls the orphaned transaction back. The library
leaves the task marked running; the recovery on top of it
(:func:`households.ledger.tasks.requeue_stale`) queues the job again once its
heartbeat is stale, and a second worker process writes it.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from households.ledger import services, tasks
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.models import Household, HouseholdIncome, Member
from tests.factories import id_number
from tests.households.ledger.helpers import household, ledger_xlsx, setup_ledger_town
from tests.households.ledger.worker import run_worker
from tests.pg import gone, only_postgresql, raw_connection, waiting_for_locks

pytestmark = [pytest.mark.django_db(transaction=True), only_postgresql]

ROOT = Path(__file__).resolve().parents[3]
Status = LedgerImportStatus
HOUSEHOLDS = 30
#: The library's worker: all queued tasks, then exit; no reloader, no delay.
WORKER = ["db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0"]


def ledger_rows():
    from datetime import date

    rows = []
    for n in range(HOUSEHOLDS):
        rows += household(
            f"1509270003{n:05d}",
            members=[
                ("赵大山", id_number(date(1960, 1, 1) + timedelta(days=n)), "户主"),
                ("钱桂兰", id_number(date(1962, 1, 1) + timedelta(days=n), male=False), "配偶"),
            ],
        )
    return rows


def test_a_killed_worker_leaves_nothing_and_the_import_runs_again(town, settings, tmp_path):
    setup_ledger_town(town, settings, tmp_path)
    settings.LEDGER_SYNC_ROWS = 1  # queued: the worker writes it
    cadre = get_user_model().objects.get(username="cadre")
    record = services.ledger_upload(
        file=ContentFile(ledger_xlsx(ledger_rows()), name="台账.xlsx"), user=cadre
    )
    assert run_worker() == 1  # the preview
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED, record.preview
    services.ledger_queue_apply(ledger_import=record, user=cadre)
    before = (Household.objects.count(), Member.objects.count(), Member.history.count())

    database = connection.settings_dict["NAME"]
    blocker = raw_connection()
    blocker.autocommit = False
    with blocker.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {HouseholdIncome._meta.db_table} IN SHARE MODE")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "MEDIA_ROOT": str(tmp_path),
        "DEBUG": "1",
    }
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, str(ROOT / "manage.py"), *WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # The worker's transaction has written households, periods and
        # members, and waits for the income table.
        (pid,) = waiting_for_locks(1)
        process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        blocker.rollback()
        blocker.close()
    # Released, the server finds its client gone and rolls the transaction back.
    gone(pid)

    record.refresh_from_db()
    assert record.status == Status.APPLYING  # claimed, never finished
    assert record.attempts == 1 and record.heartbeat_at is not None
    assert (Household.objects.count(), Member.objects.count(), Member.history.count()) == before
    assert not Household.objects.filter(number__startswith="1509270003").exists()
    apply_task = DBTaskResult.objects.get(task_path=tasks.apply_ledger_import.module_path)
    assert apply_task.status == TaskResultStatus.RUNNING  # as the killed worker left it
    assert tasks.requeue_stale() == 0  # its heartbeat is still fresh

    # Later, its heartbeat is stale: the job is queued again, and another
    # worker process writes it.
    LedgerImport.objects.filter(pk=record.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.requeue_stale() == 1
    second = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, str(ROOT / "manage.py"), *WORKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    record.refresh_from_db()
    assert record.status == Status.APPLIED, record.error_message
    assert record.attempts == 2
    assert Household.objects.filter(number__startswith="1509270003").count() == HOUSEHOLDS
    assert Member.objects.count() == before[1] + 2 * HOUSEHOLDS
    assert Member.history.count() == before[2] + 2 * HOUSEHOLDS  # each written once
    runs = DBTaskResult.objects.filter(task_path=tasks.apply_ledger_import.module_path)
    assert sorted(runs.values_list("status", flat=True)) == [
        TaskResultStatus.FAILED,  # the lost run, marked by the recovery
        TaskResultStatus.SUCCESSFUL,
    ]
