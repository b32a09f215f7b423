"""Writes of rectification: rounds, problems, their workflow and evidence.

Workflow: 待整改 (open) → 正在整改 (rectifying) → 已完成 (done, 销号).
Closing needs a completion note and at least one evidence file, and is done
by someone other than the problem's responsible user (separation of duties:
whoever did the work does not sign it off). An administrator may re-open a
closed problem, giving the reason.

Every workflow step locks the problem's row (``select_for_update``) and
checks its status again under the lock, so a double post or two people
acting at once change it once: the second gets a message, never a second
close or a second copy of a file. Edits of a problem's fields carry the
version the editor loaded (optimistic locking, as for households).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households import concurrency
from households.models import Household, Village
from rectification.filetypes import (
    ERROR_NO_FILE,
    ERROR_TOO_LARGE,
    check_evidence_file,
    megabytes,
)
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus

ERROR_CONCURRENT = _(
    "该问题在您打开页面后已被他人修改并保存。为避免覆盖对方的修改,本次保存未生效;"
    "请刷新页面查看最新内容后再修改。"
)
ERROR_START_NOT_OPEN = _("只有“待整改”的问题才能开始整改,该问题当前为“{status}”")
ERROR_MEASURES_REQUIRED = _("请填写整改措施")
ERROR_ALREADY_DONE = _("该问题已销号,不能重复销号")
ERROR_CLOSE_NOT_STARTED = _("该问题尚未开始整改:请先填写整改措施、开始整改,再销号")
ERROR_NOTE_REQUIRED = _("请填写完成情况说明")
ERROR_COMPLETED_ON_REQUIRED = _("请填写完成日期")
ERROR_COMPLETED_BEFORE_FOUND = _("完成日期不能早于发现日期({date})")
ERROR_COMPLETED_IN_FUTURE = _("完成日期不能晚于今天({date})")
ERROR_NO_EVIDENCE = _("佐证材料:销号前须至少上传一份整改佐证材料")
ERROR_SELF_CLOSE = _(
    "您是该问题的整改责任人,不能为自己负责的问题销号;须由其他人员核实佐证材料后销号"
)
ERROR_REOPEN_NOT_DONE = _("只有已销号的问题才能重新打开")
ERROR_REOPEN_REASON = _("请填写重新打开的原因")
ERROR_EVIDENCE_CLOSED = _("该问题已销号,不能再上传佐证材料;如需补充,请先由管理员重新打开")
ERROR_EVIDENCE_DUPLICATE = _("该问题已上传过同一文件(“{name}”),未重复保存")
ERROR_EVIDENCE_REMOVE_CLOSED = _("该问题已销号,不能删除其佐证材料")
ERROR_VILLAGES_REQUIRED = _("请选择涉及的村,或填写涉及户")


class ConcurrentEditError(concurrency.ConcurrentEditError):
    """The problem changed since the editor loaded it (``households.concurrency``)."""

    def __init__(self):
        super().__init__(ERROR_CONCURRENT)


def _locked(problem: Problem) -> Problem:
    """The problem's row, locked until the transaction ends (call inside ``atomic``)."""
    return Problem.objects.select_for_update().get(pk=problem.pk)


def _save(problem: Problem, locked: Problem, reason: str) -> None:
    """Save the locked row with a new version and a history reason; refresh the caller's copy."""
    # The row is locked: no one else can bump the version meanwhile.
    locked.version += 1
    locked._change_reason = reason
    locked.save()
    problem.__dict__.update(
        {f.attname: getattr(locked, f.attname) for f in Problem._meta.concrete_fields}
    )


# --------------------------------------------------------------------------
# Rounds and problems
# --------------------------------------------------------------------------


def inspection_round_save(*, inspection_round: InspectionRound, user=None) -> InspectionRound:
    """Add or change an inspection round (fields already set on the instance)."""
    with transaction.atomic():
        inspection_round.full_clean()
        inspection_round.save()
    return inspection_round


def _concerned_villages(villages: Iterable[Village], households: Iterable[Household]):
    """The villages a problem concerns: those chosen and those of its households."""
    chosen = {v.pk: v for v in villages}
    for household in households:
        chosen.setdefault(household.village_id, household.village)
    return list(chosen.values())


