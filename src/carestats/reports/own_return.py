"""The council's own SSDA903 return in its report: this year's figures from the return beside the
published figures for its statistical neighbours, region and England (which are a year or more older and
say so), charts of placement moves, of coming back into care after returning home and of age at leaving
care, and how the return fared against the DfE's validation rules.

What the section shows passes through disclosure control (indicators.local.disclose) unless the build was
asked for the council's internal edition (`--unsuppressed`), whose every page is then marked.
"""

from __future__ import annotations

import polars as pl

from carestats.core.settings import Settings
from carestats.core.vocabulary import UNSUPPRESSED_MARK
from carestats.indicators.registry import Indicator, load_local_indicators
from carestats.reports import charts
from carestats.reports.england import Cell
from carestats.reports.formatting import fmt_period, fmt_value

TOTAL = "Total"
NOT_RUN = "*"  # pipeline.ssda903.NOT_RUN: a year the DfE's rules could not be run on
NOT_PUBLISHED = "no published table"
# The three charts of the section: (indicator, title of the chart).
CHARTS = (
    ("placement_moves", "Children looked after during the year to 31 March {year}, by their placement moves in the year"),
    ("returned_home_reentry_pct", ("Children who returned home in the year to 31 March {year} and came back "
                                  "into care within 365 days, by kind of return (%)")),
    ("ceased_aged_16_plus_by_age_pct", ("Children who left care aged 16 or over in the year to 31 March {year}, "
                                       "by age on leaving (%)")),
)
# Distributions drawn as charts rather than set in the table (their Total is the group, not a figure of
# its own).
DISTRIBUTIONS = {"placement_moves", "ceased_aged_16_plus_by_age_pct", "cla_ceasing_by_age"}
# The measures of the year-by-year table, in this order where the return has them.
OVER_TIME = ("cla_count", "cla_starting", "cla_ceasing", "placement_moves_mean", "cla_3plus_placements_pct",
             "returned_home_reentry_pct", "cla_missing_children")


def shown_values(local: pl.DataFrame, defs: dict[str, Indicator], options: Settings) -> pl.DataFrame:
    """The council's figures as this edition may show them: under disclosure control, or exact in the
    internal edition."""
    if options.unsuppressed:
        return local
    from carestats.indicators.local import disclose

    return disclose(local, {i.id: i.unit for i in defs.values()}, options.threshold)


def _latest_published(idx, code: str, ind_id: str):  # type: ignore[no-untyped-def]
    """(period, the council's published row, its comparisons row) for the latest published Total."""
    own = idx.values.get(code)
    if own is None:
        return None, None, {}
    rows = own.filter((pl.col("indicator_id") == ind_id) & (pl.col("breakdown") == TOTAL))
    if rows.is_empty():
        return None, None, {}
    row = rows.sort("time_period").row(-1, named=True)
    comps = idx.comparisons.get(code)
    comp = {}
    if comps is not None:
        hit = comps.filter((pl.col("indicator_id") == ind_id) & (pl.col("breakdown") == TOTAL)
                           & (pl.col("time_period") == row["time_period"]))
        comp = hit.row(0, named=True) if hit.height else {}
    return row["time_period"], row, comp


def _fmt(ind: Indicator, value: float | None, status: str | None) -> Cell:
    return Cell(fmt_value(value, ind.unit, ind.decimals, status), status)


def _beside(ind: Indicator, comp: dict, key: str) -> Cell:
    """A comparator's published figure; '–' where the comparisons table has none (no published
    comparator, or a measure no table publishes)."""
    return _fmt(ind, comp[key], None) if comp.get(key) is not None else Cell("–")


