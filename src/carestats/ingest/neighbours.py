"""The DfE statistical neighbour sets: read from the input folder, mapped to GSS codes, loaded as
ref.statistical_neighbours (and the `areas` table beside it).

A neighbour file is recognised by its header, wherever it sits: a 3-digit LA number column (`old_la_code`,
`LA number` or `LA num`) and ten neighbour columns SN1..SN10 or SN_1..SN_10, each followed by its closeness
label (`SNP` repeated in the 2021 file, `SN_1P`.. in the 2025 one). The set is named by the year in the
file's name, as the DfE publishes it. The files give 3-digit LA numbers; the GSS code of each comes from
the EES files themselves, which carry both.

Each set applies from its own year until the next set's year (the first set also to every earlier year):
with the 2021 and 2025 sets, 2021 covers periods up to 2024 and 2025 covers 2025 on (academic 2024/25
ends in 2025).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa

from carestats.core.errors import Finding
from carestats.ingest.csvfile import CsvFile
from carestats.warehouse import areas
from carestats.warehouse import db as warehouse

if TYPE_CHECKING:
    import duckdb

    from carestats.ingest.files import InputFile

RAW_TABLE = "statistical_neighbours"
CODE_COLUMNS = ("old_la_code", "LA number", "LA num")
NAME_COLUMNS = ("la_name", "LA Name")
NEIGHBOUR = re.compile(r"^SN_?(\d{1,2})$")
CLOSENESS = re.compile(r"^SN_?\d*P$")
SET_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
LA_NUMBER = re.compile(r"^\d{3}$")
SCHEMA = {
    "sn_set": pl.String, "set_year": pl.Int64, "applies_from_year": pl.Int64, "applies_to_year": pl.Int64,
    "area_old_code": pl.String, "area_code": pl.String, "area_name": pl.String, "neighbour_rank": pl.Int64,
    "neighbour_old_code": pl.String, "neighbour_code": pl.String, "neighbour_name": pl.String,
    "closeness": pl.String,
}


def layout(header: list[str]) -> tuple[int, int | None, list[tuple[int, int | None]]] | None:
    """(LA number column, name column, [(neighbour column, closeness column) for ranks 1..10]) or None."""
    code = next((header.index(c) for c in CODE_COLUMNS if c in header), None)
    ranks: dict[int, int] = {}
    for i, col in enumerate(header):
        m = NEIGHBOUR.match(col)
        if m:
            ranks.setdefault(int(m.group(1)), i)
    if code is None or sorted(ranks) != list(range(1, 11)):
        return None
    name = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    pairs = []
    for k in range(1, 11):
        i = ranks[k]
        nxt = i + 1 if i + 1 < len(header) and CLOSENESS.match(header[i + 1]) else None
        pairs.append((i, nxt))
    return code, name, pairs


def is_neighbour_file(header: list[str]) -> bool:
    return layout(header) is not None


def closeness_label(text: str) -> str | None:
    """'Close ', 'Very Close', 'Not Close' -> 'Close', 'Very close', 'Not close'."""
    t = " ".join(text.split())
    return t[:1].upper() + t[1:].lower() if t else None


def parse(f: CsvFile) -> tuple[pl.DataFrame, list[Finding]]:
    """The file's rows as (LA number, name, rank, neighbour LA number, closeness), with located findings.

    Blank rows and section labels (a row without an LA number, such as 'Old SNs:') carry no group.
    """
    lay = layout(f.header)
    if lay is None:
        raise ValueError(f"{f.name} is not a statistical neighbour file")
    code_i, name_i, pairs = lay
    findings: list[Finding] = []
    m = SET_YEAR.search(Path(f.name).name)
    if not m:
        findings.append(Finding(f.name, 1, "", "SN-YEAR", "cannot tell which year's statistical neighbour set "
                                "this is: the file name holds no year", "keep the year in the file name, as "
                                "the DfE publishes it (sn_model_2025_wide.csv)"))
        return pl.DataFrame(), findings
    out: dict[str, list] = {k: [] for k in ("old_la_code", "la_name", "neighbour_rank", "neighbour_old_code",
                                             "closeness", "_line")}
    for row, line in zip(f.rows, f.lines):
        code = row[code_i].strip()
        if not code:
            continue
        if not LA_NUMBER.match(code):
            findings.append(Finding(f.name, line, f.header[code_i], "SN-CODE",
                                    f"{code!r} is not a 3-digit LA number", "correct the LA number"))
            continue
        for rank, (ni, ci) in enumerate(pairs, start=1):
            neighbour = row[ni].strip()
            if not LA_NUMBER.match(neighbour):
                findings.append(Finding(f.name, line, f.header[ni], "SN-CODE",
                                        f"neighbour {rank} of {code} is {neighbour!r}, not a 3-digit LA number",
                                        "correct the LA number"))
                continue
            out["old_la_code"].append(code)
            out["la_name"].append(row[name_i].strip() if name_i is not None else None)
            out["neighbour_rank"].append(rank)
            out["neighbour_old_code"].append(neighbour)
            out["closeness"].append(closeness_label(row[ci]) if ci is not None else None)
            out["_line"].append(line)
    df = pl.DataFrame(out, schema={"old_la_code": pl.String, "la_name": pl.String, "neighbour_rank": pl.Int64,
                                   "neighbour_old_code": pl.String, "closeness": pl.String, "_line": pl.Int64})
    dup = df.filter(pl.struct("old_la_code", "neighbour_rank").is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        findings.append(Finding(f.name, first["_line"], "", "SN-DUPLICATE",
                                f"LA {first['old_la_code']} has more than one row", "keep one row per LA"))
    return df.with_columns(pl.lit(m.group(1)).alias("sn_set")), findings


def accept(f: CsvFile, info: InputFile, known_sets: set[str]) -> tuple[list[Finding], pa.Table | None]:
    """Read a neighbour file: its findings, and a tidy raw table of its groups with each row's line in the
    file (None when it failed the checks). `known_sets` are the sets already read; `info` is filled in."""
    info.kind, info.table = "reference", RAW_TABLE
    # The 2021 file repeats the closeness column's name (SNP) by design: that is not a defect here.
    findings = [x for x in f.findings if x.rule != "DUP-COLUMN"]
    df = pl.DataFrame()
    if not any(x.severity == "error" for x in findings):
        df, more = parse(f)
        findings += more
    if df.height and df["sn_set"][0] in known_sets:
        findings.append(Finding(f.name, 1, "", "SN-DUPLICATE", f"a second {df['sn_set'][0]} statistical "
                                "neighbour set", "keep one file per set in the input folder"))
    if not df.height or any(x.severity == "error" for x in findings):
        info.status, info.reason = "invalid", "statistical neighbour file that failed the input checks"
        return findings, None
    year = int(df["sn_set"][0])
    info.vintage, info.release = year, f"sn-{year}"
    info.rows, info.status = df.height, "loaded"
    info.reason = f"DfE statistical neighbours, {year} set"
    table = df.with_columns(pl.lit(info.release).alias("_release"), pl.lit(year).alias("_vintage"),
                            pl.lit(f.name).alias("_file")).select(
        "sn_set", "old_la_code", "la_name", "neighbour_rank", "neighbour_old_code", "closeness",
        "_release", "_vintage", "_file", "_line")
    return findings, table.to_arrow()


def code_for(geo: pl.DataFrame, first: int | None, last: int | None) -> pl.DataFrame:
    """LA number -> the GSS code it carried in the latest period of [first, last] (else its latest code)."""
    la = geo.filter(pl.col("level") == "Local authority").select("old_la_code", "code", "period_year", "vintage")
    inside = (pl.col("period_year") >= (first if first is not None else -1)) & (
        pl.col("period_year") <= (last if last is not None else 10**6))
    return (la.with_columns(inside.alias("_in"))
            .sort(["_in", "period_year", "vintage", "code"], descending=True)
            .unique(subset=["old_la_code"], keep="first", maintain_order=True)
            .select("old_la_code", "code"))


def resolve(raw: pl.DataFrame, geo: pl.DataFrame) -> pl.DataFrame:
    """ref.statistical_neighbours: each set's groups with the years it applies to and GSS codes."""
    if not raw.height:
        return pl.DataFrame(schema=SCHEMA)
    years = sorted({int(s) for s in raw["sn_set"].unique()})
    names = raw.select("sn_set", "old_la_code", "la_name").unique(subset=["sn_set", "old_la_code"])
    frames = []
    for i, year in enumerate(years):
        first = year if i > 0 else None
        last = years[i + 1] - 1 if i + 1 < len(years) else None
        codes = code_for(geo, first, last)
        part = (raw.filter(pl.col("sn_set") == str(year))
                .join(codes.rename({"code": "area_code"}), on="old_la_code", how="left")
                .join(codes.rename({"old_la_code": "neighbour_old_code", "code": "neighbour_code"}),
                      on="neighbour_old_code", how="left")
                .join(names.rename({"old_la_code": "neighbour_old_code", "la_name": "neighbour_name"}),
                      on=["sn_set", "neighbour_old_code"], how="left")
                .with_columns(pl.lit(year).alias("set_year"), pl.lit(first, pl.Int64).alias("applies_from_year"),
                              pl.lit(last, pl.Int64).alias("applies_to_year")))
        frames.append(part.rename({"old_la_code": "area_old_code", "la_name": "area_name"}).select(list(SCHEMA)))
    return pl.concat(frames).cast(SCHEMA).sort(["set_year", "area_old_code", "neighbour_rank"])  # type: ignore[arg-type]