def problem_create(
    *,
    inspection_round: InspectionRound,
    data: dict,
    villages: Iterable[Village] = (),
    households: Iterable[Household] = (),
    user=None,
) -> Problem:
    """Record a problem an inspection round found (status 待整改).

    ``data``: category, text, responsible_name, responsible_user, found_on,
    deadline, measures_taken. The villages of the households concerned are
    added to its villages, so a village's cadre sees every problem about it.
    """
    households = list(households)
    concerned = _concerned_villages(villages, households)
    if not concerned:
        raise ValidationError({"villages": ERROR_VILLAGES_REQUIRED})
    problem = Problem(inspection_round=inspection_round, status=ProblemStatus.OPEN, **data)
    with transaction.atomic():
        problem.full_clean()
        problem._change_reason = "新增问题"
        problem.save()
        problem.villages.set(concerned)
        problem.households.set(households)
    return problem


def problem_update(
    *,
    problem: Problem,
    expected_version: int,
    data: dict,
    villages: Iterable[Village] = (),
    households: Iterable[Household] = (),
    user=None,
) -> Problem:
    """Change a problem's description, deadline, responsible person, villages and households.

    The workflow fields (status, completion, closing) change only through
    ``problem_start`` / ``problem_close`` / ``problem_reopen``.
    """
    households = list(households)
    concerned = _concerned_villages(villages, households)
    if not concerned:
        raise ValidationError({"villages": ERROR_VILLAGES_REQUIRED})
    with transaction.atomic():
        locked = _locked(problem)
        concurrency.check_version(locked, expected_version, ConcurrentEditError)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        _save(problem, locked, "修改问题")
        problem.villages.set(concerned)
        problem.households.set(households)
    return problem


# --------------------------------------------------------------------------
# Workflow
# --------------------------------------------------------------------------


def problem_start(*, problem: Problem, measures_taken: str, user) -> Problem:
    """待整改 → 正在整改, recording the measures being taken."""
    measures_taken = measures_taken.strip()
    if not measures_taken:
        raise ValidationError({"measures_taken": ERROR_MEASURES_REQUIRED})
    with transaction.atomic():
        locked = _locked(problem)
        if locked.status != ProblemStatus.OPEN:
            raise ValidationError(
                ERROR_START_NOT_OPEN.format(status=ProblemStatus(locked.status).label),
                code="status",
            )
        locked.status = ProblemStatus.RECTIFYING
        locked.measures_taken = measures_taken
        _save(problem, locked, "开始整改")
    return problem


def problem_close(
    *,
    problem: Problem,
    completed_on: date | None,
    completion_note: str,
    user,
    today: date | None = None,
) -> Problem:
    """正在整改 → 已完成 (销号), by someone other than the responsible user.

    Needs the completion date and note and at least one evidence file.
    """
    today = today or timezone.localdate()
    completion_note = completion_note.strip()
    with transaction.atomic():
        locked = _locked(problem)
        if locked.status == ProblemStatus.DONE:
            raise ValidationError(ERROR_ALREADY_DONE, code="already_done")
        if user is not None and locked.responsible_user_id == user.pk:
            raise ValidationError(ERROR_SELF_CLOSE, code="separation_of_duties")
        if locked.status != ProblemStatus.RECTIFYING:
            raise ValidationError(ERROR_CLOSE_NOT_STARTED, code="not_started")
        errors = {}
        if completed_on is None:
            errors["completed_on"] = ERROR_COMPLETED_ON_REQUIRED
        elif completed_on < locked.found_on:
            errors["completed_on"] = ERROR_COMPLETED_BEFORE_FOUND.format(date=locked.found_on)
        elif completed_on > today:
            errors["completed_on"] = ERROR_COMPLETED_IN_FUTURE.format(date=today)
        if not completion_note:
            errors["completion_note"] = ERROR_NOTE_REQUIRED
        if not locked.evidence.exists():
            errors["evidence"] = ERROR_NO_EVIDENCE
        if errors:
            raise ValidationError(errors)
        locked.status = ProblemStatus.DONE
        locked.completed_on = completed_on
        locked.completion_note = completion_note
        locked.closed_by = user
        _save(problem, locked, "核实销号")
    return problem


