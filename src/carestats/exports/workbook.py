"""Exports for analysts: one XLSX workbook (a sheet per theme, a metadata sheet) in build/exports/.

Numbers are numeric cells, rounded half up to the indicator's decimal places as the reports show them (the
exact values stay in the Parquet and CSV files and the warehouse); a value that is not published is its
symbol, as text. Each sheet has its header row frozen and filters on its columns. Columns carry the names
they have in every other output (`time_period` is the publisher's code, `time_period_label` its reading).
Every text cell is a plain string that Excel never evaluates (see xlsx.py), and the same inputs give the
same bytes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl

from carestats.core.periods import label_expr
from carestats.core.rounding import rounded_expr
from carestats.core.vocabulary import SYMBOLS
from carestats.exports.xlsx import Sheet
from carestats.exports.xlsx import write_xlsx as write_sheets
from carestats.indicators.registry import THEMES, Indicator


def write_xlsx(values: pl.DataFrame, indicators: list[Indicator], target: Path, year: int) -> Path:
    """The workbook; each theme's sheet is made from `values` only when it is written (one at a time)."""
    titles = pl.DataFrame({"indicator_id": [i.id for i in indicators], "indicator": [i.title for i in indicators],
                           "decimals": [i.decimals for i in indicators]},
                          schema={"indicator_id": pl.String, "indicator": pl.String, "decimals": pl.Int32})

    def table(ids: list[str]) -> pl.DataFrame:
        return values.filter(pl.col("indicator_id").is_in(ids)).join(
            titles, on="indicator_id", how="left", maintain_order="left").select(
            "indicator_id", "indicator", "time_period", label_expr(pl.col("time_period")).alias("time_period_label"),
            "geographic_level", "area_code", "area_name", "breakdown",
            # A number, or the symbol as text where the value is not published.
            pl.when(pl.col("value").is_null()).then(pl.col("status")).otherwise(None).alias("value_symbol"),
            rounded_expr("value"), "status", "numerator", "denominator", "release")
    about = pl.DataFrame({"carestats indicator workbook": [
        f"Report year {year}. One sheet per theme; the Metadata sheet defines every indicator.",
        ("value holds the published number, rounded to the indicator's decimal places (the exact values are in "
         "indicator_values.parquet and .csv); where no number is published, value_symbol holds the publisher's "
         "symbol and status repeats it:"),
        *[f"{sym}: {meaning}" for sym, meaning in SYMBOLS.items()]]})
    sheets: list[tuple[str, Sheet]] = [("About", about)]
    for theme, theme_title in THEMES.items():
        ids = [i.id for i in indicators if i.theme == theme]
        if values["indicator_id"].is_in(ids).any():
            sheets.append((theme_title[:31], functools.partial(table, ids)))
    meta = pl.DataFrame([{
        "indicator_id": i.id, "title": i.title, "theme": i.theme_title, "unit": i.unit, "decimals": i.decimals,
        "polarity": i.polarity, "definition": i.definition, "numerator": i.numerator,
        "denominator": i.denominator, "method": i.method, "method_note": i.method_note,
        "source_files": ", ".join(i.source_files)} for i in indicators])
    sheets.append(("Metadata", meta))
    return write_sheets(sheets, target)
