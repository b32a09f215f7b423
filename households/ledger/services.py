"""Writes of the ledger import: upload, preview, apply (and the script path).

An import is a :class:`~households.ledger.models.LedgerImport` record that
moves uploaded → (queued →) parsing → previewed → applying → applied, or to
failed / cancelled. Every row is validated before anything is written
(:func:`households.ledger.pipeline.ledger_plan`); the writes happen in one
transaction, with the households concerned locked, the plan computed again
and compared with what the user previewed, and history entries attributed to
the user who confirmed (change reason ``台账导入#<id>``). If anything fails
while writing, the transaction rolls back and the record says why.

Progress (phase, percentage, heartbeat) is written outside any transaction,
so a page reloading while the job runs sees it. The writing transaction
itself reports only its start and its end: what it writes is invisible to
others until it commits, its progress would be too.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import re
import time
import zipfile
from contextlib import contextmanager
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.models import AuditAction
from audit.services import audit_record
from households import scope
from households.ledger.copy import copy_create_with_history
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.ledger.pipeline import ImportPlan, among, chunked, ledger_plan
from households.ledger.reader import read_ledger
from households.ledger.types import LedgerFileError, ParsedLedger
from households.models import (
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    Village,
)
from households.signals import send_villages_changed

logger = logging.getLogger(__name__)

Status = LedgerImportStatus

#: Rows per INSERT/UPDATE statement of the bulk writes.
BATCH_SIZE = 2000

LEDGER_ERROR_PERMISSION = _("您没有导入台账的权限")
LEDGER_ERROR_VILLAGE = _("您不能导入该村的台账")
LEDGER_ERROR_ABANDONED = _("预览后超过{hours}小时未确认,已放弃;数据可能已变化,请重新上传")

#: Codes of the reader's refusals before any cell is read: such a file is
#: deleted from storage at once (only its record stays).
REFUSED_UNREAD = frozenset(
    {"too_large", "not_xlsx", "xls", "encrypted", "corrupt", "zip_bomb", "xml_entities"}
)
LEDGER_ERROR_TOO_LARGE = _("文件太大({size}),台账文件不能超过{limit}")
LEDGER_ERROR_EMPTY = _("上传的文件是空的")
LEDGER_ERROR_HAS_ERRORS = _("预览发现{count}处错误,不能导入;请在Excel中修改后重新上传")
LEDGER_ERROR_NOT_PREVIEWED = _("预览尚未完成,不能确认导入")
LEDGER_ERROR_ALREADY_APPLIED = _("该台账已经导入,不会重复导入")
LEDGER_ERROR_APPLYING = _("该台账正在导入,请稍候")
LEDGER_ERROR_FINISHED = _("该导入已{status},不能再确认")
LEDGER_ERROR_NOT_ALLOWED = _("只有上传人或镇扶贫办管理员可以处理这次导入")
LEDGER_ERROR_CHANGED = _("数据在预览后发生了变化,请重新预览")
LEDGER_ERROR_WRITE_FAILED = _("导入失败,没有写入任何数据:{reason}")
LEDGER_ERROR_PREVIEW_FAILED = _("预览失败:{reason}")
LEDGER_ERROR_CANNOT_CANCEL = _("该导入已{status},不能取消")

PHASE_QUEUED = _("排队等待后台处理")
PHASE_READING = _("正在读取文件")
PHASE_CHECKING = _("正在逐行核对")
PHASE_PREVIEWED = _("预览完成")
PHASE_APPLY_QUEUED = _("已确认,排队等待后台导入")
PHASE_WRITING = _("正在核对并写入数据")
PHASE_APPLIED = _("导入完成")
PHASE_FAILED = _("失败")
PHASE_CANCELLED = _("已取消")


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return setting("LEDGER_MAX_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return setting("LEDGER_MAX_ROWS", 200_000)


def sync_rows() -> int:
    """Files estimated at or below this many rows are previewed within the request."""
    return setting("LEDGER_SYNC_ROWS", 3_000)


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def may_manage(user, ledger_import: LedgerImport) -> bool:
    """The uploader, or a town administrator, may confirm or cancel an import."""
    if not user.has_perm("households.import_ledger"):
        return False
    return ledger_import.uploaded_by_id == user.pk or scope.sees_whole_registry(user)


# --------------------------------------------------------------------------
# Upload
# --------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+[0-9]+(?::[A-Z]+([0-9]+))?"')
#: Bytes of sheet XML per row when a sheet does not state its dimension.
_XML_BYTES_PER_ROW = 1000


def estimate_rows(data: bytes) -> int:
    """Rows of the largest worksheet, read off its ``<dimension>`` (or its size).

    Only the zip directory and the first 4 KB of one sheet are inflated, so a
    zip bomb costs nothing here; a file that is not a zip is 0 rows (the reader
    rejects it at once, within the request).
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            sheets = [
                info
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            ]
            if not sheets:
                return 0
            largest = max(sheets, key=lambda info: info.file_size)
            with archive.open(largest) as stream:
                head = stream.read(4096)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError):
        return 0
    match = _DIMENSION.search(head)
    if match and match[1]:
        return int(match[1])
    return largest.file_size // _XML_BYTES_PER_ROW


