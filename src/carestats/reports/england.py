"""What the England report shows: ready display rows for the templates (templates never query or join).

Numbers are formatted here through formatting.py, once; the templates only lay them out. The local
authority report is in lareport.py; both use the helpers here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import polars as pl

from carestats.core import paths
from carestats.core import periods as timeline
from carestats.core.periods import end_year
from carestats.core.settings import Settings
from carestats.indicators.registry import Indicator
from carestats.reports import charts, formatting, narrative
from carestats.reports.data import ReportData
from carestats.reports.formatting import fmt_period

TABLE_PERIODS = 10  # England report: periods in each chart and its table (the web edition)
ANNEX_PERIODS = 6  # the PDF's annex tables: the latest periods of each (its chapters chart every period)
# An annex table is set at half the page's width, two side by side, unless its figures need more: more
# characters in a row of figures (its periods times its longest figure or period) than this many fit in
# half a page at the annex's type size (england.css); such a table has the page's width to itself.
ANNEX_HALF_CHARS = 36
TOTAL = "Total"
NATIONAL, REGIONAL, LA = "National", "Regional", "Local authority"
EMPTY_SECTION = "There is no data in the files for this section."


@dataclass
class Cell:
    text: str
    status: str | None = None


def cell(row: dict | None, ind: Indicator) -> Cell:
    if row is None:
        return Cell(formatting.NO_DATA)
    return Cell(formatting.fmt_value(row["value"], ind.unit, ind.decimals, row["status"]), row["status"])


def main_breakdown(df: pl.DataFrame) -> str | None:
    """The breakdown a headline figure uses: 'Total', or the only one; None when there are several."""
    names = df["breakdown"].unique().to_list()
    if TOTAL in names:
        return TOTAL
    return names[0] if len(names) == 1 else None


def points(df: pl.DataFrame) -> list[narrative.Point]:
    return sorted((r["time_period"], r["value"], r["status"]) for r in df.iter_rows(named=True))


def periods_upto(df: pl.DataFrame, year: int, n: int) -> list[int]:
    return timeline.up_to(df["time_period"].to_list(), year)[-n:]


def region_names(values: pl.DataFrame) -> dict[str, str]:
    reg = values.filter(pl.col("geographic_level") == REGIONAL).sort("time_period", descending=True)
    out: dict[str, str] = {}
    for r in reg.select("area_code", "area_name").iter_rows(named=True):
        out.setdefault(r["area_code"], r["area_name"])
    return out


def sources_line(ind: Indicator, releases: list[str]) -> str:
    files = ", ".join(ind.source_files)
    return f"Source: {files} ({', '.join(releases)})." if releases else f"Source: {files}."


# ---------------------------------------------------------------- England report blocks, one per indicator


def national_block(ind: Indicator, df: pl.DataFrame, year: int, regions: dict[str, str]) -> dict | None:
    nat = df.filter(pl.col("geographic_level") == NATIONAL)
    shown = periods_upto(nat, year, TABLE_PERIODS)
    if not shown:
        return None
    eng_code = nat["area_code"][0]
    eng_pts = [p for p in points(nat) if p[0] in shown]
    chart = charts.line_chart([charts.Series("England", eng_pts)], ind.title, ind.unit, ind.decimals,
                              axis_label=formatting.UNIT_LABELS.get(ind.unit, ""))
    index = {(r["area_code"], r["time_period"]): r for r in df.iter_rows(named=True)}
    areas = [(eng_code, "England")]
    reg = df.filter((pl.col("geographic_level") == REGIONAL) & pl.col("time_period").is_in(shown))
    areas += sorted(((c, regions.get(c, c)) for c in reg["area_code"].unique().to_list()), key=lambda a: a[0])
    rows = [{"name": name, "cells": [cell(index.get((code, p)), ind) for p in shown]} for code, name in areas]
    sentence = narrative.trend_sentence(ind, points(nat), shown[-1])
    return {"kind": "national", "ind": ind, "periods": [fmt_period(p) for p in shown], "rows": rows,
            "chart": chart, "sentence": sentence, "caption": f"{ind.short_title}: England and regions",
            "latest": cell(index.get((eng_code, shown[-1])), ind), "latest_period": fmt_period(shown[-1]),
            "releases": _releases(df, shown)}


def breakdown_block(ind: Indicator, df: pl.DataFrame, year: int) -> dict | None:
    """An indicator published only by breakdown (no total): England's figure for each, over time."""
    nat = df.filter(pl.col("geographic_level") == NATIONAL)
    shown = periods_upto(nat, year, 5)
    if not shown:
        return None
    index = {(r["breakdown"], r["time_period"]): r for r in nat.iter_rows(named=True)}
    names = sorted(nat["breakdown"].unique().to_list())
    rows = [{"name": b, "cells": [cell(index.get((b, p)), ind) for p in shown]} for b in names]
    latest = [(b, index.get((b, shown[-1]), {}).get("value"), index.get((b, shown[-1]), {}).get("status"))
              for b in names]
    chart = charts.bar_chart(latest, f"{ind.title}, England, {fmt_period(shown[-1])}", ind.unit, ind.decimals)
    known = [(b, v) for b, v, _ in latest if v is not None]
    sentence = f"{ind.short_title}: no figure for England in {fmt_period(shown[-1])}."
    if known:
        top = max(known, key=lambda bv: bv[1])
        sentence = (f"{ind.short_title}, England {fmt_period(shown[-1])}: the largest group is {top[0]} "
                    f"({formatting.fmt_value(top[1], ind.unit, ind.decimals)}), of {len(names)} shown.")
    return {"kind": "breakdown", "ind": ind, "periods": [fmt_period(p) for p in shown], "rows": rows,
            "bars": chart, "sentence": sentence, "caption": f"{ind.short_title}: England, by breakdown",
            "releases": _releases(df, shown)}


