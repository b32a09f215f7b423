"""Department warning lists (部门筛查预警): check every row, match the ID numbers
against the registry's members in bulk, then save in one transaction.

The pretix pattern, as the ledger import does it: resolve → clean → match →
save. Every row is checked before anything is written, each problem named by
its line and column in Chinese; the ID numbers of the whole file are matched
in one query (never a query per row), and the households already monitored in
one more. A department's list covers the whole registry, so only a user who
sees the whole registry may import one.

:func:`parse_csv` reads a .csv (UTF-8 with or without BOM, or GB18030 as Excel
on a Chinese Windows writes it) with the headers 部门, 预警事项, 事项日期,
金额, 身份证号, 姓名 (header variants in :data:`HEADERS`).
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record
from households import rules as household_rules
from households.models import Member
from households.scope import filter_visible, sees_whole_registry
from monitoring.choices import CLOSED_STATES, Department
from monitoring.models import DepartmentWarning, MonitoringCase

IMPORT_PERMISSION = "monitoring.add_departmentwarning"

#: Column → the header texts that name it (full-width brackets are normalised).
HEADERS = {
    "department": ("部门", "预警部门", "数据来源部门"),
    "kind": ("预警事项", "事项", "预警类型"),
    "event_on": ("事项日期", "日期", "发生日期"),
    "amount": ("金额", "涉及金额", "金额(元)"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "name": ("姓名",),
}
REQUIRED = ("department", "kind", "event_on", "id_number")
COLUMN_LABELS = {
    "department": gettext_lazy("部门"),
    "kind": gettext_lazy("预警事项"),
    "event_on": gettext_lazy("事项日期"),
    "amount": gettext_lazy("金额"),
    "id_number": gettext_lazy("身份证号"),
    "name": gettext_lazy("姓名"),
}

ERROR_HEADERS = gettext_lazy("缺少列:{columns}")
ERROR_ENCODING = gettext_lazy("文件不是UTF-8或GB18030编码的CSV文件")
ERROR_REQUIRED = gettext_lazy("未填写")
ERROR_DEPARTMENT = gettext_lazy("未知的部门“{value}”")
ERROR_DATE = gettext_lazy("日期“{value}”无效,应为2024-05-01的格式")
ERROR_AMOUNT = gettext_lazy("金额“{value}”无效")
ERROR_HAS_ERRORS = gettext_lazy("文件有{count}处问题,请修改后重新上传;未保存任何数据")
ERROR_EMPTY = gettext_lazy("文件中没有预警数据")
ERROR_TOO_LARGE = gettext_lazy("文件超过{limit}MB,请分批上传")
ERROR_NOT_CSV = gettext_lazy("只接受CSV文件(.csv);Excel中“另存为”CSV后再上传")
ERROR_TAMPERED = gettext_lazy("预览已失效,请重新上传文件")

#: The largest warning list accepted in one upload (a signed copy travels with the preview).
MAX_BYTES = 2 * 1024 * 1024

#: Match results.
MATCHED = "matched"
ALREADY_MONITORED = "monitored"
NOT_FOUND = "not_found"


@dataclass
class WarningRow:
    line: int
    department: str
    kind: str
    event_on: date
    amount: Decimal | None
    id_number: str
    name: str
    member: Member | None = None
    result: str = NOT_FOUND

    @property
    def masked_id_number(self) -> str:
        return household_rules.mask_id_number(self.id_number)


@dataclass
class Preview:
    rows: list[WarningRow] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # line, column, message

    def counts(self) -> dict[str, int]:
        counts = {MATCHED: 0, ALREADY_MONITORED: 0, NOT_FOUND: 0}
        for row in self.rows:
            counts[row.result] += 1
        return counts


def _header_key(text: str) -> str | None:
    text = "".join(str(text).split()).replace("(", "(").replace(")", ")")
    for key, names in HEADERS.items():
        if text in names:
            return key
    return None


def parse_csv(data: bytes) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """The rows of a warning list (``{column: text}`` with their ``line``) and header errors."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [(0, "", str(ERROR_ENCODING))]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    keys = [_header_key(cell) for cell in header]
    missing = [str(COLUMN_LABELS[k]) for k in REQUIRED if k not in keys]
    if missing:
        return [], [(1, "", ERROR_HEADERS.format(columns="、".join(missing)))]
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {"line": line}
        for key, cell in zip(keys, cells, strict=False):
            if key:
                row[key] = cell.strip()
        rows.append(row)
    return rows, []


def _department(value: str) -> str | None:
    if value in Department.values:
        return value
    for choice in Department:
        if value in (str(choice.label), str(choice.label).removesuffix("部门")):
            return choice.value
    return None


