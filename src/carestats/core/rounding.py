"""Rounding as the publisher rounds: half up, on the number as written (0.125 → 0.13, 1.005 → 1.01).

Binary floating point cannot hold most decimals exactly, so a value is rounded from its shortest decimal
form (`repr`), never from its binary expansion: the PDFs, the web pages and the workbooks all show the
digits this gives.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def round_half_up(value: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)  # str of a float is its shortest form


def rounded(value: float | None, decimals: int) -> float | None:
    """`value` rounded half up to `decimals` places, as a float (None stays None)."""
    if value is None:
        return None
    return float(round_half_up(value, decimals))


def rounded_expr(col: str, decimals: str = "decimals") -> Any:
    """A Polars expression: `col` rounded half up to the row's `decimals` column (3 places where it is null),
    by rounded() once for each distinct value and number of places (see rounded_series)."""
    import polars as pl

    return pl.struct(col, decimals).map_batches(
        lambda s: rounded_series(s.struct.field(col), s.struct.field(decimals)),
        return_dtype=pl.Float64, is_elementwise=True).alias(col)


def rounded_series(values: Any, decimals: Any) -> Any:
    """rounded() of each value to its row's places (3 where null), as a Float64 Series.

    A table repeats its values (one figure in many breakdowns, many releases): each distinct pair is rounded
    once. Zeros are told apart by sign (rounded(-0.0) is -0.0), and a NaN is never equal to a key, so it is
    rounded on its own."""
    import polars as pl

    memo: dict[tuple[Any, ...], float | None] = {}
    out: list[float | None] = []
    for value, places in zip(values.to_list(), decimals.to_list()):
        key = (value, places) if value else (value, places, math.copysign(1.0, value) if value is not None else 0)
        got = memo.get(key, memo)
        if got is memo:
            got = memo[key] = rounded(value, places if places is not None else 3)
        out.append(got)
    return pl.Series(values.name, out, dtype=pl.Float64)
