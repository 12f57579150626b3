"""Time periods, the one place that knows their arithmetic.

The files give a period as a year (2025: a snapshot at 31 March, or a reporting year) or as an academic
or financial year written as its two years run together (202425: 2024/25). A period "ends" in a calendar
year (2025 for both), which is the year the reports file it under; the period a year earlier or later
keeps its form (202324 before 202425).

The same arithmetic is here as plain Python (for one period), as Polars expressions (for a column) and as
DuckDB macros (for the SQL queries, see `register_macros`). Polars is imported only by the expressions, so
modules that only need a year stay light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

ACADEMIC = 9999  # a period above this is a two-year period (202425), at or below a year (2025)


def is_two_year(period: int) -> bool:
    """An academic or financial year (202425), not a single year (2025)."""
    return period > ACADEMIC


def end_year(period: int) -> int:
    """The calendar year a period ends in: 2025 → 2025, 202425 → 2025."""
    return period // 100 + 1 if is_two_year(period) else period


def previous_period(period: int) -> int:
    """The period a year earlier, in the same form: 2025 → 2024, 202425 → 202324."""
    if is_two_year(period):
        start = period // 100 - 1
        return start * 100 + (start + 1) % 100
    return period - 1


def next_period(period: int) -> int:
    """The period a year later, in the same form: 2024 → 2025, 202324 → 202425."""
    if is_two_year(period):
        start = period // 100 + 1
        return start * 100 + (start + 1) % 100
    return period + 1


def label(period: int) -> str:
    """How a period is printed: 2025 stays 2025; the academic year 202425 reads 2024/25."""
    p = str(period)
    return f"{p[:4]}/{p[4:]}" if len(p) == 6 else p


def parse(text: str) -> int | None:
    """A period as a file writes it ('2025', ' 202425 ') → the period; None when it is not one.

    A two-year period must be two consecutive years (202425, 199900), so 202499 is not a period."""
    p = text.strip()
    if re.fullmatch(r"\d{4}", p):
        return int(p)
    if re.fullmatch(r"\d{6}", p) and (int(p[:4]) + 1) % 100 == int(p[4:]):
        return int(p)
    return None


def end_year_of_text(text: str) -> int | None:
    """The year a period as written in a file ends in: '2025' → 2025, '202425' → 2025, else None."""
    period = parse(text)
    return None if period is None else end_year(period)


def report_year(national_periods: Iterable[int]) -> int:
    """The report year: the latest year in which a period with a national figure ends (0 when none)."""
    return max((end_year(p) for p in national_periods), default=0)


def up_to(periods: Iterable[int], year: int) -> list[int]:
    """The distinct periods that end by `year`, oldest first."""
    return sorted(p for p in set(periods) if end_year(p) <= year)


# ------------------------------------------------------------------ a column of periods (Polars)


def end_year_expr(col: pl.Expr) -> pl.Expr:
    """end_year for an integer column."""
    import polars as pl

    return pl.when(col > ACADEMIC).then(col // 100 + 1).otherwise(col)


def next_period_expr(col: pl.Expr) -> pl.Expr:
    """next_period for an integer column (202324 + 101 = 202425: the second year's two digits never wrap
    within the years the files cover)."""
    import polars as pl

    return pl.when(col > ACADEMIC).then(col + 101).otherwise(col + 1)


def label_expr(col: pl.Expr) -> pl.Expr:
    """label() for a column of periods: 2025 stays 2025, 202425 reads 2024/25."""
    import polars as pl

    p = col.cast(pl.String)
    return pl.when(p.str.len_chars() == 6).then(pl.concat_str(p.str.slice(0, 4), pl.lit("/"), p.str.slice(4, 2))) \
        .otherwise(p)


def end_year_of_text_expr(col: pl.Expr) -> pl.Expr:
    """end_year_of_text for a text column (as the raw tables hold periods); null when not a number."""
    import polars as pl

    p = col.str.strip_chars()
    return (pl.when(p.str.len_chars() == 6).then(p.str.slice(0, 4).cast(pl.Int64, strict=False) + 1)
            .otherwise(p.cast(pl.Int64, strict=False)))


def report_year_of(values: Any) -> int:
    """report_year of a frame of indicator values (columns geographic_level and time_period)."""
    import polars as pl

    nat = values.filter(pl.col("geographic_level") == "National")
    return report_year(nat["time_period"].unique().to_list())


# ------------------------------------------------------------------ in SQL (DuckDB macros)

MACROS = {
    "period_end_year": f"case when p > {ACADEMIC} then p // 100 + 1 else p end",
    "period_previous": f"case when p > {ACADEMIC} then (p // 100 - 1) * 100 + (p % 100 + 99) % 100 else p - 1 end",
}


def register_macros(con: Any) -> None:
    """Define period_end_year(p) and period_previous(p) on a DuckDB connection, for this session only (the
    warehouse file does not keep them), so the queries do the arithmetic written here."""
    for name, body in MACROS.items():
        con.execute(f"create or replace temp macro {name}(p) as {body}")