def grade_block(ind: Indicator, df: pl.DataFrame, year: int) -> dict | None:
    """A judgement per LA (no England figure): how many LAs had each grade at each snapshot."""
    la = df.filter(pl.col("geographic_level") == LA)
    shown = periods_upto(la, year, 5)
    if not shown:
        return None
    counts: dict[tuple[str, int], int] = {}
    for r in la.filter(pl.col("time_period").is_in(shown)).iter_rows(named=True):
        label = formatting.grade_label(r["value"]) or "No judgement published"
        counts[(label, r["time_period"])] = counts.get((label, r["time_period"]), 0) + 1
    labels = [*formatting.GRADES.values(), "No judgement published"]
    labels = [g for g in labels if any((g, p) in counts for p in shown)]
    rows = [{"name": g, "cells": [Cell(formatting.fmt_number(counts.get((g, p), 0))) for p in shown]}
            for g in labels]
    latest = [(g, float(counts.get((g, shown[-1]), 0)), None) for g in labels]
    chart = charts.bar_chart(latest, f"{ind.title}: local authorities by grade, {fmt_period(shown[-1])}",
                             "count", 0)
    total = sum(counts.get((g, shown[-1]), 0) for g in labels)
    good = sum(counts.get((g, shown[-1]), 0) for g in ("Outstanding", "Good"))
    sentence = (f"At 31 March {end_year(shown[-1])}, {good:,} of the {total:,} local authorities in the files "
                f"were judged Good or Outstanding for overall effectiveness.")
    return {"kind": "grade", "ind": ind, "periods": [fmt_period(p) for p in shown], "rows": rows, "bars": chart,
            "sentence": sentence, "caption": f"{ind.short_title}: number of local authorities by grade",
            "releases": _releases(df, shown)}


def la_only_block(ind: Indicator, df: pl.DataFrame, year: int, comparisons: pl.DataFrame) -> dict | None:
    """Published for LAs only: the median and range across LAs, since no England figure exists (the spread
    columns of the indicator's `comparisons` rows, for the breakdown shown)."""
    la = df.filter((pl.col("geographic_level") == LA) & pl.col("value").is_not_null())
    shown = periods_upto(la, year, 5)
    if not shown:
        return None
    breakdown = df["breakdown"][0]
    stats = (comparisons.filter((pl.col("geographic_level") == LA) & (pl.col("breakdown") == breakdown)
                                & pl.col("time_period").is_in(shown) & pl.col("spread_count").is_not_null())
             .unique(subset="time_period", keep="first")
             .select("time_period", pl.col("spread_median").alias("median"), pl.col("spread_low").alias("low"),
                     pl.col("spread_high").alias("high"), pl.col("spread_count").alias("n")))
    by = {r["time_period"]: r for r in stats.iter_rows(named=True)}

    def row(name: str, key: str) -> dict:
        return {"name": name, "cells": [Cell(formatting.fmt_value(by[p][key], ind.unit, ind.decimals)
                                             if key != "n" else formatting.fmt_number(by[p][key])) for p in shown]}

    rows = [row("Median of local authorities", "median"), row("Lowest", "low"), row("Highest", "high"),
            row("Local authorities with a figure", "n")]
    series = charts.Series("Median of local authorities", [(p, by[p]["median"], None) for p in shown])
    chart = charts.line_chart([series], ind.title, ind.unit, ind.decimals,
                              axis_label=formatting.UNIT_LABELS.get(ind.unit, ""))
    last = by[shown[-1]]
    sentence = (f"{ind.short_title}: no England figure is published; in {fmt_period(shown[-1])} the median of the "
                f"{last['n']:,} local authorities with a figure is "
                f"{formatting.fmt_value(last['median'], ind.unit, ind.decimals)} (from "
                f"{formatting.fmt_value(last['low'], ind.unit, ind.decimals)} to "
                f"{formatting.fmt_value(last['high'], ind.unit, ind.decimals)}).")
    return {"kind": "national", "ind": ind, "periods": [fmt_period(p) for p in shown], "rows": rows,
            "chart": chart, "sentence": sentence, "caption": f"{ind.short_title}: across local authorities",
            "latest": None, "latest_period": fmt_period(shown[-1]), "releases": _releases(df, shown)}


