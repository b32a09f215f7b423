"""Tests of the pure household rules (no database).

ID numbers here are built from made-up 17-digit bodies plus a check digit;
none belongs to a real person. People are pseudonyms.
"""

from datetime import date
from decimal import Decimal

import pytest

from households.choices import (
    HouseholdAttribute,
    PovertyStatus,
    Sex,
)
from households.rules import (
    ID_ERROR_BIRTH_DATE,
    ID_ERROR_CHARS,
    ID_ERROR_CHECK_DIGIT,
    ID_ERROR_EMPTY,
    ID_ERROR_FUTURE_BIRTH,
    ID_ERROR_LENGTH,
    ID_ERROR_REGION,
    ID_ERROR_SCIENTIFIC,
    IdNumberError,
    IncomeComponents,
    age_on,
    attribute_from_registry_code,
    format_percent,
    format_yuan,
    id_check_digit,
    id_region,
    id_region_note,
    incidence_below_exit_threshold,
    income_margin,
    is_valid_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
    per_capita_income,
    poverty_incidence,
    registry_attribute_code,
)

TODAY = date(2020, 6, 30)
MALE_BODY = "15262719800101123"  # 17th digit 3: male
FEMALE_BODY = "15262719800101122"  # 17th digit 2: female
X_BODY = "15262719800101103"  # its check character is X


def valid_id(body: str = MALE_BODY) -> str:
    return body + id_check_digit(body)


def id_error(raw: str, **kwargs) -> IdNumberError:
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=kwargs.pop("today", TODAY))
    return excinfo.value


# --------------------------------------------------------------------------
# ID numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("11010519491231002", "X"),  # GB 11643-1999's own examples
        ("44052418800101001", "4"),
        (MALE_BODY, "2"),
        (FEMALE_BODY, "4"),
        (X_BODY, "X"),
        ("15262720120315004", "0"),
    ],
)
def test_check_digit_follows_gb11643(body, expected):
    assert id_check_digit(body) == expected


@pytest.mark.parametrize("body", ["1526271980010112", "152627198001011234", "1526271980010112X"])
def test_check_digit_needs_17_digits(body):
    with pytest.raises(ValueError):
        id_check_digit(body)


def test_valid_id_number_gives_region_birth_date_and_sex():
    info = parse_id_number("152627198001011232", today=TODAY)

    assert info.number == "152627198001011232"
    assert info.region_code == "152627"
    assert info.birth_date == date(1980, 1, 1)
    assert info.sex == Sex.MALE


def test_even_17th_digit_means_female():
    assert parse_id_number(valid_id(FEMALE_BODY), today=TODAY).sex == Sex.FEMALE


def test_check_digit_x_is_accepted_lowercase():
    info = parse_id_number(X_BODY + "x", today=TODAY)

    assert info.number == X_BODY + "X"
    assert is_valid_id_number(X_BODY + "X", today=TODAY)


def test_full_width_digits_and_spaces_are_normalized():
    full_width = "".join(chr(ord(c) - ord("0") + ord("０")) for c in X_BODY)
    raw = f"\u3000{full_width[:6]} {full_width[6:14]}\t{full_width[14:]}Ｘ \u200b"

    assert normalize_id_number(raw) == X_BODY + "X"
    assert parse_id_number(raw, today=TODAY).number == X_BODY + "X"


def test_full_width_lowercase_x_is_normalized():
    assert normalize_id_number(X_BODY + "ｘ") == X_BODY + "X"


@pytest.mark.parametrize("number", [152627198001011232, 1.52627198001011e17])
def test_normalize_refuses_numbers_from_spreadsheet_cells(number):
    with pytest.raises(TypeError):
        normalize_id_number(number)
    assert not is_valid_id_number(number)


@pytest.mark.parametrize("raw", [valid_id()[:17], valid_id() + "1", "152627800101123"])
def test_wrong_length_reports_actual_length(raw):
    error = id_error(raw)

    assert error.code == "length"
    assert str(error) == ID_ERROR_LENGTH.format(length=len(raw))
    assert f"实际为{len(raw)}位" in str(error)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_id_number_is_reported(raw):
    error = id_error(raw)

    assert error.code == "empty"
    assert str(error) == ID_ERROR_EMPTY