def _validation(data, year: int) -> dict:  # type: ignore[no-untyped-def]
    """How the return of `year` fared against the DfE's rules, and the rows carestats left out."""
    v = getattr(data, "validation", None)
    left = getattr(data, "returns", None)
    left_out = 0
    if left is not None and not left.is_empty():
        hit = left.filter(pl.col("return_year") == year)
        left_out = int(hit["left_out"].sum()) if hit.height else 0
    if v is None:
        return {"checked": False, "left_out": left_out, "reason": ""}
    mine = v.filter(pl.col("return_year") == year)
    whole = mine.filter(pl.col("rule") == NOT_RUN)
    if whole.height or mine.is_empty():
        return {"checked": False, "left_out": left_out,
                "reason": whole["message"][0] if whole.height else ""}
    errors = mine.filter(pl.col("outcome") == "error")
    failed = errors.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    not_run = sorted(set(mine.filter(pl.col("outcome") == "could not run")["rule"].to_list()))
    return {"checked": True, "errors": errors.height, "rules": failed.height,
            "top": [{"rule": r, "count": n} for r, n in failed.head(5).iter_rows()],
            "not_run": not_run, "left_out": left_out}


def own_return_context(idx, code: str, options: Settings) -> dict | None:  # type: ignore[no-untyped-def]
    """The section's context for the council whose returns the build read, else None."""
    data = idx.data
    local = getattr(data, "local", None)
    if local is None or local.is_empty():
        return None
    local = local.filter(pl.col("area_code") == code)
    if local.is_empty():
        return None
    defs = {i.id: i for i in load_local_indicators()}
    local = shown_values(local, defs, options)
    year = int(local["time_period"].max())
    published = idx.by_id
    this_year = local.filter(pl.col("time_period") == year)
    rows = []
    for ind_id in dict.fromkeys(this_year["indicator_id"].to_list()):
        ind = defs.get(ind_id)
        total = this_year.filter((pl.col("indicator_id") == ind_id) & (pl.col("breakdown") == TOTAL))
        if ind is None or total.is_empty() or ind_id in DISTRIBUTIONS:
            continue
        r = total.row(0, named=True)
        period, pub, comp = _latest_published(idx, code, ind_id) if ind_id in published else (None, None, {})
        pind = published.get(ind_id, ind)
        rows.append({
            "label": ind.short_title or ind.title,
            "value": _fmt(ind, r["value"], r["status"]),
            "published": _fmt(pind, pub["value"], pub["status"]) if pub else Cell(NOT_PUBLISHED),
            "period": fmt_period(period) if period is not None else "",
            "neighbours": _beside(pind, comp, "sn_median"),
            "region": _beside(pind, comp, "region_value"),
            "england": _beside(pind, comp, "england_value"),
            "new": ind_id not in published,
        })
    figures = []
    for ind_id, title in CHARTS:
        ind = defs.get(ind_id)
        parts = local.filter((pl.col("indicator_id") == ind_id) & (pl.col("breakdown") != TOTAL))
        if ind is None or parts.is_empty():
            continue
        shown_years = sorted(set(parts.filter(pl.col("value").is_not_null() | pl.col("status").is_not_null())
                                 ["time_period"].to_list()))
        if not shown_years:
            continue
        at = shown_years[-1]
        part = parts.filter(pl.col("time_period") == at)
        bars = [(r["breakdown"], r["value"], r["status"]) for r in part.iter_rows(named=True)]
        figures.append({"id": f"own-{ind_id.replace('_', '-')}",
                        "chart": charts.bar_chart(bars, title.format(year=at), ind.unit, ind.decimals),
                        "note": ind.definition})
    years = sorted(set(local["time_period"].to_list()))
    over_time = []
    if len(years) > 1:
        for ind_id in OVER_TIME:
            ind = defs.get(ind_id)
            series = local.filter((pl.col("indicator_id") == ind_id) & (pl.col("breakdown") == TOTAL))
            if ind is None or series.is_empty():
                continue
            by_year = {r["time_period"]: r for r in series.iter_rows(named=True)}
            over_time.append({"label": ind.short_title or ind.title,
                              "cells": [_fmt(ind, by_year[y]["value"], by_year[y]["status"]) if y in by_year
                                        else Cell("–") for y in years]})
    return {
        "year": year,
        "years": [str(y) for y in years],
        "rows": rows,
        "figures": figures,
        "over_time": over_time,
        "validation": _validation(data, year),
        "unsuppressed": options.unsuppressed,
        "mark": UNSUPPRESSED_MARK if options.unsuppressed else "",
        "threshold": options.threshold,
    }
