"""The background jobs of a ledger import, on Django's task framework.

A file of more than ``LEDGER_SYNC_ROWS`` rows is previewed, and once
confirmed written, by a task of the database backend (django-tasks-db) that
``manage.py db_worker`` runs. The task's only argument is the import's
primary key: the task table (shown in the admin to the system administrator)
holds no registry data. The :class:`~households.ledger.models.LedgerImport`
record stays what the user sees of the job — queued, running with its
progress, previewed or written, failed, failed after too many attempts.

Each task is enqueued in the same transaction as the record's state that
asks for it, so a job is never waiting without its task (nor a task without
its job). A task *claims* its import with one conditional UPDATE (waiting →
running, heartbeat now, one attempt more): of two tasks for the same import
only one runs it, and a task whose import was meanwhile done, cancelled or
taken over does nothing.

What the library does not do, :func:`requeue_stale` does on top of it: a
worker killed in the middle of a task (SIGKILL, a crash, the machine going
down) leaves its task ``RUNNING`` for ever (django-tasks does not detect a
lost worker). The import's heartbeat, written by every progress step, says
whether anyone still runs it: an import running without a heartbeat for
``LEDGER_STALE_MINUTES`` gets a new task (the lost task is marked failed),
unless it has had ``LEDGER_MAX_ATTEMPTS`` runs, in which case it fails with
a message asking for the file again — a file that kills the worker cannot
do so for ever. It runs as a task of its own, :func:`sweep_lost_imports`,
deferred by ``LEDGER_STALE_MINUTES`` and queued again by itself while any
import is waiting or running (started whenever an import is queued); and
whenever an import's page or the list of imports is shown (the page of a
running import reloads itself every two seconds).

A job run again starts from the file: a preview has written nothing but the
record, and an apply that died rolled back (the record is marked applied in
the same transaction as the writes; :func:`services.ledger_run_apply` locks
the record, so a second runner finds it done).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Django 5.2: the reference implementation of the framework Django 6.0 ships
# as django.tasks (the same API; only this import changes on upgrading).
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from households.ledger import services
from households.ledger.models import LedgerImport, LedgerImportStatus

logger = logging.getLogger(__name__)

Status = LedgerImportStatus

LEDGER_ERROR_TOO_MANY_ATTEMPTS = _("处理了{attempts}次都没有完成(处理进程中断),已停止;请重新上传")


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped while running it."""


def stale_after() -> timedelta:
    """A running import whose heartbeat is older than this has lost its worker."""
    return timedelta(minutes=int(getattr(settings, "LEDGER_STALE_MINUTES", 10)))


def max_attempts() -> int:
    return int(getattr(settings, "LEDGER_MAX_ATTEMPTS", 3))


# --------------------------------------------------------------------------
# The tasks
# --------------------------------------------------------------------------


@task()
def preview_ledger_import(import_id: int) -> str:
    """Read and plan a queued import (``queued`` → ``parsing`` → ``previewed``)."""
    record = _claim(import_id, waiting=Status.QUEUED, running=Status.PARSING)
    if record is None:
        return "skipped"
    services.ledger_preview(ledger_import=record)
    return str(record.status)


@task()
def apply_ledger_import(import_id: int) -> str:
    """Write a confirmed import (``applying`` → ``applied``)."""
    record = _claim(import_id, waiting=Status.APPLYING, running=Status.APPLYING)
    if record is None:
        return "skipped"
    services.ledger_run_apply(ledger_import=record)
    return str(record.status)


@task()
def sweep_lost_imports() -> int:
    """Queue again the imports that lost their worker; then, while any import
    is waiting or running, the next sweep. The number queued again."""
    queued = requeue_stale()
    if LedgerImport.objects.running().exists():
        schedule_sweep()
    return queued


#: The task that runs an import waiting in each status (a waiting import has
#: no heartbeat yet).
TASK_FOR_WAITING = {Status.QUEUED: preview_ledger_import, Status.APPLYING: apply_ledger_import}
TASK_PATHS = [t.module_path for t in TASK_FOR_WAITING.values()]


