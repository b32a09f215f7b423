"""Cleaning one ledger cell: the value as read from Excel → the value to store.

Pure functions, no database. :func:`clean_cell` takes a column of
:mod:`households.ledger.columns` and a cell value as python-calamine returns
it (``str``, ``float``, ``int``, ``bool``, ``datetime.date``/``datetime``,
``time``, ``timedelta``; ``""`` or ``None`` for an empty cell) and returns
``(cleaned, None)`` or ``(None, message)``, the message in simplified Chinese
saying what is wrong and how to fix it.

What each kind accepts:

* TEXT: any value; whitespace runs (incl. the full-width space, line breaks)
  collapse to one space, zero-width characters go, an integral number read as
  ``13912345678.0`` becomes ``"13912345678"``. In the name columns a space
  between two Chinese characters (``"张  三"``, typed to align names) is
  removed. A number of 16 digits or more is an error: Excel kept only 15.
* ID_NUMBER: text, through :func:`households.rules.parse_id_number`; a
  number cell is always an error, never turned back into text.
* INTEGER / YEAR: ``3``, ``3.0``, ``"３"``, ``"3人"``, ``"2015年"``; a year
  from 2000 to 2100.
* MONEY: :class:`~decimal.Decimal` to the fen, never a float. Numbers are
  rounded half up to the fen (what Excel shows); text may carry ``元``,
  ``¥``, thousands separators, full-width digits, ``万``, but no more than two
  decimals. ``-``, ``—``, ``/``, ``无`` in a money cell mean 0.
* DATE: Excel dates, Excel serial numbers, ``2020.5`` (typed into a number
  cell as well as text), ``2020年5月``, ``2020-05-01``, ``2020/5/1``,
  ``20200501``; a month alone means its first day.
* BOOLEAN: 是/否, 有/无, √/×, Y/N, 1/0, TRUE/FALSE.
* CHOICE: the label, the stored value or one of ``column.choice_aliases``,
  compared without spaces, case or full-width differences.
* CHOICES: several choices separated by 、,,;;/ or spaces → a list of values.

``-``, ``—``, ``/`` (and ``无`` unless the kind gives it a meaning) count as
an empty cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from households import rules
from households.ledger import columns as cols
from households.ledger.columns import Column
from households.xlsx import FORMULA_TRIGGERS

Cleaned = tuple[Any, str | None]
Cleaner = Callable[[Any], Cleaned]

CENT = Decimal("0.01")
#: MONEY fields hold 14 digits, 2 of them decimals.
MAX_MONEY = Decimal("1000000000000")
YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)
#: Day 0 of Excel's 1900 date system, for serials from 61 (1900-03-01) on;
#: Excel counts a 29 February 1900 that never was.
EXCEL_EPOCH = date(1899, 12, 30)
#: Excel keeps 15 significant digits; an integer this large has lost some.
EXCEL_EXACT_LIMIT = 10**15

#: Columns holding a person's name: a space between two Chinese characters
#: is padding ("张  三"), not part of the name.
NAME_KEYS = frozenset({"name", "head_name"})

TEXT_ERROR_LONG_NUMBER = gettext_lazy(
    "“{value}”被Excel存成了数字,超过15位的数字后几位已经丢失,请将该列设置为文本后重新填写"
)
ID_ERROR_NUMBER_CELL = gettext_lazy(
    "身份证号被Excel存成了数字,请将该列设置为文本后重新填写18位号码"
)
ID_ERROR_NOT_TEXT = gettext_lazy("“{value}”不是身份证号,应为18位号码")
INTEGER_ERROR = gettext_lazy("“{value}”不是整数,{title}应填写整数,如3")
INTEGER_ERROR_NEGATIVE = gettext_lazy("{title}不能为负数(填写的是{value})")
YEAR_ERROR = gettext_lazy("“{value}”不是有效的年份,{title}应填写四位年份,如2015")
YEAR_ERROR_RANGE = gettext_lazy("年份{value}不在{low}至{high}之间,请核对")
MONEY_ERROR = gettext_lazy("“{value}”不是有效的金额,{title}应填写数字,如12181.50")
MONEY_ERROR_NEGATIVE = gettext_lazy("金额不能为负数(填写的是{value})")
MONEY_ERROR_PLACES = gettext_lazy("金额“{value}”超过两位小数,请保留到分(最多两位小数)")
MONEY_ERROR_TOO_LARGE = gettext_lazy("金额“{value}”过大,请核对")
DATE_ERROR = gettext_lazy(
    "“{value}”不是有效的日期,{title}请写成2020-05-01、2020.5或2020年5月1日的形式"
)
DATE_ERROR_MISSING = gettext_lazy("日期“{value}”不存在,请核对年月日")
DATE_ERROR_RANGE = gettext_lazy("日期{value}不在1900年至2100年之间,请核对")
DATE_ERROR_YEAR_ONLY = gettext_lazy("“{value}”只有年份,{title}请至少写到月份,如2020.5或2020年5月")
DATE_ERROR_AMBIGUOUS = gettext_lazy(
    "“{value}”被Excel存成了数字,分不清是1月还是10月,"
    "请写成“{year}年1月”或“{year}年10月”(或把该列设置为文本)"
)
BOOLEAN_ERROR = gettext_lazy("“{value}”无法识别,{title}应填写“是”或“否”")
CHOICE_ERROR = gettext_lazy("“{value}”不是有效的{title},应为:{labels}")

# Zero-width space / non-joiner / joiner, word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "\\", "无"})
_EMPTY = _PLACEHOLDERS | {""}

_INTEGER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_INTEGER_SUFFIXES = ("年度", "年", "人", "户", "口", "个")
_MONEY = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_MONEY_PREFIXES = ("人民币", "RMB", "¥")
_MONEY_SUFFIXES = ("元整", "元")
_TIME_SUFFIX = re.compile(r"[T\s]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")
_DATE_PARTS = re.compile(
    r"([0-9]{4})[年./-]([0-9]{1,2})(?:月|(?:[月./-]([0-9]{1,2})[日号]?))?[./-]?"
)
_DATE_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})?")
_YEAR_ONLY = re.compile(r"[0-9]{4}年?")
_CHOICES_SEPARATORS = re.compile(r"[、,;/\s]+")

_TRUE = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "是的", "对", "享受"})
_FALSE = frozenset(
    {"否", "无", "×", "✗", "✘", "x", "n", "no", "false", "0", "不是", "没有", "不享受"}
)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """``text`` without any whitespace or zero-width character, NFKC-folded:
    full-width digits, letters, commas, dots and brackets become ASCII."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return "".join(text.split())


