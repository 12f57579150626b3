"""Stage 2, check: screener-level rules on every EES data file, each finding located to line and column.

The rules run on the rows as read (before anything is loaded), so a failing file never reaches the
warehouse. Each rule has an id, a message and what to do; `carestats check` prints one line per finding.
"""

from __future__ import annotations

import re

from carestats.csvread import CsvFile

GEO_LEVELS = {
    "National", "Regional", "Local authority", "Local authority district", "Parliamentary constituency",
    "Local skills improvement plan area", "English devolved area", "Opportunity area", "Ward",
    "MAT", "Sponsor", "School", "Provider", "Institution", "Planning area", "Police force area",
    "RSC region", "Local enterprise partnership", "Mayoral combined authority", "Other local authority",
}
USED_LEVELS = {"National", "Regional", "Local authority"}
TIME_IDS = {
    "Calendar year", "Reporting year", "Financial year", "Academic year", "Tax year", "Fiscal year",
    "Calendar year Q1", "Calendar year Q2", "Calendar year Q3", "Calendar year Q4",
    "Financial year Q1", "Financial year Q2", "Financial year Q3", "Financial year Q4",
    "Academic year Q1", "Academic year Q2", "Academic year Q3", "Academic year Q4",
}
SIX_DIGIT_IDS = {"Academic year", "Financial year", "Tax year", "Fiscal year"}
SYMBOLS = {"c", "k", "u", "x", "z", "low"}
NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
CODE_FOR_LEVEL = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
GEO_COLUMNS = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name",
               "region_code", "region_name", "old_la_code", "new_la_code", "la_name"}
COUNT_HINT = re.compile(r"(count|number|^t_|_fte$|headcount|^cases$)", re.I)
MAX_PER_RULE = 20  # beyond this, one summary line per rule and file


def check_ees(f: CsvFile, measures: set[str]) -> None:
    """Append findings for the screener rules to f.findings (rows themselves are not changed)."""
    h = {c: i for i, c in enumerate(f.header)}
    counts: dict[str, int] = {}

    def report(line: int, col: str, rule: str, msg: str, hint: str, severity: str = "error") -> None:
        counts[rule] = counts.get(rule, 0) + 1
        if counts[rule] <= MAX_PER_RULE:
            (f.error if severity == "error" else f.warn)(line, col, rule, msg, hint)

    if not f.rows:
        f.error(2, "", "HEADER-ONLY", "file has a header but no rows", "download the file again")
        return
    for i, col in enumerate(f.header):
        if not col and any(r[i].strip() for r in f.rows):
            f.error(1, f"#{i + 1}", "UNNAMED-COLUMN", f"column {i + 1} has values but no name",
                    "give the column a name in the header")
    present_measures = [c for c in measures if c in h]
    filters = [c for c in f.header if c and c not in GEO_COLUMNS and c not in measures]
    seen: dict[tuple, int] = {}
    ip, it, il = h["time_period"], h["time_identifier"], h["geographic_level"]
    for row, line in zip(f.rows, f.lines):
        level, tid, period = row[il], row[it], row[ip]
        if level not in GEO_LEVELS:
            report(line, "geographic_level", "GEO-LEVEL", f"unknown geographic level {level!r}",
                   f"use one of {', '.join(sorted(USED_LEVELS))}")
        elif level in CODE_FOR_LEVEL and CODE_FOR_LEVEL[level] in h and not row[h[CODE_FOR_LEVEL[level]]].strip():
            report(line, CODE_FOR_LEVEL[level], "GEO-CODE", f"{level} row has no {CODE_FOR_LEVEL[level]}",
                   "fill in the area code")
        if tid not in TIME_IDS:
            report(line, "time_identifier", "TIME-ID", f"unknown time identifier {tid!r}",
                   "use the publisher's time identifier, e.g. 'Reporting year' or 'Academic year'")
        if not re.fullmatch(r"\d{4}|\d{6}", period):
            report(line, "time_period", "TIME-PERIOD", f"time period {period!r} is not YYYY or YYYYYY",
                   "write years as 2025 and academic years as 202425")
        elif len(period) == 6 and (int(period[:4]) + 1) % 100 != int(period[4:]):
            report(line, "time_period", "TIME-PERIOD", f"time period {period!r} is not two consecutive years",
                   "write academic years as 202425")
        elif tid in SIX_DIGIT_IDS and len(period) != 6:
            report(line, "time_period", "TIME-PERIOD", f"{tid} needs a six-digit period, not {period!r}",
                   "write academic years as 202425")
        for col in present_measures:
            v = row[h[col]]
            s = v.strip()
            if s in SYMBOLS:
                continue
            if not NUMBER.match(s):
                what = "empty" if not s else repr(v)
                report(line, col, "VALUE", f"value {what} is neither a number nor a symbol (c, k, u, x, z, low)",
                       "write the number without commas, % or spaces, or the publisher's symbol")
            elif s.startswith("-") and COUNT_HINT.search(col):
                report(line, col, "NEGATIVE-COUNT", f"count {v!r} is negative", "check the value in the source")
            elif s != v:
                report(line, col, "VALUE-SPACE", f"value {v!r} has surrounding spaces; trimmed", "", "warning")
        for col in filters:
            v = row[h[col]]
            if v != v.strip():
                report(line, col, "LABEL-SPACE", f"label {v!r} has surrounding spaces; matched trimmed", "",
                       "warning")
        key = (period, level, *(row[h[c]] for c in ("country_code", "region_code", "new_la_code", "old_la_code")
                                if c in h), *(row[h[c]].strip().lower() for c in filters))
        if key in seen:
            report(line, "", "DUP-OBS", f"duplicate observation: same period, area and filters as line {seen[key]}",
                   "remove the repeated row")
        else:
            seen[key] = line
    for rule, n in counts.items():
        if n > MAX_PER_RULE:
            severity = "warning" if rule in {"LABEL-SPACE", "VALUE-SPACE"} else "error"
            (f.error if severity == "error" else f.warn)(
                0, "", rule, f"{n - MAX_PER_RULE} more finding(s) of this rule in the file", "")
