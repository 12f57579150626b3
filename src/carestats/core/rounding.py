"""Rounding as the publisher rounds: half up, on the number as written (0.125 → 0.13, 1.005 → 1.01).

Binary floating point cannot hold most decimals exactly, so a value is rounded from its shortest decimal
form (`repr`), never from its binary expansion: the PDFs, the web pages and the workbooks all show the
digits this gives.
"""

from __future__ import annotations

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
    by rounded() on each row."""
    import polars as pl

    return pl.struct(col, decimals).map_elements(
        lambda r: rounded(r[col], r[decimals] if r[decimals] is not None else 3),
        return_dtype=pl.Float64, skip_nulls=False).alias(col)