def _shown(value) -> str:
    """A cell value as the user typed it, for messages."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        return value.strip()
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _error(message, value, column: Column, **params) -> Cleaned:
    return None, str(message).format(value=_shown(value), title=column.title, **params)


# --------------------------------------------------------------------------
# One cleaner per kind
# --------------------------------------------------------------------------


NEUTRALISED_TRIGGERS = tuple(t for t in FORMULA_TRIGGERS if not t.isspace())


def _text_cleaner(column: Column) -> Cleaner:
    compact = column.key in NAME_KEYS

    def clean(value) -> Cleaned:
        kind = type(value)
        if kind is str:
            if value.isascii():
                text = " ".join(value.split())
            else:
                text = " ".join(value.translate(_INVISIBLE).split())
                if compact and " " in text:
                    text = _CJK_GAP.sub("", text)
            if not text:
                return None, None
            if text[0] == "'" and text[1:2] in NEUTRALISED_TRIGGERS and text[1:2]:
                # Our exports put an apostrophe before text that a spreadsheet
                # would take for a formula (households.xlsx.neutralise): the
                # value is the text after it.
                return text[1:], None
            # Unchanged: the same string object, one copy in memory.
            return (value if text == value else text), None
        if value is None:
            return None, None
        if kind is float:
            if value.is_integer():
                if abs(value) >= EXCEL_EXACT_LIMIT:
                    return _error(TEXT_ERROR_LONG_NUMBER, value, column)
                return str(int(value)), None
            return format(value, ".15g"), None
        if kind is bool:
            return ("是" if value else "否"), None
        if kind is int:
            return str(value), None
        if isinstance(value, datetime):
            return _shown(value), None
        if isinstance(value, date | time):
            return value.isoformat(), None
        return str(value), None

    return clean


class MaskedIdNumber(str):
    """An ID number as our masked exports write it (``150927********0476``):
    the planner matches it to a registered member by its visible characters
    and the name, or reports it (it is never stored)."""

    def matches(self, number: str) -> bool:
        return len(number) == len(self) and all(
            shown == "*" or shown == actual for shown, actual in zip(self, number, strict=True)
        )


_MASKED_ID = re.compile(r"[0-9X*]{18}")


def _id_number_cleaner(column: Column, today: date | None) -> Cleaner:
    def clean(value) -> Cleaned:
        if type(value) is str:
            if "*" in value:
                masked = _normalise(value).upper()
                if _MASKED_ID.fullmatch(masked) and masked.strip("*"):
                    return MaskedIdNumber(masked), None
            try:
                info = rules.parse_id_number(value, today=today)
            except rules.IdNumberError as error:
                if error.code == "empty" or _normalise(value) in _PLACEHOLDERS:
                    return None, None
                return None, error.message
            number = info.number
            return (value if number == value else number), None
        if value is None:
            return None, None
        if _is_number(value):
            # Never guess: the number is not what was typed (Excel rounds to
            # 15 significant digits, and drops a trailing X altogether).
            if abs(value) >= EXCEL_EXACT_LIMIT:
                return None, str(rules.ID_ERROR_SCIENTIFIC)
            return None, str(ID_ERROR_NUMBER_CELL)
        return _error(ID_ERROR_NOT_TEXT, value, column)

    return clean


def _parse_integer(value) -> int | None:
    """``value`` as an int, or ``None`` if it is not one (bool is not)."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return int(value) if value.is_integer() else None
    if kind is str:
        text = _normalise(value).replace(",", "")
        for suffix in _INTEGER_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        if _INTEGER.fullmatch(text):
            return int(text.partition(".")[0])
    return None