def annex_table(block: dict) -> dict:
    """The annex's compact table of an indicator's block: its latest ANNEX_PERIODS periods, and whether it
    needs the page's whole width (`wide`)."""
    periods = block["periods"][-ANNEX_PERIODS:]
    rows = [{**r, "cells": r["cells"][-ANNEX_PERIODS:]} for r in block["rows"]]
    longest = max([len(p) for p in periods] + [len(c.text) for r in rows for c in r["cells"]], default=0)
    return {"periods": periods, "rows": rows, "wide": len(periods) * longest > ANNEX_HALF_CHARS,
            "first_col": "Area" if block["kind"] == "national" else ""}


def annex_rows(blocks: list[dict]) -> list[list[dict]]:
    """The annex's tables of a section as rows of the page: two half-width tables side by side, or one
    wide table. Each row stands where its first table is in the section's order, so a half-width table
    after a wide one joins the half-width table before it."""
    rows: list[list[dict]] = []
    waiting: list[dict] | None = None  # a row with one half-width table, waiting for a second
    for b in blocks:
        if b["annex"]["wide"]:
            rows.append([b])
        elif waiting is None:
            waiting = [b]
            rows.append(waiting)
        else:
            waiting.append(b)
            waiting = None
    return rows


def _releases(df: pl.DataFrame, shown: list[int]) -> list[str]:
    return sorted(df.filter(pl.col("time_period").is_in(shown))["release"].unique().to_list())


def indicator_block(ind: Indicator, df: pl.DataFrame, year: int, regions: dict[str, str],
                    comparisons: pl.DataFrame) -> dict | None:
    """The indicator's block of the England report; `comparisons` holds its rows of the comparisons table."""
    if ind.unit == "grade" and df.filter(pl.col("geographic_level") == NATIONAL).is_empty():
        return grade_block(ind, df, year)
    main = main_breakdown(df)
    if main is None:
        return breakdown_block(ind, df, year)
    df = df.filter(pl.col("breakdown") == main)
    if df.filter(pl.col("geographic_level") == NATIONAL).is_empty():
        return la_only_block(ind, df, year, comparisons)
    return national_block(ind, df, year, regions)


def _printed(value: float | None, ind: Indicator, status: str | None, other: float | None) -> str:
    """The figure as printed; with more decimals where the two figures of a revision print alike."""
    decimals = ind.decimals
    while value is not None and other is not None and decimals < ind.decimals + 3 \
            and formatting.shown(value, decimals) == formatting.shown(other, decimals):
        decimals += 1
    return formatting.fmt_value(value, ind.unit, decimals, status)


def revision_notes(revisions: pl.DataFrame, indicators: list[Indicator], area_code: str,
                   shown: dict[str, set[int]] | None, ids: set[str] | None = None) -> list[str]:
    """'Children looked after at 31 March, 2024: 83,530 (cla-2025); earlier 83,630 (cla-2024).'

    With `shown` (indicator id -> periods), one note per earlier release's different figure of those
    periods (the England report). With `shown` None, one note per figure `carestats diff` finds revised
    (the figure of the release before the latest) for the area, of every period of the indicators in `ids`
    (a local authority's report)."""
    if revisions.is_empty():
        return []
    by_id = {i.id: i for i in indicators}
    wanted = set(shown) if shown is not None else (ids or set())
    rows = revisions.filter((pl.col("area_code") == area_code) & pl.col("indicator_id").is_in(list(wanted)))
    if shown is None and "previous" in rows.columns:  # as `carestats diff` compares: with the release before
        rows = rows.filter(pl.col("previous"))
    notes = []
    for r in rows.iter_rows(named=True):
        ind = by_id[r["indicator_id"]]
        if shown is not None and r["time_period"] not in shown[ind.id]:
            continue
        now = _printed(r["value"], ind, r["status"], r["earlier_value"])
        then = _printed(r["earlier_value"], ind, r["earlier_status"], r["value"])
        label = ind.short_title + ("" if r["breakdown"] == TOTAL else f" ({r['breakdown']})")
        notes.append(f"{label}, {fmt_period(r['time_period'])}: {now} ({r['release']}); "
                     f"earlier {then} ({r['earlier_release']}).")
    return sorted(set(notes))


def source_name(name: str) -> str:
    """An input file's name without its folder (the manifest's names carry it; source_files do not)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _pattern(source_file: str) -> re.Pattern[str]:
    """An indicator's source_files entry as a pattern: '<year>' stands for any four digits."""
    return re.compile("\\d{4}".join(re.escape(part) for part in source_file.split("<year>")), re.IGNORECASE)


@functools.cache
def _raw_tables(view: str) -> frozenset[str]:
    """The raw tables a staging view reads (queries/staging/<view>.sql)."""
    path = paths.QUERIES_DIR / "staging" / f"{view}.sql"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return frozenset(re.findall(r"\braw\.([A-Za-z0-9_]+)", text))


def raw_tables(ind: Indicator) -> set[str]:
    """The raw tables an indicator's figures come from: those of its staging views (its `sources` and any
    its query reads)."""
    views = set(ind.sources) | set(re.findall(r"\b(stg_[A-Za-z0-9_]+)", ind.sql or ""))
    return {t for v in views for t in _raw_tables(v)}


def _family(release: str | None) -> str:
    """The publication a release belongs to: 'cla' for cla-2025."""
    return (release or "").rsplit("-", 1)[0]


