"""What village ledgers write, and what it means: one table of variants.

Village staff write the same column and the same value in many ways. Every
variant the importer understands is listed here (and tested one by one in
tests/households/ledger/test_variants.py), so that adding one is a line here:

* :data:`HEADER_VARIANTS`: further titles of a column, beside those of
  :mod:`households.ledger.columns` (headers are compared after
  :func:`normalise_header`: full-width/half-width, brackets, spaces, a unit);
* :func:`group_number`: a villager group written 一组, 1组, 第一组, 一社,
  第1村民小组… is the group of that number;
* :data:`SCHOOL_LEVELS`: a school level written in the 在校生状况 column
  (小学, 初中…) means "in school, at that level".
"""

from __future__ import annotations

import re
import unicodedata

#: Column key → titles villages use for it, beyond those of ``columns.COLUMNS``.
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "serial": ("序号", "户序号", "序", "编号"),
    "group": ("组别", "所在组", "村民小组名称", "所属组", "社别", "组名"),
    "village": ("所属行政村", "村别"),
    "head_name": ("户主名", "户主姓名(户主)"),
    "name": ("成员名", "人员姓名", "家庭成员"),
    "id_number": ("身份证件号码", "证件号", "身份证号码(18位)"),
    "relation": ("与户主关系(称谓)", "家庭关系"),
    "size": ("家庭人数", "户籍人口", "家庭成员数", "人口(人)"),
    "per_capita_income": ("人均纯收入(元/人)", "家庭人均收入", "年人均纯收入"),
    "wage_income": ("工资性收入合计", "务工工资收入"),
    "school_status": ("在校生情况(学段)", "在校状况", "就学情况"),
    "education_level": ("文化程度(学历)", "学历"),
}

#: A value of the 在校生状况 column that is a school level: in school, at that level.
SCHOOL_LEVELS: dict[str, str] = {
    "学前": "preschool",
    "学龄前": "preschool",
    "幼儿园": "preschool",
    "小学": "primary",
    "在读小学": "primary",
    "初中": "junior",
    "在读初中": "junior",
    "高中": "senior",
    "普通高中": "senior",
    "中职": "vocational",
    "中专": "vocational",
    "职高": "vocational",
    "大专": "college",
    "大学": "college",
    "本科": "college",
    "大专及以上": "college",
}

#: Other words for "in school" in the 在校生状况 column.
SCHOOL_STATUS_VARIANTS: dict[str, str] = {
    "在读": "in_school",
    "在校生": "in_school",
    "非在校": "not_student",
    "不在校": "not_student",
    "无": "not_student",
    "失学": "dropped_out",
    "辍学": "dropped_out",
    "送教": "home_taught",
}

_BRACKETS = re.compile(r"[(\[【<《{][^)\]】>》}]*[)\]】>》}]")
_IGNORED = re.compile(r"[\s*※:;,.、·'\"“”‘’_\-—/\\]+")


def normalise_header(text) -> str:
    """A header cell as compared: full-width → half-width (NFKC), no spaces,
    line breaks or punctuation, no bracketed unit or note ("(元)", "【单选】").

    "人均纯收入（元）", "人均纯收入(元)" and "人均 纯收入" all become "人均纯收入".
    """
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = text.replace("\u3000", " ")
    without = _BRACKETS.sub("", text)
    if _IGNORED.sub("", without):  # a title that is not only a bracket
        text = without
    return _IGNORED.sub("", text)


def header_variants() -> dict[str, str]:
    """Normalised title → key for every variant of :data:`HEADER_VARIANTS`."""
    return {
        normalise_header(title): key for key, titles in HEADER_VARIANTS.items() for title in titles
    }


_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_GROUP = re.compile(
    r"^(?:第)?(?P<n>[0-9]+|[零〇一二两三四五六七八九十]+)"
    r"(?:村民小组|村民组|小组|组|社|队|生产队)?$"
)


def _chinese_number(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十三 → 23 (up to 99)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        if len(text) != 1:
            return None
        return _CHINESE_DIGITS.get(text)
    tens, _, ones = text.partition("十")
    if "十" in ones:
        return None
    high = _CHINESE_DIGITS.get(tens) if tens else 1
    low = _CHINESE_DIGITS.get(ones) if ones else 0
    if high is None or low is None:
        return None
    return high * 10 + low


def group_number(text) -> int | None:
    """The number of a villager group as villages write it, or ``None``.

    一组, 1组, 第一组, 一社, 第1村民小组, "1" and 1 are group 1; 十二组 is 12.
    A name that is not a number ("东队", "下沙盖") is ``None``.
    """
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return int(text) if float(text).is_integer() and text > 0 else None
    normal = _IGNORED.sub("", unicodedata.normalize("NFKC", str(text)))
    match = _GROUP.match(normal)
    if match is None:
        return None
    number = _chinese_number(match["n"])
    return number if number else None
