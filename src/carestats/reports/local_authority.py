"""What a local authority's report shows: the LA beside its statistical neighbours, its region and
England, its rank and quartile band, its trend, a spine chart per theme and its Ofsted grade history.

`LAIndex` is built once per process from the shared ReportData; `la_context` then only looks things up,
so the 150-odd reports cost little more than their rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carestats.core import periods as timeline
from carestats.core.periods import end_year
from carestats.core.settings import Settings
from carestats.indicators.registry import Indicator
from carestats.reports import charts, formatting, narrative
from carestats.reports.data import LA, ReportData
from carestats.reports.england import (
    EMPTY_SECTION,
    NATIONAL,
    Cell,
    main_breakdown,
    method_context,
    points,
    region_names,
    source_name,
)
from carestats.reports.formatting import fmt_period, fmt_value
from carestats.reports.own_return import own_return_context

TREND_PERIODS = 6
MAX_TRENDS = 6  # small charts on the trends page (two rows of three)
# Totals grow with an area's size: an LA's count is set beside its neighbours' median and other LAs, never
# drawn on one axis with (or said to be lower than) England's or its region's total.
TOTALS = {"count", "£ thousands", "fte"}
GRADE_ID = "ilacs_overall_effectiveness"
def same_quantity(indicators: list[Indicator]) -> dict[tuple[str, str], tuple[str, str]]:
    """One quantity that two indicators publish (from two files), as their headers say (`same_quantity_as`):
    (indicator, breakdown) -> the other's, both ways. A report shows one figure for it, the latest release's,
    with a footnote where the two publications disagree."""
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    for ind in indicators:
        if ind.same_quantity_as:
            pairs[(ind.id, "Total")] = (ind.same_quantity_as, "Total")
            pairs[(ind.same_quantity_as, "Total")] = (ind.id, "Total")
    return pairs


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
        self.same_quantity = same_quantity(indicators)
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


def _vintage(release: str | None) -> int:
    digits = (release or "")[-4:]
    return int(digits) if digits.isdigit() else -1


def named_set(comp: pl.DataFrame, year: int) -> str | None:
    """The neighbour set the report names: the one most of its rows of the report year use (else of the
    latest year with one)."""
    if "sn_set" not in comp.columns:
        return None
    rows = comp.filter(pl.col("sn_set").is_not_null())
    if rows.is_empty():
        return None
    rows = rows.with_columns(timeline.end_year_expr(pl.col("time_period")).alias("_year"))
    now = rows.filter(pl.col("_year") == year)
    if now.is_empty():
        now = rows.filter(pl.col("_year") == rows["_year"].max())
    counts = now.group_by("sn_set").len().sort(["len", "sn_set"], descending=True)
    return counts["sn_set"][0]


def _sn_info(idx: LAIndex, code: str, comp: pl.DataFrame, compared: bool, regional: bool = True) -> dict:
    """The neighbour set the report names, and the neighbours' names when the table is there. `compared`:
    whether any row of the report has a neighbours' figure, `regional` a region's (else the report makes no
    such claim)."""
    sn_set = named_set(comp, idx.year) if compared else None
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
        text = (f"Each figure is set beside England, {'the local authority' + chr(39) + 's region and ' if regional else ''}"
                f"the median of its statistical neighbours (the DfE's {sn_set} set: the 10 most similar local authorities; the median is of those "
                f"with a published figure). Every neighbours' figure uses the {sn_set} set unless its row names "
                f"another. Ranks are among local authorities with a figure, 1st being the best "
                f"given the indicator's direction; quartile band A is the best quarter, D the worst.")
    else:
        text = ("This build has no statistical neighbours' figures for this local authority, so no figure is set "
                "beside its neighbours" + ("" if regional else " or a region") + ". Ranks are among local authorities with a figure, 1st being the best "
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


def _same_quantity(idx: LAIndex, ind: Indicator, breakdown: str, period: int, row: dict | None,
                   by_ind: dict[str, pl.DataFrame]) -> tuple[Indicator, dict | None, str]:
    """(indicator, row, footnote) for a figure that another indicator also publishes: the latest release's
    row, and a footnote when the two publications disagree ("" when they agree or there is no other)."""
    other_id, other_breakdown = idx.same_quantity.get((ind.id, breakdown), (None, None))
    other_df = by_ind.get(other_id) if other_id else None
    if other_df is None or other_id not in idx.by_id or row is None:
        return ind, row, ""
    other = next((r for r in other_df.iter_rows(named=True)
                  if r["time_period"] == period and r["breakdown"] == other_breakdown), None)
    if other is None:
        return ind, row, ""
    other_ind = idx.by_id[other_id]
    if (other["value"], other["status"]) == (row["value"], row["status"]):
        return ind, row, ""
    (win_ind, win), (lose_ind, lose) = sorted(
        [(ind, row), (other_ind, other)], key=lambda x: (_vintage(x[1]["release"]), x[1]["release"] or ""),
        reverse=True)
    note = (f"{fmt_period(period)}: {fmt_value(win['value'], win_ind.unit, win_ind.decimals, win['status'])} as "
            f"{win['release']} publishes it ({win_ind.short_title}); {lose['release']} gives "
            f"{fmt_value(lose['value'], lose_ind.unit, lose_ind.decimals, lose['status'])} "
            f"({lose_ind.short_title}). The latest release's figure is shown.")
    return win_ind, win, note


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
    sn_set = named_set(comp, year)
    sections, used, shown, tiles, trends, releases = [], [], {}, [], [], {}
    any_sn = any_region = False
    for theme, title in options.themes():
        inds = [i for i in idx.indicators if i.theme == theme and i.unit != "grade"]
        if theme == "additional" and not inds:
            continue
        spine_rows, table, told, bands, moves, notes = [], [], [], [], [], []
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
                src_ind, row, footnote = _same_quantity(idx, ind, breakdown, period, row, by_ind)
                src_breakdown = row["breakdown"] if row else breakdown
                c = comp_index.get((src_ind.id, period, src_breakdown), {})
                eng_v, reg_v, sn = c.get("england_value"), c.get("region_value"), c.get("sn_median")
                any_sn = any_sn or sn is not None
                any_region = any_region or reg_v is not None
                spread = Spread.of(c)
                value, status = (row["value"], row["status"]) if row else (None, None)
                total = ind.unit in TOTALS
                spine_rows.append(charts.SpineRow(
                    label, value, status, spread.lowest if spread else None, spread.q1 if spread else None,
                    spread.q3 if spread else None, spread.highest if spread else None,
                    None if total else eng_v, None if total else reg_v, sn, ind.polarity, ind.unit, ind.decimals))
                rank, rank_of, band = c.get("rank"), c.get("rank_of"), c.get("quartile_band")
                trend = c.get("trend") or ""
                row_set = c.get("sn_set") if sn is not None else None
                if footnote:
                    notes.append(footnote)
                table.append({
                    "label": label, "period": fmt_period(period) if fmt_period(period) != str(year) else "",
                    "value": Cell(fmt_value(value, ind.unit, ind.decimals, status), status),
                    "note": len(notes) if footnote else None,
                    "change": formatting.fmt_change(c.get("change_1y"), ind.unit, ind.decimals)
                    if c.get("change_1y") is not None else formatting.NO_DATA,
                    "trend": trend, "neighbours": _num(ind, sn), "region": _num(ind, reg_v),
                    "sn_set": row_set if row_set and row_set != sn_set else None,
                    "england": _num(ind, eng_v),
                    "rank": f"{rank:,} of {rank_of:,}" if rank and rank_of and ind.polarity != "none"
                    else formatting.NO_DATA,
                    "band": band or formatting.NO_DATA,
                    "ref": (src_ind.id, src_breakdown, period),  # the figure's indicator_values row (the site's tests)
                })
                if row and row.get("release"):
                    releases.setdefault(src_ind.id, set()).add(row["release"])
                if band:
                    bands.append(band)
                if trend:
                    moves.append(trend)
                comparators = [] if total else [narrative.Comparator("England", eng_v)]
                if region and not total:
                    comparators.append(narrative.Comparator(f"the {region} region", reg_v))
                if sn is not None:
                    whose = "the median of its statistical neighbours" + (
                        f" (the {row_set} set)" if row_set and row_set != sn_set else "")
                    comparators.append(narrative.Comparator(whose, sn))
                told.append((not ind.headline, len(told), [
                    narrative.trend_sentence(ind, pts, period, area=name, formed=formed),
                    narrative.comparison_sentence(ind, value, comparators, rank, rank_of, band)]))
                if ind.headline and breakdown == (idx.main.get(ind.id) or breakdown):
                    note = f"{fmt_period(period)}; neighbours' median {_num(ind, sn)}" if total \
                        else f"{fmt_period(period)}; England {_num(ind, eng_v)}"
                    if total and sn is None:
                        note = fmt_period(period)
                    tiles.append({"title": ind.short_title, "value": fmt_value(value, ind.unit, ind.decimals, status),
                                  "note": note})
                    trends.append(_trend_block(idx, ind, breakdown, part, comp, name, region, region_code, year,
                                              sn_set))
                used.append(ind)
                if src_ind is not ind:
                    used.append(src_ind)
                shown.setdefault(ind.id, set()).update(periods[-2:])
                for r in part.iter_rows(named=True):
                    if r["time_period"] in periods[-TREND_PERIODS:] and r.get("release"):
                        releases.setdefault(ind.id, set()).add(r["release"])
        summary = _summary(name, len(table), bands, moves)
        for r, cell in zip(table, charts.spine_cells(spine_rows, name)):
            r["spine"] = cell
        sections.append({"id": f"s-{theme}", "title": title, "rows": table, "notes": notes,
                         "narrative": ([summary] if summary else []) + _told(told), "empty": EMPTY_SECTION})
    used = list(dict.fromkeys(used))
    grade = _ofsted(idx, code, name, by_ind.get(GRADE_ID))
    if grade:
        used.append(idx.by_id[GRADE_ID])
        shown[GRADE_ID] = set(grade["periods"])
        releases[GRADE_ID] = set(by_ind[GRADE_ID]["release"].to_list()) if GRADE_ID in by_ind else set()
    sn = _sn_info(idx, code, comp, any_sn, any_region)
    built = set(idx.data.values["indicator_id"].unique().to_list()) if idx.data.values.height else set()
    known = idx.indicators
    coverage = "" if len(built) >= len(known) else (
        f"This build has figures for {len(built):,} of the {len(known):,} measures carestats knows (its input "
        f"files hold no others), so this report shows {len(used):,} of them.")
    method = _capped(method_context(idx.data, idx.indicators, inputs, used, code, shown, full_inputs=False,
                                    releases=releases))
    if sn["set"]:  # the neighbours' figures come from the file of the set the report names
        files = [{**f, "file": source_name(f["name"])} for f in inputs
                 if f.get("status", "loaded") == "loaded" and f.get("table") == "statistical_neighbours"
                 and str(_vintage(f.get("release"))) == str(sn["set"])]
        method["inputs"] = sorted([*method["inputs"], *files], key=lambda f: (f.get("release") or "", f["file"]))
        method["releases"] = sorted({*method["releases"], *(f["release"] for f in files)})
    return {
        "title": f"{name}: children's social care {year}", "area_name": name, "area_code": code, "year": year,
        "region": region, "formed": formed, "area_note": area.get("note"), "sections": sections, "tiles": tiles,
        "trends": trends_context(trends[:MAX_TRENDS], name, year),
        "ofsted": grade, "options": options, "neighbours": sn,
        "compared": {"neighbours": any_sn, "region": any_region}, "coverage": coverage,
        "method": method, "own_return": own_return_context(idx, code, options),
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
                 name: str, region: str | None, region_code: str | None, year: int, named: str | None = None) -> dict:
    """A small line chart of the LA, its neighbours' median and England (its region is in the tables)."""
    periods = timeline.up_to(part["time_period"].to_list(), year)[-TREND_PERIODS:]
    series = [charts.Series(name, [p for p in points(part) if p[0] in periods], style=0)]
    c = comp.filter((pl.col("indicator_id") == ind.id) & (pl.col("breakdown") == breakdown)
                    & pl.col("time_period").is_in(periods))
    if "sn_median" in c.columns and c["sn_median"].drop_nulls().len():
        got = sorted((r["time_period"], r["sn_median"], r.get("sn_set")) for r in c.iter_rows(named=True)
                     if r["sn_median"] is not None)
        # the set the report names is "Neighbours' median"; where the line crosses a change of set, each other
        # set's years are a line of their own, named after the set, with a break where the set changes
        main = named if named in {s for _, _, s in got} else got[-1][2]
        series.append(charts.Series("Neighbours' median", [(p, v, None) for p, v, s in got if s == main], style=1))
        for other in dict.fromkeys(s for _, _, s in got if s != main):
            series.append(charts.Series(f"Neighbours' median ({other} set)",
                                        [(p, v, None) for p, v, s in got if s == other], style=2))
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

