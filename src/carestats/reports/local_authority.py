"""What a local authority's report shows: the LA beside its statistical neighbours, its region and
England, its rank and quartile band, its trend, a spine chart per theme and its Ofsted grade history.

`LAIndex` is built once per process from the shared ReportData; `la_context` then only looks things up,
so the 150-odd reports cost little more than their rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carestats.reports import charts
from carestats.reports import formatting
from carestats.reports import narrative
from carestats.core import periods as timeline
from carestats.core.periods import end_year
from carestats.reports.formatting import fmt_period, fmt_value
from carestats.core.settings import Settings
from carestats.indicators.registry import Indicator
from carestats.reports.data import LA, ReportData
from carestats.reports.england import (
    EMPTY_SECTION,
    NATIONAL,
    Cell,
    main_breakdown,
    method_context,
    points,
    region_names,
)

TREND_PERIODS = 6
MAX_TRENDS = 6  # small charts on the trends page (two rows of three)
# Totals grow with an area's size: an LA's count is set beside its neighbours' median and other LAs, never
# drawn on one axis with (or said to be lower than) England's or its region's total.
TOTALS = {"count", "£ thousands", "fte"}
GRADE_ID = "ilacs_overall_effectiveness"


@dataclass
class Spread:
    """Every published LA figure's spread for one indicator, period and breakdown (the comparisons table's
    spread_* columns)."""
    lowest: float
    q1: float
    q3: float
    highest: float
    count: int

    @classmethod
    def of(cls, row: dict) -> Spread | None:
        if not row.get("spread_count"):
            return None
        return cls(row["spread_low"], row["spread_q1"], row["spread_q3"], row["spread_high"], row["spread_count"])


class LAIndex:
    """Lookups shared by every LA report of one build."""

    def __init__(self, data: ReportData, indicators: list[Indicator]) -> None:
        self.data, self.indicators, self.year = data, indicators, data.year
        self.by_id = {i.id: i for i in indicators}
        self.values = {k[0]: df for k, df in data.values.filter(pl.col("geographic_level") == LA)
                       .partition_by("area_code", as_dict=True).items()}
        self.comparisons = {k[0]: df for k, df in data.comparisons.filter(pl.col("geographic_level") == LA)
                            .partition_by("area_code", as_dict=True).items()}
        nat = data.values.filter(pl.col("geographic_level") == NATIONAL)
        self.england_series = {k: df for k, df in nat.partition_by(["indicator_id", "breakdown"], as_dict=True).items()}
        self.regions = region_names(data.values)
        self.names = {c: n for c, n in data.values.select("area_code", "area_name").unique(
            subset=["area_code"], keep="last").iter_rows()}
        self.main = {k[0]: main_breakdown(df) for k, df in data.values.partition_by(
            "indicator_id", as_dict=True).items()}

    def rows_for(self, code: str, frames: dict[str, pl.DataFrame], empty: pl.DataFrame) -> pl.DataFrame:
        """An LA's rows, with those published under its previous code (same council, new code) where its
        own code has none for that indicator, period and breakdown."""
        own = frames.get(code, empty)
        name = self.area(code).get("name")
        for old in self.area(code).get("predecessor_codes") or []:
            if name and old in frames and self.area(old).get("name") == name:
                key = ["indicator_id", "time_period", "breakdown"]
                extra = frames[old].join(own.select(key), on=key, how="anti")
                own = pl.concat([own, extra.with_columns(pl.lit(code).alias("area_code"))], how="diagonal_relaxed")
        return own

    def area(self, code: str) -> dict:
        """The areas table's row (issue 4): region, reorganisation note, predecessors; {} without it."""
        areas = self.data.areas
        if areas is None or areas.is_empty() or "code" not in areas.columns:
            return {}
        rows = areas.filter(pl.col("code") == code)
        return rows.row(0, named=True) if rows.height else {}

    def formation(self, code: str, name: str) -> narrative.Formation | None:
        """A council formed from others with other names (not a change of code for the same council)."""
        row = self.area(code)
        preds = row.get("predecessor_codes") or []
        if isinstance(preds, str):
            preds = [p.strip() for p in preds.replace(";", ",").split(",") if p.strip()]
        names = tuple(dict.fromkeys(self.names.get(p, p) for p in preds))
        if not names or names == (name,) or row.get("valid_from") is None:
            return None
        return narrative.Formation(int(str(row["valid_from"])[:4]), names)


