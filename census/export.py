"""The census base table (普查基础表) as .xlsx: one row per member present on
the date, the household's columns repeated on each, as the census's data
handling asked for. Written with ``households.xlsx.write_workbook``, so text
never starts a formula. ID numbers are masked unless the caller reveals them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from census import quality, rules, selectors
from households import rules as hrules
from households.choices import PovertyStatus, Sex
from households.xlsx import write_workbook


@dataclass(frozen=True)
class BaseTable:
    content: bytes
    households: int
    rows: int


def _headers(on: date) -> list[str]:
    return [
        _("行政村"),
        _("村民小组"),
        _("户编号"),
        _("户主姓名"),
        _("贫困状态"),
        _("贫困户属性"),
        _("低保类别"),
        _("家庭人口"),
        _("%(year)s年人均纯收入(元)") % {"year": on.year},
        _("核查状态"),
        _("核查人"),
        _("核查日期"),
        _("审核人"),
        _("审核日期"),
        _("审核意见"),
        _("数据质量问题"),
        _("姓名"),
        _("身份证号"),
        _("性别"),
        _("出生日期"),
        _("与户主关系"),
        _("健康状况"),
        _("劳动技能"),
        _("在校生状况"),
        _("医疗保险"),
        _("享受低保"),
        _("享受特困供养"),
        _("死亡日期"),
    ]


def _account(user, staff) -> str:
    if staff is not None:
        return staff.name
    if user is not None:
        return user.get_full_name() or user.get_username()
    return ""


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def census_base_table(*, households, on: date, reveal_id_numbers: bool) -> BaseTable:
    """The base table of the registered households of ``households`` on ``on``.

    Three queries whatever the number of rows (households, members, the
    ID-number rule).
    """
    invalid = {i.household_id for i in quality.invalid_id_members(households, on=on)}
    members = selectors.base_table_members(households=households, on=on)
    counted = {"households": 0, "rows": 0}

    def rows():
        for h in selectors.base_table_households(households=households, on=on).iterator(
            chunk_size=1000
        ):
            counted["households"] += 1
            check = getattr(h, "census_check", None)
            codes = selectors.rule_codes_of(h, invalid)
            household = [
                h.village.name,
                h.group.name if h.group else "",
                h.number,
                h.head_name or "",
                PovertyStatus(h.status_on).label if h.status_on else "",
                h.get_attribute_display(),
                h.dibao_class,
                h.size_on,
                h.per_capita_income,
                check.get_status_display() if check else _("待核查"),
                _account(check.submitted_by, check.enumerator) if check else "",
                check.checked_on if check else None,
                _account(check.reviewed_by, check.reviewer) if check else "",
                check.reviewed_on if check else None,
                check.review_note if check else "",
                "、".join(f"{c} {rules.RULES[c].title}" for c in codes),
            ]
            people = members.get(h.pk) or [None]
            for m in people:
                counted["rows"] += 1
                if m is None:
                    yield [*household, *[""] * 11]
                    continue
                yield [
                    *household,
                    m.name,
                    m.id_number if reveal_id_numbers else hrules.mask_id_number(m.id_number),
                    Sex(m.sex).label if m.sex in Sex.values else "",
                    m.birth_date,
                    m.get_relation_display(),
                    m.get_health_display(),
                    m.get_labour_display(),
                    m.get_school_status_display(),
                    m.get_medical_insurance_display(),
                    _yes_no(m.on_dibao),
                    _yes_no(m.on_tekun),
                    m.deceased_on,
                ]

    content = write_workbook(title=_("普查基础表"), headers=_headers(on), rows=rows())
    return BaseTable(content=content, households=counted["households"], rows=counted["rows"])