def sources_of(used: list[Indicator], inputs: list[dict], releases: dict[str, set[str]] | None = None) -> list[dict]:
    """The loaded input files the figures of `used` came from: the files of the raw tables behind each
    indicator (or that a source_files entry names), of the releases its figures shown came from (releases:
    indicator id -> releases); a table of another publication (reference data such as the population
    estimates) with all its files. A table of the same publication none of whose files is of those releases
    (an earlier layout of a file) is left out."""
    out = {}
    for ind in used:
        patterns = [_pattern(f) for f in ind.source_files]
        tables = raw_tables(ind)
        mine = [f for f in inputs if f.get("status", "loaded") == "loaded"
                and (f.get("table") in tables or any(p.fullmatch(source_name(f["name"])) for p in patterns))]
        wanted = (releases or {}).get(ind.id)
        families = {_family(r) for r in wanted or ()}
        for table in {f.get("table") for f in mine}:
            files = [f for f in mine if f.get("table") == table]
            of_release = [f for f in files if wanted and f.get("release") in wanted]
            if not of_release and any(_family(f.get("release")) in families for f in files):
                continue
            for f in of_release or files:
                out[f["name"]] = {**f, "file": source_name(f["name"])}
    return sorted(out.values(), key=lambda f: (f.get("release") or "", f["file"]))


def method_context(data: ReportData, indicators: list[Indicator], inputs: list[dict], used: list[Indicator],
                   area_code: str, shown: dict[str, set[int]], full_inputs: bool,
                   releases: dict[str, set[str]] | None = None) -> dict:
    """The method section. The England report (full_inputs) lists every loaded file and the revisions of
    the periods it shows; an LA report lists the files its figures came from (`releases`: indicator id ->
    the releases of its figures) and every revision of its indicators that `carestats diff` finds."""
    loaded = [f for f in inputs if f.get("status", "loaded") == "loaded"]
    listed = [{**f, "file": f["name"]} for f in loaded] if full_inputs else sources_of(used, loaded, releases)
    return {
        "inputs": sorted(listed, key=lambda f: (f.get("release") or "", f["file"])),
        "releases": sorted({f.get("release") or "" for f in listed if f.get("release")}),
        "revisions": revision_notes(data.revisions, indicators, area_code, shown) if full_inputs
        else revision_notes(data.revisions, indicators, area_code, None, {i.id for i in used}),
        "symbols": formatting.SYMBOLS, "indicators": used,
        "quarantined": [f for f in inputs if f.get("status") == "invalid"],  # left out by --skip-invalid
    }


def england_context(data: ReportData, indicators: list[Indicator], inputs: list[dict],
                    options: Settings | None = None) -> dict:
    """The England report's context; `options` is the run's Settings (sections, branding)."""
    options = options or Settings()
    year = data.year
    regions = region_names(data.values)
    by_ind = {k[0]: df for k, df in data.values.partition_by("indicator_id", as_dict=True).items()}
    compared = {k[0]: df for k, df in data.comparisons.partition_by("indicator_id", as_dict=True).items()}
    sections, used, shown = [], [], {}
    for theme, title in options.themes():
        inds = [i for i in indicators if i.theme == theme]
        if theme == "additional" and not inds:
            continue
        blocks = []
        for ind in inds:
            df = by_ind.get(ind.id)
            block = indicator_block(ind, df, year, regions, compared.get(ind.id, data.comparisons.clear())) \
                if df is not None else None
            if block:
                block["annex"] = annex_table(block)
                blocks.append(block)
                used.append(ind)
                shown[ind.id] = {p for p in df["time_period"].unique().to_list()
                                 if fmt_period(p) in block["periods"]}
        sections.append({"id": theme, "title": title, "blocks": blocks, "annex_rows": annex_rows(blocks),
                         "narrative": [b["sentence"] for b in blocks], "empty": EMPTY_SECTION})
    headlines = [b for s in sections for b in s["blocks"] if b["ind"].headline and b["kind"] == "national"
                 and b["latest"] is not None]
    nat_code = _england_code(data.values)
    themes = {t for t, _ in options.themes()}
    return {
        "title": f"Children's social care in England {year}", "area_name": "England", "year": year,
        "sections": sections, "headlines": headlines, "options": options,
        "key_messages": [k for k in key_messages(by_ind, indicators, year) if k["ind"].theme in themes],
        "method_of_changes": METHOD_OF_CHANGES, "annex_periods": ANNEX_PERIODS,
        "chapters": chapters_context(by_ind, compared, data.values, indicators, year, regions, themes, data.areas),
        "method": method_context(data, indicators, inputs, used, nat_code, shown, full_inputs=True),
    }


def _england_code(values: pl.DataFrame) -> str:
    nat = values.filter(pl.col("geographic_level") == NATIONAL)
    return nat["area_code"][0] if nat.height else "E92000001"


# ---------------------------------------------------------------- the publication: key messages and chapters

# The statements of the key messages page, in order (any other headline indicator follows them).
KEY_MESSAGES = ("cla_count", "cla_starting", "cla_ceasing", "adopted_count", "cla_uasc_count", "cin_count",
                "cpp_count", "cla_3plus_placements_pct", "care_leavers_19_21_eet_pct", "cla_ks4_basics_94_pct",
                "sw_turnover_pct")
