"""How the work report writes numbers and sentences (pure functions)."""

from decimal import Decimal

from reports.writing import percent, wan, yuan


def test_amounts_are_written_as_every_page_writes_them():
    assert yuan(Decimal("12181.50")) == "12,181.50元"
    assert yuan(Decimal("12963.00")) == "12,963.00元"
    assert yuan(Decimal("9194.88")) == "9,194.88元"
    assert yuan(Decimal("18991395")) == "18,991,395.00元"
    assert yuan(None) == "—"


def test_funds_are_written_in_ten_thousands_with_two_decimals():
    assert wan(Decimal("1071005")) == "107.10万元"
    assert wan(Decimal("592390")) == "59.24万元"
    assert wan(Decimal("450000")) == "45.00万元"
    assert wan(Decimal("135")) == "135.00元"  # not 0.01万元


def test_thresholds_drop_trailing_zeros():
    assert percent(Decimal("3.00")) == "3%"
    assert percent(Decimal("2.50")) == "2.5%"
