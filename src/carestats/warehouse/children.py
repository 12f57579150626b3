"""The pseudonymised child-level tables: SSDA903 returns as the warehouse keeps them (schema `ssda903`).

What identifies a child never reaches a table:
- CHILD becomes `child`, a keyed hash (HMAC-SHA256 of the council's code and the ID) with a secret made
  once per installation: 32 random bytes in `$XDG_DATA_HOME/carestats/ssda903.key` (default
  `~/.local/share/carestats/`; `CARESTATS_KEY_FILE` names another file), created on first use with mode
  0600 and refused if anyone else may read it. The same child has the same hash in every year's return,
  which is what following children forward (re-entry) needs; without the key the hash cannot be
  reversed or recomputed.
- DOB is kept as month and year (`dob_month`, `dob_year`). Every age a measure needs is computed from the
  full date of birth as read, before it is reduced: `age_at_year_end` (whole years on 31 March of the
  return's year) and, on episodes, `age_at_decom` and `age_at_dec`.
- UPN, MC_DOB, SW_ID are dropped; HOME_POST and PL_POST are dropped once `distance_miles` (the straight line
  between their ONS centroids, warehouse/postcodes.py) is computed.

Dates are read as DD/MM/YYYY (an XML return's as YYYY-MM-DD too). A row with a date that cannot be read
(or without the date it must have: DECOM, MIS_START, a header's DOB, or without CHILD) is left out of
every table and reported by FILE:LINE:COLUMN, naming the column and never the value or the child.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from carestats.core.errors import ConfigError, Finding

SCHEMA = "ssda903"
KEY_NAME = "ssda903.key"
DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# The date columns of each table, and those a row cannot do without.
DATES = {
    "header": ("DOB",), "episodes": ("DECOM", "DEC"), "reviews": ("DOB", "REVIEW"), "uasc": ("DOB", "DUC"),
    "oc2": ("DOB",), "oc3": ("DOB",), "ad1": ("DOB", "DATE_INT", "DATE_MATCH"),
    "placed_for_adoption": ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"), "previous_permanence": ("DOB",),
    "missing": ("DOB", "MIS_START", "MIS_END"), "sw_episodes": ("DOB", "SW_DECOM", "SW_DEC"),
    "dolo": ("DOB", "DOLO_START", "DOLO_END"),
}
REQUIRED = {"header": ("DOB",), "episodes": ("DECOM",), "missing": ("MIS_START",), "reviews": ("REVIEW",)}
DROPPED = {"UPN", "MC_DOB", "SW_ID", "HOME_POST", "PL_POST"}  # identifying: never stored
DATE_COLUMNS = {c.lower() for cols in DATES.values() for c in cols if c != "DOB"} | {
    "period_start", "placement_start", "stability_start"}
RULE_DATE = "SSDA903-DATE"
RULE_CHILD = "SSDA903-CHILD"


def key_file() -> Path:
    env = os.environ.get("CARESTATS_KEY_FILE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "carestats" / KEY_NAME


def installation_key(path: Path | None = None) -> bytes:
    """The installation's secret: read, or made on first use (0600, never overwritten)."""
    path = path or key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: the key that pseudonymises child IDs may be read by others "
                          f"(mode {stat.S_IMODE(mode):o})", f"chmod 600 {path}")
    key = path.read_bytes()
    if len(key) < 32:
        raise ConfigError(f"{path}: the pseudonymisation key is too short", "remove it to make a new one "
                          "(hashes in earlier warehouses will then no longer match)")
    return key


class Pseudonymiser:
    def __init__(self, la_code: str, key: bytes) -> None:
        self.prefix = la_code.encode() + b"\x1f"
        self.key = key

    def __call__(self, child: str) -> str:
        return hmac.new(self.key, self.prefix + child.strip().encode(), hashlib.sha256).hexdigest()[:32]