METHOD_OF_CHANGES = ("Changes are worked out from the published figures as printed: a count's change as a "
                     "percentage of the earlier figure, a percentage's change in percentage points; "
                     "\"the highest since\" compares the printed figures of every year between.")


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    question: str
    indicators: tuple[str, ...]  # in the order their trends and regional figures are shown
    spread: str  # the indicator whose councils are drawn as a dot plot by region
    by_age: str = ""  # an indicator of children leaving care by age: those leaving at 16 and 17 against 18
    hexmap: str = ""  # an indicator whose councils are drawn on the hex cartogram of England
    gap: tuple[str, str] = ()  # (children in care, the group beside them): England's gap over the years


CHAPTERS = (
    Chapter("in-care", "Children in care", "How many children are in care, and why do they enter?",
            ("cla_count", "cla_starting", "cla_ceasing", "cla_rate_per_10k", "cla_starting_rate_per_10k",
             "cla_uasc_count"), "cla_rate_per_10k", hexmap="cla_rate_per_10k"),
    Chapter("stability", "Stability", "How stable are children's placements: moves, distance from home, "
            "children's homes and foster care?",
            ("cla_3plus_placements_pct", "cla_long_term_stability_pct", "cla_new_placements_over_20_miles_pct",
             "cla_foster_pct", "cla_childrens_homes_pct", "childrens_homes_places"), "cla_3plus_placements_pct"),
    Chapter("missing", "Missing from care", "How many children go missing from care, and how often?",
            ("cla_missing_pct", "cla_missing_children", "cla_missing_incidents_per_child", "cla_away_pct"),
            "cla_missing_pct"),
    Chapter("leaving", "Leaving care", "How do young people leave care: at 16 and 17 or at 18, staying put, "
            "and care leavers in education, work and suitable housing?",
            ("staying_put_18_pct", "care_leavers_17_18_eet_pct", "care_leavers_19_21_eet_pct",
             "care_leavers_19_21_suitable_accommodation_pct", "care_leavers_not_in_touch_pct"),
            "care_leavers_19_21_eet_pct", by_age="cla_ceasing_by_age"),
    Chapter("education", "Education", "How do children in care do at school, beside other children?",
            ("cla_ks4_basics_94_pct", "cino_ks4_basics_94_pct", "cla_ks4_attainment8", "cla_ks2_rwm_expected_pct",
             "cla_sdq_concern_pct"), "cla_ks4_basics_94_pct",
            gap=("cla_ks4_basics_94_pct", "cino_ks4_basics_94_pct")),
    Chapter("routes-out", "Routes out of care", "How do children leave care: returning home, adoption and "
            "special guardianship?",
            ("adopted_count", "ceased_returned_home_planned_pct", "ceased_adopted_pct", "ceased_sgo_pct"),
            "ceased_returned_home_planned_pct"),
    Chapter("councils", "Councils", "How are councils doing: Ofsted judgements, social workers' caseloads, "
            "turnover, agency staff and vacancies, and spending?",
            ("sw_caseload", "sw_turnover_pct", "sw_agency_pct", "sw_vacancy_pct", "cla_spend_per_child",
             "ilacs_overall_effectiveness"), "sw_caseload"),
)
TREND_PANELS = 6  # small trend charts per chapter (one SVG)
# The publisher's age groups of children leaving care at 16 or over (cla_ceasing_by_age's breakdowns).
AGES_AT_LEAVING = ("16 years", "17 years", "18 years and over")
# What the files cannot give (the KS4 files hold children in care, children in need and children on a
# protection plan, not all pupils), and where the figure is published.
GCSE_GAP_MISSING = ("The gap between children in care and all children cannot be given from these files: "
                    "they hold the share reaching grade 4 or above in English and maths GCSEs for children in "
                    "care, children in need and children on a protection plan (ks4_la.csv), but no figure for "
                    "all pupils. That figure is published in the DfE's \u201cKey stage 4 performance\u201d "
                    "statistics (and in the national tables of \u201cOutcomes for children in need, including "
                    "children looked after by local authorities in England\u201d); the gap shown here is to "
                    "children in need.")


def _national(df: pl.DataFrame) -> pl.DataFrame:
    main = main_breakdown(df)
    if main is None:
        return df.clear()
    return df.filter((pl.col("breakdown") == main) & (pl.col("geographic_level") == NATIONAL))


def key_messages(by_ind: dict[str, pl.DataFrame], indicators: list[Indicator], year: int) -> list[dict]:
    """One generated statement per key indicator with an England figure for the report year."""
    by_id = {i.id: i for i in indicators}
    order = [i for i in KEY_MESSAGES if i in by_id] + [i.id for i in indicators
                                                        if i.headline and i.id not in KEY_MESSAGES]
    out = []
    for ind_id in order:
        ind, df = by_id[ind_id], by_ind.get(ind_id)
        if df is None:
            continue
        nat = _national(df)
        shown = timeline.up_to(nat["time_period"].to_list(), year)
        if not shown:
            continue
        pts = [p for p in points(nat) if p[0] <= shown[-1]]
        last = pts[-1]
        out.append({"ind": ind, "period": last[0], "value": last[1], "status": last[2],
                    "figure": formatting.fmt_value(last[1], ind.unit, ind.decimals, last[2]),
                    "first_period": fmt_period(pts[0][0]), "text": narrative.key_message(ind, pts, last[0])})
    return out


