"""Which raw table a CSV data file is, from its content alone (queries/recognise.yaml), never its name.

A file fits a shape when its header holds every column of the shape and, for each value rule, some cell of
that column matches the pattern. The fitting shape with the most columns and rules wins. A file that fits
no shape but holds most of one shape's columns (and its value rules) is that table with a misspelt or
missing column: a located finding on line 1, naming the column, rather than a query error later.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from carestats.core import paths, safe_yaml
from carestats.core.errors import ConfigError

RECOGNISE = "recognise.yaml"


@dataclass(frozen=True)
class Shape:
    table: str
    columns: tuple[str, ...]
    values: tuple[tuple[str, re.Pattern], ...]

    @property
    def weight(self) -> int:
        return len(self.columns) + len(self.values)


@dataclass(frozen=True)
class Recognised:
    table: str | None  # the raw table, or None when the file is no known publication
    missing: tuple[str, ...] = ()  # columns of the nearest shape the header lacks (table set, file at fault)
    found: tuple[str, ...] = ()  # for each missing column, the header cell it was probably meant to be ("" if none)
    ambiguous: tuple[str, ...] = ()  # tables that fit equally well


def shapes() -> list[Shape]:
    path = paths.QUERIES_DIR / RECOGNISE
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> list[Shape]:
    doc = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, entry in enumerate(doc.get("shapes", []), 1):
        if not isinstance(entry, dict) or "table" not in entry or not entry.get("columns"):
            raise ConfigError(f"queries/{RECOGNISE}: shape {i} needs a table and its columns",
                              "give each shape `table:` and `columns: [...]`")
        try:
            values = tuple((str(c), re.compile(str(p), re.IGNORECASE)) for c, p in (entry.get("values") or {}).items())
        except re.error as exc:
            raise ConfigError(f"queries/{RECOGNISE}: shape {i} ({entry['table']}): bad pattern ({exc})",
                              "fix the regular expression") from None
        out.append(Shape(str(entry["table"]), tuple(str(c) for c in entry["columns"]), values))
    return out


def known_tables() -> set[str]:
    return {s.table for s in shapes()}


def _value_holds(column: pa.Array, pattern: re.Pattern) -> bool:
    for v in pc.unique(pc.utf8_trim_whitespace(column)).to_pylist():
        if v and pattern.search(v):
            return True
    return False


def recognise(header: list[str], column: callable) -> Recognised:  # type: ignore[valid-type]
    """The table a file is; `column(i)` gives the text cells of header position i."""
    where = {c: i for i, c in reversed(list(enumerate(header))) if c}
    cache: dict[tuple[str, str], bool] = {}

    def holds(shape: Shape) -> bool:
        for col, pattern in shape.values:
            if col not in where:
                return False
            key = (col, pattern.pattern)
            if key not in cache:
                cache[key] = _value_holds(column(where[col]), pattern)
            if not cache[key]:
                return False
        return True

    fits = [s for s in shapes() if all(c in where for c in s.columns) and holds(s)]
    if fits:
        best = max(s.weight for s in fits)
        tables = sorted({s.table for s in fits if s.weight == best})
        if len(tables) > 1:
            return Recognised(None, ambiguous=tuple(tables))
        return Recognised(tables[0])
    # a near miss: one column of a shape missing, and either a header cell that is plainly that column
    # misspelt, or the shape's value rules holding on columns that are there (at least one)
    near = []
    for s in shapes():
        missing = [c for c in s.columns if c not in where]
        if len(missing) != 1 or len(s.columns) < 3:
            continue
        spare = [h for h in header if h and h not in s.columns]
        close = difflib.get_close_matches(missing[0], spare, n=1, cutoff=0.85)
        ruled = [(c, p) for c, p in s.values if c in where]
        if any(c not in where for c, _ in s.values if c != missing[0]):
            continue
        if not all(_value_holds(column(where[c]), p) for c, p in ruled):
            continue
        if s.values and not ruled:
            continue  # its value rules are on the missing column: nothing says it is this table
        if close or ruled:
            near.append((-s.weight, s, missing[0], close[0] if close else ""))
    if not near:
        return Recognised(None)
    near.sort(key=lambda t: t[0])
    _, shape, want, found = near[0]
    return Recognised(shape.table, (want,), (found,))


def named(table: str, header: list[str]) -> Recognised:
    """A file that fits no shape but is named after a known table: that table, with the columns its
    closest shape lacks (the file is at fault, not the query that would read them)."""
    where = set(header)
    best = min((s for s in shapes() if s.table == table),
               key=lambda s: (sum(c not in where for c in s.columns), -s.weight))
    missing = tuple(c for c in best.columns if c not in where)
    spare = [h for h in header if h and h not in best.columns]
    found = tuple((difflib.get_close_matches(m, spare, n=1, cutoff=0.85) or [""])[0] for m in missing)
    return Recognised(table, missing, found)
