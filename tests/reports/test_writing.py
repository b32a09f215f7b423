"""How the work report writes numbers and sentences (pure functions)."""

from decimal import Decimal

from reports.writing import percent, wan, yuan


def test_amounts_are_written_as_the_report_writes_them():
    assert yuan(Decimal("12181.50")) == "12181.5元"
    assert yuan(Decimal("12963.00")) == "12963元"
    assert yuan(Decimal("9194.88")) == "9194.88元"
    assert yuan(Decimal("10000")) == "10000元"
    assert yuan(None) == "—"


def test_funds_are_written_in_ten_thousands():
    assert wan(Decimal("592390")) == "59.239万元"
    assert wan(Decimal("1039000")) == "103.9万元"
    assert wan(Decimal("450000")) == "45万元"
    assert wan(Decimal("135")) == "0.0135万元"


def test_thresholds_drop_trailing_zeros():
    assert percent(Decimal("3.00")) == "3%"
    assert percent(Decimal("2.50")) == "2.5%"
