"""Rounding as the publisher rounds: half up, on the number as written (0.125 → 0.13, 1.005 → 1.01).

Binary floating point cannot hold most decimals exactly, so a value is rounded from its shortest decimal
form (`repr`), never from its binary expansion: the PDFs, the web pages and the workbooks all show the
digits this gives.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)  # str of a float is its shortest form


def rounded(value: float | None, decimals: int) -> float | None:
    """`value` rounded half up to `decimals` places, as a float (None stays None)."""
    if value is None:
        return None
    return float(round_half_up(value, decimals))
