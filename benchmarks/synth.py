"""Synthetic release files for the benchmarks: the real EES data files, scaled ×N, in the publisher's format.

    python benchmarks/synth.py --raw ../shared/data/raw --out /tmp/synth-10 --scale 10 [--seed 7]

Every EES data file under RAW (a CSV whose header holds the standard columns time_period, time_identifier,
geographic_level, country_code, country_name) is written to the same relative path under OUT with about N
times its rows. Nothing else is written there (workbooks and other CSVs are left out), so OUT holds exactly
the inputs that ingest loads. The files are read from RAW when the generator runs; nothing of them is kept
in the repository.

How the rows grow, N = years × areas:
- more areas: each regional and local-authority row is repeated for `areas` copies of its area. Copy j of
  an area gets a synthetic code (E06000001 becomes E06 0j 00001: digits 4-5 are 00 in every real code),
  an unused three-digit old LA code, and its name followed by "(synthetic j)"; a copy-j authority sits in
  copy j of its region. National rows are not repeated (there is one England).
- more years: the whole set of rows is repeated `years` times, copy k shifted back by k × the span of all
  the years in RAW, so copies never overlap and a file's latest year (its release) does not change.
  Academic years move as a whole (202425 becomes 199293 for a 32-year span).
- values: a copy's counts are the original counts times one seeded factor (0.8-1.25) per file and copy,
  printed with the original number of decimals; percentages, rates and averages are kept as published;
  symbols (c, k, u, x, z, low) and blank cells stay exactly as they are.

The format is the original's, byte for byte: the same header, label text, quoting (a field quoted in the
original is quoted in every copy), BOM, encoding, line endings and final newline. At N = 1 the output is
the input unchanged. The same RAW, N and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

EES_REQUIRED = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
GEOGRAPHY = {
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
}
SYMBOLS = {"c", "k", "u", "x", "z", "low"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Measures that do not grow with an area's size: kept as published in every copy.
RATIO = re.compile(r"(percent|pct|rate|average|avg|%|caseload|per_?10)", re.I)
MAX_AREA_COPIES = 5  # (copies - 1) × ~160 authorities must fit in the unused three-digit old LA codes
SKIP_NAMES = {"README.md", "SOURCES.md"}
VERSION = 1  # bump when the output for the same inputs changes


class SynthError(Exception):
    pass


@dataclass
class Layout:
    """How a file is written: encoding, BOM, line ending and whether the last line ends with one."""

    encoding: str
    bom: bool
    newline: str
    final_newline: bool


@dataclass
class Table:
    rel: str
    layout: Layout
    header: str  # the header line as published (without BOM and line ending)
    columns: list[str]
    records: list[str]  # each data record as published, without its line ending


@dataclass
class Plan:
    years: int
    areas: int
    span: int  # years between two year copies
    old_codes: dict[tuple[str, int], str] = field(default_factory=dict)  # (real old code, copy) -> synthetic


def factors(scale: int) -> tuple[int, int]:
    """(year copies, area copies) with years × areas = scale and as many area copies as fit."""
    if scale < 1:
        raise SynthError(f"scale must be a whole number of 1 or more, not {scale}")
    areas = max(d for d in range(1, MAX_AREA_COPIES + 1) if scale % d == 0)
    return scale // areas, areas


# --- reading a file exactly as published -------------------------------------------------------------


def read_table(path: Path, rel: str) -> Table | None:
    """The file split into records, or None when it is not an EES data file."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = body.decode("cp1252"), "cp1252"
    first_end = text.find("\n")
    newline = "\r\n" if first_end > 0 and text[first_end - 1] == "\r" else "\n"
    final_newline = text.endswith(newline)
    lines = text[: -len(newline)].split(newline) if final_newline else text.split(newline)
    records = join_quoted(lines, newline)
    if not records:
        return None
    columns = [unquote(t).strip() for t in split_fields(records[0])]
    if not all(c in columns for c in EES_REQUIRED):
        return None
    return Table(rel, Layout(encoding, bom, newline, final_newline), records[0], columns, records[1:])


def join_quoted(lines: list[str], newline: str) -> list[str]:
    """Physical lines to records: a quoted value may hold a line break."""
    out: list[str] = []
    pending: list[str] = []
    quotes = 0
    for line in lines:
        pending.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            out.append(pending[0] if len(pending) == 1 else newline.join(pending))
            pending, quotes = [], 0
    if pending:
        out.append(newline.join(pending))
    return out


def split_fields(record: str) -> list[str]:
    """A record's fields as written, quotes kept (so they can be written back the same way)."""
    if '"' not in record:
        return record.split(",")
    fields, start, inside = [], 0, False
    for i, ch in enumerate(record):
        if ch == '"':
            inside = not inside
        elif ch == "," and not inside:
            fields.append(record[start:i])
            start = i + 1
    fields.append(record[start:])
    return fields


def unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        return token[1:-1].replace('""', '"')
    return token


