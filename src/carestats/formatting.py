"""How numbers and symbols are shown: pure functions, used by every report and chart.

Rounding is half-up to the indicator's decimal places (as the publisher rounds), with thousands
separators. A value that is not published is shown as its symbol, never as 0 or a blank.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SYMBOLS = {
    "c": "suppressed to protect confidentiality",
    "k": "rounds to zero, but is not zero",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
    "low": "fewer than a threshold (workforce agency figures)",
}
NO_DATA = "–"  # the area or year is not in the files at all (no row), distinct from a symbol


def round_half_up(value: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP)


def fmt_number(value: float | None, decimals: int = 0, status: str | None = None) -> str:
    if value is None:
        return status if status else NO_DATA
    d = round_half_up(value, decimals)
    if d == 0:
        d = abs(d)
    return f"{d:,.{decimals}f}"


def fmt_value(value: float | None, unit: str, decimals: int, status: str | None = None) -> str:
    """An indicator value with its unit: 81,770 / 67 / 10% / £1,234 / 2.5 days."""
    text = fmt_number(value, decimals, status)
    if value is None:
        return text
    if unit == "%":
        return f"{text}%"
    if unit == "£":
        return f"£{text}" if not text.startswith("-") else f"-£{text[1:]}"
    if unit == "£ thousands":
        return f"£{text}k"
    return text


def fmt_change(change: float | None, unit: str, decimals: int) -> str:
    if change is None:
        return ""
    text = fmt_number(abs(change), decimals)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    suffix = " pp" if unit == "%" else ""
    return f"{sign}{text}{suffix}"


def fmt_period(period: int) -> str:
    """2025 stays 2025; the academic year 202425 reads 2024/25."""
    p = str(period)
    return f"{p[:4]}/{p[4:]}" if len(p) == 6 else p


def pct_change(old: float | None, new: float | None) -> float | None:
    if old is None or new is None or old == 0:
        return None
    return 100.0 * (new - old) / old