def _regions_table(inds: list[Indicator], by_ind: dict[str, pl.DataFrame], year: int,
                   regions: dict[str, str]) -> dict | None:
    """England and each region (rows) by the chapter's indicators (columns), each at its latest period."""
    cols, index = [], {}
    for ind in inds:
        df = by_ind[ind.id]
        main = main_breakdown(df)
        if main is None:
            continue
        df = df.filter((pl.col("breakdown") == main) & pl.col("geographic_level").is_in([NATIONAL, REGIONAL]))
        shown = timeline.up_to(df["time_period"].to_list(), year)
        if not shown or df.filter(pl.col("geographic_level") == REGIONAL).is_empty():
            continue
        cols.append((ind, shown[-1]))
        for r in df.filter(pl.col("time_period") == shown[-1]).iter_rows(named=True):
            index[(ind.id, r["area_code"])] = r
    if not cols:
        return None
    level = {c: r["geographic_level"] for (_, c), r in index.items()}
    codes = sorted(level, key=lambda c: (level[c] != NATIONAL, not c.startswith("E12"), c))
    rows = [{"name": "England" if level[c] == NATIONAL else regions.get(c, c),
             "cells": [cell(index.get((ind.id, c)), ind) for ind, _ in cols]} for c in codes]
    return {"columns": [f"{ind.short_title} ({fmt_period(p)})" for ind, p in cols], "rows": rows,
            "caption": "England and the regions, latest year of each measure"}


def _councils_latest(df: pl.DataFrame, year: int) -> tuple[pl.DataFrame, str, int] | None:
    """The councils' rows of an indicator's main breakdown, that breakdown, and the latest period up to `year`
    with a figure."""
    la = df.filter(pl.col("geographic_level") == LA)
    main = main_breakdown(la) if la.height else None
    if main is None:
        return None
    la = la.filter(pl.col("breakdown") == main)
    shown = timeline.up_to(la.filter(pl.col("value").is_not_null())["time_period"].to_list(), year)
    return (la, main, shown[-1]) if shown else None


def _spread(ind: Indicator, comparisons: pl.DataFrame, values: pl.DataFrame, year: int,
            regions: dict[str, str]) -> dict | None:
    """Every council's latest figure as a dot plot by region, with the extremes named in a sentence."""
    latest = _councils_latest(comparisons, year)
    if latest is None:
        return None
    la, main, period = latest
    rows = la.filter(pl.col("time_period") == period).sort("area_code")
    groups: dict[str, list[tuple[str, float]]] = {}
    published: list[tuple[str, float]] = []
    for r in rows.iter_rows(named=True):
        if r["value"] is None:
            continue
        groups.setdefault(r["region_code"] or "", []).append((r["area_name"], r["value"]))
        published.append((r["area_name"], r["value"]))
    ordered = [(regions.get(code, code or "No region"), groups[code]) for code in sorted(groups)]
    nat = values.filter((pl.col("geographic_level") == NATIONAL) & (pl.col("breakdown") == main)
                        & (pl.col("time_period") == period) & pl.col("value").is_not_null())
    ref = ("England", nat["value"][0]) if nat.height else None
    sentence = narrative.spread_sentence(ind, published, period, rows.height)
    funnel = council_funnel(ind, rows, period, ref)
    if funnel is not None:
        return {"ind": ind, "kind": "funnel", **funnel, "sentences": [sentence, funnel["sentence"]],
                "period": fmt_period(period), "regions": [{"name": name, "n": len(m)} for name, m in ordered]}
    title = f"{ind.title}: each council, by region, {fmt_period(period)}"
    chart = charts.dot_plot(ordered, title, ind.unit, ind.decimals, reference=ref, row_h=13.0)
    return {"ind": ind, "kind": "dots", "chart": chart, "sentences": [sentence], "period": fmt_period(period),
            "regions": [{"name": name, "n": len(m)} for name, m in ordered]}


FUNNEL_COLUMNS = ("funnel_95_low", "funnel_95_high", "funnel_998_low", "funnel_998_high")