def requote(token: str, value: str) -> str:
    """value written the way token was: quoted if token was (or if value needs it)."""
    if token.startswith('"') or any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


# --- the plan: how far years shift and which codes the copies get -----------------------------------


def ees_files(raw: Path) -> list[tuple[Path, str]]:
    files = sorted(
        p
        for p in raw.rglob("*.csv")
        if p.is_file()
        and not p.name.startswith(".")
        and p.name not in SKIP_NAMES
        and not p.name.lower().endswith(".meta.csv")
    )
    return [(p, p.relative_to(raw).as_posix()) for p in files]


def survey(tables: list[Table]) -> tuple[int, int, set[str]]:
    """First and last year, and every old LA code, in all the files."""
    years: list[int] = []
    olds: set[str] = set()
    for t in tables:
        ip = t.columns.index("time_period")
        io = t.columns.index("old_la_code") if "old_la_code" in t.columns else None
        periods: set[str] = set()
        codes: set[str] = set()
        for fields in csv.reader(t.records):
            if len(fields) == len(t.columns):
                periods.add(fields[ip].strip())
                if io is not None:
                    codes.add(fields[io])
        years += [int(p[:4]) for p in periods if re.fullmatch(r"\d{4}|\d{6}", p)]
        olds.update(part for code in codes for part in old_code_parts(code))
    if not years:
        raise SynthError("no EES data file with a valid time_period")
    return min(years), max(years), olds


def old_code_parts(value: str) -> list[str]:
    return [p for p in (x.strip() for x in value.split("/")) if p and p != "x"]


def make_plan(scale: int, tables: list[Table]) -> Plan:
    years, areas = factors(scale)
    first, last, olds = survey(tables)
    span = last - first + 1
    if first - (years - 1) * span < 1000:
        raise SynthError(
            f"scale {scale} needs {years} copies of {span} years: they would reach before "
            "the year 1000 (time_period has four digits)"
        )
    plan = Plan(years, areas, span)
    free = [f"{i:03d}" for i in range(1000) if f"{i:03d}" not in olds]
    if (areas - 1) * len(olds) > len(free):
        raise SynthError(
            f"{areas} copies of {len(olds)} authorities need more unused old LA codes than "
            f"the {len(free)} there are"
        )
    it = iter(free)
    for j in range(1, areas):
        for code in sorted(olds):
            plan.old_codes[(code, j)] = next(it)
    return plan


# --- writing the copies ------------------------------------------------------------------------------


def shift_period(value: str, delta: int) -> str:
    v = value.strip()
    if re.fullmatch(r"\d{4}", v):
        return str(int(v) - delta)
    if re.fullmatch(r"\d{6}", v):
        start = int(v[:4]) - delta
        return f"{start}{(start + 1) % 100:02d}"
    return value


def gss_copy(value: str, j: int) -> str:
    """E06000001 -> E06 0j 00001 for each code of a joint area ("E06000061 / E06000062")."""
    parts = []
    for p in value.split(" / "):
        p = p.strip()
        if len(p) == 9 and p[3:5] == "00":
            p = f"{p[:3]}{j:02d}{p[5:]}"
        elif p and p != "x":
            raise SynthError(f"area code {p!r} does not have 00 in digits 4-5; cannot make copies of it")
        parts.append(p)
    return " / ".join(parts)


def old_copy(value: str, j: int, plan: Plan) -> str:
    parts = [x.strip() for x in value.split("/")]
    return " / ".join(plan.old_codes.get((p, j), p) for p in parts)


def copy_factor(seed: int, rel: str, k: int, j: int) -> float:
    digest = hashlib.sha256(f"{seed}|{rel}|{k}|{j}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big")).uniform(0.8, 1.25)


def scaled(value: str, factor: float) -> str:
    s = value.strip()
    if not NUMBER.match(s):
        return value  # a symbol, a blank or text: as published
    decimals = len(s) - s.index(".") - 1 if "." in s else 0
    out = f"{float(s) * factor:.{decimals}f}"
    return "0" if out.strip("-0.") == "" else out


def count_columns(t: Table, rows: list[list[str]]) -> list[int]:
    """Columns holding only numbers, symbols or blanks, and measuring a size (not a ratio)."""
    out = []
    for i, col in enumerate(t.columns):
        if col in GEOGRAPHY or not col or RATIO.search(col):
            continue
        values = [unquote(r[i]).strip() for r in rows]
        if any(v for v in values) and all(not v or v in SYMBOLS or NUMBER.match(v) for v in values):
            out.append(i)
    return out