def raw_selection(con: duckdb.DuckDBPyConnection, store: warehouse.RawStore | None, wanted: list[str],
                  required: tuple[str, ...], exclude: tuple[str, ...] = ()) -> dict[str, list[pa.Table]]:
    """The distinct rows of the `wanted` columns in the raw tables, read from the warehouse.

    As if read from each input's own table: an input lacking a `required` column is left out, and the
    inputs are grouped by which wanted columns they have (one small table per group), so a column that
    only a later release added is absent, not empty, for the earlier inputs.
    """
    if store is None:
        return {}
    counts: dict[str, int] = {}
    groups: dict[str, dict[tuple[str, ...], list[warehouse.Part]]] = {}
    for part in store.parts:
        counts[part.table] = counts.get(part.table, 0) + 1
        if part.table in exclude or not all(c in part.columns for c in required):
            continue
        cols = tuple((c, part.name_of(c)) for c in wanted if c in part.columns)
        groups.setdefault(part.table, {}).setdefault(cols, []).append(part)
    queries: list[tuple[str, str, dict[str, int]]] = []
    for name, by_cols in groups.items():
        for cols, parts in by_cols.items():
            select = ", ".join(f'"{n}" as "{c}"' for c, n in cols)
            params: dict[str, int] = {}
            where = ""
            if len(parts) < counts[name]:
                ranges = []
                for i, part in enumerate(parts):
                    params[f"a{i}"], params[f"b{i}"] = part.first, part.first + part.rows
                    ranges.append(f"(rowid >= $a{i} and rowid < $b{i})")
                where = "where " + " or ".join(ranges)
            # the same order every run
            queries.append((name, f'select distinct {select} from raw."{name}" {where} order by all', params))
    out: dict[str, list[pa.Table]] = {}
    jobs = [functools.partial(_fetch, sql=sql, params=params) for _, sql, params in queries]
    for (name, _, _), table in zip(queries, warehouse.in_parallel(con, jobs)):
        out.setdefault(name, []).append(table)
    return out


def _fetch(cursor: duckdb.DuckDBPyConnection, sql: str, params: dict[str, int]) -> pa.Table:
    return cursor.sql(sql, params=params or None).to_arrow_table()


def load_reference(con: duckdb.DuckDBPyConnection, store: warehouse.RawStore | None) -> tuple[int, int]:
    """Create `areas` and ref.statistical_neighbours from the raw tables; returns their row counts.

    `store` is the ingest stage's raw store (None when no file was read)."""
    geo = areas.geography(raw_selection(con, store, [*areas.GEO_COLUMNS, "_vintage"],
                                        ("geographic_level", "time_period"), exclude=(RAW_TABLE,)))
    area_table = areas.build_areas(geo, areas.load_reorganisations())
    warehouse.load_table(con, "main", "areas", area_table.to_arrow())
    raw = pl.DataFrame(pl.from_arrow(con.sql(f'select * from raw."{RAW_TABLE}"').to_arrow_table())) \
        if store is not None and RAW_TABLE in store.columns else pl.DataFrame()
    sn = resolve(raw, geo)
    warehouse.load_table(con, "ref", "statistical_neighbours", sn.to_arrow())
    return area_table.height, sn.height