@pytest.mark.parametrize(
    "raw",
    [
        "15262719800101A232",  # letter among the first 17
        "X52627198001011232",
        "15262719800101123A",  # 18th character neither digit nor X
        "1526271980-1011232",
    ],
)
def test_letters_are_rejected(raw):
    error = id_error(raw)

    assert error.code == "chars"
    assert str(error) == ID_ERROR_CHARS


@pytest.mark.parametrize(
    "raw",
    [
        "1.52627E+17",
        "1.52627e+17",
        "1.52627198001011E+17",
        "152627198001011232.0",
        "152627198001011000",  # a numeric cell shown without exponent
    ],
)
def test_excel_scientific_notation_is_rejected_never_guessed(raw):
    error = id_error(raw)

    assert error.code == "scientific"
    assert str(error) == ID_ERROR_SCIENTIFIC
    assert "科学计数法" in str(error)


def test_wrong_check_digit_names_expected_digit():
    error = id_error(MALE_BODY + "7")

    assert error.code == "check_digit"
    assert str(error) == ID_ERROR_CHECK_DIGIT.format(expected="2", actual="7")
    assert "应为2" in str(error)
    assert error.params == {"expected": "2", "actual": "7"}


def test_february_30_is_invalid_birth_date():
    body = "15262719800230123"
    error = id_error(valid_id(body))

    assert error.code == "birth_date"
    assert str(error) == ID_ERROR_BIRTH_DATE.format(value="19800230")


@pytest.mark.parametrize("body", ["15262719801301123", "15262719800100123", "15262700000101123"])
def test_impossible_birth_dates_are_invalid(body):
    assert id_error(valid_id(body)).code == "birth_date"


def test_birth_before_1900_is_invalid():
    error = id_error("440524188001010014")  # GB 11643's example, born 1880

    assert error.code == "birth_date"
    assert "18800101" in str(error)


def test_february_29_of_leap_year_is_valid_birth_date():
    info = parse_id_number(valid_id("15262720000229123"), today=TODAY)

    assert info.birth_date == date(2000, 2, 29)


def test_future_birth_is_rejected():
    error = id_error(valid_id("15262720200701123"))

    assert error.code == "future_birth"
    assert str(error) == ID_ERROR_FUTURE_BIRTH.format(value="20200701")


def test_birth_today_is_accepted():
    assert parse_id_number(valid_id("15262720200630123"), today=TODAY).birth_date == TODAY


# -- Region codes, against python-stdnum's county table ------------------------
# python-stdnum's own test numbers (tests/test_cn_ric.doctest). We differ in one
# place, on purpose: stdnum's ``validate`` refuses a code that was not in force
# in the birth year (110111198012010078, 110201199312010077); we accept them and
# give a note, because numbers are assigned at registration, often years after
# birth, and this county's 150927 exists only since 2003.

STDNUM_VALID = [
    "360426199101010071",
    "44011320141005001x",
    "412723199010050012",
    "110102199101010078",
    "120110198012010073",
    "120110199212010072",
]
STDNUM_NOT_IN_FORCE_AT_BIRTH = ["110111198012010078", "110201199312010077"]


@pytest.mark.parametrize("number", STDNUM_VALID)
def test_stdnum_valid_numbers_are_valid(number):
    from stdnum.cn import ric

    assert ric.is_valid(number)
    assert parse_id_number(number).number == number.upper()


def test_unknown_region_is_refused_as_stdnum_does():
    from stdnum.cn import ric

    assert not ric.is_valid("990426199112010074")
    with pytest.raises(IdNumberError) as caught:
        parse_id_number("990426199112010074")
    assert caught.value.code == "region"
    assert str(caught.value) == ID_ERROR_REGION.format(code="990426")


