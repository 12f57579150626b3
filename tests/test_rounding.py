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


def test_the_polars_forms_give_what_the_python_ones_give() -> None:
    import polars as pl

    from carestats.core.periods import label, label_expr
    from carestats.core.rounding import rounded_expr

    df = pl.DataFrame({"value": [0.125, 1.005, None, 20.180475799835932], "decimals": [2, 2, 1, None],
                       "time_period": [2025, 202425, 199900, 2019]})
    got = df.select(rounded_expr("value"), label_expr(pl.col("time_period")).alias("label"))
    assert got["value"].to_list() == [0.13, 1.01, None, 20.18]
    assert got["label"].to_list() == [label(p) for p in df["time_period"]] == ["2025", "2024/25", "1999/00", "2019"]


def test_the_polars_form_rounds_each_distinct_pair_once_and_keeps_what_rounded_gives(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import math

    import polars as pl

    from carestats.core import rounding

    calls: list[tuple] = []
    plain = rounding.rounded

    def counting(value, decimals):  # type: ignore[no-untyped-def]
        calls.append((value, decimals))
        return plain(value, decimals)

    monkeypatch.setattr(rounding, "rounded", counting)
    values = [0.125, 0.125, 0.125, 0.0, -0.0, -0.0, None, None, float("nan"), 2.5, 2.5]
    places = [2, 2, 1, 1, 1, 1, 1, 1, 1, None, None]
    got = pl.DataFrame({"value": values, "decimals": places}, schema={"value": pl.Float64, "decimals": pl.Int32}
                       ).select(rounding.rounded_expr("value"))["value"].to_list()
    want = [plain(v, d if d is not None else 3) for v, d in zip(values, places)]
    assert [repr(x) for x in got] == [repr(x) for x in want]  # repr: -0.0 stays -0.0, nan stays nan
    assert math.copysign(1.0, got[4]) == -1.0 and math.copysign(1.0, got[3]) == 1.0
    # (0.125, 2), (0.125, 1), (0.0, 1), (-0.0, 1), (None, 1), nan once per row it is in, (2.5, None)
    assert len(calls) == 7
