"""One test per entry of the table of variants (households.ledger.variants)."""

from __future__ import annotations

import pytest

from households.ledger import columns as cols
from households.ledger.clean import clean_cell
from households.ledger.variants import (
    HEADER_VARIANTS,
    SCHOOL_LEVELS,
    SCHOOL_STATUS_VARIANTS,
    group_number,
    normalise_header,
)


def recognised(title: str) -> str | None:
    return cols.TITLE_INDEX.get(cols.normalise_title(title))


@pytest.mark.parametrize(
    ("key", "title"), [(key, title) for key, titles in HEADER_VARIANTS.items() for title in titles]
)
def test_every_header_variant_is_recognised(key, title):
    assert recognised(title) == key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("人均纯收入（元）", "per_capita_income"),  # full-width brackets
        ("人均纯收入(元)", "per_capita_income"),
        ("人均纯收入【元】", "per_capita_income"),
        ("人均 纯收入", "per_capita_income"),
        ("人均\n纯收入\n(元)", "per_capita_income"),
        ("*姓名", "name"),
        ("公民身份号码", "id_number"),
        ("成员姓名", "name"),
        ("家庭人口数", "size"),
        ("家庭人口数（人）", "size"),
        ("户主姓名", "head_name"),
        ("组别", "group"),
        ("组", "group"),
        ("社", "group"),
        ("序号", "serial"),
        ("与户主关系：", "relation"),
        ("工资性收入 (元)", "wage_income"),
    ],
)
def test_headers_are_compared_without_width_brackets_spaces_or_units(written, key):
    assert recognised(written) == key


def test_normalise_header_keeps_a_title_that_is_only_brackets():
    assert normalise_header("（备注）") == "(备注)"


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("一组", 1),
        ("1组", 1),
        ("第一组", 1),
        ("一社", 1),
        ("第1村民小组", 1),
        ("1村民组", 1),
        ("１组", 1),  # full-width digit
        (" 2 组 ", 2),
        ("二社", 2),
        ("两组", 2),
        ("十组", 10),
        ("十二组", 12),
        ("二十三组", 23),
        ("3队", 3),
        ("3", 3),
        (3, 3),
        (3.0, 3),
    ],
)
def test_group_names_in_every_usual_form_are_one_group(written, number):
    assert group_number(written) == number


@pytest.mark.parametrize("written", ["东队", "下沙盖", "", None, "第组", 0, 2.5, "一二组"])
def test_a_group_name_that_is_not_a_number_is_none(written):
    assert group_number(written) is None


@pytest.mark.parametrize(("written", "level"), list(SCHOOL_LEVELS.items()))
def test_a_school_level_in_the_school_column_means_in_school(written, level):
    value, message = clean_cell(cols.BY_KEY["school_status"], written)
    assert (value, message) == ("in_school", None)
    assert level in {v for v, _label in cols.BY_KEY["education_level"].choices}


@pytest.mark.parametrize(("written", "status"), list(SCHOOL_STATUS_VARIANTS.items()))
def test_school_status_variants(written, status):
    assert clean_cell(cols.BY_KEY["school_status"], written) == (status, None)