def parse_date(text: str | None, iso_too: bool = False) -> dt.date | None | bool:
    """A date; None for a blank cell; False when it cannot be read."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    m = DMY.match(t)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = ISO.match(t) if iso_too else None
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return False


def whole_years(dob: dt.date | None, on: dt.date | None) -> int | None:
    if dob is None or on is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _snake(col: str) -> str:
    return col.lower()


def pseudonymise(ret, la_code: str, key: bytes, centroids) -> tuple[dict[str, list[dict]], list[Finding]]:  # type: ignore[no-untyped-def]
    """One year's return (ingest.ssda903.YearReturn) as rows for the ssda903 tables, and the rows left out."""
    hasher = Pseudonymiser(la_code, key)
    year_end = dt.date(ret.end_year, 3, 31)
    folder = ret.folder.name
    findings: list[Finding] = []
    iso = any(kind == "xml" for _, kind in ret.files)
    out: dict[str, list[dict]] = {}
    dobs: dict[str, dt.date] = {}
    order = ["header"] + [t for t in ret.tables if t != "header"]
    for name in order:
        table = ret.tables.get(name)
        if table is None:
            continue
        rows: list[dict] = []
        for cells, (file, line) in zip(table.rows, table.where):
            where = f"{folder}/{file}"
            child = (cells.get("CHILD") or "").strip()
            if not child:
                findings.append(Finding(where, line, "CHILD", RULE_CHILD, f"the {name} row has no CHILD; it is "
                                        "left out of every count", "fill in the child's ID"))
                continue
            dates: dict[str, dt.date | None] = {}
            bad = None
            for col in DATES.get(name, ()):
                if col not in table.columns:
                    continue
                got = parse_date(cells.get(col), iso)
                if got is False or (got is None and col in REQUIRED.get(name, ())):
                    bad = col
                    break
                dates[col] = got  # type: ignore[assignment]
            if bad is not None:
                blank = cells.get(bad) is None
                what = "is blank" if blank else \
                    f"is not a date in the form DD/MM/YYYY{' or YYYY-MM-DD' if iso else ''}"
                findings.append(Finding(where, line, bad, RULE_DATE,
                                        f"{bad} {what}; the {name} row is left out of every count",
                                        "correct the date in the return"))
                continue
            dob = dates.get("DOB")
            if name == "header":
                dobs.setdefault(child, dob)  # type: ignore[arg-type]
            elif dob is None:
                dob = dobs.get(child)
            row: dict = {"return_year": ret.end_year, "file": file, "line": line, "child": hasher(child)}
            for col in table.columns:
                if col in ("CHILD", "DOB") or col in DROPPED:
                    continue
                value = cells.get(col)
                row[_snake(col)] = dates[col] if col in dates else (value.upper() if value else None)
            if "DOB" in table.columns or name == "episodes":
                row["dob_month"] = dob.month if dob else None
                row["dob_year"] = dob.year if dob else None
                row["age_at_year_end"] = whole_years(dob, year_end)
            if name == "episodes":
                row["age_at_decom"] = whole_years(dob, dates.get("DECOM"))
                row["age_at_dec"] = whole_years(dob, dates.get("DEC"))
                row["distance_miles"] = centroids.miles(cells.get("HOME_POST"), cells.get("PL_POST"))
            rows.append(row)
        out[name] = rows
    return out, findings


SHORT_BREAKS = {"V3", "V4"}
NEW_CARER = {"S", "P", "B"}  # the reasons for a new episode that begin a placement with a new carer
ADOPTION_PLACEMENTS = {"A3", "A4", "A5", "A6"}  # placed for adoption


