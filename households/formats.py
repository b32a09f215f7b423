"""How amounts of money are written, in one place: pages, charts, the work
report and the exports use these (templates through the ``formats`` tag
library: ``{% load formats %}{{ value|money }}``).

- :func:`amount`: ``Decimal("18991395")`` → ``"18,991,395.00"`` (a table cell
  whose column head says 元);
- :func:`money`: the same with its unit, ``"18,991,395.00元"`` (prose);
- :func:`wan_yuan`: ten thousands for totals of funds, two decimals,
  ``Decimal("1071005")`` → ``"107.10万元"``.

Rounded half up to the cent (as the lifting check rounds); ``"—"`` for None
in prose, ``""`` in a cell; never ``-0.00``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
MISSING = "—"


def _rounded(value) -> Decimal:
    rounded = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # never "-0.00"


def amount(value) -> str:
    """``18,991,395.00``; ``""`` for None."""
    if value is None or value == "":
        return ""
    return f"{_rounded(value):,.2f}"


def money(value) -> str:
    """``18,991,395.00元``; ``—`` for None."""
    if value is None or value == "":
        return MISSING
    return f"{amount(value)}元"


def wan_yuan(value) -> str:
    """``107.10万元`` (two decimals); ``—`` for None."""
    if value is None or value == "":
        return MISSING
    return f"{_rounded(Decimal(value) / TEN_THOUSAND):,.2f}万元"