def _integer_cleaner(column: Column) -> Cleaner:
    def clean(value) -> Cleaned:
        if type(value) is float and value.is_integer():
            number = int(value)
        else:
            if value is None or (type(value) is str and _normalise(value) in _EMPTY):
                return None, None
            number = _parse_integer(value)
            if number is None:
                return _error(INTEGER_ERROR, value, column)
        if number < 0:
            return _error(INTEGER_ERROR_NEGATIVE, value, column)
        return number, None

    return clean


def _year_cleaner(column: Column) -> Cleaner:
    def clean(value) -> Cleaned:
        if value is None or (type(value) is str and _normalise(value) in _EMPTY):
            return None, None
        if isinstance(value, date):
            if isinstance(value, datetime):
                value = value.date()
            serial = (value - EXCEL_EPOCH).days
            # 2015 typed into a date-formatted cell reads as 1905-07-07.
            year = serial if YEAR_MIN <= serial <= YEAR_MAX else value.year
        else:
            year = _parse_integer(value)
            if year is None:
                return _error(YEAR_ERROR, value, column)
        if not YEAR_MIN <= year <= YEAR_MAX:
            return _error(YEAR_ERROR_RANGE, year, column, low=YEAR_MIN, high=YEAR_MAX)
        return year, None

    return clean


def _money_from_text(text: str, value, column: Column) -> Cleaned:
    text = _normalise(text)
    if text in _PLACEHOLDERS:
        return Decimal("0.00"), None
    for prefix in _MONEY_PREFIXES:
        text = text.removeprefix(prefix)
    for suffix in _MONEY_SUFFIXES:
        text = text.removesuffix(suffix)
    multiplier = 1
    if text.endswith("万"):
        text, multiplier = text[:-1], 10000
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            return _error(MONEY_ERROR, value, column)
        text = text.replace(",", "")
    match = _MONEY.fullmatch(text)
    if not match or not (match[2] or match[3]):
        return _error(MONEY_ERROR, value, column)
    sign, whole, fraction = match[1], match[2] or "0", (match[3] or "").rstrip("0")
    amount = Decimal(f"{whole}.{fraction or '0'}") * multiplier
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        return _error(MONEY_ERROR_PLACES, value, column)
    if sign == "-" and amount:
        return _error(MONEY_ERROR_NEGATIVE, value, column)
    return _money_checked(amount, value, column)


