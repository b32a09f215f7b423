"""Cleaning single ledger cells: what villages type, what Excel stores."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from households import rules
from households.ledger import clean
from households.ledger.clean import clean_cell
from households.ledger.columns import BY_KEY, CHOICE, Column
from tests.factories import id_number

TODAY = date(2024, 6, 1)
ID = id_number(date(1980, 1, 1))


def cleaned(key, value):
    result, message = clean_cell(BY_KEY[key], value, today=TODAY)
    assert message is None, message
    return result


def error(key, value) -> str:
    result, message = clean_cell(BY_KEY[key], value, today=TODAY)
    assert result is None
    assert message, f"{value!r} should be refused"
    return message


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


# -- empty cells ------------------------------------------------------------


@pytest.mark.parametrize("key", list(BY_KEY))
@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_an_empty_cell_is_none_without_error_in_every_column(key, value):
    assert clean_cell(BY_KEY[key], value, today=TODAY) == (None, None)


# -- TEXT -------------------------------------------------------------------


def test_text_is_stripped_of_spaces_full_width_spaces_and_zero_width_characters():
    assert cleaned("village", "\u3000学田地村 \u200b") == "学田地村"
    assert cleaned("illness", "高血压   糖尿病") == "高血压 糖尿病"
    assert cleaned("illness", "高血压\n糖尿病") == "高血压 糖尿病"


def test_padding_spaces_inside_a_chinese_name_are_removed():
    assert cleaned("name", "张  三") == "张三"
    assert cleaned("name", "张\u3000\u3000三") == "张三"
    assert cleaned("head_name", " 王 芳 ") == "王芳"


def test_spaces_in_a_latin_name_are_kept_single():
    assert cleaned("name", "Ali   Ahmat") == "Ali Ahmat"


def test_a_phone_number_stored_as_a_number_becomes_its_digits():
    assert cleaned("phone", 13912345678.0) == "13912345678"
    assert cleaned("phone", 13912345678) == "13912345678"


def test_a_text_column_refuses_a_number_that_lost_digits():
    message = error("number", 1.52627198001011e17)
    assert "15位" in message
    assert "文本" in message


def test_a_text_column_keeps_a_decimal_number_and_writes_dates_in_iso_form():
    assert cleaned("group", 3.5) == "3.5"
    assert cleaned("group", date(2020, 5, 1)) == "2020-05-01"


# -- ID_NUMBER --------------------------------------------------------------


def test_an_id_number_as_text_is_validated_and_normalised():
    assert cleaned("id_number", ID) == ID


def test_an_id_number_with_a_lowercase_x_is_upper_cased():
    body = next(
        body
        for body in (f"150927198001010{n:02d}" for n in range(100))
        if rules.id_check_digit(body) == "X"
    )
    assert cleaned("id_number", body + "x") == body + "X"


def test_an_id_number_with_spaces_or_full_width_digits_is_normalised():
    spaced = f"{ID[:6]} {ID[6:14]}\u3000{ID[14:]}"
    assert cleaned("id_number", spaced) == ID
    assert cleaned("id_number", full_width(ID)) == ID


def test_an_id_number_stored_as_a_float_is_refused_never_guessed():
    message = error("id_number", 1.52627198001011e17)
    assert message == str(rules.ID_ERROR_SCIENTIFIC)
    assert "科学计数法" in message


def test_an_id_number_stored_as_an_int_is_refused_too():
    assert error("id_number", int(ID[:17] + "0")) == str(rules.ID_ERROR_SCIENTIFIC)


def test_a_short_number_in_the_id_column_says_the_cell_is_a_number():
    message = error("id_number", 12345.0)
    assert "数字" in message
    assert "文本" in message


@pytest.mark.parametrize("text", ["1.52627E+17", "1.52E+17", "152627198001011000"])
def test_an_id_number_that_excel_turned_into_text_of_a_number_is_refused(text):
    assert error("id_number", text) == str(rules.ID_ERROR_SCIENTIFIC)


def test_an_id_number_with_a_wrong_check_digit_says_which_digit_is_expected():
    wrong = ID[:17] + ("1" if ID[17] != "1" else "2")
    message = error("id_number", wrong)
    assert "校验位" in message
    assert ID[17] in message


def test_an_id_number_of_the_wrong_length_says_the_length():
    assert "17位" in error("id_number", ID[:17])


# -- INTEGER / YEAR ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), (3.0, 3), ("3", 3), ("３", 3), (" 3 ", 3), ("3人", 3), ("4口", 4), ("3.0", 3)],
)
def test_an_integer_accepts_numbers_full_width_digits_and_a_unit(value, expected):
    assert cleaned("size", value) == expected


@pytest.mark.parametrize("value", [3.5, "三", "3.5人", "about 3", True])
def test_an_integer_refuses_what_is_not_a_whole_number(value):
    message = error("size", value)
    assert "整数" in message
    assert "家庭人口" in message


def test_an_integer_refuses_a_negative_number():
    assert "负数" in error("size", -1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2015, 2015), (2015.0, 2015), ("2015", 2015), ("2015年", 2015), ("２０１５年度", 2015)],
)
def test_a_year_accepts_a_number_or_text_with_a_year_suffix(value, expected):
    assert cleaned("identified_year", value) == expected


def test_a_year_typed_into_a_date_formatted_cell_is_read_back():
    # Excel shows 2015 in a date cell as 1905-07-07 (serial 2015).
    assert cleaned("identified_year", date(1905, 7, 7)) == 2015
    assert cleaned("identified_year", datetime(2016, 3, 1)) == 2016


@pytest.mark.parametrize("value", [1999, 2101, "15年", 15])
def test_a_year_outside_2000_to_2100_is_refused(value):
    message = error("identified_year", value)
    assert "年份" in message


# -- MONEY ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12181.5, "12181.50"),
        (12181, "12181.00"),
        (0.1, "0.10"),
        (2.675, "2.68"),  # half up on the shortest repr, not the binary double
        (12181.499999999998, "12181.50"),  # float noise of a computed value
        (4060.333333333, "4060.33"),  # an average pasted as a value: what Excel shows
        ("12181.5", "12181.50"),
        ("12,181.5", "12181.50"),
        ("12181.5元", "12181.50"),
        ("¥12,181.50", "12181.50"),
        ("￥ 3 000 元", "3000.00"),
        ("１２，１８１．５", "12181.50"),
        ("1.2万", "12000.00"),
        ("1.2万元", "12000.00"),
        ("12.500", "12.50"),
        (0, "0.00"),
        ("-", "0.00"),
        ("无", "0.00"),
    ],
)
def test_money_is_a_decimal_to_the_fen(value, expected):
    result = cleaned("wage_income", value)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_money_is_never_a_float():
    result = cleaned("wage_income", 0.1)
    assert type(result) is Decimal


@pytest.mark.parametrize("value", ["12.345", "0.001"])
def test_money_text_with_more_than_two_decimals_is_refused(value):
    assert "两位小数" in error("wage_income", value)


@pytest.mark.parametrize("value", [-5, -5.5, "-5", "-12,181.50元"])
def test_negative_money_is_refused(value):
    assert error("wage_income", value).startswith("金额不能为负数")


@pytest.mark.parametrize("value", ["一万", "12181,5", "1,2,3", "abc", "."])
def test_money_that_is_not_a_number_is_refused_with_an_example(value):
    message = error("wage_income", value)
    assert "不是有效的金额" in message
    assert "工资性收入" in message


def test_money_larger_than_the_field_is_refused():
    assert "过大" in error("wage_income", 1e13)


# -- DATE -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2020, 5, 1), date(2020, 5, 1)),
        (datetime(2020, 5, 1, 10, 30), date(2020, 5, 1)),
        (43952, date(2020, 5, 1)),  # an Excel serial in a cell without a date format
        (43952.75, date(2020, 5, 1)),
        (20200501, date(2020, 5, 1)),
        (2020.5, date(2020, 5, 1)),  # "2020.5" typed into a General cell is a number
        (2020.12, date(2020, 12, 1)),
        ("2020.5", date(2020, 5, 1)),
        ("2020.1", date(2020, 1, 1)),  # as text, unambiguous
        ("2020.05.01", date(2020, 5, 1)),
        ("2020年5月", date(2020, 5, 1)),
        ("2020年5月1日", date(2020, 5, 1)),
        ("2020-05-01", date(2020, 5, 1)),
        ("2020-05-01 00:00:00", date(2020, 5, 1)),
        ("2020/5/1", date(2020, 5, 1)),
        ("20200501", date(2020, 5, 1)),
        ("２０２０年５月１日", date(2020, 5, 1)),
        (" 2020 年 5 月 ", date(2020, 5, 1)),
    ],
)
def test_a_date_is_read_from_excel_dates_serials_and_text(value, expected):
    assert cleaned("joined_on", value) == expected


def test_excel_serials_follow_the_1900_date_system():
    # Serial 61 is 1900-03-01 (Excel counts a 1900-02-29 that never was);
    # a serial that small in a join date is implausible and refused.
    assert clean._date_from_number(61.0, 61.0, BY_KEY["joined_on"])[1] is not None
    assert cleaned("joined_on", 36526) == date(2000, 1, 1)
    assert cleaned("joined_on", 73415) == date(2100, 12, 31)
    assert "2020-05-01" in error("joined_on", 73416)


@pytest.mark.parametrize("value", ["2020-02-30", "2020.13", "2021年2月29日"])
def test_an_impossible_date_is_refused(value):
    assert "不存在" in error("joined_on", value)


def test_a_year_alone_is_not_a_date():
    assert "只有年份" in error("joined_on", "2020")
    assert "只有年份" in error("joined_on", 2020)


def test_a_year_and_month_number_ending_in_1_is_ambiguous():
    # 2020.10 typed into a number cell is stored as 2020.1.
    message = error("joined_on", 2020.1)
    assert "1月" in message
    assert "10月" in message


@pytest.mark.parametrize("value", ["hello", "5月1日", 12.5])
def test_text_that_is_no_date_is_refused_with_examples(value):
    message = error("joined_on", value)
    assert "2020-05-01" in message


# -- BOOLEAN ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["是", "有", "√", "Y", "y", "yes", "TRUE", "1", 1, 1.0, True])
def test_boolean_yes(value):
    assert cleaned("on_dibao", value) is True


@pytest.mark.parametrize("value", ["否", "无", "×", "N", "no", "False", "0", 0, 0.0, False])
def test_boolean_no(value):
    assert cleaned("on_dibao", value) is False


@pytest.mark.parametrize("value", ["也许", 2, "是否"])
def test_boolean_refuses_anything_else(value):
    message = error("on_dibao", value)
    assert "“是”或“否”" in message


# -- CHOICE / CHOICES -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("一般贫困户", "general"),
        ("特困供养(五保)贫困户", "tekun"),
        ("特困供养(五保)贫困户", "tekun"),  # half-width brackets
        ("特困供养 (五保) 贫困户", "tekun"),
        ("五保", "tekun"),  # an alias
        ("五保户", "tekun"),
        ("tekun", "tekun"),  # the stored value itself
        ("低保", "dibao"),
    ],
)
def test_a_choice_matches_label_value_or_alias(value, expected):
    assert cleaned("attribute", value) == expected


def test_a_choice_ignores_case_and_full_width_letters():
    assert cleaned("dibao_class", "ａ类") == "A"
    assert cleaned("dibao_class", "c1") == "C1"


def test_a_choice_stored_as_a_number_is_matched():
    assert cleaned("disability_grade", 2.0) == "2"
    assert cleaned("disability_grade", "二级") == "2"


def test_a_bad_choice_lists_the_accepted_labels():
    message = error("attribute", "富裕户")
    assert message == (
        "“富裕户”不是有效的贫困户属性,应为:"
        "一般贫困户、低保贫困户、特困供养(五保)贫困户、低保特困供养贫困户"
    )


def test_choice_aliases_of_any_column_are_used():
    column = Column(
        "colour",
        "颜色",
        CHOICE,
        "member",
        choices=(("red", "红色"),),
        choice_aliases={"红": "red"},
    )
    assert clean_cell(column, "红") == ("red", None)


def test_several_choices_are_split_deduplicated_and_kept_in_order():
    value = "因病、因学,因病;缺技术 / 因灾  缺水"
    expected = ["illness", "schooling", "lack_skills", "disaster", "lack_water"]
    assert cleaned("other_causes", value) == expected


def test_several_choices_with_a_bad_one_name_it():
    message = error("other_causes", "因病、发财")
    assert message.startswith("“发财”不是有效的其他致贫原因,应为:因病、因残")


# -- the module -------------------------------------------------------------


def test_every_kind_has_a_cleaner():
    for column in BY_KEY.values():
        assert callable(clean.cleaner_for(column))


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown column kind"):
        clean.cleaner_for(Column("x", "X", "colour", "member"))