def preview(*, rows: list[dict], today: date, user) -> Preview:
    """Check every row, then match the file's ID numbers in bulk (two queries in all)."""
    result = Preview()
    for raw in rows:
        line, errors = raw["line"], []

        def error(key, message, line=line, errors=errors):
            errors.append((line, str(COLUMN_LABELS[key]), str(message)))

        for key in REQUIRED:
            if not raw.get(key):
                error(key, ERROR_REQUIRED)
        department = _department(raw.get("department", ""))
        if raw.get("department") and department is None:
            error("department", ERROR_DEPARTMENT.format(value=raw["department"][:20]))
        event_on = None
        if raw.get("event_on"):
            try:
                event_on = date.fromisoformat(raw["event_on"].replace("/", "-"))
            except ValueError:
                error("event_on", ERROR_DATE.format(value=raw["event_on"][:20]))
        amount = None
        if raw.get("amount"):
            try:
                amount = Decimal(raw["amount"].replace(",", "").removesuffix("元"))
                if amount < 0 or not amount.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                error("amount", ERROR_AMOUNT.format(value=raw["amount"][:20]))
        number = ""
        if raw.get("id_number"):
            try:
                number = household_rules.parse_id_number(raw["id_number"], today=today).number
            except household_rules.IdNumberError as exc:
                error("id_number", exc.message)
        if errors:
            result.errors.extend(errors)
            continue
        result.rows.append(
            WarningRow(
                line=line,
                department=department,
                kind=raw["kind"][:50],
                event_on=event_on,
                amount=amount.quantize(household_rules.CENT) if amount is not None else None,
                id_number=number,
                name=raw.get("name", "")[:50],
            )
        )
    _match(result.rows, user)
    return result


def _match(rows: list[WarningRow], user) -> None:
    """Each row's member among those ``user`` sees: a person of another town is
    "not found" here, as on every page."""
    numbers = {row.id_number for row in rows}
    present = Member.objects.filter(id_number__in=numbers, left_on__isnull=True)
    members = {
        m.id_number: m
        for m in filter_visible(present, user, via="household").select_related("household__village")
    }
    monitored = set(
        MonitoringCase.objects.exclude(state__in=CLOSED_STATES)
        .filter(household__in=[m.household_id for m in members.values()])
        .values_list("household_id", flat=True)
    )
    for row in rows:
        row.member = members.get(row.id_number)
        if row.member is None:
            row.result = NOT_FOUND
        elif row.member.household_id in monitored:
            row.result = ALREADY_MONITORED
        else:
            row.result = MATCHED


def warnings_import(*, data: Preview, user, received_on: date) -> list[DepartmentWarning]:
    """Save a checked list in one transaction with one audit entry; refused if it has errors."""
    if not (user.has_perm(IMPORT_PERMISSION) and sees_whole_registry(user)):
        raise PermissionDenied
    if data.errors:
        raise ValidationError(ERROR_HAS_ERRORS.format(count=len(data.errors)), code="errors")
    if not data.rows:
        raise ValidationError(ERROR_EMPTY, code="empty")
    warnings = [
        DepartmentWarning(
            department=row.department,
            kind=row.kind,
            event_on=row.event_on,
            amount=row.amount,
            id_number=row.id_number,
            name=row.name,
            member=row.member,
            received_on=received_on,
        )
        for row in data.rows
    ]
    with transaction.atomic():
        created = DepartmentWarning.objects.bulk_create(warnings)
        audit_record(
            action=AuditAction.IMPORT,
            user=user,
            object_type=DepartmentWarning._meta.label_lower,
            object_label=_("部门预警信息"),
            detail={"received_on": received_on, **data.counts()},
            count=len(created),
        )
    return created


# --------------------------------------------------------------------------
# The file between preview and confirmation
# --------------------------------------------------------------------------

_SALT = "monitoring.warnings.upload"


def read_upload(upload) -> bytes:
    """The bytes of an uploaded .csv, refused before reading when too large or not a CSV."""
    name = (upload.name or "").lower()
    if not name.endswith(".csv"):
        raise ValidationError({"file": ERROR_NOT_CSV})
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError({"file": ERROR_TOO_LARGE.format(limit=MAX_BYTES // (1024 * 1024))})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": ERROR_TOO_LARGE.format(limit=MAX_BYTES // (1024 * 1024))})
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise ValidationError({"file": ERROR_NOT_CSV})
    return data


def sign(data: bytes, user) -> str:
    """The previewed file, signed for this user: the confirmation saves exactly it."""
    payload = base64.b64encode(data).decode("ascii")
    return signing.dumps({"u": user.pk, "d": payload}, salt=_SALT, compress=True)


def unsign(token: str, user, *, max_age: int = 3600) -> bytes:
    try:
        value = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        raise ValidationError(ERROR_TAMPERED, code="tampered") from None
    if value.get("u") != user.pk:
        raise ValidationError(ERROR_TAMPERED, code="tampered")
    return base64.b64decode(value["d"])
