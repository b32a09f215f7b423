"""The household domain's rules, as pure functions over plain values.

This module is the one place where the rules of the poverty-alleviation work
are written down:

* resident ID numbers (GB 11643-1999): normalising, validating, masking,
  reading birth date and sex off them;
* income: net income from its components, per-capita income, the margin over
  the poverty line, projected income once planned measures land;
* poverty incidence (贫困发生率) and the village exit threshold;
* the national registry's household attribute codes (01–08).

The lifting-out standard, which reads these facts, is ``assessment.rules``.

Nothing here touches the database or imports a model: selectors gather the
facts (as of a date) into the plain dataclasses below, services and views call
these functions, so a per-household page, a dashboard and an Excel export can
never apply two different versions of a rule. Thresholds that policy sets (the
poverty line of a year, the exit threshold of a province) are *arguments*,
never constants here: they are data an administrator edits.

Money is always :class:`~decimal.Decimal` (floats are refused). Messages are
simplified Chinese through ``gettext`` so the words can be reviewed in one
place; the message constants are reused by the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import numdb

from households.choices import (
    LIFTED_STATUSES,
    HouseholdAttribute,
    PovertyStatus,
    Sex,
)

CENT = Decimal("0.01")

# --------------------------------------------------------------------------
# Resident ID numbers (GB 11643-1999)
# --------------------------------------------------------------------------

ID_NUMBER_LENGTH = 18
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
#: No resident alive or recently deceased was born before this date.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

ID_ERROR_EMPTY = gettext_lazy("未填写身份证号")
ID_ERROR_LENGTH = gettext_lazy("身份证号应为18位,实际为{length}位")
ID_ERROR_CHARS = gettext_lazy("身份证号格式错误:前17位必须是数字,第18位为数字或X")
ID_ERROR_SCIENTIFIC = gettext_lazy(
    "身份证号被Excel存成了数字(科学计数法),后几位已经丢失,请将该列设置为文本后重新填写"
)
ID_ERROR_BIRTH_DATE = gettext_lazy("身份证号中的出生日期{value}无效")
ID_ERROR_FUTURE_BIRTH = gettext_lazy("身份证号中的出生日期{value}晚于今天,请核对")
ID_ERROR_CHECK_DIGIT = gettext_lazy("身份证号校验位错误:应为{expected},实际为{actual},请核对号码")
ID_ERROR_REGION = gettext_lazy("身份证号前6位“{code}”不是任何时期的县级行政区划代码,请核对号码")
ID_NOTE_REGION_YEAR = gettext_lazy(
    "身份证号前6位“{code}”({county})在出生年份{year}年不是现行代码;"
    "号码是登记时按当时的代码编制的,仅作提示"
)

# Characters that are not whitespace to ``str.split`` but arrive with pasted
# text: zero-width space / non-joiner / joiner, word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Full-width digits and X (as typed with a Chinese input method) to ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
# What a spreadsheet number looks like once turned into text: "1.52627E+17",
# "152627198001011000.0". Such a number kept only 15 significant digits.
_NUMBER_PATTERN = re.compile(r"[0-9]+(?:\.[0-9]*)?E\+?[0-9]+|[0-9]+\.[0-9]*")


class IdNumberError(ValueError):
    """An ID number that cannot be right; ``code`` says why, the message how to fix it.

    ``params`` holds the values interpolated into the message (e.g. the
    expected check digit), for an importer that builds its own report.
    """

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid ID number says about its holder."""

    number: str  # normalised, 18 characters, upper-case X
    region_code: str  # 6-digit administrative division code at issue
    birth_date: date
    sex: Sex