def _sn_info(idx: LAIndex, code: str, comp: pl.DataFrame) -> dict:
    """The neighbour set used in the report year, and the neighbours' names when the table is there."""
    latest = comp.filter(pl.col("sn_set").is_not_null()).sort("time_period", descending=True) \
        if "sn_set" in comp.columns else comp.clear()
    sn_set = latest["sn_set"][0] if latest.height else None
    names: list[str] = []
    nb = idx.data.neighbours
    if sn_set and nb is not None and {"sn_set", "area_code", "neighbour_code"} <= set(nb.columns):
        rows = nb.filter((pl.col("sn_set").cast(pl.String) == str(sn_set)) & (pl.col("area_code") == code))
        if "neighbour_rank" in rows.columns:
            rows = rows.sort("neighbour_rank")
        label = "neighbour_name" if "neighbour_name" in rows.columns else "neighbour_code"
        names = [n if label == "neighbour_name" and n else idx.names.get(c, c)
                 for c, n in zip(rows["neighbour_code"].to_list(), rows[label].to_list())]
    if sn_set:
        text = (f"Each figure is set beside England, the local authority's region and the median of its statistical "
                f"neighbours (the DfE's {sn_set} set: the 10 most similar local authorities; the median is of those "
                f"with a published figure). Ranks are among local authorities with a figure, 1st being the best "
                f"given the indicator's direction; quartile band A is the best quarter, D the worst.")
    else:
        text = ("Statistical neighbour and regional comparisons are not in this build's warehouse, so each figure is "
                "set beside England only. Ranks are among local authorities with a figure, 1st being the best "
                "given the indicator's direction; quartile band A is the best quarter, D the worst.")
    return {"set": sn_set, "names": names, "text": text}