def council_funnel(ind: Indicator, rows: pl.DataFrame, period: int, ref: tuple[str, float] | None) -> dict | None:
    """A funnel plot of the councils' figures for `period` where the comparisons table has funnel limits
    for them (a proportion with a denominator, and England's figure): None otherwise (a rate, a count, a
    score, no England figure), when the dot plot is drawn instead. The England report's chapters and the
    web edition's indicator pages draw the same plot."""
    if ref is None or "funnel_998_low" not in rows.columns:
        return None
    limited = rows.filter(pl.col("value").is_not_null() & (pl.col("denominator") > 0)
                          & pl.col("funnel_998_low").is_not_null() & pl.col("funnel_998_high").is_not_null())
    if limited.is_empty():
        return None
    got = [{"name": r["area_name"], "denominator": r["denominator"], "value": r["value"],
            **{k: r[k] for k in FUNNEL_COLUMNS}} for r in limited.sort("area_code").iter_rows(named=True)]
    title = f"{ind.title}: each council against its {ind.denominator}, {fmt_period(period)}"
    chart = charts.funnel_plot(got, ref[1], title, ind.unit, ind.decimals, x_label=_upper_first(ind.denominator))
    above = [(o["name"], o["value"]) for o in chart.outliers if o["side"] == "above"]
    below = [(o["name"], o["value"]) for o in chart.outliers if o["side"] == "below"]
    return {"chart": chart, "sentence": narrative.funnel_sentence(ind, period, above, below, len(got), ref[1]),
            "above": above, "below": below, "plotted": len(got)}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def chapters_context(by_ind: dict[str, pl.DataFrame], compared: dict[str, pl.DataFrame], values: pl.DataFrame,
                     indicators: list[Indicator], year: int, regions: dict[str, str],
                     themes: set[str], areas: pl.DataFrame | None = None) -> list[dict]:
    """The chapters: each indicator of a chapter whose section is switched on and has figures."""
    from carestats.reports.data import local_authorities

    councils = local_authorities(values, year, areas)
    by_id = {i.id: i for i in indicators}
    out = []
    for ch in CHAPTERS:
        inds = [by_id[i] for i in ch.indicators if i in by_id and by_id[i].theme in themes and i in by_ind]
        if not inds:
            continue
        lines, panels = [], []
        for ind in inds:
            df = by_ind[ind.id]
            nat = _national(df)
            shown = timeline.up_to(nat["time_period"].to_list(), year)
            if shown:
                pts = [p for p in points(nat) if p[0] <= shown[-1]]
                lines.append(narrative.key_message(ind, pts, shown[-1]))
                if len(panels) < TREND_PANELS:
                    panels.append((ind.short_title, charts.line_chart([charts.Series("England", pts, style=3)], ind.title, ind.unit,
                                                                      ind.decimals, width=150, height=72, max_ticks=3,
                                                                      axis_label=formatting.UNIT_LABELS.get(ind.unit, ""))))
        spread_ind = by_id.get(ch.spread) if ch.spread in {i.id for i in inds} else None
        spread = _spread(spread_ind, compared.get(spread_ind.id, pl.DataFrame()), by_ind[spread_ind.id], year,
                         regions) if spread_ind and spread_ind.id in compared else None
        grades = [b for b in (grade_block(i, by_ind[i.id], year) for i in inds if i.unit == "grade"
                              and _national(by_ind[i.id]).is_empty()) if b]
        lines += [g["sentence"] for g in grades]
        if spread:
            lines += spread["sentences"]
        ages = _leaving_ages(by_id[ch.by_age], by_ind[ch.by_age], year) \
            if ch.by_age in by_ind and ch.by_age in by_id and by_id[ch.by_age].theme in themes else None
        if ages:
            lines.insert(0, ages["sentence"])
        gap = _gap(by_id, by_ind, ch.gap, year) if ch.gap else None
        if gap:
            lines.append(gap["sentence"])
        hexmap = _hexmap(by_id[ch.hexmap], by_ind[ch.hexmap], year, councils, areas) \
            if ch.hexmap in by_ind and ch.hexmap in {i.id for i in inds} and councils else None
        trend = charts.multiples(panels, f"{ch.title}: England over the years in the files") if panels else None
        out.append({"hexmap": hexmap, "id": ch.id, "title": ch.title, "question": ch.question, "narrative": lines, "trend": trend,
                    "regions": _regions_table(inds, by_ind, year, regions), "spread": spread, "grades": grades,
                    "indicators": inds, "ages": ages, "gap": gap})
    return out


def _leaving_ages(ind: Indicator, df: pl.DataFrame, year: int) -> dict | None:
    """England's children leaving care at 16, at 17 and at 18 or over, every year in the files: a chart,
    its table and the sentence on those leaving at 16 or 17 against all who left at 16 or over."""
    nat = df.filter((pl.col("geographic_level") == NATIONAL) & pl.col("breakdown").is_in(AGES_AT_LEAVING))
    shown = timeline.up_to(nat["time_period"].to_list(), year)
    if not shown:
        return None
    index = {(r["breakdown"], r["time_period"]): r for r in nat.iter_rows(named=True)}

    def at(age: str, p: int) -> narrative.Point:
        r = index.get((age, p))
        return (p, r["value"], r["status"]) if r else (p, None, None)

    series = [charts.Series(age.replace(" years and over", " or over").replace(" years", ""),
                            [at(age, p) for p in shown], style=k) for k, age in enumerate(AGES_AT_LEAVING)]
    chart = charts.line_chart(series, f"{ind.title}, England: at 16, at 17 and at 18 or over", ind.unit,
                              ind.decimals, width=300, height=110, axis_label=formatting.UNIT_LABELS.get(ind.unit, ""))
    rows = [{"name": s.label, "cells": [cell(index.get((age, p)), ind) for p in shown]}
            for s, age in zip(series, AGES_AT_LEAVING)]
    by_period = {p: tuple(at(age, p)[1] for age in AGES_AT_LEAVING) for p in shown}
    sentence = narrative.leaving_age_sentence(shown[-1], by_period[shown[-1]],
                                              (shown[0], by_period[shown[0]]) if len(shown) > 1 else None,
                                              [at(age, shown[-1])[2] for age in AGES_AT_LEAVING])
    return {"ind": ind, "chart": chart, "sentence": sentence, "periods": [fmt_period(p) for p in shown],
            "rows": rows, "caption": "Children who left care, England, by age on leaving"}


