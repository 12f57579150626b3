"""How numbers and symbols are shown: pure functions, used by every report and chart.

Rounding is half-up to the indicator's decimal places (as the publisher rounds), with thousands
separators. A value that is not published is shown as its symbol, never as 0 or a blank.
"""

from __future__ import annotations

from decimal import Decimal

from carestats.core.periods import label as fmt_period  # noqa: F401  (the reports and templates print periods through formatting)
from carestats.core.rounding import round_half_up  # noqa: F401  (one rule for every output)
from carestats.core.vocabulary import NO_DATA, SYMBOLS  # noqa: F401  (the reports read formatting.SYMBOLS, .NO_DATA)

MINUS = "\u2212"  # the one minus sign of every report, table, sentence and chart (never the hyphen "-")
GRADES = {1: "Outstanding", 2: "Good", 3: "Requires improvement to be good", 4: "Inadequate"}
UNIT_LABELS = {"count": "number", "%": "per cent", "rate per 10,000": "rate per 10,000 children",
               "£": "£", "£ thousands": "£ thousands", "score": "score", "grade": "Ofsted grade",
               "ratio": "ratio", "days": "days", "fte": "full-time equivalent"}


def fmt_number(value: float | None, decimals: int = 0, status: str | None = None) -> str:
    if value is None:
        return status if status else NO_DATA
    d = round_half_up(value, decimals)
    if d == 0:
        d = abs(d)
    text = f"{abs(d):,.{decimals}f}"
    return f"{MINUS}{text}" if d < 0 else text


def shown(value: float, decimals: int) -> Decimal:
    """The value as a reader sees it (rounded half-up): comparisons in words are made on this."""
    d = round_half_up(value, decimals)
    return abs(d) if d == 0 else d


def grade_label(value: float | None) -> str | None:
    if value is None:
        return None
    return GRADES.get(int(round_half_up(value, 0)))


def fmt_value(value: float | None, unit: str, decimals: int, status: str | None = None) -> str:
    """An indicator value with its unit: 81,770 / 67 / 10% / £1,234 / 2.5 days / Good."""
    text = fmt_number(value, decimals, status)
    if value is None:
        return text
    if unit == "grade":
        return grade_label(value) or text
    if unit == "%":
        return f"{text}%"
    if unit == "£":
        return f"£{text}" if not text.startswith(MINUS) else f"{MINUS}£{text[1:]}"
    if unit == "£ thousands":
        return f"£{text}k" if not text.startswith(MINUS) else f"{MINUS}£{text[1:]}k"
    if unit == "days":
        return f"{text} day" if text == "1" else f"{text} days"
    return text


def fmt_pct(value: float, decimals: int = 0) -> str:
    """A percentage change or share, unsigned: 2%."""
    return f"{fmt_number(abs(value), decimals)}%"


def fmt_ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def fmt_change(change: float | None, unit: str, decimals: int) -> str:
    """A change on a year in the indicator's unit: +£50,800k, −4, +2 pp, +3 days, ±0 (U+2212 for minus)."""
    if change is None:
        return ""
    size = abs(change)
    text = f"{fmt_number(size, decimals)} pp" if unit == "%" else fmt_value(size, unit, decimals)
    if unit == "grade":
        text = fmt_number(size, decimals)
    sign = "±" if shown(change, decimals) == 0 else ("+" if change > 0 else MINUS)
    return f"{sign}{text}"


def pct_change(old: float | None, new: float | None) -> float | None:
    if old is None or new is None or old == 0:
        return None
    return 100.0 * (new - old) / old