def _rows_for(idx: LAIndex, ind: Indicator, df: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    """(label, breakdown, rows) for each line the LA report shows for one indicator."""
    main = idx.main.get(ind.id)
    if main is not None:
        part = df.filter(pl.col("breakdown") == main)
        return [(ind.short_title, main, part)] if part.height else []
    out = []
    for (b,), part in sorted(df.partition_by("breakdown", as_dict=True).items()):
        out.append((f"{ind.short_title}: {b}", b, part))
    return out


def _num(ind: Indicator, v: float | None) -> str:
    return fmt_value(v, ind.unit, ind.decimals) if v is not None else formatting.NO_DATA


def la_context(idx: LAIndex, code: str, name: str, inputs: list[dict], options: Settings | None = None) -> dict:
    options = options or Settings()
    year = idx.year
    mine = idx.rows_for(code, idx.values, idx.data.values.clear())
    comp = idx.rows_for(code, idx.comparisons, idx.data.comparisons.clear())
    comp_index = {(r["indicator_id"], r["time_period"], r["breakdown"]): r for r in comp.iter_rows(named=True)}
    area = idx.area(code)
    region_code = area.get("region_code") or next(
        (r["region_code"] for r in comp_index.values() if r.get("region_code")), None)
    region = idx.regions.get(region_code, region_code) if region_code else None
    formed = idx.formation(code, name)
    by_ind = {k[0]: df for k, df in mine.partition_by("indicator_id", as_dict=True).items()}
    sections, used, shown, tiles, trends = [], [], {}, [], []
    for theme, title in options.themes():
        inds = [i for i in idx.indicators if i.theme == theme and i.unit != "grade"]
        if theme == "additional" and not inds:
            continue
        spine_rows, table, told, bands, moves = [], [], [], [], []
        for ind in inds:
            df = by_ind.get(ind.id)
            if df is None:
                continue
            for label, breakdown, part in _rows_for(idx, ind, df):
                periods = timeline.up_to(part["time_period"].to_list(), year)
                if not periods:
                    continue
                period = periods[-1]
                pts = points(part)
                row = next((r for r in part.iter_rows(named=True) if r["time_period"] == period), None)
                c = comp_index.get((ind.id, period, breakdown), {})
                eng_v, reg_v, sn = c.get("england_value"), c.get("region_value"), c.get("sn_median")
                spread = Spread.of(c)
                value, status = (row["value"], row["status"]) if row else (None, None)
                total = ind.unit in TOTALS
                spine_rows.append(charts.SpineRow(
                    label, value, status, spread.lowest if spread else None, spread.q1 if spread else None,
                    spread.q3 if spread else None, spread.highest if spread else None,
                    None if total else eng_v, None if total else reg_v, sn, ind.polarity, ind.unit, ind.decimals))
                rank, rank_of, band = c.get("rank"), c.get("rank_of"), c.get("quartile_band")
                trend = c.get("trend") or ""
                table.append({
                    "label": label, "period": fmt_period(period) if fmt_period(period) != str(year) else "",
                    "value": Cell(fmt_value(value, ind.unit, ind.decimals, status), status),
                    "change": formatting.fmt_change(c.get("change_1y"), ind.unit, ind.decimals)
                    if c.get("change_1y") is not None else formatting.NO_DATA,
                    "trend": trend, "neighbours": _num(ind, sn), "region": _num(ind, reg_v),
                    "england": _num(ind, eng_v),
                    "rank": f"{rank:,} of {rank_of:,}" if rank and rank_of and ind.polarity != "none"
                    else formatting.NO_DATA,
                    "band": band or formatting.NO_DATA,
                })
                if band:
                    bands.append(band)
                if trend:
                    moves.append(trend)
                comparators = [] if total else [narrative.Comparator("England", eng_v)]
                if region and not total:
                    comparators.append(narrative.Comparator(f"the {region} region", reg_v))
                if sn is not None:
                    comparators.append(narrative.Comparator("the median of its statistical neighbours", sn))
                told.append((not ind.headline, len(told), [
                    narrative.trend_sentence(ind, pts, period, area=name, formed=formed),
                    narrative.comparison_sentence(ind, value, comparators, rank, rank_of, band)]))
                if ind.headline and breakdown == (idx.main.get(ind.id) or breakdown):
                    note = f"{fmt_period(period)}; neighbours' median {_num(ind, sn)}" if total \
                        else f"{fmt_period(period)}; England {_num(ind, eng_v)}"
                    tiles.append({"title": ind.short_title, "value": fmt_value(value, ind.unit, ind.decimals, status),
                                  "note": note})
                    trends.append(_trend_block(idx, ind, breakdown, part, comp, name, region, region_code, year))
                used.append(ind)
                shown.setdefault(ind.id, set()).update(periods[-2:])
        summary = _summary(name, len(table), bands, moves)
        for r, cell in zip(table, charts.spine_cells(spine_rows, name)):
            r["spine"] = cell
        sections.append({"id": f"s-{theme}", "title": title, "rows": table,
                         "narrative": ([summary] if summary else []) + _told(told), "empty": EMPTY_SECTION})
    used = list(dict.fromkeys(used))
    grade = _ofsted(idx, code, name, by_ind.get(GRADE_ID))
    if grade:
        used.append(idx.by_id[GRADE_ID])
        shown[GRADE_ID] = set(grade["periods"])
    sn = _sn_info(idx, code, comp)
    return {
        "title": f"{name}: children's social care {year}", "area_name": name, "area_code": code, "year": year,
        "region": region, "formed": formed, "area_note": area.get("note"), "sections": sections, "tiles": tiles,
        "trends": trends_context(trends[:MAX_TRENDS], name, year),
        "ofsted": grade, "options": options, "neighbours": sn,
        "method": _capped(method_context(idx.data, idx.indicators, inputs, used, code, shown, full_inputs=False)),
    }


def _capped(method: dict, most: int = 12) -> dict:
    notes = method["revisions"]
    if len(notes) > most:
        method["revisions"] = [*notes[:most], f"… and {len(notes) - most} more revised figures (table "
                                                f"indicator_vintages in the warehouse lists them all)."]
    return method


def _told(told: list[tuple[bool, int, list[str]]], most: int = 2) -> list[str]:
    """The sentences for up to `most` measures: headline indicators first, then in the registry's order."""
    return [line for _, _, lines in sorted(told)[:most] for line in lines if line]


def _summary(name: str, n: int, bands: list[str], moves: list[str]) -> str:
    """'This section has 3 measures for Kent: 1 in the best quarter … (band A) and none in the worst …'"""
    if not n:
        return ""

    def count(k: int) -> str:
        return "none" if k == 0 else f"{k:,}"

    text = f"This section has {n:,} measure{'s' if n != 1 else ''} for {name}"
    parts = []
    if bands:
        parts.append(f"{count(bands.count('A'))} in the best quarter of local authorities (band A) and "
                     f"{count(bands.count('D'))} in the worst (band D)")
    if moves:
        parts.append(f"{count(moves.count('improving'))} improving and {count(moves.count('worsening'))} "
                     f"worsening on a year earlier")
    return text + (": " + "; ".join(parts) if parts else "") + "."


def _trend_block(idx: LAIndex, ind: Indicator, breakdown: str, part: pl.DataFrame, comp: pl.DataFrame,
                 name: str, region: str | None, region_code: str | None, year: int) -> dict:
    """A small line chart of the LA, its neighbours' median and England (its region is in the tables)."""
    periods = timeline.up_to(part["time_period"].to_list(), year)[-TREND_PERIODS:]
    series = [charts.Series(name, [p for p in points(part) if p[0] in periods], style=0)]
    c = comp.filter((pl.col("indicator_id") == ind.id) & (pl.col("breakdown") == breakdown)
                    & pl.col("time_period").is_in(periods))
    if "sn_median" in c.columns and c["sn_median"].drop_nulls().len():
        series.append(charts.Series("Neighbours' median", sorted(
            (r["time_period"], r["sn_median"], None) for r in c.iter_rows(named=True) if r["sn_median"] is not None),
            style=1))
    eng = idx.england_series.get((ind.id, breakdown)) if ind.unit not in TOTALS else None
    if eng is not None:
        series.append(charts.Series("England", [p for p in points(eng) if p[0] in periods], style=3))
    chart = charts.line_chart(series, f"{ind.title}: {name} and comparators", ind.unit, ind.decimals, width=166,
                              height=100, max_ticks=3, axis_label="")
    return {"ind": ind, "chart": chart, "series": series, "periods": periods}


def trends_context(blocks: list[dict], name: str, year: int) -> dict | None:
    """One figure of small charts for the headline measures, and one table of the figures in them."""
    if not blocks:
        return None
    fig = charts.multiples([(b["ind"].short_title, b["chart"]) for b in blocks],
                           f"Headline measures over time: {name} and comparators")
    years = sorted({end_year(p) for b in blocks for p in b["periods"]})[-TREND_PERIODS:]
    groups = []
    for b in blocks:
        ind = b["ind"]
        rows = []
        for s in b["series"]:
            got = {end_year(p): (v, st) for p, v, st in s.points}
            rows.append({"name": s.label, "cells": [
                Cell(fmt_value(got[y][0], ind.unit, ind.decimals, got[y][1]), got[y][1]) if y in got
                else Cell(formatting.NO_DATA) for y in years]})
        groups.append({"title": ind.short_title, "rows": rows})
    academic = any(timeline.is_two_year(p) for b in blocks for p in b["periods"])
    return {"figure": fig, "years": [str(y) for y in years], "groups": groups,
            "note": "Academic and financial years are shown under the year they end (2024/25 under 2025)."
            if academic else ""}


def _ofsted(idx: LAIndex, code: str, name: str, df: pl.DataFrame | None) -> dict | None:
    if GRADE_ID not in idx.by_id:
        return None
    pts = points(df) if df is not None else []
    rows = [{"period": f"31 March {end_year(p)}", "grade": fmt_value(v, "grade", 0, s)} for p, v, s in pts]
    return {"sentence": narrative.grade_history_sentence(pts, name), "rows": rows, "periods": [p for p, _, _ in pts]}