def _claim(import_id: int, *, waiting: str, running: str) -> LedgerImport | None:
    """The import, now ours to run; ``None`` if it is not waiting for a worker."""
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is None or record.status != waiting or record.heartbeat_at is not None:
        return None  # done, cancelled, or being run by another task
    if record.attempts >= max_attempts():
        _fail_too_many(record)
        return None
    claimed = LedgerImport.objects.filter(
        pk=record.pk, status=waiting, heartbeat_at__isnull=True, attempts=record.attempts
    ).update(status=running, heartbeat_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    record.refresh_from_db()
    logger.info("ledger import #%s: %s (attempt %s)", record.pk, running, record.attempts)
    return record


def _fail_too_many(record: LedgerImport) -> bool:
    failed = LedgerImport.objects.filter(
        pk=record.pk, status=record.status, heartbeat_at=record.heartbeat_at
    ).update(
        status=Status.FAILED,
        phase=str(services.PHASE_FAILED),
        error_message=str(LEDGER_ERROR_TOO_MANY_ATTEMPTS.format(attempts=record.attempts)),
    )
    if failed:
        logger.warning("ledger import #%s: %s attempts, failed", record.pk, record.attempts)
    return bool(failed)


# --------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------


def enqueue(record: LedgerImport) -> None:
    """Queue the task for an import waiting for a worker (``queued`` or a
    confirmed ``applying``), in the caller's transaction, and a sweep for
    lost jobs if none is queued."""
    with transaction.atomic():
        TASK_FOR_WAITING[record.status].enqueue(record.pk)
        schedule_sweep()


def schedule_sweep() -> None:
    """Queue :func:`sweep_lost_imports` to run in ``LEDGER_STALE_MINUTES``,
    unless a sweep is already waiting."""
    waiting = DBTaskResult.objects.filter(
        task_path=sweep_lost_imports.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        sweep_lost_imports.using(run_after=timezone.now() + stale_after()).enqueue()


def _with_pending_task(records: list[LedgerImport]) -> set[int]:
    """The primary keys, among these imports', that have a task waiting for a
    worker or running (one query)."""
    if not records:
        return set()
    pending = DBTaskResult.objects.filter(
        task_path__in=TASK_PATHS,
        args_kwargs__args__0__in=[record.pk for record in records],
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    return {int(pk) for pk in pending.values_list("args_kwargs__args__0", flat=True)}


def _mark_lost(record: LedgerImport) -> None:
    """The import's tasks still marked running: their worker is gone."""
    running = DBTaskResult.objects.filter(
        task_path__in=TASK_PATHS,
        args_kwargs__args__0=record.pk,
        status=TaskResultStatus.RUNNING,
    )
    for result in running:
        result.set_failed(WorkerLost(f"no heartbeat from the worker since {record.heartbeat_at}"))


def _requeue(record: LedgerImport) -> bool:
    """Queue a new task for an import that lost its worker (or never had one)."""
    if record.attempts >= max_attempts():
        with transaction.atomic():
            if _fail_too_many(record):
                _mark_lost(record)
        return False
    apply = record.status == Status.APPLYING
    waiting = Status.APPLYING if apply else Status.QUEUED
    phase = services.PHASE_APPLY_QUEUED if apply else services.PHASE_QUEUED
    with transaction.atomic():
        # Conditional: of two requests finding the same lost job, one queues it.
        taken = LedgerImport.objects.filter(
            pk=record.pk, status=record.status, heartbeat_at=record.heartbeat_at
        ).update(status=waiting, heartbeat_at=None, phase=str(phase))
        if not taken:
            return False
        _mark_lost(record)
        TASK_FOR_WAITING[waiting].enqueue(record.pk)
        schedule_sweep()
    logger.warning(
        "ledger import #%s: queued again (%s, %s attempts so far)",
        record.pk,
        record.status,
        record.attempts,
    )
    return True


def requeue_stale(now=None) -> int:
    """Queue again every import that lost its worker; the number queued.

    - running (``parsing``/``applying``) with a heartbeat older than
      :func:`stale_after`: its worker (or the request previewing it) died;
    - waiting for a worker without a task (the task row was deleted, or the
      import was queued by the hand-written queue this replaced);
    - uploaded for a preview within the request that never started.
    """
    now = now or timezone.now()
    stale = now - stale_after()
    lost = LedgerImport.objects.filter(
        Q(status__in=[Status.PARSING, Status.APPLYING], heartbeat_at__lt=stale)
        | Q(status=Status.UPLOADED, uploaded_at__lt=stale)
    )
    waiting = LedgerImport.objects.filter(
        status__in=list(TASK_FOR_WAITING), heartbeat_at__isnull=True
    )
    queued = 0
    for record in lost.order_by("uploaded_at", "pk"):
        queued += _requeue(record)
    waiting = list(waiting.order_by("uploaded_at", "pk"))
    pending = _with_pending_task(waiting)
    for record in waiting:
        if record.pk not in pending:
            queued += _requeue(record)
    return queued