@pytest.mark.parametrize("number", STDNUM_NOT_IN_FORCE_AT_BIRTH)
def test_code_not_in_force_in_birth_year_is_accepted_with_a_note(number):
    from stdnum.cn import ric

    assert not ric.is_valid(number)  # where stdnum and we differ
    assert parse_id_number(number).number == number
    assert id_region_note(number).startswith(f"身份证号前6位“{number[:6]}”")


@pytest.mark.parametrize(
    "number", ["T60426199101010078", "360426199113010079", "36042619910102009X"]
)
def test_stdnum_invalid_numbers_are_invalid(number):
    from stdnum.cn import ric

    assert not ric.is_valid(number)
    assert not is_valid_id_number(number)


def test_this_countys_code_before_2003_is_accepted_with_a_note():
    # Born 1956 in 察哈尔右翼中旗, registered under 150927 (in force since 2003).
    body = "15092719560301001"
    number = body + id_check_digit(body)
    assert parse_id_number(number).region_code == "150927"
    region = id_region(number)
    assert region.name == "内蒙古自治区察哈尔右翼中旗"
    assert not region.in_force(1956) and region.in_force(2010)
    assert "1956" in id_region_note(number)
    later = "15092720050301001"
    assert id_region_note(later + id_check_digit(later)) == ""


def test_region_of_a_code_that_never_existed_is_none():
    assert id_region("990426") is None
    assert id_region("abc") is None


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("152627198001011232", "152627********1232"),
        ("11010519491231002X", "110105********002X"),
        ("", ""),
        ("123", "***"),
        ("123456789", "*********"),
        ("1526271980", "152627****"),  # birth-date positions never shown
        ("152627198001011", "152627*********"),
        ("1526271980010112321", "152627*********2321"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked
    assert len(mask_id_number(value)) == len(value)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2008, 6, 30), date(2020, 6, 30), 12),  # birthday today
        (date(2008, 7, 1), date(2020, 6, 30), 11),  # birthday tomorrow
        (date(2020, 6, 30), date(2020, 6, 30), 0),
        (date(2004, 2, 29), date(2019, 2, 28), 14),  # leap-day birth, common year
        (date(2004, 2, 29), date(2019, 3, 1), 15),
        (date(2004, 2, 29), date(2020, 2, 29), 16),
        (date(1980, 12, 31), date(2020, 1, 1), 39),
    ],
)
def test_age_on_counts_full_years(birth, on, age):
    assert age_on(birth, on) == age


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_on(date(2020, 7, 1), date(2020, 6, 30))


# --------------------------------------------------------------------------
# Income
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "size", "expected"),
    [
        ("24363", 2, "12181.50"),  # seed household 1
        ("6213.38", 2, "3106.69"),  # seed household 11
        ("27584.64", 3, "9194.88"),  # seed household 7
        ("10", 3, "3.33"),
        ("1.005", 1, "1.01"),  # half up, not banker's rounding
        ("0.025", 1, "0.03"),
    ],
)
def test_per_capita_income_to_the_fen_half_up(net, size, expected):
    result = per_capita_income(Decimal(net), size)

    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("size", [0, -1])
def test_per_capita_income_without_members_is_none(size):
    assert per_capita_income(Decimal("24363"), size) is None


def test_money_refuses_float():
    with pytest.raises(TypeError):
        per_capita_income(24363.0, 2)
    with pytest.raises(TypeError):
        IncomeComponents(
            wage=1.5,
            production_income=Decimal(0),
            production_cost=Decimal(0),
            property_income=Decimal(0),
            transfer_income=Decimal(0),
        )


def test_net_income_subtracts_production_cost():
    components = IncomeComponents(
        wage=Decimal("3600.00"),
        production_income=Decimal("8000.00"),
        production_cost=Decimal("2500.50"),
        property_income=Decimal("900.00"),
        transfer_income=Decimal("4363.50"),
    )

    assert components.production_net == Decimal("5499.50")
    assert components.net_income == Decimal("14363.00")


