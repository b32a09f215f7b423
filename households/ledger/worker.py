"""The background queue of ledger imports, kept in the database.

No broker: a job is a :class:`~households.ledger.models.LedgerImport` row.
The worker (``manage.py ledger_worker``) claims the oldest job that needs
it — a queued preview, a confirmed apply waiting for the worker, or a job
whose heartbeat went stale because the process running it died — and runs
it. Claiming is safe with several workers: on PostgreSQL the candidate row
is locked with ``SELECT … FOR UPDATE SKIP LOCKED``; everywhere the claim is
a conditional UPDATE that only one worker can win.

A job re-run after a crash starts again from the file: a preview has
written nothing but the record, and an apply that died rolled back (the
record is marked applied in the same transaction as the writes). After
``LEDGER_MAX_ATTEMPTS`` attempts a job is marked failed instead of being run
again, so a file that kills the worker cannot do so forever.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.ledger import services
from households.ledger.models import LedgerImport, LedgerImportStatus

logger = logging.getLogger(__name__)

Status = LedgerImportStatus

LEDGER_ERROR_TOO_MANY_ATTEMPTS = _("处理了{attempts}次都没有完成(处理进程中断),已停止;请重新上传")


def stale_after() -> timedelta:
    """A running job whose heartbeat is older than this is taken to be dead."""
    return timedelta(minutes=int(getattr(settings, "LEDGER_STALE_MINUTES", 10)))


def max_attempts() -> int:
    return int(getattr(settings, "LEDGER_MAX_ATTEMPTS", 3))


def _waiting_q(now) -> Q:
    stale = now - stale_after()
    return (
        Q(status=Status.QUEUED)
        # Confirmed for the worker (no heartbeat yet).
        | Q(status=Status.APPLYING, heartbeat_at__isnull=True)
        # Running, but the process running it stopped beating.
        | Q(status__in=[Status.PARSING, Status.APPLYING], heartbeat_at__lt=stale)
        # Uploaded for an in-request preview that never started.
        | Q(status=Status.UPLOADED, uploaded_at__lt=stale)
    )


def claim_next() -> LedgerImport | None:
    """Take the oldest job waiting for a worker, or ``None``."""
    now = timezone.now()
    candidates = LedgerImport.objects.filter(_waiting_q(now)).order_by("uploaded_at", "pk")
    while True:
        if connection.features.has_select_for_update_skip_locked:
            with transaction.atomic():
                job = candidates.select_for_update(skip_locked=True).first()
                if job is None:
                    return None
                if _claim(job, now):
                    return job
            continue
        job = candidates.first()
        if job is None:
            return None
        if _claim(job, now):
            return job
        # Another worker won that one: look again.


def _claim(job: LedgerImport, now) -> bool:
    """One conditional UPDATE: the job is ours only if nobody touched it since we read it."""
    running = Status.APPLYING if job.status == Status.APPLYING else Status.PARSING
    claimed = LedgerImport.objects.filter(
        pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
    ).update(status=running, heartbeat_at=now, attempts=F("attempts") + 1)
    if claimed:
        job.refresh_from_db()
    return bool(claimed)


def process_next() -> bool:
    """Claim and run one job; ``False`` when there was nothing to do."""
    job = claim_next()
    if job is None:
        return False
    if job.attempts > max_attempts():
        LedgerImport.objects.filter(pk=job.pk).update(
            status=Status.FAILED,
            phase=str(services.PHASE_FAILED),
            error_message=str(LEDGER_ERROR_TOO_MANY_ATTEMPTS.format(attempts=job.attempts - 1)),
        )
        logger.warning("ledger import #%s: too many attempts, failed", job.pk)
        return True
    logger.info("ledger worker: #%s %s (attempt %s)", job.pk, job.status, job.attempts)
    if job.status == Status.APPLYING:
        services.ledger_run_apply(ledger_import=job)
    else:
        services.ledger_preview(ledger_import=job)
    return True
