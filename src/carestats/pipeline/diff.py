"""What changed between two sets of release files: revised values, areas that came or went, renamed columns.

`carestats diff OLD NEW` runs the pipeline in memory on each folder and compares the indicator values
(latest release in each); `carestats diff FOLDER` compares, within one folder, each release's figure with
the previous release's figure for the same period and area.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carestats.core.errors import CheckFailed, DataError
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.indicators import compute
from carestats.pipeline import inputs as ingest
from carestats.warehouse import db as warehouse

KEY = ["indicator_id", "time_period", "geographic_level", "area_code", "breakdown"]


@dataclass
class Snapshot:
    values: pl.DataFrame
    vintages: pl.DataFrame
    columns: dict[str, list[str]]  # raw table -> header of its latest release


def snapshot(raw: Path, indicators) -> Snapshot:  # type: ignore[no-untyped-def]
    """The figures a build of `raw` would make: the pipeline's own ingest, stage and compute stages, run
    into a warehouse in a temporary folder (no comparisons, exports or reports)."""
    from carestats.pipeline import build

    result = ingest.read_inputs(raw)
    if result.errors:
        raise CheckFailed(result.findings)
    if not result.tables:
        raise DataError(f"no data files found in {raw}", "point at a folder of release files")
    columns: dict[str, list[str]] = {}
    for f in sorted((f for f in result.files if f.status == "loaded"), key=lambda f: f.vintage):
        cols = [c for c in next(t for t in result.tables[f.table] if t["_file"][0].as_py() == f.name).column_names
                if not c.startswith("_")]
        columns[f.table] = cols
    settings = Settings(raw=raw, until="compute", reports=False)
    with tempfile.TemporaryDirectory(prefix="carestats-diff-") as work:
        con = build.open_warehouse(Path(work), result)
        try:
            values = build.warehouse_stages(con, settings, result, indicators, Reporter(quiet=True), compare=False)
            vintages = warehouse.read_frame(con, "main", "indicator_vintages").cast(compute.SCHEMA)
        finally:
            con.close()
    return Snapshot(values, vintages, columns)


def latest(vintages: pl.DataFrame) -> pl.DataFrame:
    """The latest release's row for each key, chosen as the compute stage chooses it (compute.latest_of)."""
    return compute.latest_of(vintages).cast(compute.SCHEMA)  # type: ignore[arg-type]


