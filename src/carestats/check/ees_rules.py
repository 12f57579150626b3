"""Stage 2, check: the screener's rules on an EES data file, each finding located to line and column.

The rules run on the cells as read (before anything is loaded), so a failing file never reaches the
warehouse. Each rule has an id, a message and what to do; `carestats check` prints one line per finding:
`FILE:LINE:COLUMN: RULE-ID: message — what to do`.

Each rule is written once, on whole columns: a rule on a cell alone is decided once per distinct value
(distinct_values.py) and spread to the rows; rules across rows (duplicates, first time family, pairs of
codes and names) work on arrays of ids. The findings come out as if the rules had run row by row
(findings.py): row by row, in the order listed here, capped per rule.

Rules (errors unless marked warning). The reader (csvfile.py) adds FILE-TYPE, ENC-*, NUL-BYTE,
EMPTY-FILE, DELIMITER, RAGGED-ROW, UNTERMINATED-QUOTE, CSV-SYNTAX, DUP-COLUMN, and the warnings
ENC-CP1252, HEADER-SPACE, BLANK-LINE, NO-FINAL-NEWLINE. Here:

- file:    MISSING-COLUMN, HEADER-ROW (the header is not on line 1), HEADER-ONLY, EMPTY-ROW (a record of
           empty cells among the data), COLUMN-NAME (spaces), UNNAMED-COLUMN, EMPTY-COLUMN (a named column
           without a value), GEO-COLUMNS (region or LA columns only partly present), TIME-ID-MIX
- row:     REPEATED-HEADER, EMBEDDED-NEWLINE, GEO-LEVEL, GEO-LEVEL-COLUMNS (rows of a level whose code and
           name columns are absent), GEO-TOTAL, LABEL-SPACE (warning), GEO-CODE,
           GEO-OVERCOMPLETE, GEO-REGION (warning), GEO-CODE-FORMAT, GEO-PAIR (geography_pairs.py), TIME-ID,
           TIME-PERIOD, then per measure VALUE, NEGATIVE-COUNT, PERCENT-RANGE, VALUE-SPACE (warning), per
           filter BLANK-CELL, LABEL-SPACE (warning), and last DUP-OBS (a column of numbers and symbols that
           no staging header names counts as an indicator, not a filter)

Geography columns of other levels (lad_code, lad_name, pcon_code, …) are observational units, not filters:
blank on rows of other levels. Region code `z` (not applicable) marks an area outside England.
The table a file is, and COL-MISSING (a column the staging view reads, misspelt: error; absent: warning),
are decided in recognise.py.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow.compute as pc

from carestats.check.distinct_values import (
    MAYBE_BLANK,
    DistinctValues,
    combine,
    first_of_each,
    together,
    value_set,
)
from carestats.check.findings import STAGES, RowFindings
from carestats.check.geography_pairs import GeoIndex, check_pairs
from carestats.core import arrays
from carestats.core.errors import Finding
from carestats.ingest.csvfile import CsvFile

GEO_LEVELS = frozenset({
    "National", "Regional", "Local authority", "Local authority district", "Parliamentary constituency",
    "Local skills improvement plan area", "English devolved area", "Opportunity area", "Ward",
    "MAT", "Sponsor", "School", "Provider", "Institution", "Planning area", "Police force area",
    "RSC region", "Local enterprise partnership", "Mayoral combined authority", "Other local authority",
})
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
SYMBOLS = frozenset({"c", "k", "u", "x", "z", "low"})
NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
PERIOD = re.compile(r"\d{4}|\d{6}")
CODE_FOR_LEVEL = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
# a tuple, not a set: findings on one row come out in the same order on every run
GEO_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
               "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
REQUIRED = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
LA_COLUMNS = ("old_la_code", "new_la_code", "la_name")
REGION_COLUMNS = ("region_code", "region_name")
# Geography columns of other levels: observational units, never filters (blank on rows of other levels).
OTHER_GEO = ("lad_code", "lad_name", "pcon_code", "pcon_name", "ward_code", "ward_name", "lsip_code", "lsip_name",
             "english_devolved_area_code", "english_devolved_area_name", "opportunity_area_code",
             "opportunity_area_name", "local_enterprise_partnership_code", "local_enterprise_partnership_name",
             "police_force_area_code", "police_force_area_name", "mayoral_combined_authority_code",
             "mayoral_combined_authority_name", "planning_area_code", "planning_area_name", "school_urn",
             "school_laestab", "school_name", "provider_ukprn", "provider_name", "trust_id", "trust_name",
             "sponsor_id", "sponsor_name", "institution_id", "institution_name")
# The columns a level's rows need (screener precheck_geog_level_present): absent, the rows say nothing
# of which area they are.
LEVEL_COLUMNS = {"Regional": REGION_COLUMNS, "Local authority": LA_COLUMNS,
                 "Local authority district": ("lad_code", "lad_name"),
                 "Parliamentary constituency": ("pcon_code", "pcon_name"), "Ward": ("ward_code", "ward_name")}
# Columns that must be empty on rows of a higher level (screener check_geog_overcompleted_cols).
BELOW = {"National": (*REGION_COLUMNS, *LA_COLUMNS), "Regional": LA_COLUMNS}
# Joint services are published as one row with both codes: "E06000061 / E06000062", "940 / 941".
GSS_CODE = re.compile(r"^[EKNSW]\d{8}( / [EKNSW]\d{8})*$")
OLD_LA_CODE = re.compile(r"^\d{3}( / \d{3})*$")
# The same with ASCII digits, for Arrow (RE2): what matches it, Python's pattern matches too.
GSS_CODE_ASCII = r"^[EKNSW][0-9]{8}( / [EKNSW][0-9]{8})*$"
OLD_LA_CODE_ASCII = r"^[0-9]{3}( / [0-9]{3})*$"
CODE_FORMATS = (("country_code", GSS_CODE, GSS_CODE_ASCII, "E92000001"),
                ("region_code", GSS_CODE, GSS_CODE_ASCII, "E12000001"),
                ("new_la_code", GSS_CODE, GSS_CODE_ASCII, "E06000023"),
                ("old_la_code", OLD_LA_CODE, OLD_LA_CODE_ASCII, "801"))
COUNT_HINT = re.compile(r"(count|number|^t_|_fte$|headcount|^cases$)", re.I)
PERCENT_HINT = re.compile(r"(percent|percentage|_pct$)", re.I)
DUP_GEO = ("time_period", "time_identifier", "geographic_level", "country_code", "region_code", "old_la_code",
           "new_la_code")
# Arrow pre-filters (RE2) of the distinct values a Python rule may reject; the rule itself decides.
# A measure value that is an unsigned plain ASCII number passes every value rule but PERCENT-RANGE.
PLAIN_NUMBER = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
SYMBOL = r"^(c|k|u|x|z|low)$"
# A number in an indicator column (ASCII only, and matched against stripped text, which ends in no
# newline: Python's re and RE2 agree); with the symbols, what such a column holds.
NUMBER_CELL = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
# A percentage certainly within 0–100 however float() rounds it: at most two digits before the point, or
# 100 (leading zeros aside).
IN_PERCENT_RANGE = r"^0*([0-9]{1,2}(\.[0-9]*)?|100(\.0*)?)$|^\.[0-9]+$"
TOTALS = frozenset({"total", "all"})
BLANK_HINT = "use 'Total' for the all-items row, or the publisher's label"

# Stages: the order of the rules on one row (findings.py sorts by row, then stage).
S_ROW = 0  # REPEATED-HEADER, EMBEDDED-NEWLINE
S_LEVEL = 1
S_LABELS = 2  # + position in GEO_COLUMNS
S_CODE = 12
S_OVER = 13  # + position in BELOW["National"]
S_REGION = 18
S_FORMAT = 19  # + position in CODE_FORMATS
S_PAIR = 23  # + kind (geography_pairs.py), 4 kinds and the old-new pair
S_TIME_ID = 28
S_PERIOD = 29
S_CELLS = 30  # + position among the measures, then the filters
S_DUP = STAGES - 1


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


def check_ees(f: CsvFile, measures: set[str], geo: GeoIndex | None = None) -> None:
    """Append findings for the screener rules to f.findings (the cells themselves are not changed).

    With a GeoIndex, area codes and names are also checked against earlier files, and this file's pairs
    are added to it when the file passes.
    """
    if not f.num_rows:
        f.error(2, "", "HEADER-ONLY", "file has a header but no rows", "download the file again")
        return
    if f.empty_rows:
        rows = f.empty_rows
        f.findings[:] = [x for x in f.findings if x.rule != "BLANK-LINE"]  # said here, as an error
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        f.error(rows[0], "", "EMPTY-ROW", f"{len(rows)} row(s) of empty cells among the data (lines {shown})",
                "delete the empty rows (clearing a row's cells leaves its commas behind)")
    rules = _Rules(f, measures, geo if geo is not None else GeoIndex())
    if rules.file_rules():
        rules.row_rules()


class _Rules:
    """The rules for one file, each over all of its rows."""

    def __init__(self, f: CsvFile, measures: set[str], geo: GeoIndex) -> None:
        self.f, self.geo = f, geo
        self.n = f.num_rows
        self.h = {c: i for i, c in enumerate(f.header) if c}
        self.measures = [c for c in f.header if c in measures]
        self.filters = [c for c in f.header if c and c not in GEO_COLUMNS and c not in OTHER_GEO
                        and c not in measures]
        self.lines = arrays.to_numpy(f.line_numbers)
        # every column's distinct values, side by side (distinct_values.Batch)
        self._by_position = [DistinctValues.of(f.column(i)) for i in range(len(f.header))]
        DistinctValues.side_by_side(self._by_position)
        self.empty: set[str] = set()  # named non-geography columns without a single value (EMPTY-COLUMN)
        self.out = RowFindings()

    def at(self, i: int) -> DistinctValues:
        """The i-th column's distinct values."""
        return self._by_position[i]

    def column(self, name: str) -> DistinctValues:
        """A named column's distinct values; an absent column reads as empty cells."""
        return self.at(self.h[name]) if name in self.h else DistinctValues.empty(self.n)

    # --- the file ----------------------------------------------------------------------------------------

    def file_rules(self) -> bool:
        """Rules on the columns; False when the row rules cannot run (region or LA columns partly there)."""
        f, ok = self.f, True
        for i, col in enumerate(f.header):
            if not col:
                if not self.at(i).blank.all():
                    f.error(1, f"#{i + 1}", "UNNAMED-COLUMN", f"column {i + 1} has values but no name",
                            "give the column a name in the header")
            elif re.search(r"\s", col):
                f.error(1, col, "COLUMN-NAME", f"column name {col!r} contains spaces",
                        "use snake_case column names, e.g. " + re.sub(r"\s+", "_", col.lower()))
        for col in [*self.filters, *self.measures]:
            if self.column(col).blank.all():
                self.empty.add(col)
                f.error(1, col, "EMPTY-COLUMN", f"column {col} is empty: no row has a value",
                        "remove the column, or fill it in as published")
        for group in (REGION_COLUMNS, LA_COLUMNS):
            present = [c for c in group if c in self.h]
            if present and len(present) != len(group):
                missing = [c for c in group if c not in self.h]
                f.error(1, missing[0], "GEO-COLUMNS", f"{', '.join(present)} without {', '.join(missing)}",
                        f"give all of {', '.join(group)} or none of them")
                ok = False
        return ok

    # --- the rows ----------------------------------------------------------------------------------------

    def row_rules(self) -> None:
        live = self.whole_rows()
        area = self.level(live)
        self.level_columns(area)
        self.geo_labels(area)
        self.codes(area)
        local = check_pairs(self.out, S_PAIR, self.f.name, area, self.lines, self.column, set(self.h), self.geo)
        self.time(live)
        self.cells(live)
        self.duplicates(live)
        self.out.write(self.f, self.lines)
        if self.f.ok:
            self.geo.commit(local)

    def whole_rows(self) -> np.ndarray:
        """REPEATED-HEADER and EMBEDDED-NEWLINE; the other rules skip those rows. The rows they may see."""
        f, header = self.f, [c.lstrip("\ufeff") for c in self.f.header]
        repeated = np.ones(self.n, bool)
        for i, name in enumerate(header):
            values = self.at(i)
            # only a value that holds the name (or, for a column without one, no letter at all) may be it
            maybe = pc.match_substring(values.dictionary, name) if name else values.matches(MAYBE_BLANK)
            same = values.decide(lambda v, name=name: v.strip().lstrip("\ufeff") == name, maybe)
            if not same.any():
                repeated[:] = False
                break
            repeated &= values.rows(same)
            if not repeated.any():
                break
        self.out.add("REPEATED-HEADER", S_ROW, repeated, lambda row: (
            "", "the column names are repeated as a data row", "remove the line (were two files joined?)"))
        spans = (arrays.to_numpy(f.end_numbers) != self.lines) & ~repeated

        def spanning(row: int) -> tuple[str, str, str]:
            col = next((c for i, c in enumerate(f.header) if c and ("\n" in self.at(i).value(row)
                                                                     or "\r" in self.at(i).value(row))), "")
            return (col, f"a value spans lines {self.lines[row]}–{f.end_numbers[row].as_py()}",
                    "a closing double quote is probably missing on that line")

        self.out.add("EMBEDDED-NEWLINE", S_ROW, spans, spanning)
        return ~(repeated | spans)

    def level(self, live: np.ndarray) -> np.ndarray:
        """GEO-LEVEL; the rows whose level is known, on which the other geography rules run."""
        levels = self.column("geographic_level")
        known = levels.rows(levels.one_of(GEO_LEVELS))

        def unknown(row: int) -> tuple[str, str, str]:
            level = levels.value(row)
            near = next((g for g in GEO_LEVELS if g.lower() == level.strip().lower()), None)
            hint = f"write {near!r}" if near else f"use one of {', '.join(sorted(USED_LEVELS))}"
            return "geographic_level", f"unknown geographic level {level!r}", hint

        self.out.add("GEO-LEVEL", S_LEVEL, live & ~known, unknown)
        return live & known

    def level_columns(self, area: np.ndarray) -> None:
        """GEO-LEVEL-COLUMNS: rows of a level whose code and name columns the file lacks altogether."""
        levels = self.column("geographic_level")
        for i, level in enumerate(levels.values):
            absent = [c for c in LEVEL_COLUMNS.get(level, ()) if c not in self.h]
            rows = np.flatnonzero(area & (levels.indices == i))
            if absent and len(rows):
                self.out.add("GEO-LEVEL-COLUMNS", S_LEVEL, rows[:1], lambda row, level=level, absent=absent, n=len(rows): (
                    "geographic_level", f"{n} {level} row(s) but no {', '.join(absent)} column: they name no area",
                    f"add the columns {', '.join(LEVEL_COLUMNS[level])}, or leave out the {level} rows"))

    def geo_labels(self, area: np.ndarray) -> None:
        """Geography and time cells hold no totals and no surrounding spaces."""
        for k, col in enumerate(GEO_COLUMNS):
            if col not in self.h:
                continue
            values = self.column(col)
            kinds, answers = values.label([("GEO-TOTAL", values.stripped_in(TOTALS, folded=True)),
                                           ("LABEL-SPACE", values.untrimmed)])
            for rule in answers:
                hit = area & (kinds == answers.index(rule))
                if rule == "GEO-TOTAL":
                    self.out.add(rule, S_LABELS + k, hit, lambda row, col=col, values=values: (
                        col, f"{col} is {values.value(row).strip()!r}",
                        "geography and time columns hold areas and periods; totals go in filter columns"))
                else:
                    self.out.add(rule, S_LABELS + k, hit, lambda row, col=col, values=values: (
                        col, f"{col} {values.value(row)!r} has surrounding spaces; matched trimmed", ""))

    def codes(self, area: np.ndarray) -> None:
        """GEO-CODE, GEO-OVERCOMPLETE, GEO-REGION, GEO-CODE-FORMAT."""
        levels = self.column("geographic_level")
        on = {name: area & (levels.indices == i) for i, name in enumerate(levels.values)
              if name in CODE_FOR_LEVEL or name in BELOW}
        blank: dict[str, np.ndarray] = {}

        def is_blank(col: str) -> np.ndarray:
            if col not in blank:
                values = self.column(col)
                blank[col] = values.rows(values.blank)
            return blank[col]

        # (a rule whose column has no distinct value it could fire on is not looked for row by row)
        for level, code_col in CODE_FOR_LEVEL.items():
            if level in on and code_col in self.h and self.column(code_col).blank.any():
                self.out.add("GEO-CODE", S_CODE, on[level] & is_blank(code_col),
                             lambda row, level=level, code_col=code_col: (
                                 code_col, f"{level} row has no {code_col}", "fill in the area code"))
        for level, cols in BELOW.items():
            if level not in on:
                continue
            for col in cols:
                if col in self.h and not self.column(col).blank.all():
                    values = self.column(col)
                    self.out.add("GEO-OVERCOMPLETE", S_OVER + BELOW["National"].index(col),
                                 on[level] & ~is_blank(col), lambda row, level=level, col=col, values=values: (
                                     col, f"{level} row has {col} {values.value(row)!r}",
                                     f"leave {col} empty on {level} rows"))
        if "Local authority" in on and "region_code" in self.h and self.column("region_code").blank.any():
            self.out.add("GEO-REGION", S_REGION, on["Local authority"] & is_blank("region_code"), lambda row: (
                "region_code", "Local authority row has no region", ""))
        # A code of ASCII digits is good as it stands (one Arrow call for the columns of a pattern); Python
        # judges the rest (\d: any digit). x: not available; z (region_code): not applicable, outside England.
        formats = [(k, col, pattern, example) for k, (col, pattern, _, example) in enumerate(CODE_FORMATS)
                   if col in self.h]
        good: dict[str, np.ndarray] = {}
        for ascii_pattern in dict.fromkeys(fmt[2] for fmt in CODE_FORMATS):
            cols = [col for col, _, p, _ in CODE_FORMATS if p == ascii_pattern and col in self.h]
            good.update(zip(cols, together([self.column(c) for c in cols],
                                           lambda v, p=ascii_pattern: pc.match_substring_regex(v, p))))
        for k, col, pattern, example in formats:
            values = self.column(col)
            allowed = ("x", "z") if col == "region_code" else ("x",)
            bad = values.decide(lambda v, pattern=pattern, allowed=allowed: v.strip() not in allowed
                                and not pattern.match(v.strip()), ~values.blank & ~good[col])
            if not bad.any():
                continue
            self.out.add("GEO-CODE-FORMAT", S_FORMAT + k, area & values.rows(bad), lambda row, col=col, values=values,
                         example=example: (col, f"{col} {values.value(row).strip()!r} is not a valid code",
                                           f"codes look like {example}"))

    def time(self, live: np.ndarray) -> None:
        """TIME-ID, TIME-ID-MIX (one family of time identifiers per file), TIME-PERIOD."""
        ids, periods = self.column("time_identifier"), self.column("time_period")
        family, families = ids.classify(FAMILY_OF.get)
        self.out.add("TIME-ID", S_TIME_ID, live & (family < 0), lambda row: (
            "time_identifier", f"unknown time identifier {ids.value(row)!r}",
            "use the publisher's time identifier, e.g. 'Reporting year' or 'Academic year'"))
        known = np.flatnonzero(live & (family >= 0))
        if len(known):
            uniq, first = np.unique(family[known], return_index=True)
            starts = sorted(zip(known[first].tolist(), uniq.tolist()))  # each family's first row, in order
            if len(starts) > 1:
                first_row, first_family = starts[0]

                def mixes(row: int) -> tuple[str, str, str]:
                    message = (f"{ids.value(row)!r} mixes {families[family[row]]} and {families[first_family]} "
                               f"periods (line {self.lines[first_row]}) in one file")
                    return "time_identifier", message, "keep one kind of time period per file"

                self.out.add("TIME-ID-MIX", S_TIME_ID, np.array([r for r, _ in starts[1:]], np.int64), mixes)
        shape, shapes = periods.classify(_period_shape)
        for k, problem in enumerate(shapes):
            if problem in ("not-a-period", "not-consecutive"):
                self.out.add("TIME-PERIOD", S_PERIOD, live & (shape == k), lambda row, problem=problem: (
                    "time_period", *_period_problem(problem, periods.value(row))))
        four = np.array([name in FOUR_DIGIT_FAMILIES for name in families] + [False], bool)[family]
        digits4 = np.array([s == "4" for s in shapes] + [False], bool)[shape]
        digits6 = np.array([s == "6" for s in shapes] + [False], bool)[shape]
        wrong = live & (family >= 0) & ((digits4 & ~four) | (digits6 & four))

        def length(row: int) -> tuple[str, str, str]:
            tid, period = ids.value(row), periods.value(row)
            need = "four" if families[family[row]] in FOUR_DIGIT_FAMILIES else "six"
            return ("time_period", f"{tid} needs a {need}-digit period, not {period!r}",
                    "write calendar and reporting years as 2025, academic and financial years as 202425")

        self.out.add("TIME-PERIOD", S_PERIOD, wrong, length)

    def cells(self, live: np.ndarray) -> None:
        """Per measure VALUE, NEGATIVE-COUNT, PERCENT-RANGE, VALUE-SPACE; per filter BLANK-CELL, LABEL-SPACE."""
        passing: dict[str, np.ndarray] = {}  # the cells that pass, by an Arrow call per pattern
        for pattern in dict.fromkeys(map(_passing, self.measures)):
            cols = [col for col in self.measures if _passing(col) == pattern]
            passing.update(zip(cols, together([self.column(c) for c in cols],
                                              lambda v, p=pattern: pc.match_substring_regex(v, p), stripped=False)))
        for m, col in enumerate(self.measures):
            values = self.column(col)
            rule_of, answers = values.classify(lambda v, col=col: _value_rule(col, v), ~passing[col])
            for k, rule in enumerate(answers):
                self.out.add(rule, S_CELLS + m, live & (rule_of == k), lambda row, col=col, values=values, rule=rule:
                             (col, *_value_message(rule, values.value(row))))
        for j, col in enumerate(self.filters):
            values = self.column(col)
            rule_of, answers = values.label([("BLANK-CELL", values.blank), ("LABEL-SPACE", values.untrimmed)])
            for k, rule in enumerate(answers):
                if rule == "BLANK-CELL":
                    describe = (lambda row, col=col: (col, f"{col} is blank", BLANK_HINT))
                else:
                    describe = (lambda row, col=col, values=values: (
                        col, f"label {values.value(row)!r} has surrounding spaces; matched trimmed", ""))
                self.out.add(rule, S_CELLS + len(self.measures) + j, live & (rule_of == k), describe)

    def holding_values(self, cols: list[str]) -> set[str]:
        """Those of `cols` that hold numbers and symbols only (blanks aside), at least one of them a number:
        indicators. (Every distinct value is on a row: all and any of them are of the rows.)"""
        columns = [self.column(c) for c in cols]
        numbers = together(columns, lambda v: pc.match_substring_regex(v, NUMBER_CELL))
        symbols = together(columns, lambda v: pc.is_in(v, value_set=value_set(SYMBOLS)))
        return {col for col, values, number, symbol in zip(cols, columns, numbers, symbols)
                if (number | symbol | values.blank).all() and number.any()}

    def duplicates(self, live: np.ndarray) -> None:
        """DUP-OBS: the same period, area and filters (filters in any case) as an earlier row."""
        keys = []
        for col in DUP_GEO:
            if col in self.h:
                ids, names = self.column(col).ids()
                keys.append((ids, len(names)))
        for col in OTHER_GEO:
            if col in self.h:
                ids, names = self.column(col).ids()
                keys.append((ids, len(names)))
        filters = [col for col in self.filters if col not in self.empty]
        indicators = self.holding_values(filters)
        for col in filters:
            if col in indicators:
                continue  # an indicator the staging headers do not name: a repeat with another value is a duplicate
            ids, names = self.column(col).ids(lower=True)
            keys.append((ids, len(names)))
        rows = np.flatnonzero(live)
        key = combine(keys)[rows] if keys else np.zeros(len(rows), np.int64)
        ordered = np.sort(key)
        if not (ordered[1:] == ordered[:-1]).any():
            return
        first = first_of_each(key, rows)
        again = rows[first != rows]
        firsts = dict(zip(rows.tolist(), first.tolist()))
        self.out.add("DUP-OBS", S_DUP, again, lambda row: (
            "", f"duplicate observation: same period, area and filters as line {self.lines[firsts[row]]}",
            "remove the repeated row (or tell the rows apart by a filter column)"))