def problem_reopen(*, problem: Problem, reason: str, user) -> Problem:
    """已完成 → 正在整改, with the reason; the completion is cleared (the history keeps it)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REOPEN_REASON})
    with transaction.atomic():
        locked = _locked(problem)
        if locked.status != ProblemStatus.DONE:
            raise ValidationError(ERROR_REOPEN_NOT_DONE, code="not_done")
        locked.status = ProblemStatus.RECTIFYING
        locked.completed_on = None
        locked.completion_note = ""
        locked.closed_by = None
        locked.reopen_reason = reason
        _save(problem, locked, f"重新打开:{reason}"[:100])
    return problem


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------


def _read_upload(upload, limit: int) -> bytes:
    """The upload's bytes, refusing an oversized one before reading it all."""
    if upload is None:
        raise ValidationError({"file": ERROR_NO_FILE})
    name = upload.name or ""
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    ERROR_TOO_LARGE,
                    code="too_large",
                    params={
                        "name": name,
                        "size": megabytes(upload.size),
                        "limit": megabytes(limit),
                    },
                )
            }
        )
    chunks, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            break
        chunks.append(chunk)
    return b"".join(chunks) + (b"\0" if total > limit else b"")


def _clean_name(name: str) -> str:
    """The user's file name, for display and download only (never a path)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-200:] or "file"


def evidence_add(*, problem: Problem, upload, description: str = "", user) -> Evidence:
    """Attach an evidence file to a problem that is not closed.

    The file must be an image, PDF or Office document *by its content*, at
    most ``RECTIFICATION_EVIDENCE_MAX_BYTES``; it is stored under a
    generated name. The same file twice on one problem is refused.
    """
    limit = settings.RECTIFICATION_EVIDENCE_MAX_BYTES
    data = _read_upload(upload, limit)
    original = _clean_name(upload.name or "")
    try:
        kind = check_evidence_file(data, name=original, max_bytes=limit)
    except ValidationError as exc:
        raise ValidationError({"file": exc}) from None
    digest = hashlib.sha256(data).hexdigest()
    stored_name = None
    try:
        with transaction.atomic():
            locked = _locked(problem)
            if locked.status == ProblemStatus.DONE:
                raise ValidationError(ERROR_EVIDENCE_CLOSED, code="closed")
            same = locked.evidence.filter(sha256=digest).first()
            if same is not None:
                raise ValidationError(
                    {"file": ERROR_EVIDENCE_DUPLICATE.format(name=same.original_name)}
                )
            evidence = Evidence(
                problem=locked,
                original_name=original,
                description=description.strip()[:200],
                uploaded_by=user,
                content_type=kind.content_type,
                size=len(data),
                sha256=digest,
            )
            evidence.file.save(f"evidence.{kind.extension}", ContentFile(data), save=False)
            stored_name = evidence.file.name
            evidence._change_reason = "上传佐证材料"
            evidence.save()
    except IntegrityError:
        # Two uploads of the same file at once: the unique constraint let one in.
        _delete_file(stored_name)
        raise ValidationError({"file": ERROR_EVIDENCE_DUPLICATE.format(name=original)}) from None
    except BaseException:
        _delete_file(stored_name)
        raise
    return evidence


def _delete_file(name: str | None) -> None:
    if name:
        Evidence._meta.get_field("file").storage.delete(name)


def evidence_remove(*, evidence: Evidence, user) -> None:
    """Remove an evidence file of a problem that is not closed (the record stays in the history)."""
    with transaction.atomic():
        locked = _locked(evidence.problem)
        if locked.status == ProblemStatus.DONE:
            raise ValidationError(ERROR_EVIDENCE_REMOVE_CLOSED, code="closed")
        row = Evidence.objects.filter(pk=evidence.pk).first()
        if row is None:
            return  # already removed (a double post)
        name = row.file.name
        row._change_reason = "删除佐证材料"
        row.delete()
        # Delete the file only once the row's removal is committed.
        transaction.on_commit(lambda: _delete_file(name))
