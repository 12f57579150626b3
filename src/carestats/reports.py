"""What each report shows: ready display rows for the templates (templates never query or join).

Numbers are formatted here through formatting.py, once; the templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carestats import charts, formatting
from carestats.registry import THEMES, Indicator

TABLE_YEARS = 5


@dataclass
class Cell:
    text: str
    status: str | None = None


def end_year(period: int) -> int:
    p = str(period)
    return int(p[:4]) + 1 if len(p) == 6 else int(p)


def report_year(values: pl.DataFrame) -> int:
    nat = values.filter(pl.col("geographic_level") == "National")
    if nat.is_empty():
        return 0
    return max(end_year(p) for p in nat["time_period"].unique().to_list())


def cell(row: dict | None, ind: Indicator) -> Cell:
    if row is None:
        return Cell(formatting.NO_DATA)
    return Cell(formatting.fmt_value(row["value"], ind.unit, ind.decimals, row["status"]), row["status"])


def series_of(df: pl.DataFrame, area_code: str) -> list[tuple[int, float | None, str | None]]:
    rows = df.filter((pl.col("area_code") == area_code) & (pl.col("breakdown") == "Total"))
    return [(r["time_period"], r["value"], r["status"]) for r in rows.iter_rows(named=True)]


def indicator_block(ind: Indicator, df: pl.DataFrame, year: int) -> dict:
    """England headline, trend chart, and a table of England and the regions for recent years."""
    df = df.filter(pl.col("breakdown") == "Total")
    nat = df.filter(pl.col("geographic_level") == "National")
    periods = sorted(p for p in df["time_period"].unique().to_list() if end_year(p) <= year)
    recent = periods[-TABLE_YEARS:]
    eng_code = nat["area_code"][0] if nat.height else "E92000001"
    eng_series = [p for p in series_of(nat, eng_code) if end_year(p[0]) <= year]
    chart = charts.line_chart([charts.Series("England", eng_series)], ind.title, ind.unit, ind.decimals) \
        if eng_series else None
    index = {(r["area_code"], r["time_period"]): r for r in df.iter_rows(named=True)}
    areas = [(eng_code, "England")]
    regions = df.filter((pl.col("geographic_level") == "Regional") & pl.col("time_period").is_in(recent))
    for code, name in sorted({(r["area_code"], r["area_name"]) for r in regions.iter_rows(named=True)}):
        areas.append((code, name))
    rows = [{"name": name, "cells": [cell(index.get((code, p)), ind) for p in recent]} for code, name in areas]
    latest_p = recent[-1] if recent else None
    headline = index.get((eng_code, latest_p)) if latest_p else None
    prev = index.get((eng_code, recent[-2])) if len(recent) > 1 else None
    change = None
    if headline and prev and headline["value"] is not None and prev["value"] is not None:
        change = headline["value"] - prev["value"]
    statuses = sorted({c.status for r in rows for c in r["cells"] if c.status})
    return {
        "ind": ind, "periods": [formatting.fmt_period(p) for p in recent], "rows": rows, "chart": chart,
        "latest_period": formatting.fmt_period(latest_p) if latest_p else "", "statuses": statuses,
        "headline": cell(headline, ind) if latest_p else Cell(formatting.NO_DATA),
        "change": formatting.fmt_change(change, ind.unit, ind.decimals) if change is not None else "",
        "change_base": formatting.fmt_period(recent[-2]) if len(recent) > 1 else "",
        "releases": sorted(df.filter(pl.col("time_period").is_in(recent))["release"].unique().to_list()),
    }


def england_context(values: pl.DataFrame, indicators: list[Indicator], year: int, inputs: list[dict]) -> dict:
    sections = []
    for theme, title in THEMES.items():
        blocks = []
        for ind in (i for i in indicators if i.theme == theme):
            df = values.filter(pl.col("indicator_id") == ind.id)
            if df.is_empty():
                continue
            blocks.append(indicator_block(ind, df, year))
        if blocks:
            sections.append({"id": theme, "title": title, "blocks": blocks})
    headlines = [b for s in sections for b in s["blocks"] if b["ind"].headline]
    used = sorted({s for s in values["release"].unique().to_list()})
    return {
        "title": f"Children's social care in England {year}",
        "area_name": "England", "year": year, "sections": sections, "headlines": headlines,
        "releases": used, "inputs": inputs, "symbols": formatting.SYMBOLS,
        "indicators": indicators,
    }


def render_england(values: pl.DataFrame, indicators: list[Indicator], year: int, inputs: list[dict],
                   out: Path, template_dirs: list[Path] | None = None) -> Path:
    from carestats.render import environment, html_to_pdf

    env = environment(template_dirs)
    html = env.get_template("england.html.j2").render(**england_context(values, indicators, year, inputs))
    target = out / f"england-{year}.pdf"
    html_to_pdf(html, target, template_dirs)
    return target