def normalize_id_number(raw: str) -> str:
    """Return ``raw`` without any whitespace, with full-width digits/X made ASCII.

    Removes every kind of whitespace anywhere in the value (spaces between
    digit groups, the full-width space U+3000, tabs, non-breaking spaces) and
    zero-width characters, converts ``０``–``９``, ``Ｘ``, ``ｘ`` to ASCII and
    upper-cases the result (``x`` → ``X``). It does not validate.

    Only ``str`` is accepted: a number (``int``/``float``) read from a
    spreadsheet cell has already lost digits, so turning it back into text
    would only hide the loss. Raises :class:`TypeError` for anything else; an
    importer should report a numeric cell with :data:`ID_ERROR_SCIENTIFIC`.
    """
    if not isinstance(raw, str):
        raise TypeError(f"ID number must be a str, not {type(raw).__name__}")
    text = "".join(raw.split()).translate(_INVISIBLE)
    return text.translate(_FULL_WIDTH).upper()


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for 17 ASCII digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(map(mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def _looks_like_spreadsheet_number(number: str) -> bool:
    return bool(_NUMBER_PATTERN.fullmatch(number))


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumberInfo:
    """Normalise and validate an ID number; return what it says about its holder.

    Checks, in this order: not a spreadsheet number (scientific notation or a
    decimal point), 18 characters, 17 digits then a digit or ``X``, a real
    birth date from 1900 up to ``today``, the check digit, and a region code
    that was a county-level code at some time (:func:`id_region`). Raises
    :class:`IdNumberError` with the first problem found.

    ``today`` defaults to :meth:`date.today`; callers inside Django should
    pass ``timezone.localdate()``.
    """
    number = normalize_id_number(raw)
    if not number:
        raise IdNumberError("empty", str(ID_ERROR_EMPTY))
    if _looks_like_spreadsheet_number(number):
        raise IdNumberError("scientific", str(ID_ERROR_SCIENTIFIC))
    if len(number) != ID_NUMBER_LENGTH:
        raise IdNumberError(
            "length", ID_ERROR_LENGTH.format(length=len(number)), length=len(number)
        )
    if not _ID_PATTERN.fullmatch(number):
        raise IdNumberError("chars", str(ID_ERROR_CHARS))

    digits = number[6:14]
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth_date = None
    if birth_date is None or birth_date < EARLIEST_BIRTH_DATE:
        raise IdNumberError("birth_date", ID_ERROR_BIRTH_DATE.format(value=digits), value=digits)
    if birth_date > (today or date.today()):
        raise IdNumberError(
            "future_birth", ID_ERROR_FUTURE_BIRTH.format(value=digits), value=digits
        )

    expected, actual = id_check_digit(number[:17]), number[17]
    if actual != expected:
        if number.endswith("000"):
            # Excel keeps 15 significant digits: a number typed into a
            # numeric cell and shown without exponent ends in "000".
            raise IdNumberError("scientific", str(ID_ERROR_SCIENTIFIC))
        raise IdNumberError(
            "check_digit",
            ID_ERROR_CHECK_DIGIT.format(expected=expected, actual=actual),
            expected=expected,
            actual=actual,
        )

    if id_region(number) is None:
        raise IdNumberError("region", ID_ERROR_REGION.format(code=number[:6]), region=number[:6])

    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return IdNumberInfo(number=number, region_code=number[:6], birth_date=birth_date, sex=sex)


@dataclass(frozen=True)
class IdRegion:
    """The administrative division (GB/T 2260) of an ID number's first six digits.

    ``counties`` holds every name the code has had, each with the years it
    was in force (``None`` = open), as python-stdnum's bundled county data
    records them: 150927 is 察哈尔右翼中旗 from 2003 on (152627 before).
    """

    code: str
    province: str
    counties: tuple[tuple[int | None, int | None, str], ...]

    def in_force(self, year: int) -> bool:
        """Whether one of the code's names was in force in ``year``."""
        return any(
            (start is None or year >= start) and (end is None or year <= end)
            for start, end, _name in self.counties
        )

    @property
    def name(self) -> str:
        """The latest name, with the province: "内蒙古自治区察哈尔右翼中旗"."""
        county = self.counties[-1][2] if self.counties else ""
        return self.province + county if county != self.province else county


_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


def id_region(code: str) -> IdRegion | None:
    """The division of ``code`` (an ID number or its first six digits): see
    :func:`_region_of`, cached by the six digits (not by the whole number)."""
    return _region_of(code[:6])


@lru_cache(maxsize=8192)
def _region_of(code: str) -> IdRegion | None:
    """The division of ``code`` (an ID number or its first six digits), or
    ``None`` if the code was never a county-level code.

    Uses python-stdnum's county table (``stdnum.cn.loc``, the history of GB/T
    2260), the table ``stdnum.cn.ric`` checks against. Unlike
    ``ric.validate``, a code is *not* refused because it was not in force in
    the birth year: a number is assigned at registration, often years after
    birth (150927 exists only since 2003, yet people of this county born in
    the 1950s carry it). :func:`id_region_note` says so, as a note.
    """
    code = code[:6]
    if len(code) != 6 or not code.isdigit():
        return None
    province, counties = "", []
    for _part, props in numdb.get("cn/loc").info(code):
        province = props.get("province", province)
        for entry in props.get("county", "").split(","):
            if not entry:
                continue
            match = _PERIOD.match(entry)
            if match is None:
                counties.append((None, None, entry))
            else:
                start, end, name = match.groups()
                counties.append((int(start) if start else None, int(end) if end else None, name))
    if not counties:
        return None
    return IdRegion(code=code, province=province, counties=tuple(counties))


def id_region_note(number: str) -> str:
    """A note (never an error) when the region code of a valid ``number`` was
    not in force in its holder's birth year; ``""`` otherwise."""
    region = id_region(number)
    if region is None or len(number) < 14 or not number[6:10].isdigit():
        return ""
    year = int(number[6:10])
    if region.in_force(year):
        return ""
    return ID_NOTE_REGION_YEAR.format(code=region.code, county=region.name, year=year)


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    """Whether :func:`parse_id_number` accepts ``raw`` (``False`` for non-strings)."""
    try:
        parse_id_number(raw, today=today)
    except (IdNumberError, TypeError):
        return False
    return True


def mask_id_number(value: str) -> str:
    """Hide an ID number for lists and exports: ``152627********1234``.

    For 18 characters: the first 6 (region) and last 4 stay visible, the 8
    in between (the birth date) become ``*``. Shorter values (stored before
    validation, or wrong) never show the birth-date positions: under 10
    characters everything is masked, from 10 to 17 only the first 6 stay.
    Longer values keep the first 6 and last 4. The length is kept; ``""``
    stays ``""``.
    """
    if not value:
        return ""
    length = len(value)
    if length < 10:
        return "*" * length
    if length < ID_NUMBER_LENGTH:
        return value[:6] + "*" * (length - 6)
    return value[:6] + "*" * (length - 10) + value[-4:]


#: 18 characters of a Chinese ID number (17 digits and a digit or X), wherever
#: they stand: inside a longer run of digits too, so nothing slips through.
#: Full-width digits count as digits.
ID_NUMBER_PATTERN = re.compile(r"[0-9０-９]{17}[0-9０-９XxＸｘ]")
#: What people (and their clipboards) put between the digits of a number they
#: type or paste: spaces of every width, zero-width characters, dashes, dots.
_SEPARATOR = "[\\s\u00a0\u200b-\u200f\u2028-\u202f\u2060-\u2064\u3000\ufeff\\-_.·]"
#: An ID number with such characters between its digits (at most two between
#: any two of them).
SEPARATED_ID_NUMBER = re.compile(rf"(?:[0-9０-９]{_SEPARATOR}{{0,2}}){{17}}[0-9０-９XxＸｘ]")
_DIGITS = re.compile(r"[0-9０-９]")


def _plausible_birth_date(digits: str) -> bool:
    """Whether characters 7–14 of a normalised number read as a birth date."""
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    return 1880 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID number in it masked (``150927********0476``).

    A number written as one run of 18 characters is always masked. A number
    broken up by spaces, zero-width characters or dashes (``150927 19620816
    0476``, as a search box receives it) is masked once normalised, when its
    middle reads as a birth date, so that a household number followed by a
    year is left alone. The mask is taken of the normalised number.
    """
    text = ID_NUMBER_PATTERN.sub(lambda m: mask_id_number(normalize_id_number(m.group(0))), text)
    if len(_DIGITS.findall(text)) < 17:
        return text
    out, pos = [], 0
    while pos < len(text):
        match = SEPARATED_ID_NUMBER.match(text, pos) if _DIGITS.match(text, pos) else None
        if match:
            number = re.sub(_SEPARATOR, "", normalize_id_number(match.group(0)))
            if _plausible_birth_date(number):
                out.append(mask_id_number(number))
                pos = match.end()
                continue
        out.append(text[pos])
        pos += 1
    return "".join(out)


def age_on(birth_date: date, on: date) -> int:
    """Age in full years (周岁) on ``on``.

    Someone born on 29 February becomes a year older on 1 March in a common
    year. Raises :class:`ValueError` if ``on`` is before the birth.
    """
    if on < birth_date:
        raise ValueError(f"{on} is before the birth date {birth_date}")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def years_before(on: date, years: int) -> date:
    """The last birth date of someone at least ``years`` old on ``on``.

    Age ≥ k on ``on`` ⇔ birth date ≤ ``years_before(on, k)``. For ``on`` a
    29 February whose year minus k is a common year that is 28 February: a
    person born on 1 March of that year is not yet k (``age_on``).
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February → a common year
        return on.replace(year=on.year - years, day=28)


# --------------------------------------------------------------------------
# Income
# --------------------------------------------------------------------------


def _money(value, name: str = "amount") -> Decimal:
    """``value`` as a Decimal; ints are exact and accepted, floats never."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")


def format_yuan(amount: Decimal) -> str:
    """``Decimal("12181.5")`` → ``"12,181.50元"`` (two decimals, half up)."""
    quantized = _money(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    return _("{amount}元").format(amount=f"{quantized:,.2f}")


@dataclass(frozen=True)
class IncomeComponents:
    """A household's yearly income by component (yuan).

    ``transfer_income`` is the sum of the transfer items (低保金, 特困供养金,
    pensions, subsidies, relief…), added up by the caller.
    """

    wage: Decimal
    production_income: Decimal  # gross 生产经营性收入
    production_cost: Decimal
    property_income: Decimal
    transfer_income: Decimal

    def __post_init__(self):
        for field in fields(self):
            object.__setattr__(self, field.name, _money(getattr(self, field.name), field.name))

    @property
    def production_net(self) -> Decimal:
        """Net production/business income: gross income less its costs."""
        return self.production_income - self.production_cost

    @property
    def net_income(self) -> Decimal:
        """家庭纯收入 = 工资性 + 生产经营性净收入 + 财产性 + 转移性."""
        return self.wage + self.production_net + self.property_income + self.transfer_income


def net_income(components: IncomeComponents) -> Decimal:
    """Same as ``components.net_income``."""
    return components.net_income


def per_capita_income(net_income: Decimal, household_size: int) -> Decimal | None:
    """人均纯收入: ``net_income ÷ household_size`` to the fen, half up.

    ``None`` when the household has no members (size ≤ 0).
    """
    amount = _money(net_income, "net_income")
    if household_size <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        return (amount / Decimal(household_size)).quantize(CENT, rounding=ROUND_HALF_UP)


def income_per_capita(
    net_income: Decimal, household_size: int, declared: Decimal | None = None
) -> Decimal | None:
    """The per-capita figure of an income record: computed from its components,
    or, for a record with no components (a ledger that gave only 人均纯收入),
    the declared figure."""
    if declared is not None and not net_income:
        return _money(declared, "declared")
    return per_capita_income(net_income, household_size)


def income_margin(per_capita: Decimal, line: Decimal) -> Decimal:
    """How far per-capita income is above (positive) or below (negative) the line."""
    return _money(per_capita, "per_capita") - _money(line, "line")


def project_income(
    net_income: Decimal, planned_added_income: Decimal, household_size: int
) -> Decimal | None:
    """Per-capita income once the planned measures add ``planned_added_income``."""
    total = _money(net_income, "net_income") + _money(planned_added_income, "planned")
    return per_capita_income(total, household_size)


# --------------------------------------------------------------------------
# Poverty incidence
# --------------------------------------------------------------------------


def poverty_incidence(poor_persons: int, population: int) -> Decimal | None:
    """贫困发生率 in percent, unrounded (``None`` without a population).

    ``poor_persons`` are the registered poor not yet lifted, ``population``
    the registered rural population, both as of the same date.
    """
    if population <= 0:
        return None
    if poor_persons < 0:
        raise ValueError("poor_persons cannot be negative")
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(poor_persons) * 100 / Decimal(population)


def format_percent(value: Decimal | None, places: int = 2) -> str:
    """``Decimal("0.1458…")`` → ``"0.15%"`` (half up); ``None`` → ``"—"``."""
    if value is None:
        return "—"
    quantized = _money(value, "value").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{quantized:f}%"


def incidence_below_exit_threshold(incidence_percent: Decimal, threshold_percent: Decimal) -> bool:
    """Whether a poor village may exit: incidence strictly below the threshold.

    The threshold is data (2%, or 3% in the western provinces).
    """
    return _money(incidence_percent, "incidence") < _money(threshold_percent, "threshold")


# --------------------------------------------------------------------------
# National registry codes
# --------------------------------------------------------------------------

_REGISTRY_CODES: dict[tuple[str, bool], str] = {
    (HouseholdAttribute.GENERAL.value, False): "01",
    (HouseholdAttribute.DIBAO.value, True): "02",
    (HouseholdAttribute.TEKUN.value, True): "03",
    (HouseholdAttribute.DIBAO.value, False): "04",
    (HouseholdAttribute.GENERAL.value, True): "05",
    (HouseholdAttribute.TEKUN.value, False): "06",
    (HouseholdAttribute.DIBAO_TEKUN.value, False): "07",
    (HouseholdAttribute.DIBAO_TEKUN.value, True): "08",
}
_REGISTRY_ATTRIBUTES = {code: key for key, code in _REGISTRY_CODES.items()}

#: The registry's label of each attribute code, for exports.
REGISTRY_CODE_LABELS = {
    "01": gettext_lazy("一般贫困户"),
    "02": gettext_lazy("低保脱贫户"),
    "03": gettext_lazy("特困供养脱贫户"),
    "04": gettext_lazy("低保贫困户"),
    "05": gettext_lazy("一般脱贫户"),
    "06": gettext_lazy("特困供养贫困户"),
    "07": gettext_lazy("低保特困供养贫困户"),
    "08": gettext_lazy("低保特困供养户"),
}

REGISTRY_ERROR_ATTRIBUTE = gettext_lazy("未知的户属性:{value}")
REGISTRY_ERROR_STATUS = gettext_lazy("未知的贫困户状态:{value}")
REGISTRY_ERROR_CODE = gettext_lazy("未知的户属性代码:{value},应为01至08")


def registry_attribute_code(attribute: str, status: str) -> str:
    """The registry's attribute code (01–08) of a household attribute and status.

    The registry folds attribute and poverty status into one code: a lifted
    household (status in ``LIFTED_STATUSES``) has a 脱贫户 code, any other
    status the 贫困户 code.
    """
    if attribute not in HouseholdAttribute.values:
        raise ValueError(REGISTRY_ERROR_ATTRIBUTE.format(value=attribute))
    if status not in PovertyStatus.values:
        raise ValueError(REGISTRY_ERROR_STATUS.format(value=status))
    return _REGISTRY_CODES[(HouseholdAttribute(attribute).value, status in LIFTED_STATUSES)]


def attribute_from_registry_code(code: str) -> tuple[HouseholdAttribute, bool]:
    """``(attribute, lifted)`` of a registry attribute code.

    Tolerates what Excel does to codes: surrounding spaces, full-width digits
    and a dropped leading zero (``"5"`` → ``"05"``).
    """
    normalized = "".join(str(code).split()).translate(_FULL_WIDTH)
    if len(normalized) == 1:
        normalized = "0" + normalized
    try:
        attribute, lifted = _REGISTRY_ATTRIBUTES[normalized]
    except KeyError:
        raise ValueError(REGISTRY_ERROR_CODE.format(value=code)) from None
    return HouseholdAttribute(attribute), lifted
