from __future__ import annotations

from decimal import Decimal

import pytest

from carestats.core.rounding import round_half_up, rounded


@pytest.mark.parametrize(("value", "decimals", "expect"), [
    (0.125, 2, "0.13"), (1.005, 2, "1.01"), (2.675, 2, "2.68"), (2.5, 0, "3"), (3.5, 0, "4"),
    (-2.5, 0, "-3"), (20.180475799835932, 1, "20.2"), (81770.0, 0, "81770"),
])
def test_half_up_from_the_number_as_written(value: float, decimals: int, expect: str) -> None:
    assert round_half_up(value, decimals) == Decimal(expect)
    assert rounded(value, decimals) == float(expect)


def test_none_stays_none() -> None:
    assert rounded(None, 1) is None