def _period_shape(period: str) -> str:
    """What a time period is: "4" or "6" digits (six: two consecutive years), or what is wrong with it."""
    if not PERIOD.fullmatch(period):
        return "not-a-period"
    if len(period) == 6 and (int(period[:4]) + 1) % 100 != int(period[4:]):
        return "not-consecutive"
    return str(len(period))


def _period_problem(problem: str, period: str) -> tuple[str, str]:
    if problem == "not-a-period":
        return (f"time period {period!r} is not YYYY or YYYYYY",
                "write years as 2025 and academic years as 202425")
    return (f"time period {period!r} is not two consecutive years", "write academic and financial years as 202425")


def _passing(col: str) -> str:
    """An RE2 pattern of measure cells `_value_rule` lets through in column `col` (not all of them): the
    other cells are judged in Python."""
    if PERCENT_HINT.search(col) and "change" not in col.lower():
        number = IN_PERCENT_RANGE
    elif COUNT_HINT.search(col):
        number = PLAIN_NUMBER
    else:
        number = NUMBER_CELL
    return f"{number}|{SYMBOL}"


def _value_rule(col: str, v: str) -> str | None:
    """The rule a measure cell breaks, if any: a number or a symbol, as the column allows."""
    s = v.strip()
    if s in SYMBOLS:
        return None
    if not NUMBER.match(s):
        return "VALUE"
    if s.startswith("-") and COUNT_HINT.search(col):
        return "NEGATIVE-COUNT"
    if PERCENT_HINT.search(col) and "change" not in col.lower() and not 0 <= float(s) <= 100:
        return "PERCENT-RANGE"
    if s != v:
        return "VALUE-SPACE"
    return None


def _value_message(rule: str, v: str) -> tuple[str, str]:
    if rule == "VALUE":
        return (f"value {_shown(v)} is neither a number nor a symbol (c, k, u, x, z, low)", _value_hint(v.strip()))
    if rule == "NEGATIVE-COUNT":
        return f"count {v!r} is negative", "check the value in the source"
    if rule == "PERCENT-RANGE":
        return f"percentage {v!r} is outside 0–100", "check the value in the source"
    return f"value {v!r} has surrounding spaces; trimmed", ""


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
