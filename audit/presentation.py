"""The audit trail as an auditor reads it: one sentence per entry.

An entry stores codes (``households.member``, ``update``, a JSON detail);
the page shows "修改 家庭成员 “王建国”" with the changed fields as
"身份证号:150927********0011 → 150927********0029" (read back from the
change history, ID numbers masked), the page or export named in Chinese,
filters by their labels — never a model path or a Python dict.

:func:`present` reads the change-history records of a page's entries in one
query per kind of record, so the page's query count does not grow with its
entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from households import history as household_history

#: Pages and exports named in entries' ``view``.
VIEW_NAMES = {
    "households:export": _("建档立卡户名单导出"),
    "ledger:export": _("台账导出"),
    "ledger:registry_export": _("全国扶贫开发信息系统格式导出"),
    "census:export": _("普查基础表导出"),
    "audit:export": _("审计记录导出"),
    "measures:summary": _("帮扶措施汇总"),
}

#: Keys of entries' details, and of the filters they record.
KEY_LABELS = {
    "view": _("页面"),
    "filter": _("筛选条件"),
    "on": _("查询日期"),
    "year": _("年度"),
    "village": _("行政村"),
    "group": _("村民小组"),
    "status": _("贫困状态"),
    "attribute": _("贫困户属性"),
    "dibao_class": _("低保类别"),
    "cause": _("致贫原因"),
    "check": _("脱贫标准检查"),
    "q": _("搜索"),
    "sort": _("排序"),
    "page": _("页码"),
    "ids": _("身份证号"),
    "full_ids": _("完整身份证号"),
    "households": _("户数"),
    "household": _("户编号"),
    "reason": _("原因"),
    "path": _("访问路径"),
    "action": _("操作"),
    "user": _("用户"),
    "username": _("用户名"),
    "before": _("早于"),
    "retention_days": _("保留天数"),
    "is_superuser": _("超级用户"),
    "is_staff": _("可进入管理后台"),
    "is_active": _("启用"),
    "flags": _("权限标志"),
    "programme": _("帮扶项目"),
    "rows": _("行数"),
    "ledger_import": _("台账导入"),
}
OPERATIONS = {"add": _("添加"), "remove": _("移除"), "clear": _("清空")}
RELATIONS = {"groups": _("角色(组)"), "user_permissions": _("权限"), "permissions": _("权限")}
SKIPPED_KEYS = {"history_id", "fields", "relation", "operation", "items"}


@dataclass
class Presented:
    entry: object
    model_name: str  # 家庭成员
    sentence: str  # 修改 家庭成员 “王建国”
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)
    lines: list[str] = field(default_factory=list)  # other details, as "键:值"


def model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def model_name(object_type: str) -> str:
    model = model_of(object_type) if object_type else None
    return str(model._meta.verbose_name) if model is not None else object_type


def value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{key_label(k)}:{value_text(v)}" for k, v in value.items())
    return str(value)


def key_label(key: str) -> str:
    return str(KEY_LABELS.get(key, key))


def _detail_lines(entry, model) -> list[str]:
    detail = entry.detail or {}
    lines = []
    if "relation" in detail:
        operation = OPERATIONS.get(detail.get("operation"), detail.get("operation", ""))
        relation = RELATIONS.get(detail["relation"], detail["relation"])
        lines.append(f"{operation}{relation}:{value_text(detail.get('items', []))}")
    for key, value in detail.items():
        if key in SKIPPED_KEYS:
            continue
        if key == "view":
            lines.append(f"{key_label(key)}:{VIEW_NAMES.get(value, value)}")
        elif key == "filter":
            shown = {k: v for k, v in (value or {}).items() if v not in ("", None)}
            text = value_text(shown) if shown else _("无")
            lines.append(f"{key_label(key)}:{text}")
        elif key == "full_ids":
            label, shown_as = _("身份证号"), _("完整") if value else _("脱敏")
            lines.append(f"{label}:{shown_as}")
        else:
            lines.append(f"{key_label(key)}:{value_text(value)}")
    return lines


def _field_labels(model, names) -> str:
    labels = []
    for name in names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except Exception:  # a field removed since: its name as recorded
            labels.append(name)
    return "、".join(labels)


def _history_changes(entries) -> dict[int, list[tuple[str, str, str]]]:
    """Entry id → the fields its history record changed, old → new."""
    wanted = defaultdict(dict)  # model → {history_id: entry id}
    objects = defaultdict(set)
    for entry in entries:
        history_id = (entry.detail or {}).get("history_id")
        model = model_of(entry.object_type) if entry.object_type else None
        if history_id and model is not None and entry.action == AuditAction.UPDATE:
            if not hasattr(model, "history"):
                continue  # a model without a change history
            history_model = household_history.history_model(model)
            wanted[history_model][int(history_id)] = entry.pk
            objects[history_model].add(entry.object_id)
    found = {}
    for history_model, by_history in wanted.items():
        model = history_model.instance_type
        fields = household_history._history_fields(model)
        records = history_model._default_manager.filter(id__in=objects[history_model]).order_by(
            "id", "history_date", "history_id"
        )
        previous = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            entry_id = by_history.get(record.history_id)
            if entry_id is None or before is None:
                continue
            found[entry_id] = [
                (
                    str(model._meta.get_field(f).verbose_name),
                    household_history._display(before, f),
                    household_history._display(record, f),
                )
                for f in fields
                if getattr(before, f) != getattr(record, f)
            ]
    return found


def present(entries) -> list[Presented]:
    """The entries of a page as sentences, in their order."""
    entries = list(entries)
    changes = _history_changes(entries)
    shown = []
    for entry in entries:
        model = model_of(entry.object_type) if entry.object_type else None
        name = model_name(entry.object_type)
        label = f"“{entry.object_label}”" if entry.object_label else ""
        sentence = " ".join(p for p in (str(entry.get_action_display()), name, label) if p)
        presented = Presented(entry=entry, model_name=name, sentence=sentence)
        presented.changes = changes.get(entry.pk, [])
        fields = (entry.detail or {}).get("fields")
        if fields and not presented.changes and model is not None:
            label = _("修改字段")
            presented.lines.append(f"{label}:{_field_labels(model, fields)}")
        presented.lines.extend(_detail_lines(entry, model))
        shown.append(presented)
    return shown
