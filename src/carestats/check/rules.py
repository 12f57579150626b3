"""Stage 2, check: screener-level rules on every EES data file, each finding located to line and column.

The rules run on the rows as read (before anything is loaded), so a failing file never reaches the
warehouse. Each rule has an id, a message and what to do; `carestats check` prints one line per finding:
`FILE:LINE:COLUMN: RULE-ID: message — what to do`.

Rules (errors unless marked warning). The reader (csvread.py) adds FILE-TYPE, ENC-*, NUL-BYTE,
EMPTY-FILE, DELIMITER, RAGGED-ROW, UNTERMINATED-QUOTE, CSV-SYNTAX, DUP-COLUMN, and the warnings
ENC-CP1252, HEADER-SPACE, BLANK-LINE, NO-FINAL-NEWLINE. Here:

- file:    MISSING-COLUMN, HEADER-ROW (the header is not on line 1), HEADER-ONLY, COLUMN-NAME (spaces),
           UNNAMED-COLUMN, GEO-COLUMNS (region or LA columns only partly present), TIME-ID-MIX
- row:     REPEATED-HEADER, EMBEDDED-NEWLINE, GEO-LEVEL, GEO-CODE, GEO-CODE-FORMAT, GEO-OVERCOMPLETE,
           GEO-TOTAL, GEO-REGION (warning), TIME-ID, TIME-PERIOD, BLANK-CELL, DUP-OBS
- value:   VALUE, NEGATIVE-COUNT, PERCENT-RANGE, VALUE-SPACE (warning), LABEL-SPACE (warning)
- across files: GEO-PAIR (a code with another name or partner code than in an earlier file)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from carestats.ingest.csvfile import CsvFile
from carestats.core.errors import Finding

GEO_LEVELS = {
    "National", "Regional", "Local authority", "Local authority district", "Parliamentary constituency",
    "Local skills improvement plan area", "English devolved area", "Opportunity area", "Ward",
    "MAT", "Sponsor", "School", "Provider", "Institution", "Planning area", "Police force area",
    "RSC region", "Local enterprise partnership", "Mayoral combined authority", "Other local authority",
}
USED_LEVELS = {"National", "Regional", "Local authority"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# Time identifiers by family: a file may mix identifiers of one family only (screener precheck_time_id_mix).
TIME_FAMILIES = {
    "calendar": {"Calendar year", *(f"Calendar year Q{q}" for q in range(1, 5))},
    "reporting": {"Reporting year"},
    "financial": {"Financial year", *(f"Financial year Q{q}" for q in range(1, 5)),
                  "Part 1 (April to September)", "Part 2 (October to March)"},
    "academic": {"Academic year", *(f"Academic year Q{q}" for q in range(1, 5)), "Autumn term", "Spring term",
                 "Summer term", "Autumn and spring term"},
    "tax": {"Tax year", "Fiscal year"},
    "week": {f"Week {w}" for w in range(1, 53)},
    "month": set(MONTHS),
}
TIME_IDS = {t for family in TIME_FAMILIES.values() for t in family}
FAMILY_OF = {t: name for name, family in TIME_FAMILIES.items() for t in family}
FOUR_DIGIT_FAMILIES = {"calendar", "reporting", "week", "month"}
SYMBOLS = {"c", "k", "u", "x", "z", "low"}
NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
CODE_FOR_LEVEL = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
# a tuple, not a set: findings on one row come out in the same order on every run
GEO_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
               "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
REQUIRED = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
LA_COLUMNS = ("old_la_code", "new_la_code", "la_name")
REGION_COLUMNS = ("region_code", "region_name")
# Columns that must be empty on rows of a higher level (screener check_geog_overcompleted_cols).
BELOW = {"National": (*REGION_COLUMNS, *LA_COLUMNS), "Regional": LA_COLUMNS}
# Joint services are published as one row with both codes: "E06000061 / E06000062", "940 / 941".
GSS_CODE = re.compile(r"^[EKNSW]\d{8}( / [EKNSW]\d{8})*$")
OLD_LA_CODE = re.compile(r"^\d{3}( / \d{3})*$")
COUNT_HINT = re.compile(r"(count|number|^t_|_fte$|headcount|^cases$)", re.I)
PERCENT_HINT = re.compile(r"(percent|percentage|_pct$)", re.I)
MAX_PER_RULE = 20  # beyond this, one summary line per rule and file
WARNINGS = {"LABEL-SPACE", "VALUE-SPACE", "GEO-REGION"}


def finding_line(f: Finding) -> str:
    """The one line `carestats check` prints; a warning says so after the rule id."""
    if f.severity == "error":
        return f.format()
    return Finding(f.path, f.line, f.column, f.rule, f"warning: {f.message}", f.hint).format()


def looks_like_ees(header: list[str]) -> bool:
    """Two of the five mandatory EES columns (in any case), one of them a time or level column: meant to be
    a data file. A lookup of codes and names (country_code, country_name) is not."""
    lower = {h.strip().lower().lstrip("\ufeff") for h in header}
    return sum(c in lower for c in REQUIRED) >= 2 and bool(lower & {"time_period", "time_identifier",
                                                                     "geographic_level"})


def not_ees(f: CsvFile, max_lines: int = 10) -> list[Finding]:
    """Why a CSV that looks like an EES data file cannot be read as one (empty when it does not look like one)."""
    out: list[Finding] = []
    if not f.header:
        return out
    for line, row in f.first[:max_lines]:
        cells = [c.strip() for c in row]
        if all(c in cells for c in REQUIRED):
            out.append(Finding(f.name, 1, "", "HEADER-ROW", f"the column names are on line {line}, not line 1",
                               f"delete the {line - 1} line(s) above the column names"))
            return out
    if looks_like_ees(f.header):
        missing = [c for c in REQUIRED if c not in f.header]
        by_lower = {h.lower(): h for h in f.header}
        near = [f"{by_lower[c]!r}" for c in missing if c in by_lower]
        hint = f"column names are lower case (found {', '.join(near)})" if near else \
            "add the missing columns, named exactly as the publisher names them"
        out.append(Finding(f.name, 1, missing[0], "MISSING-COLUMN",
                           f"missing mandatory column(s): {', '.join(missing)}", hint))
    return out


@dataclass
class GeoIndex:
    """Code → name (and new → old LA code) pairs seen so far, across files: first accepted file wins."""

    pairs: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)

    def commit(self, local: dict[tuple[str, str], tuple[str, str, int]]) -> None:
        """Keep a passing file's pairs; old→new LA codes hold within one file and period only, so not them."""
        for key, value in local.items():
            if not key[0].startswith("old-new"):
                self.pairs.setdefault(key, value)