def _scope(user) -> tuple[bool, list[str]]:
    names = sorted(scope.profile_villages(user).values_list("name", flat=True))
    return scope.sees_whole_registry(user), names


def ledger_upload(*, file, user, village: Village | None = None) -> LedgerImport:
    """Store an uploaded ledger and its record; nothing is read or written yet.

    The record is ``uploaded`` when the file is small enough to be previewed
    within the request (the caller then calls :func:`ledger_preview`), else
    ``queued`` for a background task (:mod:`households.ledger.tasks`).
    ``village``: the village the file is of (its households belong to it when
    the file has no 行政村 column); it must be one the user may import.
    """
    if not user.has_perm("households.import_ledger"):
        raise PermissionDenied(LEDGER_ERROR_PERMISSION)
    if village is not None and not scope.own_villages(user).filter(pk=village.pk).exists():
        raise PermissionDenied(LEDGER_ERROR_VILLAGE)
    limit = max_bytes()
    size = file.size
    if size is not None and size > limit:
        # Checked before the file is read: it is hashed a chunk at a time
        # for its record, and never stored.
        message = LEDGER_ERROR_TOO_LARGE.format(size=_size_text(size), limit=_size_text(limit))
        _refused_record(file, user, village, size=size, message=message)
        raise ValidationError(message, code="too_large")
    if hasattr(file, "seek"):
        file.seek(0)
    data = b"".join(file.chunks()) if hasattr(file, "chunks") else file.read()
    if not data:
        raise ValidationError(LEDGER_ERROR_EMPTY, code="empty")
    if len(data) > limit:
        raise ValidationError(
            LEDGER_ERROR_TOO_LARGE.format(size=_size_text(len(data)), limit=_size_text(limit)),
            code="too_large",
        )
    scope_all, scope_villages = _scope(user)
    rows = estimate_rows(data)
    record = LedgerImport(
        uploaded_by=user,
        file_name=os.path.basename(str(file.name or "ledger.xlsx"))[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        estimated_rows=rows,
        scope_all=scope_all,
        scope_villages=scope_villages,
        village=village,
    )
    background = rows > sync_rows()
    if background:
        record.status = Status.QUEUED
        record.phase = str(PHASE_QUEUED)
    record.file.save("ledger.xlsx", ContentFile(data), save=False)
    with transaction.atomic():
        record.save()
        if background:
            _tasks().enqueue(record)  # committed with the record, or not at all
    logger.info(
        "ledger upload #%s user=%s size=%s sha256=%s rows~%s",
        record.pk,
        user.pk,
        record.size,
        record.sha256,
        rows,
    )
    if background:
        _tasks().requeue_stale()
    return record


def _tasks():
    # The background tasks run this module's functions: imported when used.
    from households.ledger import tasks

    return tasks


def _refused_record(file, user, village, *, size: int, message) -> LedgerImport:
    """The record of a file refused on upload: name, size, SHA-256 and why; no file."""
    digest = hashlib.sha256()
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
        digest.update(chunk)
    scope_all, scope_villages = _scope(user)
    return LedgerImport.objects.create(
        uploaded_by=user,
        file_name=os.path.basename(str(file.name or "ledger.xlsx"))[:255],
        sha256=digest.hexdigest(),
        size=size,
        scope_all=scope_all,
        scope_villages=scope_villages,
        village=village,
        status=Status.FAILED,
        phase=str(PHASE_FAILED),
        error_message=str(message),
    )


# --------------------------------------------------------------------------
# Progress (outside any transaction)
# --------------------------------------------------------------------------


@contextmanager
def _gc_paused():
    """Pause Python's cyclic garbage collector while a plan is built and written.

    An import allocates hundreds of thousands of objects and frees none: the
    collector would walk them again and again (a third of the time of a
    100,000-row plan) to find nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _update(record: LedgerImport, **values) -> None:
    values.setdefault("heartbeat_at", timezone.now())
    LedgerImport.objects.filter(pk=record.pk).update(**values)
    for name, value in values.items():
        setattr(record, name, value)


class _Progress:
    """Writes the phase and percentage, at most once a second."""

    def __init__(self, record: LedgerImport, phase, start: int, end: int):
        self.record, self.phase, self.start, self.end = record, str(phase), start, end
        self.last = 0.0

    def __call__(self, percent: int) -> None:
        now = time.monotonic()
        if now - self.last < 1 and percent < 100:
            return
        self.last = now
        value = self.start + (self.end - self.start) * max(0, min(percent, 100)) // 100
        _update(self.record, progress=value, phase=self.phase)


def _fail(record: LedgerImport, message) -> None:
    _update(record, status=Status.FAILED, phase=str(PHASE_FAILED), error_message=str(message))


def _discard_file(record: LedgerImport) -> None:
    """Delete a refused file from storage; the record keeps its name, size,
    SHA-256 and the reason."""
    if record.file:
        record.file.delete(save=False)
    LedgerImport.objects.filter(pk=record.pk).update(file="")
    record.file = None


def _read(record: LedgerImport) -> ParsedLedger:
    with record.file.open("rb") as stream:
        data = stream.read()
    parsed = read_ledger(
        data,
        filename=record.file_name,
        max_bytes=max_bytes(),
        max_rows=max_rows(),
        max_uncompressed=getattr(settings, "LEDGER_MAX_UNCOMPRESSED", None),
    )
    # The cells as read are not needed past the reader (the cleaned values
    # and the errors are): let 100,000 rows take half the memory.
    for row in parsed.rows:
        row.raw = {}
    return parsed


def _today():
    return timezone.localdate()


def _preview_values(plan: ImportPlan, *, message: str = "") -> dict:
    return {
        "status": Status.PREVIEWED,
        "phase": str(PHASE_PREVIEWED),
        "progress": 100,
        "counts": plan.counts,
        "preview": plan.preview(),
        "fingerprint": plan.fingerprint(),
        "previewed_at": timezone.now(),
        "error_message": str(message),
    }


# --------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------


def ledger_preview(*, ledger_import: LedgerImport) -> LedgerImport:
    """Read the file and plan the import; store counts, preview and fingerprint.

    Nothing of the registry is written. A file that cannot be read at all
    (not an .xlsx, encrypted, too many rows…) leaves the record ``failed``
    with the reader's message.
    """
    record = ledger_import
    if record.status in (Status.APPLYING, Status.APPLIED, Status.CANCELLED):
        return record  # written, being written, or given up: nothing to preview
    _update(
        record,
        status=Status.PARSING,
        phase=str(PHASE_READING),
        progress=5,
        error_message="",
    )
    try:
        parsed = _read(record)
        _update(record, phase=str(PHASE_CHECKING), progress=40)
        with _gc_paused():
            plan = ledger_plan(
                parsed=parsed,
                user=record.uploaded_by,
                on=_today(),
                progress=_Progress(record, PHASE_CHECKING, 40, 95),
                village=record.village,
            )
    except LedgerFileError as exc:
        _fail(record, exc.message)
        if exc.code in REFUSED_UNREAD:
            _discard_file(record)
        return record
    except Exception as exc:
        logger.exception("ledger preview #%s failed", record.pk)
        _fail(record, LEDGER_ERROR_PREVIEW_FAILED.format(reason=exc))
        return record
    _update(record, **_preview_values(plan))
    logger.info("ledger preview #%s counts=%s", record.pk, plan.counts)
    return record


# --------------------------------------------------------------------------
# Apply
# --------------------------------------------------------------------------


class _Replanned(Exception):
    """The plan made inside the transaction differs from the preview: roll back."""

    def __init__(self, plan: ImportPlan):
        super().__init__("plan changed since the preview")
        self.plan = plan


def _check_may_apply(record: LedgerImport, user) -> None:
    if not may_manage(user, record):
        raise PermissionDenied(LEDGER_ERROR_NOT_ALLOWED)
    if record.status == Status.APPLIED:
        raise ValidationError(LEDGER_ERROR_ALREADY_APPLIED, code="applied")
    if record.status == Status.APPLYING:
        raise ValidationError(LEDGER_ERROR_APPLYING, code="applying")
    if record.status in (Status.FAILED, Status.CANCELLED):
        raise ValidationError(
            LEDGER_ERROR_FINISHED.format(status=record.get_status_display()), code="finished"
        )
    if record.status != Status.PREVIEWED:
        raise ValidationError(LEDGER_ERROR_NOT_PREVIEWED, code="not_previewed")
    if record.is_abandoned:
        hours = int(getattr(settings, "LEDGER_PREVIEW_HOURS", 72))
        raise ValidationError(LEDGER_ERROR_ABANDONED.format(hours=hours), code="abandoned")
    if record.error_count:
        raise ValidationError(
            LEDGER_ERROR_HAS_ERRORS.format(count=record.error_count), code="has_errors"
        )


def _claim_for_apply(record: LedgerImport, user, *, background: bool) -> None:
    """previewed → applying, as one conditional UPDATE: of two requests
    confirming the same import (a form posted twice), exactly one gets it.
    ``background``: the write is queued as a task, in the same transaction."""
    with transaction.atomic():
        claimed = LedgerImport.objects.filter(pk=record.pk, status=Status.PREVIEWED).update(
            status=Status.APPLYING,
            applied_by=user,
            phase=str(PHASE_APPLY_QUEUED if background else PHASE_WRITING),
            progress=0,
            # A queued apply has no heartbeat until a worker takes it.
            heartbeat_at=None if background else timezone.now(),
            # Attempts at writing it: the preview's own runs do not count against
            # the limit (a queued apply has had none yet).
            attempts=0 if background else 1,
            error_message="",
        )
        record.refresh_from_db()
        if claimed and background:
            _tasks().enqueue(record)
    if not claimed:
        _check_may_apply(record, user)  # says why
        raise ValidationError(LEDGER_ERROR_NOT_PREVIEWED, code="not_previewed")


def ledger_apply(*, ledger_import: LedgerImport, user) -> LedgerImport:
    """Write a previewed import, now, within the caller's request.

    Refused (``ValidationError``) if the preview found errors, if it is not
    previewed, already applied or being applied; ``PermissionDenied`` unless
    ``user`` uploaded it or is a town administrator. Returns the record:
    ``applied``; ``previewed`` again with :data:`LEDGER_ERROR_CHANGED` if the
    data changed since the preview (nothing written, the preview refreshed);
    or ``failed`` with the reason if writing failed (nothing written).
    """
    record = ledger_import
    _check_may_apply(record, user)
    _claim_for_apply(record, user, background=False)
    return ledger_run_apply(ledger_import=record)


def ledger_queue_apply(*, ledger_import: LedgerImport, user) -> LedgerImport:
    """Confirm a (large) previewed import for a background task to write."""
    record = ledger_import
    _check_may_apply(record, user)
    _claim_for_apply(record, user, background=True)
    _tasks().requeue_stale()
    return record


def ledger_run_apply(
    *, ledger_import: LedgerImport, parsed: ParsedLedger | None = None, compare: bool = True
) -> LedgerImport:
    """Write an import in status ``applying`` (claimed by a request or a task).

    ``compare=False`` (the script path) writes the plan without comparing it
    with an earlier preview: the plan made under the locks *is* the preview.
    """
    record = ledger_import
    user = record.applied_by or record.uploaded_by
    try:
        if parsed is None:
            _update(record, phase=str(PHASE_READING), progress=10)
            parsed = _read(record)
    except LedgerFileError as exc:
        _fail(record, exc.message)
        return record
    except Exception as exc:
        logger.exception("ledger apply #%s: reading failed", record.pk)
        _fail(record, LEDGER_ERROR_WRITE_FAILED.format(reason=exc))
        return record
    _update(record, phase=str(PHASE_WRITING), progress=40)
    expected = record.fingerprint if compare else None
    try:
        with _gc_paused(), transaction.atomic():
            # A second runner of the same job (a task re-running a job
            # thought dead) waits here, then finds it done.
            locked = LedgerImport.objects.select_for_update().get(pk=record.pk)
            if locked.status != Status.APPLYING:
                record.refresh_from_db()
                return record
            _lock_households(parsed)
            plan = ledger_plan(
                parsed=parsed, user=record.uploaded_by, on=_today(), village=record.village
            )
            parsed = None  # the rows are in the plan now: free them before writing
            if plan.has_errors or (expected is not None and plan.fingerprint() != expected):
                raise _Replanned(plan)
            _write(plan, user=user, record=record)
            # One entry for the whole import, in its transaction: the rows
            # themselves are in the change history (reason 台账导入#<id>).
            audit_record(
                action=AuditAction.IMPORT,
                user=user,
                obj=record,
                object_label=record.file_name,
                detail={"counts": plan.counts},
                count=written_count(plan.counts),
            )
            done = {
                "status": Status.APPLIED,
                "phase": str(PHASE_APPLIED),
                "progress": 100,
                "counts": plan.counts,
                "applied_at": timezone.now(),
                "heartbeat_at": timezone.now(),
                "error_message": "",
            }
            if expected is None:
                done.update(
                    preview=plan.preview(),
                    fingerprint=plan.fingerprint(),
                    previewed_at=timezone.now(),
                )
            LedgerImport.objects.filter(pk=record.pk).update(**done)
    except _Replanned as replanned:
        # Rolled back; the fresh plan becomes the preview the user confirms next.
        message = LEDGER_ERROR_CHANGED if expected is not None else ""
        _update(record, **_preview_values(replanned.plan, message=message))
        logger.info("ledger apply #%s refused: plan differs from the preview", record.pk)
    except Exception as exc:
        # Rolled back: nothing was written. Recorded after the rollback.
        logger.exception("ledger apply #%s failed", record.pk)
        _fail(record, LEDGER_ERROR_WRITE_FAILED.format(reason=exc))
    else:
        logger.info("ledger apply #%s by user=%s counts=%s", record.pk, user.pk, plan.counts)
    record.refresh_from_db()
    return record


def written_count(counts: dict) -> int:
    """Rows an applied plan wrote: households, members and incomes new or
    changed, and members who left."""
    return sum(
        counts.get(kind, {}).get(change, 0)
        for kind in ("households", "members", "incomes")
        for change in ("new", "changed", "left")
    )


def _lock_households(parsed: ParsedLedger) -> None:
    """Lock the file's existing households (in primary-key order: no deadlock
    between two imports), so no one changes them between plan and write:
    by 户编号, and for rows without one by the members' ID numbers (the
    households the planner matches them to)."""
    numbers = sorted(
        {str(row.values["number"]).strip() for row in parsed.rows if row.values.get("number")}
    )
    for chunk in chunked(numbers):
        list(
            Household.objects.select_for_update()
            .filter(among("number", chunk))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    ids = sorted(
        {
            row.values["id_number"]
            for row in parsed.rows
            if not row.values.get("number") and isinstance(row.values.get("id_number"), str)
        }
    )
    for chunk in chunked(ids):
        households = Member.objects.filter(among("id_number", chunk)).values("household_id")
        list(
            Household.objects.select_for_update()
            .filter(pk__in=households)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def use_copy() -> bool:
    """Create rows with COPY (PostgreSQL only; ``LEDGER_USE_COPY = False`` turns it off)."""
    return connection.vendor == "postgresql" and getattr(settings, "LEDGER_USE_COPY", True)


def _create_with_history(objs: list, model, **history) -> None:
    """Insert new rows and their history entries, and give the instances their pks.

    PostgreSQL: COPY (:mod:`households.ledger.copy`), many times faster than
    Django's bulk_create for large files. Elsewhere, simple-history's
    ``bulk_create_with_history``; rows whose pk the database did not return
    are looked up by their natural key.
    """
    if not objs:
        return
    if use_copy():
        copy_create_with_history(objs, model, **history)
        return
    bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, **history)
    if model is Household:
        _fill_pks(objs, Household, "number")


def _write(plan: ImportPlan, *, user, record: LedgerImport) -> None:
    """The bulk writes of a plan, with history; the caller holds the transaction."""
    history = {"default_user": user, "default_change_reason": f"台账导入#{record.pk}"}
    now = timezone.now()
    # The villages whose figures the import changes (a household moved counts
    # in both): told to the summaries after the bulk writes, which send no
    # model signals.
    touched = [h.pk for h in (*plan.households_changed, *plan.households_touched)]
    villages = {h.village_id for h in plan.households_new}
    for chunk in chunked(touched):
        villages.update(
            Household.objects.filter(among("pk", chunk)).values_list("village_id", flat=True)
        )
    villages.update(h.village_id for h in plan.households_changed)

    for household in plan.households_new:
        household.created_at = household.updated_at = now
    _create_with_history(plan.households_new, Household, **history)
    _create_with_history(plan.periods_new, HouseholdStatusPeriod, **history)

    changed_ids = set()
    if plan.households_changed:
        for household in plan.households_changed:
            household.version += 1
            household.updated_at = now
            changed_ids.add(household.pk)
        bulk_update_with_history(
            plan.households_changed,
            Household,
            fields=sorted(plan.household_fields | {"version", "updated_at"}),
            batch_size=BATCH_SIZE,
            **history,
        )
    # Households whose members or income changed: a cadre editing one of them
    # since loading its page is told so on save (optimistic locking).
    others = [h.pk for h in plan.households_touched if h.pk not in changed_ids]
    for chunk in chunked(others):
        Household.objects.filter(among("pk", chunk)).update(
            version=F("version") + 1, updated_at=now
        )

    _create_with_history(plan.members_new, Member, **history)
    if plan.members_changed:
        bulk_update_with_history(
            plan.members_changed,
            Member,
            fields=sorted(plan.member_fields),
            batch_size=BATCH_SIZE,
            **history,
        )
    _create_with_history(plan.incomes_new, HouseholdIncome, **history)
    if plan.incomes_changed:
        bulk_update_with_history(
            plan.incomes_changed,
            HouseholdIncome,
            fields=sorted(plan.income_fields),
            batch_size=BATCH_SIZE,
            **history,
        )
    send_villages_changed(villages)


def _fill_pks(objects: list, model, key: str) -> None:
    """Primary keys of bulk-created rows, by natural key, where the database
    did not return them (bulk_create returns them on PostgreSQL and SQLite ≥ 3.35)."""
    missing = {getattr(obj, key): obj for obj in objects if obj.pk is None}
    for chunk in chunked(list(missing)):
        for value, pk in model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"):
            missing[value].pk = pk


# --------------------------------------------------------------------------
# Cancel, and the script path
# --------------------------------------------------------------------------


def ledger_cancel(*, ledger_import: LedgerImport, user) -> LedgerImport:
    """Give up an import that has not been written (nothing of it is kept but the record)."""
    record = ledger_import
    if not may_manage(user, record):
        raise PermissionDenied(LEDGER_ERROR_NOT_ALLOWED)
    cancellable = (Status.UPLOADED, Status.QUEUED, Status.PREVIEWED, Status.FAILED)
    done = LedgerImport.objects.filter(pk=record.pk, status__in=cancellable).update(
        status=Status.CANCELLED, phase=str(PHASE_CANCELLED)
    )
    record.refresh_from_db()
    if not done:
        raise ValidationError(
            LEDGER_ERROR_CANNOT_CANCEL.format(status=record.get_status_display()),
            code="not_cancellable",
        )
    return record


def ledger_import_bytes(
    *, data: bytes, filename: str, user, village: Village | None = None
) -> LedgerImport:
    """Upload, preview and apply a ledger synchronously (scripts, benchmarks).

    The file is read once and planned once, inside the writing transaction
    with the households locked: the plan is the preview, so there is nothing
    to compare. With errors nothing is written and the record is
    ``previewed`` with them; otherwise it is ``applied``.
    """
    record = ledger_upload(file=ContentFile(data, name=filename), user=user, village=village)
    _update(record, status=Status.APPLYING, applied_by=user, attempts=F("attempts") + 1)
    record.refresh_from_db()
    return ledger_run_apply(ledger_import=record, compare=False)
