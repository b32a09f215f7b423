"""Large ledger imports as background tasks (django-tasks, database backend),
run by the library's worker, and the recovery of a job whose worker died."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from households.ledger import services, tasks
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.models import Household
from tests.households.ledger.helpers import household, ledger_xlsx, setup_ledger_town
from tests.households.ledger.worker import run_worker

pytestmark = pytest.mark.django_db

Status = LedgerImportStatus


@pytest.fixture
def ledger_town(town, settings, tmp_path):
    settings.LEDGER_SYNC_ROWS = 1  # every test file counts as large: queued
    return setup_ledger_town(town, settings, tmp_path)


def cadre():
    return get_user_model().objects.get(username="cadre")


def queued(number="150927000300001") -> LedgerImport:
    data = ledger_xlsx(household(number))
    record = services.ledger_upload(file=ContentFile(data, name="台账.xlsx"), user=cadre())
    assert record.status == Status.QUEUED
    return record


def task_rows(record) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(args_kwargs__args__0=record.pk).order_by("enqueued_at"))


def previewed(number="150927000300001") -> LedgerImport:
    record = queued(number)
    assert run_worker() == 1
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED
    return record


def died_while_running(record, *, status, minutes_ago, attempts=1) -> None:
    """What a worker killed mid-task leaves: its task running, the import
    running with the heartbeat it last wrote."""
    DBTaskResult.objects.filter(args_kwargs__args__0=record.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), finished_at=None
    )
    LedgerImport.objects.filter(pk=record.pk).update(
        status=status,
        heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago),
        attempts=attempts,
        progress=40,
    )


def test_a_queued_import_is_previewed_by_the_worker(ledger_town):
    record = queued()
    (task,) = task_rows(record)
    assert task.task_path == tasks.preview_ledger_import.module_path
    assert task.status == TaskResultStatus.READY

    assert run_worker() == 1

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED
    assert record.progress == 100 and record.attempts == 1
    assert record.counts["households"]["new"] == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == "previewed"
    assert run_worker() == 0  # nothing left
    assert not Household.objects.filter(number="150927000300001").exists()


def test_a_tasks_arguments_are_the_imports_primary_key_only(ledger_town):
    record = queued()
    (task,) = task_rows(record)
    assert task.args_kwargs == {"args": [record.pk], "kwargs": {}}


def test_jobs_are_taken_oldest_first(ledger_town):
    first, second = queued("150927000300002"), queued("150927000300003")
    assert run_worker(max_tasks=1) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.PREVIEWED, Status.QUEUED)


def test_an_upload_rolled_back_leaves_no_task(ledger_town):
    with pytest.raises(RuntimeError), transaction.atomic():
        queued()
        raise RuntimeError("the request failed after the upload")
    assert not LedgerImport.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_confirmed_large_import_is_written_by_the_worker(ledger_town):
    record = previewed()

    services.ledger_queue_apply(ledger_import=record, user=cadre())
    record.refresh_from_db()
    assert record.status == Status.APPLYING and record.heartbeat_at is None
    assert record.phase == str(services.PHASE_APPLY_QUEUED)
    assert task_rows(record)[-1].task_path == tasks.apply_ledger_import.module_path
    assert run_worker() == 1

    record.refresh_from_db()
    assert record.status == Status.APPLIED and record.attempts == 1
    imported = Household.objects.get(number="150927000300001")
    assert imported.history.first().history_user == cadre()


def test_a_job_whose_worker_died_is_queued_again_and_run(ledger_town, settings):
    settings.LEDGER_STALE_MINUTES = 10
    record = queued()
    died_while_running(record, status=Status.PARSING, minutes_ago=11)
    assert run_worker() == 0  # the library leaves a running task alone

    assert tasks.requeue_stale() == 1

    record.refresh_from_db()
    assert (record.status, record.heartbeat_at) == (Status.QUEUED, None)
    lost, again = task_rows(record)
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "households.ledger.tasks.WorkerLost"
    assert again.status == TaskResultStatus.READY
    assert run_worker() == 1
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED and record.attempts == 2
    assert tasks.requeue_stale() == 0


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(ledger_town, settings):
    settings.LEDGER_STALE_MINUTES = 10
    record = queued()
    died_while_running(record, status=Status.PARSING, minutes_ago=9)

    assert tasks.requeue_stale() == 0

    record.refresh_from_db()
    assert record.status == Status.PARSING
    assert [t.status for t in task_rows(record)] == [TaskResultStatus.RUNNING]


def test_a_stale_apply_is_run_again_and_writes_once(ledger_town):
    record = previewed()
    services.ledger_queue_apply(ledger_import=record, user=cadre())
    apply_task = task_rows(record)[-1]
    DBTaskResult.objects.filter(pk=apply_task.pk).update(status=TaskResultStatus.RUNNING)
    LedgerImport.objects.filter(pk=record.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1), attempts=1
    )

    assert tasks.requeue_stale() == 1
    assert run_worker() == 1
    assert tasks.requeue_stale() == 0 and run_worker() == 0

    record.refresh_from_db()
    assert record.status == Status.APPLIED and record.attempts == 2
    assert Household.objects.filter(number="150927000300001").count() == 1


def test_a_job_that_keeps_dying_is_failed_after_the_last_attempt(ledger_town, settings):
    settings.LEDGER_MAX_ATTEMPTS = 3
    record = queued()
    died_while_running(record, status=Status.PARSING, minutes_ago=60, attempts=3)

    assert tasks.requeue_stale() == 0

    record.refresh_from_db()
    assert record.status == Status.FAILED
    assert record.error_message == "处理了3次都没有完成(处理进程中断),已停止;请重新上传"
    assert [t.status for t in task_rows(record)] == [TaskResultStatus.FAILED]
    assert run_worker() == 0


def test_two_tasks_for_one_import_run_it_once(ledger_town):
    record = queued()
    tasks.preview_ledger_import.enqueue(record.pk)  # e.g. queued twice by a race

    assert run_worker() == 2

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED and record.attempts == 1
    assert sorted(t.return_value for t in task_rows(record)) == ["previewed", "skipped"]


def test_a_cancelled_imports_task_does_nothing(ledger_town):
    record = queued()
    services.ledger_cancel(ledger_import=record, user=cadre())

    assert run_worker() == 1

    record.refresh_from_db()
    assert record.status == Status.CANCELLED and record.attempts == 0
    assert task_rows(record)[0].return_value == "skipped"


def test_a_waiting_import_without_a_task_gets_one(ledger_town):
    # Queued by the hand-written queue before the upgrade: no task row.
    record = queued()
    DBTaskResult.objects.all().delete()

    assert tasks.requeue_stale() == 1
    assert run_worker() == 1

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED


def test_an_upload_whose_request_died_before_the_preview_is_queued(ledger_town, settings):
    settings.LEDGER_SYNC_ROWS = 10**6  # small: to be previewed within the request
    data = ledger_xlsx(household("150927000300004"))
    record = services.ledger_upload(file=ContentFile(data, name="台账.xlsx"), user=cadre())
    assert record.status == Status.UPLOADED and not task_rows(record)
    assert tasks.requeue_stale() == 0  # the request may still be about to preview it

    LedgerImport.objects.filter(pk=record.pk).update(
        uploaded_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.requeue_stale() == 1
    assert run_worker() == 1
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED


def test_the_page_of_a_job_whose_worker_died_queues_it_again(ledger_town, client_for):
    record = queued()
    died_while_running(record, status=Status.PARSING, minutes_ago=60)

    page = client_for("cadre").get(reverse("ledger:detail", kwargs={"pk": record.pk}))

    assert page.status_code == 200 and page["Refresh"] == "2"
    assert str(services.PHASE_QUEUED) in page.content.decode()
    assert run_worker() == 1
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED


def sweeps(status=TaskResultStatus.READY):
    return DBTaskResult.objects.filter(
        task_path=tasks.sweep_lost_imports.module_path, status=status
    )


def test_queuing_imports_schedules_one_sweep_for_lost_jobs(ledger_town, settings):
    settings.LEDGER_STALE_MINUTES = 10
    queued("150927000300005")
    queued("150927000300006")

    (sweep,) = sweeps()
    wait = sweep.run_after - timezone.now()
    assert timedelta(minutes=9) < wait <= timedelta(minutes=10)
    assert run_worker() == 2  # the two previews; the sweep is not due yet


def test_the_sweep_queues_a_lost_job_and_the_next_sweep_while_imports_run(ledger_town):
    record = queued()
    died_while_running(record, status=Status.PARSING, minutes_ago=60)
    sweeps().update(run_after=timezone.now())  # due

    assert run_worker() == 2  # the sweep, then the preview it queued again

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED and record.attempts == 2
    (done,) = sweeps(TaskResultStatus.SUCCESSFUL)
    assert done.return_value == 1
    # It ran while the import was queued again: the next one is scheduled …
    sweeps().update(run_after=timezone.now())
    assert run_worker() == 1
    # … and that one found nothing running, so the sweeps stop.
    assert not sweeps().exists()


def test_the_page_of_a_job_that_kept_dying_says_so_in_chinese(ledger_town, client_for, settings):
    settings.LEDGER_MAX_ATTEMPTS = 3
    record = queued()
    died_while_running(record, status=Status.APPLYING, minutes_ago=60, attempts=3)

    page = client_for("cadre").get(reverse("ledger:detail", kwargs={"pk": record.pk}))

    content = page.content.decode()
    assert "Refresh" not in page  # finished: the page stops reloading
    assert "处理了3次都没有完成(处理进程中断),已停止;请重新上传" in content
    assert str(Status.FAILED.label) in content
    assert not Household.objects.filter(number="150927000300001").exists()


def test_looking_for_lost_jobs_costs_the_same_queries_for_one_or_many(
    ledger_town, django_assert_num_queries
):
    queued("150927000300007")
    with django_assert_num_queries(3):  # lost, waiting, and their tasks
        assert tasks.requeue_stale() == 0
    for n in range(8, 12):
        queued(f"1509270003{n:05d}")
    with django_assert_num_queries(3):
        assert tasks.requeue_stale() == 0