def _gap(by_id: dict[str, Indicator], by_ind: dict[str, pl.DataFrame], pair: tuple[str, str],
         year: int) -> dict | None:
    """England's figure for children in care beside another group's, every year both are in the files,
    with the gap in the narrative, and what the files cannot give (GCSE_GAP_MISSING)."""
    mine, theirs = (by_id.get(i) for i in pair)
    if mine is None or theirs is None or pair[0] not in by_ind or pair[1] not in by_ind:
        return None
    a, b = (points(_national(by_ind[i])) for i in pair)
    common = timeline.up_to(sorted({p for p, _, _ in a} & {p for p, _, _ in b}), year)
    if not common:
        return None
    a = [p for p in a if p[0] in common]
    b = [p for p in b if p[0] in common]
    chart = charts.line_chart([charts.Series("Children in care", a, style=0),
                               charts.Series("Children in need", b, style=1)],
                              f"{mine.title} beside children in need, England", mine.unit, mine.decimals,
                              width=300, height=110, axis_label=formatting.UNIT_LABELS.get(mine.unit, ""))
    return {"chart": chart, "sentence": narrative.gap_sentence(mine, a, b, "children in need"),
            "missing": GCSE_GAP_MISSING}


HEXES = paths.QUERIES_DIR / "reference" / "hexes.yaml"


@functools.cache
def hex_layout() -> dict:
    """The published hex layout of England's upper-tier councils (queries/reference/hexes.yaml: its
    source, licence and attribution are in the file) and carestats' splits of a shared hexagon."""
    from carestats.core import safe_yaml

    return safe_yaml.load(HEXES.read_text(encoding="utf-8"))


def council_hexes(councils: list[tuple[str, str]], areas: pl.DataFrame | None) -> dict[str, tuple]:
    """Each council's place in the layout: (q, r, slice, slices, the codes followed back to a hexagon of
    its own, the council's first). A council the layout does not have takes
    the hexagon of its predecessor (the `areas` table's predecessor codes, followed back); councils that
    share a predecessor's hexagon take the slices `splits` gives them. A council with no place is left
    out (tests/test_england_chapters.py checks every council of the real files has one)."""
    layout = hex_layout()
    hexes = {code: (int(q), int(r)) for code, (q, r) in layout["hexes"].items()}
    splits = layout.get("splits") or {}
    before: dict[str, list[str]] = {}
    if areas is not None and "predecessor_codes" in areas.columns:
        for r in areas.select("code", "predecessor_codes").iter_rows(named=True):
            before[r["code"]] = sorted(r["predecessor_codes"] or [])
    out: dict[str, tuple] = {}
    taken: set[tuple[int, int, int]] = set()
    for code, _ in sorted(councils):
        place, seen = code, [code]
        while place not in hexes:
            older = [p for p in before.get(place, []) if p not in seen]
            if not older:
                break
            place = next((p for p in older if p in hexes), older[0])
            seen.append(place)
        if place not in hexes:
            continue
        q, r = hexes[place]
        shared = splits.get(place) if place != code else None
        part, parts = (shared.index(code), len(shared)) if shared and code in shared else (0, 1)
        if shared and code not in shared:
            continue  # a successor the splits do not list: no slice of its own
        if (q, r, part) in taken:
            continue
        taken.add((q, r, part))
        out[code] = (q, r, part, parts, tuple(seen) if parts == 1 else (code,))
    return out


def _hexmap(ind: Indicator, df: pl.DataFrame, year: int, councils: list[tuple[str, str]],
            areas: pl.DataFrame | None) -> dict | None:
    """The councils' latest figures on the hex cartogram; a symbol stays a symbol, in grey."""
    latest = _councils_latest(df, year)
    if latest is None:
        return None
    la, _, period = latest
    index = {r["area_code"]: r for r in la.filter(pl.col("time_period") == period).iter_rows(named=True)}
    places = council_hexes(councils, areas)
    cells = []
    for code, name in councils:
        if code not in places:
            continue
        q, r, part, parts, codes = places[code]
        # the council's own row; else, for a council whose code changed (a whole hexagon, not a slice),
        # the row of that year under its earlier code
        rows = [index[c] for c in codes if c in index]
        row = next((x for x in rows if x["value"] is not None or x["status"]), None)
        cells.append({"code": code, "name": name, "q": q, "r": r, "part": part, "parts": parts,
                      "value": row["value"] if row else None, "status": row["status"] if row else None})
    layout = hex_layout()
    chart = charts.hex_map(cells, f"{ind.title}: each council on a hex map of England, {fmt_period(period)}",
                           ind.unit, ind.decimals, layout["attribution"])
    missing = [name for code, name in councils if code not in places]
    return {"ind": ind, "chart": chart, "period": fmt_period(period), "missing": missing}
