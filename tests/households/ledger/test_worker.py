"""The database-backed queue of ledger imports and its worker command."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from households.ledger import services, worker
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.models import Household
from tests.households.ledger.helpers import household, ledger_xlsx, setup_ledger_town

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


def test_a_queued_import_is_previewed_by_process_next(ledger_town):
    record = queued()

    assert worker.process_next() is True

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED
    assert record.progress == 100 and record.attempts == 1
    assert record.counts["households"]["new"] == 1
    assert worker.process_next() is False  # nothing left
    assert not Household.objects.filter(number="150927000300001").exists()


def test_jobs_are_taken_oldest_first(ledger_town):
    first, second = queued("150927000300002"), queued("150927000300003")
    LedgerImport.objects.filter(pk=first.pk).update(uploaded_at=timezone.now() - timedelta(1))
    worker.process_next()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.PREVIEWED, Status.QUEUED)


def test_a_confirmed_large_import_is_written_by_the_worker(ledger_town):
    record = queued()
    worker.process_next()
    record.refresh_from_db()

    services.ledger_queue_apply(ledger_import=record, user=cadre())
    record.refresh_from_db()
    assert record.status == Status.APPLYING and record.heartbeat_at is None
    assert worker.process_next() is True

    record.refresh_from_db()
    assert record.status == Status.APPLIED
    imported = Household.objects.get(number="150927000300001")
    assert imported.history.first().history_user == cadre()


def test_a_stale_job_is_run_again(ledger_town, settings):
    settings.LEDGER_STALE_MINUTES = 10
    record = queued()
    # A worker took it, then died: its heartbeat stopped 11 minutes ago.
    LedgerImport.objects.filter(pk=record.pk).update(
        status=Status.PARSING,
        heartbeat_at=timezone.now() - timedelta(minutes=11),
        attempts=1,
        progress=40,
    )

    assert worker.process_next() is True

    record.refresh_from_db()
    assert record.status == Status.PREVIEWED and record.attempts == 2


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(ledger_town):
    record = queued()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=Status.PARSING, heartbeat_at=timezone.now() - timedelta(minutes=1)
    )
    assert worker.process_next() is False
    record.refresh_from_db()
    assert record.status == Status.PARSING


def test_a_stale_apply_is_run_again_and_writes_once(ledger_town):
    record = queued()
    worker.process_next()
    record.refresh_from_db()
    services.ledger_queue_apply(ledger_import=record, user=cadre())
    LedgerImport.objects.filter(pk=record.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1), attempts=1
    )

    assert worker.process_next() is True
    assert worker.process_next() is False

    record.refresh_from_db()
    assert record.status == Status.APPLIED
    assert Household.objects.filter(number="150927000300001").count() == 1


def test_a_job_that_keeps_dying_is_failed_after_the_last_attempt(ledger_town, settings):
    settings.LEDGER_MAX_ATTEMPTS = 3
    record = queued()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=Status.PARSING, heartbeat_at=timezone.now() - timedelta(hours=1), attempts=3
    )
    assert worker.process_next() is True
    record.refresh_from_db()
    assert record.status == Status.FAILED
    assert "3次" in record.error_message


def test_a_job_is_claimed_once(ledger_town):
    record = queued()
    job = LedgerImport.objects.get(pk=record.pk)
    now = timezone.now()
    assert worker._claim(job, now) is True
    stale_copy = LedgerImport.objects.get(pk=record.pk)
    stale_copy.status, stale_copy.heartbeat_at = Status.QUEUED, None  # as read before the claim
    assert worker._claim(stale_copy, now) is False


def test_the_command_processes_one_job_with_once(ledger_town):
    record = queued()
    call_command("ledger_worker", "--once")
    record.refresh_from_db()
    assert record.status == Status.PREVIEWED


def test_the_command_stops_cleanly_on_sigterm(ledger_town, monkeypatch):
    import os
    import signal

    from households.management.commands import ledger_worker

    calls = []

    def job_then_sigterm():
        calls.append(1)
        os.kill(os.getpid(), signal.SIGTERM)  # e.g. `systemctl stop` during a job
        return True

    monkeypatch.setattr(ledger_worker, "process_next", job_then_sigterm)
    before = signal.getsignal(signal.SIGTERM)
    call_command("ledger_worker", "--sleep", "0.1")  # returns instead of looping on
    assert calls == [1]
    assert signal.getsignal(signal.SIGTERM) is before  # handler restored