def _money_checked(amount: Decimal, value, column: Column) -> Cleaned:
    if amount >= MAX_MONEY:
        return _error(MONEY_ERROR_TOO_LARGE, value, column)
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        return _error(MONEY_ERROR_NEGATIVE, value, column)
    return amount + 0, None  # + 0 turns -0.00 into 0.00


def _money_cleaner(column: Column) -> Cleaner:
    def clean(value) -> Cleaned:
        kind = type(value)
        if kind is float:
            # repr is the shortest text that reads back as the same double:
            # 12181.5 → "12181.5", not 12181.499999999998…
            return _money_checked(Decimal(repr(value)), value, column)
        if kind is int:
            return _money_checked(Decimal(value), value, column)
        if kind is str:
            if not value.strip():
                return None, None
            return _money_from_text(value, value, column)
        if value is None:
            return None, None
        if isinstance(value, Decimal):
            return _money_checked(value, value, column)
        return _error(MONEY_ERROR, value, column)

    return clean


def _date_or_error(year: int, month: int, day: int, value, column: Column) -> Cleaned:
    try:
        result = date(year, month, day)
    except ValueError:
        return _error(DATE_ERROR_MISSING, value, column)
    if not DATE_MIN <= result <= DATE_MAX:
        return _error(DATE_ERROR_RANGE, value, column)
    return result, None


def _date_from_number(number: float, value, column: Column) -> Cleaned:
    if number.is_integer() and 19000101 <= number <= 21001231:  # 20200501
        digits = str(int(number))
        return _date_or_error(int(digits[:4]), int(digits[4:6]), int(digits[6:]), value, column)
    if 1900 <= number < 2101:  # 2020.5 typed into a number cell
        whole, _, fraction = repr(number).partition(".")
        if number.is_integer():
            return _error(DATE_ERROR_YEAR_ONLY, value, column)
        if fraction == "1":
            return _error(DATE_ERROR_AMBIGUOUS, value, column, year=whole)
        if len(fraction) > 2:
            return _error(DATE_ERROR, value, column)
        return _date_or_error(int(whole), int(fraction), 1, value, column)
    serial_max = (DATE_MAX - EXCEL_EPOCH).days
    if 2101 <= number <= serial_max:  # an Excel serial without a date format
        return EXCEL_EPOCH + timedelta(days=int(number)), None
    return _error(DATE_ERROR, value, column)


def _date_from_text(text: str, column: Column) -> Cleaned:
    normal = text.strip()
    if not normal.isascii():
        normal = unicodedata.normalize("NFKC", normal.translate(_INVISIBLE))
    normal = "".join(_TIME_SUFFIX.sub("", normal).split())
    if not normal or normal in _PLACEHOLDERS:
        return None, None
    match = _DATE_PARTS.fullmatch(normal) or _DATE_DIGITS.fullmatch(normal)
    if match:
        year, month, day = match[1], match[2], match[3]
        return _date_or_error(int(year), int(month), int(day or 1), text, column)
    if _YEAR_ONLY.fullmatch(normal):
        return _error(DATE_ERROR_YEAR_ONLY, text, column)
    return _error(DATE_ERROR, text, column)


def _date_cleaner(column: Column) -> Cleaner:
    def clean(value) -> Cleaned:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            if not DATE_MIN <= value <= DATE_MAX:
                return _error(DATE_ERROR_RANGE, value, column)
            return value, None
        if type(value) is str:
            return _date_from_text(value, column)
        if value is None:
            return None, None
        if _is_number(value):
            return _date_from_number(float(value), value, column)
        return _error(DATE_ERROR, value, column)

    return clean