PAIR_WORDS = {"country": ("country_code", "country_name"), "region": ("region_code", "region_name"),
              "la": ("new_la_code", "la_name"), "la-old": ("new_la_code", "old_la_code")}


class _Checker:
    """The rules for one file; collects findings with a cap per rule."""

    def __init__(self, f: CsvFile, measures: set[str], geo: GeoIndex | None) -> None:
        self.f = f
        self.h = {c: i for i, c in enumerate(f.header) if c}
        self.measures = [c for c in f.header if c in measures]
        self.filters = [c for c in f.header if c and c not in GEO_COLUMNS and c not in measures]
        self.geo = geo or GeoIndex()
        self.local: dict[tuple[str, str], tuple[str, str, int]] = {}
        self.counts: dict[str, int] = {}
        self.unreported: dict[str, list[int]] = {}  # lines beyond the cap, per rule

    def report(self, line: int, col: str, rule: str, msg: str, hint: str) -> None:
        self.counts[rule] = self.counts.get(rule, 0) + 1
        if self.counts[rule] <= MAX_PER_RULE:
            (self.f.warn if rule in WARNINGS else self.f.error)(line, col, rule, msg, hint)
        else:
            self.unreported.setdefault(rule, []).append(line)

    def cell(self, row: list[str], col: str) -> str:
        return row[self.h[col]] if col in self.h else ""

    def run(self) -> None:
        f = self.f
        if not f.rows:
            f.error(2, "", "HEADER-ONLY", "file has a header but no rows", "download the file again")
            return
        if not self.columns():
            return
        seen: dict[tuple, int] = {}
        header = [c.lstrip("\ufeff") for c in f.header]
        families: dict[str, int] = {}
        for row, line, end in zip(f.rows, f.lines, f.ends):
            if [c.strip().lstrip("\ufeff") for c in row] == header:
                self.report(line, "", "REPEATED-HEADER", "the column names are repeated as a data row",
                            "remove the line (were two files joined?)")
                continue
            if end != line:
                col = next((c for c in f.header if c and ("\n" in self.cell(row, c) or "\r" in self.cell(row, c))), "")
                self.report(line, col, "EMBEDDED-NEWLINE", f"a value spans lines {line}–{end}",
                            "a closing double quote is probably missing on that line")
                continue
            self.geography(row, line)
            self.time(row, line, families)
            self.values(row, line)
            self.duplicate(row, line, seen)
        self.summarise()
        if f.ok:
            self.geo.commit(self.local)

    def columns(self) -> bool:
        f, ok = self.f, True
        for i, col in enumerate(f.header):
            if not col and any(r[i].strip() for r in f.rows):
                f.error(1, f"#{i + 1}", "UNNAMED-COLUMN", f"column {i + 1} has values but no name",
                        "give the column a name in the header")
            elif re.search(r"\s", col):
                f.error(1, col, "COLUMN-NAME", f"column name {col!r} contains spaces",
                        "use snake_case column names, e.g. " + re.sub(r"\s+", "_", col.lower()))
        for group in (REGION_COLUMNS, LA_COLUMNS):
            present = [c for c in group if c in self.h]
            if present and len(present) != len(group):
                missing = [c for c in group if c not in self.h]
                f.error(1, missing[0], "GEO-COLUMNS", f"{', '.join(present)} without {', '.join(missing)}",
                        f"give all of {', '.join(group)} or none of them")
                ok = False
        return ok

    def geography(self, row: list[str], line: int) -> None:
        if self.area(row, line):
            self.period_pair(row, line)

    def area(self, row: list[str], line: int) -> bool:
        """The rules on a row's geography that do not depend on its period; False when the level is unknown.

        The fast path (fastcheck.py) runs this once per distinct area rather than once per row.
        """
        level = self.cell(row, "geographic_level")
        if level not in GEO_LEVELS:
            near = next((g for g in GEO_LEVELS if g.lower() == level.strip().lower()), None)
            hint = f"write {near!r}" if near else f"use one of {', '.join(sorted(USED_LEVELS))}"
            self.report(line, "geographic_level", "GEO-LEVEL", f"unknown geographic level {level!r}", hint)
            return False
        self.geo_labels(row, line)
        code_col = CODE_FOR_LEVEL.get(level)
        if code_col and code_col in self.h and not self.cell(row, code_col).strip():
            self.report(line, code_col, "GEO-CODE", f"{level} row has no {code_col}", "fill in the area code")
        for col in BELOW.get(level, ()):
            if self.cell(row, col).strip():
                self.report(line, col, "GEO-OVERCOMPLETE", f"{level} row has {col} {self.cell(row, col)!r}",
                            f"leave {col} empty on {level} rows")
        if level == "Local authority" and "region_code" in self.h and not self.cell(row, "region_code").strip():
            self.report(line, "region_code", "GEO-REGION", "Local authority row has no region", "")
        self.code_formats(row, line)
        self.area_pairs(row, line)
        return True

    def geo_labels(self, row: list[str], line: int) -> None:
        """Geography and time cells hold no totals and no surrounding spaces (cells of absent columns are empty)."""
        for col in GEO_COLUMNS:
            v = self.cell(row, col).strip()
            if v.lower() in {"total", "all"}:
                self.report(line, col, "GEO-TOTAL", f"{col} is {v!r}",
                            "geography and time columns hold areas and periods; totals go in filter columns")
            elif v != self.cell(row, col) and col in self.h:
                self.report(line, col, "LABEL-SPACE", f"{col} {self.cell(row, col)!r} has surrounding spaces; "
                            "matched trimmed", "")

    def code_formats(self, row: list[str], line: int) -> None:
        for col, pattern, example in (("country_code", GSS_CODE, "E92000001"), ("region_code", GSS_CODE, "E12000001"),
                                      ("new_la_code", GSS_CODE, "E06000023"), ("old_la_code", OLD_LA_CODE, "801")):
            v = self.cell(row, col).strip()
            if v and v != "x" and not pattern.match(v):
                self.report(line, col, "GEO-CODE-FORMAT", f"{col} {v!r} is not a valid code",
                            f"codes look like {example}")

    def area_pairs(self, row: list[str], line: int) -> None:
        """A code keeps one name (and an LA's new code one old code) in this file and in every earlier one."""
        for kind, (a, b) in PAIR_WORDS.items():
            self.pair(kind, self.cell(row, a).strip(), self.cell(row, b).strip(), line)

    def period_pair(self, row: list[str], line: int) -> None:
        """Within one file and period an old LA code stands for one area."""
        period = self.cell(row, "time_period").strip()
        self.pair(f"old-new@{period}", self.cell(row, "old_la_code").strip(), self.cell(row, "new_la_code").strip(),
                  line)

    def pair(self, kind: str, code: str, partner: str, line: int) -> None:
        if not code or not partner or code == "x":
            return
        key = (kind, code)
        earlier = self.geo.pairs.get(key) if not kind.startswith("old-new") else None
        if earlier is None:
            earlier = self.local.setdefault(key, (partner, self.f.name, line))
        if earlier[0] != partner:
            a, b = (PAIR_WORDS[kind] if kind in PAIR_WORDS else ("old_la_code", "new_la_code"))
            where = f"line {earlier[2]}" if earlier[1] == self.f.name else f"{earlier[1]} line {earlier[2]}"
            self.report(line, b, "GEO-PAIR", f"{a} {code} goes with {b} {partner!r} here but {earlier[0]!r} "
                        f"in {where}", "use the publisher's code and name (a typo or an outdated code?)")

    def time(self, row: list[str], line: int, families: dict[str, int]) -> None:
        tid, period = self.cell(row, "time_identifier"), self.cell(row, "time_period")
        family = FAMILY_OF.get(tid)
        if family is None:
            self.report(line, "time_identifier", "TIME-ID", f"unknown time identifier {tid!r}",
                        "use the publisher's time identifier, e.g. 'Reporting year' or 'Academic year'")
        else:
            first = families.setdefault(family, line)
            if len(families) > 1 and first == line:
                other = next(k for k in families if k != family)
                self.report(line, "time_identifier", "TIME-ID-MIX", f"{tid!r} mixes {family} and {other} "
                            f"periods (line {families[other]}) in one file",
                            "keep one kind of time period per file")
        if not re.fullmatch(r"\d{4}|\d{6}", period):
            self.report(line, "time_period", "TIME-PERIOD", f"time period {period!r} is not YYYY or YYYYYY",
                        "write years as 2025 and academic years as 202425")
        elif len(period) == 6 and (int(period[:4]) + 1) % 100 != int(period[4:]):
            self.report(line, "time_period", "TIME-PERIOD", f"time period {period!r} is not two consecutive "
                        "years", "write academic and financial years as 202425")
        elif family and (len(period) == 4) != (family in FOUR_DIGIT_FAMILIES):
            need = "four" if family in FOUR_DIGIT_FAMILIES else "six"
            self.report(line, "time_period", "TIME-PERIOD", f"{tid} needs a {need}-digit period, not {period!r}",
                        "write calendar and reporting years as 2025, academic and financial years as 202425")

    def values(self, row: list[str], line: int) -> None:
        for col in self.measures:
            self.value(col, self.cell(row, col), line)
        for col in self.filters:
            self.label(col, self.cell(row, col), line)

    def value(self, col: str, v: str, line: int) -> None:
        """One measure cell: a number or a symbol (a rule on the cell alone, so the fast path runs it per value)."""
        s = v.strip()
        if s in SYMBOLS:
            return
        if not NUMBER.match(s):
            self.report(line, col, "VALUE", f"value {_shown(v)} is neither a number nor a symbol "
                        "(c, k, u, x, z, low)", _value_hint(s))
        elif s.startswith("-") and COUNT_HINT.search(col):
            self.report(line, col, "NEGATIVE-COUNT", f"count {v!r} is negative", "check the value in the source")
        elif PERCENT_HINT.search(col) and "change" not in col.lower() and not 0 <= float(s) <= 100:
            self.report(line, col, "PERCENT-RANGE", f"percentage {v!r} is outside 0–100",
                        "check the value in the source")
        elif s != v:
            self.report(line, col, "VALUE-SPACE", f"value {v!r} has surrounding spaces; trimmed", "")

    def label(self, col: str, v: str, line: int) -> None:
        """One filter cell: not blank, no surrounding spaces."""
        if not v.strip():
            self.report(line, col, "BLANK-CELL", f"{col} is blank", "use 'Total' for the all-items row, or the "
                        "publisher's label")
        elif v != v.strip():
            self.report(line, col, "LABEL-SPACE", f"label {v!r} has surrounding spaces; matched trimmed", "")

    def duplicate(self, row: list[str], line: int, seen: dict[tuple, int]) -> None:
        key = tuple(self.cell(row, c).strip() for c in ("time_period", "time_identifier", "geographic_level",
                                                        "country_code", "region_code", "old_la_code", "new_la_code")) \
            + tuple(self.cell(row, c).strip().lower() for c in self.filters)
        if key in seen:
            self.report(line, "", "DUP-OBS", f"duplicate observation: same period, area and filters as line "
                        f"{seen[key]}", "remove the repeated row (or tell the rows apart by a filter column)")
        else:
            seen[key] = line

    def summarise(self) -> None:
        for rule, lines in self.unreported.items():
            (self.f.warn if rule in WARNINGS else self.f.error)(
                lines[0], "", rule, f"{len(lines)} more finding(s) of this rule (lines {lines[0]}–{lines[-1]})",
                "see the lines above for what to do")