def revisions(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Rows present in both whose value or status differs."""
    joined = old.join(new, on=KEY, how="inner", suffix="_new")
    changed = joined.filter(
        (pl.col("value").is_null() != pl.col("value_new").is_null())
        | (pl.col("value") != pl.col("value_new")).fill_null(False)
        | (pl.col("status").fill_null("") != pl.col("status_new").fill_null(""))
    )
    return changed.select(
        pl.lit("revised").alias("kind"), *KEY, pl.col("area_name_new").alias("area_name"),
        pl.col("value").alias("old_value"), pl.col("status").alias("old_status"),
        pl.col("value_new").alias("new_value"), pl.col("status_new").alias("new_status"),
        (pl.col("value_new") - pl.col("value")).alias("change"),
        pl.col("release").alias("old_release"), pl.col("release_new").alias("new_release"),
    )


def areas_changed(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    def areas(df: pl.DataFrame) -> pl.DataFrame:
        return df.filter(pl.col("geographic_level") != "National").select(
            "geographic_level", "area_code", "area_name").unique(subset=["area_code"], keep="first")

    a, b = areas(old), areas(new)
    gone = a.join(b, on="area_code", how="anti").with_columns(pl.lit("area disappeared").alias("kind"))
    came = b.join(a, on="area_code", how="anti").with_columns(pl.lit("area appeared").alias("kind"))
    return pl.concat([gone, came]).sort(["kind", "area_code"])


def renamed_columns(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[dict]:
    """Columns that left a file and columns that arrived in the same place: reported as renames."""
    out = []
    for table in sorted(set(old) & set(new)):
        gone = [c for c in old[table] if c not in new[table]]
        came = [c for c in new[table] if c not in old[table]]
        for g in gone:
            pos = old[table].index(g)
            match = next((c for c in came if new[table].index(c) == pos), None)
            out.append({"table": table, "old_column": g, "new_column": match or ""})
        for c in came:
            if not any(r["new_column"] == c for r in out if r["table"] == table):
                out.append({"table": table, "old_column": "", "new_column": c})
    return out


def within_folder(vintages: pl.DataFrame) -> pl.DataFrame:
    """Each release's figure against the previous release's figure for the same key."""
    v = vintages.with_columns(pl.col("release").str.extract(r"(\d{4})$").cast(pl.Int64).alias("_v"))
    newest = latest(vintages)
    prev = (v.join(newest.select([*KEY, pl.col("release").alias("_latest")]), on=KEY)
            .filter(pl.col("release") != pl.col("_latest"))
            .sort("_v", descending=True).unique(subset=KEY, keep="first").drop("_latest", "_v"))
    return revisions(prev, newest)


def write(out: Path, revised: pl.DataFrame, areas: pl.DataFrame, renamed: list[dict]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = compute.write_exports(revised.sort(KEY), out, "revisions")
    areas_path = out / "areas.csv"
    compute.excel_safe(areas).write_csv(areas_path)
    renamed_path = out / "renamed_columns.csv"
    pl.DataFrame(renamed, schema={"table": pl.String, "old_column": pl.String, "new_column": pl.String}) \
        .write_csv(renamed_path)
    return [*files, areas_path, renamed_path]


def summary(revised: pl.DataFrame, areas: pl.DataFrame, renamed: list[dict], titles: dict[str, str],
            limit: int = 15) -> list[str]:
    """Plain sentences for the terminal and summary.md: national revisions first, biggest first."""
    from carestats.reports.formatting import fmt_number, fmt_period

    lines = [f"{revised.height} published value(s) revised; {areas.height} area change(s); "
             f"{sum(1 for r in renamed if r['old_column'] and r['new_column'])} column rename(s)."]
    ranked = revised.with_columns(
        pl.col("geographic_level").replace_strict(["National", "Regional", "Local authority"], [0, 1, 2],
                                                  default=3).alias("_lvl"),
        pl.col("change").abs().alias("_abs"),
    ).sort(["_lvl", "_abs"], descending=[False, True], nulls_last=True)
    for r in ranked.head(limit).iter_rows(named=True):
        old = fmt_number(r["old_value"], 1 if r["old_value"] and r["old_value"] % 1 else 0, r["old_status"])
        new = fmt_number(r["new_value"], 1 if r["new_value"] and r["new_value"] % 1 else 0, r["new_status"])
        lines.append(f"{titles.get(r['indicator_id'], r['indicator_id'])}, {r['area_name']}, "
                     f"{fmt_period(r['time_period'])}: {old} → {new} ({r['old_release']} → {r['new_release']})")
    for r in areas.iter_rows(named=True):
        lines.append(f"{r['kind']}: {r['area_name']} ({r['area_code']})")
    for r in renamed:
        if r["old_column"] and r["new_column"]:
            lines.append(f"column renamed in {r['table']}: {r['old_column']} → {r['new_column']}")
    return lines


def resolve_area(area: str, *frames: pl.DataFrame) -> tuple[str, str]:
    """(code, name) of `area` (a code, or a unique part of a name in any case) among the frames' areas."""
    known: dict[str, str] = {}
    for f in frames:
        if f.height and "area_code" in f.columns:
            for code, name in f.select("area_code", "area_name").unique().iter_rows():
                if code:
                    known.setdefault(str(code), str(name or ""))
    wanted = area.strip()
    if wanted.upper() in {c.upper() for c in known}:
        code = next(c for c in known if c.upper() == wanted.upper())
        return code, known[code]
    hits = sorted({c for c, n in known.items() if wanted.casefold() in n.casefold()})
    if len(hits) == 1:
        return hits[0], known[hits[0]]
    if not hits:
        raise DataError(f"no area {area!r} in the figures of either folder",
                        "give an area code such as E10000016, or part of a council's name")
    names = ", ".join(f"{known[c]} ({c})" for c in hits[:4])
    raise DataError(f"{area!r} matches {len(hits)} areas: {names}{', …' if len(hits) > 4 else ''}",
                    "give more of the name, or the area code")


def only_area(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    return frame.filter(pl.col("area_code") == code)


def by_indicator(revised: pl.DataFrame, titles: dict[str, str]) -> list[str]:
    """One sentence per revised indicator (every one of them): how many values in how many areas, and the
    largest revision (national first, then the biggest change)."""
    from carestats.reports.formatting import fmt_number, fmt_period

    if revised.height == 0:
        return []
    ranked = revised.with_columns(
        pl.col("geographic_level").replace_strict(["National", "Regional", "Local authority"], [0, 1, 2],
                                                  default=3).alias("_lvl"),
        pl.col("change").abs().alias("_abs"),
    ).sort(["indicator_id", "_lvl", "_abs"], descending=[False, False, True], nulls_last=True)
    lines = []
    for (ind,), group in ranked.group_by(["indicator_id"], maintain_order=True):
        r = group.row(0, named=True)
        old = fmt_number(r["old_value"], 1 if r["old_value"] and r["old_value"] % 1 else 0, r["old_status"])
        new = fmt_number(r["new_value"], 1 if r["new_value"] and r["new_value"] % 1 else 0, r["new_status"])
        areas = group["area_code"].n_unique()
        lines.append(f"{titles.get(str(ind), str(ind))} ({ind}): {group.height} value(s) revised in {areas} "
                     f"area(s); largest: {r['area_name']}, {fmt_period(r['time_period'])}: {old} → {new} "
                     f"({r['old_release']} → {r['new_release']})")
    return lines


def markdown(revised: pl.DataFrame, areas: pl.DataFrame, renamed: list[dict], titles: dict[str, str],
             area: tuple[str, str] | None = None) -> str:
    """summary.md: the headline, every revised indicator, the largest revisions, areas and renames."""
    lines = summary(revised, areas, renamed, titles)
    head = f"# What changed{f' for {area[1]} ({area[0]})' if area else ''}\n\n- {lines[0]}\n"
    parts = [head]
    every = by_indicator(revised, titles)
    if every:
        parts.append(f"\n## Every revised indicator ({len(every)})\n\n" + "".join(f"- {x}\n" for x in every))
    rest = lines[1:]
    if rest:
        parts.append("\n## Largest revisions, area changes and renamed columns\n\n"
                     + "".join(f"- {x}\n" for x in rest))
    return "".join(parts)