def _boolean_cleaner(column: Column) -> Cleaner:
    def clean(value) -> Cleaned:
        if type(value) is bool:
            return value, None
        if value is None:
            return None, None
        if _is_number(value) and value in (0, 1):
            return bool(value), None
        if type(value) is str:
            text = _normalise(value).casefold()
            if not text:
                return None, None
            if text in _TRUE:
                return True, None
            if text in _FALSE:
                return False, None
            if text in _PLACEHOLDERS:
                return None, None
        return _error(BOOLEAN_ERROR, value, column)

    return clean


def _choice_key(value) -> str:
    if _is_number(value) and float(value).is_integer():
        value = int(value)
    return _normalise(str(value)).casefold()


_LOOKUPS: dict[int, tuple[Column, dict[str, str]]] = {}


def choice_lookup(column: Column) -> dict[str, str]:
    """Normalised label, value or alias → stored value, for a CHOICE column."""
    cached = _LOOKUPS.get(id(column))
    if cached is not None and cached[0] is column:
        return cached[1]
    lookup: dict[str, str] = {}
    for value, label in column.choices:
        lookup[_choice_key(value)] = value
        lookup[_choice_key(label)] = value
    for alias, value in column.choice_aliases.items():
        lookup[_choice_key(alias)] = value
    _LOOKUPS[id(column)] = (column, lookup)  # keeps the column alive: ids stay unique
    return lookup


def _choice_error(value, column: Column) -> Cleaned:
    labels = "、".join(label for _, label in column.choices)
    return _error(CHOICE_ERROR, value, column, labels=labels)


def _choice_cleaner(column: Column) -> Cleaner:
    lookup = choice_lookup(column)

    def clean(value) -> Cleaned:
        if value is None:
            return None, None
        key = _choice_key(value)
        found = lookup.get(key)
        if found is not None:
            return found, None
        if not key or key in _PLACEHOLDERS:
            return None, None
        return _choice_error(value, column)

    return clean


def _choices_cleaner(column: Column) -> Cleaner:
    lookup = choice_lookup(column)

    def clean(value) -> Cleaned:
        if value is None:
            return None, None
        whole = lookup.get(_choice_key(value))
        if whole is not None:
            return [whole], None
        text = value if isinstance(value, str) else _shown(value)
        if not isinstance(value, str) or not text.isascii():
            text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
        found: list[str] = []
        bad: list[str] = []
        for part in _CHOICES_SEPARATORS.split(text):
            if not part or part in _PLACEHOLDERS:
                continue
            choice = lookup.get(_choice_key(part))
            if choice is None:
                bad.append(part)
            elif choice not in found:
                found.append(choice)
        if bad:
            return _choice_error("、".join(bad), column)
        return (found or None), None

    return clean


def cleaner_for(column: Column, *, today: date | None = None) -> Cleaner:
    """The cleaning function of ``column``'s kind, with its lookups prepared.

    The reader builds these once per file; ``today`` bounds birth dates in ID
    numbers (default: :meth:`date.today`).
    """
    kind = column.kind
    if kind == cols.TEXT:
        return _text_cleaner(column)
    if kind == cols.ID_NUMBER:
        return _id_number_cleaner(column, today)
    if kind == cols.INTEGER:
        return _integer_cleaner(column)
    if kind == cols.YEAR:
        return _year_cleaner(column)
    if kind == cols.MONEY:
        return _money_cleaner(column)
    if kind == cols.DATE:
        return _date_cleaner(column)
    if kind == cols.BOOLEAN:
        return _boolean_cleaner(column)
    if kind == cols.CHOICE:
        return _choice_cleaner(column)
    if kind == cols.CHOICES:
        return _choices_cleaner(column)
    raise ValueError(f"unknown column kind {kind!r} of column {column.key!r}")


def clean_cell(column: Column, value, *, today: date | None = None) -> Cleaned:
    """Clean one cell of ``column``: ``(value, None)`` or ``(None, message)``.

    An empty cell (``None``, ``""``, only spaces, or a placeholder such as
    ``-`` or ``/``) is ``(None, None)``, except in a money column where a
    placeholder means 0. Whether a value is required is not checked here.
    """
    if value is None or (type(value) is str and value == ""):
        return None, None
    return cleaner_for(column, today=today)(value)