def derive_periods(episodes: list[dict]) -> None:
    """Add to each episode, from the chain of episodes before it (short breaks left out):
    `period_start`, the start of its period of care (the DECOM of the episode with RNE S that began it,
    walking back through episodes that end the day the next begins); `placement_start`, the start of its
    placement with the current carer (walking back to an episode with RNE S, P or B); and
    `stability_start`, the same, except that for a child placed for adoption it is the start of the
    placement before the adoptive one (the DfE's long-term stability rule).
    For the return of year Y the chain is read from the returns up to Y (an episode in several returns is
    taken from the latest of them), so a period of care that began before Y's return is followed back
    as far as the returns supplied go."""
    years = sorted({e["return_year"] for e in episodes})
    for year in years:
        known: dict[tuple[str, object], dict] = {}
        for e in episodes:
            if e["return_year"] <= year and e.get("ls") not in SHORT_BREAKS:
                k = (e["child"], e["decom"])
                if k not in known or known[k]["return_year"] <= e["return_year"]:
                    known[k] = e
        by_end: dict[tuple[str, object], dict] = {}
        for e in sorted(known.values(), key=lambda e: (e["child"], e["decom"], e["line"])):
            if e.get("dec") is not None:
                by_end[(e["child"], e["dec"])] = e

        def back(e: dict, stop, by_end: dict = by_end) -> dict:  # type: ignore[no-untyped-def]
            seen = 0
            while not stop(e) and (prev := by_end.get((e["child"], e["decom"]))) is not None and seen < 10000:
                if prev is e:
                    break
                e, seen = prev, seen + 1
            return e

        for e in episodes:
            if e["return_year"] != year:
                continue
            if e.get("ls") in SHORT_BREAKS:
                e["period_start"] = e["placement_start"] = e["stability_start"] = None
                continue
            e["period_start"] = back(e, lambda x: x.get("rne") == "S")["decom"]
            first = back(e, lambda x: x.get("rne") in NEW_CARER)
            e["placement_start"] = first["decom"]
            stable = first
            if first.get("place") in ADOPTION_PLACEMENTS and first.get("rne") != "S":
                before = by_end.get((first["child"], first["decom"]))
                if before is not None:
                    stable = back(before, lambda x: x.get("rne") in NEW_CARER)
            e["stability_start"] = stable["decom"]


def _arrow(name: str, rows: list[dict]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    if not rows:
        return None
    columns = list(rows[0])
    types = {"return_year": pa.int32(), "line": pa.int32(), "dob_month": pa.int8(), "dob_year": pa.int16(),
             "age_at_year_end": pa.int16(), "age_at_decom": pa.int16(), "age_at_dec": pa.int16(),
             "distance_miles": pa.float64()}
    arrays = {}
    for c in columns:
        values = [r.get(c) for r in rows]
        if c in types:
            arrays[c] = pa.array(values, type=types[c])
        elif c in DATE_COLUMNS:
            arrays[c] = pa.array(values, type=pa.date32())
        elif any(isinstance(v, bool) for v in values):
            arrays[c] = pa.array(values, type=pa.bool_())
        elif any(isinstance(v, int) for v in values):
            arrays[c] = pa.array(values, type=pa.int64())
        elif any(isinstance(v, dt.date) for v in values):
            arrays[c] = pa.array(values, type=pa.date32())
        else:
            arrays[c] = pa.array(values, type=pa.string())
    return pa.table(arrays)


TABLES_SQL = ("ssda903", "common", "tables.sql")  # under queries/: the tables and their columns, in one place


def load(con, returns: list, la_code: str, centroids=None, key: bytes | None = None) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Write every year's return into the ssda903 tables (made afresh); the rows left out."""
    from carestats.core import paths
    from carestats.warehouse import db
    from carestats.warehouse.postcodes import Centroids

    key = key or installation_key()
    centroids = centroids or Centroids()
    every: dict[str, list[dict]] = {}
    findings: list[Finding] = []
    years = []
    for ret in returns:
        rows, found = pseudonymise(ret, la_code, key, centroids)
        findings.extend(found)
        years.append({"return_year": ret.end_year, "folder": ret.folder.name,
                      "files": ", ".join(f for f, _ in ret.files),
                      "rows": sum(len(t.rows) for t in ret.tables.values()),
                      "left_out": len(found), "bare_year_folder": ret.bare_year})
        for name, table_rows in rows.items():
            every.setdefault(name, []).extend(table_rows)
    derive_periods(every.get("episodes", []))
    every["returns"] = years
    every["left_out"] = [{"return_year": _year_of(f.path, returns), "file": f.path, "line": f.line,
                          "column": f.column, "rule": f.rule, "message": f.message} for f in findings]
    db.run_script(con, paths.QUERIES_DIR.joinpath(*TABLES_SQL))
    for name, table_rows in every.items():
        table = _arrow(name, table_rows)
        if table is not None:
            db.append_table(con, SCHEMA, name, table)
    return findings


def _year_of(path: str, returns: list) -> int:  # type: ignore[type-arg]
    folder = path.split("/", 1)[0]
    return next(r.end_year for r in returns if r.folder.name == folder)