def write_scaled(t: Table, dst: Path, plan: Plan, seed: int) -> int:
    """Write t's copies to dst; returns the number of data rows written."""
    rows = [split_fields(r) for r in t.records]
    width = len(t.columns)
    counts = count_columns(t, [r for r in rows if len(r) == width])
    col = {c: i for i, c in enumerate(t.columns)}
    lvl = col["geographic_level"]
    nl = t.layout.newline
    dst.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with dst.open("wb") as fh:
        if t.layout.bom:
            fh.write(b"\xef\xbb\xbf")
        fh.write(t.header.encode(t.layout.encoding))
        for k in range(plan.years):
            for j in range(plan.areas):
                lines = _copy_lines(t, rows, counts, col, lvl, k, j, plan, seed)
                written += len(lines)
                if lines:
                    fh.write((nl + nl.join(lines)).encode(t.layout.encoding))
        if t.layout.final_newline:
            fh.write(nl.encode(t.layout.encoding))
    return written


def _copy_lines(
    t: Table,
    rows: list[list[str]],
    counts: list[int],
    col: dict[str, int],
    lvl: int,
    k: int,
    j: int,
    plan: Plan,
    seed: int,
) -> list[str]:
    if k == 0 and j == 0:
        return list(t.records)
    factor = copy_factor(seed, t.rel, k, j)
    cache: dict[str, str] = {}
    delta = k * plan.span
    period = col["time_period"]
    renames = (
        [
            (col[c], fn)
            for c, fn in (
                ("region_code", lambda v: gss_copy(v, j)),
                ("region_name", lambda v: f"{v} (synthetic {j})"),
                ("new_la_code", lambda v: gss_copy(v, j)),
                ("old_la_code", lambda v: old_copy(v, j, plan)),
                ("la_name", lambda v: f"{v} (synthetic {j})"),
            )
            if c in col
        ]
        if j
        else []
    )
    out = []
    for raw, fields in zip(t.records, rows, strict=True):
        if len(fields) != len(t.columns):
            if k == 0 and j == 0:
                out.append(raw)
            continue
        national = unquote(fields[lvl]).strip() == "National"
        if j and national:
            continue
        f = list(fields)
        if delta:
            f[period] = requote(f[period], shift_period(unquote(f[period]), delta))
        for i, fn in renames:
            value = unquote(f[i])
            if value.strip() and value.strip() != "x":
                f[i] = requote(f[i], fn(value.strip()))
        for i in counts:
            cell = f[i]
            new = cache.get(cell)
            if new is None:
                new = cache[cell] = requote(cell, scaled(unquote(cell), factor))
            f[i] = new
        out.append(",".join(f))
    return out


# --- the whole set -------------------------------------------------------------------------------------


def fingerprint(files: list[tuple[Path, str]]) -> str:
    h = hashlib.sha256()
    for p, rel in files:
        st = p.stat()
        h.update(f"{rel}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def generate(raw: Path, out: Path, scale: int, seed: int = 7, only: list[str] | None = None) -> dict:
    """Write the scaled files to out; returns a summary (also kept in out/.synth.json)."""
    files = ees_files(raw)
    key = {
        "version": VERSION,
        "raw": str(raw.resolve()),
        "inputs": fingerprint(files),
        "scale": scale,
        "seed": seed,
        "only": sorted(only or []),
    }
    stamp = out / ".synth.json"
    if stamp.is_file():
        done = json.loads(stamp.read_text(encoding="utf-8"))
        if done.get("key") == key:
            return done
    tables = [t for t in (read_table(p, rel) for p, rel in files) if t is not None]
    plan = make_plan(scale, tables)
    chosen = [
        t
        for t in tables
        if not only
        or any(fnmatch.fnmatch(t.rel, pat) or fnmatch.fnmatch(Path(t.rel).name, pat) for pat in only)
    ]
    if not chosen:
        raise SynthError(f"no EES data file under {raw} matches {', '.join(only or [])}")
    if stamp.exists():
        stamp.unlink()
    summary: dict = {"key": key, "years": plan.years, "areas": plan.areas, "span": plan.span, "files": []}
    for t in chosen:
        dst = out / t.rel
        rows = write_scaled(t, dst, plan, seed)
        src_bytes = (raw / t.rel).stat().st_size
        summary["files"].append(
            {
                "file": t.rel,
                "rows_in": len(t.records),
                "rows_out": rows,
                "bytes_in": src_bytes,
                "bytes_out": dst.stat().st_size,
            }
        )
    for name in ("rows_in", "rows_out", "bytes_in", "bytes_out"):
        summary[name] = sum(f[name] for f in summary["files"])
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, required=True, help="folder of the published release files")
    ap.add_argument("--out", type=Path, required=True, help="folder to write the synthetic files to")
    ap.add_argument("--scale", type=int, default=10, help="N: about N times the rows (default 10)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", action="append", help="only files matching this name or path pattern")
    args = ap.parse_args(argv)
    try:
        s = generate(args.raw, args.out, args.scale, args.seed, args.only)
    except SynthError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{len(s['files'])} files, {s['rows_in']:,} → {s['rows_out']:,} rows "
        f"({s['years']} year copies × {s['areas']} area copies), {s['bytes_out'] / 1e6:,.1f} MB in {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