def test_income_margin_is_signed():
    assert income_margin(Decimal("12181.50"), Decimal("4000")) == Decimal("8181.50")
    assert income_margin(Decimal("3950"), Decimal("4000")) == Decimal("-50")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("12181.5"), "12,181.50元"),
        (Decimal("4000"), "4,000.00元"),
        (Decimal("1234567.891"), "1,234,567.89元"),
        (Decimal("0.005"), "0.01元"),
        (Decimal("-50"), "-50.00元"),
    ],
)
def test_format_yuan(amount, text):
    assert format_yuan(amount) == text


# --------------------------------------------------------------------------
# Poverty incidence
# --------------------------------------------------------------------------


def test_seed_town_incidence_is_shown_as_0_15_percent():
    incidence = poverty_incidence(27, 18516)

    assert Decimal("0.1458") < incidence < Decimal("0.1459")
    assert format_percent(incidence) == "0.15%"


@pytest.mark.parametrize("population", [0, -5])
def test_incidence_without_population_is_none(population):
    assert poverty_incidence(27, population) is None
    assert format_percent(None) == "—"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("0.125"), 2, "0.13%"),  # half up
        (Decimal("2.5"), 0, "3%"),
        (Decimal("0"), 2, "0.00%"),
        (Decimal("100"), 1, "100.0%"),
    ],
)
def test_format_percent_rounds_half_up(value, places, text):
    assert format_percent(value, places) == text


@pytest.mark.parametrize(
    ("incidence", "below"),
    [("2.99", True), ("3", False), ("3.00", False), ("3.01", False), ("0", True)],
)
def test_village_exits_only_strictly_below_threshold(incidence, below):
    assert incidence_below_exit_threshold(Decimal(incidence), Decimal("3")) is below


# --------------------------------------------------------------------------
# National registry codes
# --------------------------------------------------------------------------

REGISTRY_CODES = [
    (HouseholdAttribute.GENERAL, False, "01"),
    (HouseholdAttribute.DIBAO, True, "02"),
    (HouseholdAttribute.TEKUN, True, "03"),
    (HouseholdAttribute.DIBAO, False, "04"),
    (HouseholdAttribute.GENERAL, True, "05"),
    (HouseholdAttribute.TEKUN, False, "06"),
    (HouseholdAttribute.DIBAO_TEKUN, False, "07"),
    (HouseholdAttribute.DIBAO_TEKUN, True, "08"),
]


@pytest.mark.parametrize(("attribute", "lifted", "code"), REGISTRY_CODES)
def test_registry_code_from_attribute_and_status(attribute, lifted, code):
    statuses = (
        (PovertyStatus.LIFTED, PovertyStatus.STABLE)
        if lifted
        else (PovertyStatus.NOT_LIFTED, PovertyStatus.RETURNED)
    )
    for status in statuses:
        assert registry_attribute_code(attribute, status) == code
        assert registry_attribute_code(attribute.value, status.value) == code


@pytest.mark.parametrize(("attribute", "lifted", "code"), REGISTRY_CODES)
def test_attribute_from_registry_code(attribute, lifted, code):
    assert attribute_from_registry_code(code) == (attribute, lifted)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5", (HouseholdAttribute.GENERAL, True)),  # Excel dropped the leading zero
        (" 04 ", (HouseholdAttribute.DIBAO, False)),
        ("０７", (HouseholdAttribute.DIBAO_TEKUN, False)),
    ],
)
def test_registry_code_tolerates_what_excel_does(raw, expected):
    assert attribute_from_registry_code(raw) == expected


@pytest.mark.parametrize("code", ["00", "09", "", "一般", "001"])
def test_unknown_registry_code_is_refused(code):
    with pytest.raises(ValueError, match="未知的户属性代码"):
        attribute_from_registry_code(code)


def test_unknown_attribute_or_status_is_refused():
    with pytest.raises(ValueError, match="未知的户属性"):
        registry_attribute_code("wubao", PovertyStatus.LIFTED)
    with pytest.raises(ValueError, match="未知的贫困户状态"):
        registry_attribute_code(HouseholdAttribute.GENERAL, "2")