def _shown(v: str) -> str:
    return "empty" if not v.strip() else repr(v)


def _value_hint(s: str) -> str:
    if not s:
        return "write the publisher's symbol for a missing value: x (not available), z (not applicable), c"
    if s.upper() in {"N/A", "NA", "NULL", "NONE", "NAN", ".", "..", ":", "-", "~"}:
        return "replace it with x (not available), z (not applicable) or low (rounds to zero)"
    if s.startswith("#"):
        return "a spreadsheet error was saved as text; take the value from the publisher's file"
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", s):
        return "write the number without thousands separators, e.g. 1234"
    if s.endswith("%") or s.startswith("£"):
        return "write the number without % or £ signs"
    if re.fullmatch(r"-?\d+(\.\d*)?[eE][-+]?\d+", s):
        return "write the number in full, not in scientific notation"
    return "write a plain number or the publisher's symbol (c, k, u, x, z, low)"


def check_ees(f: CsvFile, measures: set[str], geo: GeoIndex | None = None) -> None:
    """Append findings for the screener rules to f.findings (rows themselves are not changed).

    With a GeoIndex, area codes and names are also checked against earlier files, and this file's pairs
    are added to it when the file passes.
    """
    _Checker(f, measures, geo).run()


def report(files: list, findings: list[Finding], quiet: bool = False) -> tuple[list[str], bool]:
    """The lines `carestats check` prints, and whether the check failed.

    Every finding is one line (warnings marked as such; `quiet` keeps the errors only), then the files
    that were read but are of no use to carestats, then a summary.
    """
    errors = [f for f in findings if f.severity == "error"]
    lines = [finding_line(f) for f in findings if f.severity == "error" or not quiet]
    by_status: dict[str, list] = {}
    for info in files:
        by_status.setdefault(info.status, []).append(info)
    if not quiet:
        lines += [f"unused: {i.name} ({i.reason})" for i in by_status.get("unused", [])]
        lines += [f"duplicate: {i.name} ({i.reason})" for i in by_status.get("duplicate", [])]
    failed = by_status.get("invalid", [])
    lines.append(f"{len(files)} files: {len(by_status.get('loaded', []))} data files pass, {len(failed)} fail, "
                 f"{len(by_status.get('unused', []))} unused; {len(errors)} error(s), "
                 f"{len(findings) - len(errors)} warning(s)")
    if failed:
        lines.append("failed: " + ", ".join(i.name for i in failed))
    return lines, bool(errors)
