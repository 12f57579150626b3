"""Screener checks on an EES metadata file (<data>.meta.csv) against its data file.

Each finding is located: the meta file's line for a bad metadata row, line 1 for a header problem.
"""

from __future__ import annotations

import re

import pyarrow.compute as pc

from carestats.ingest.csvfile import CsvFile

REQUIRED = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
            "filter_hint", "filter_grouping_column"]
OPTIONAL = {"filter_default", "parent_filter"}
UNITS = {"", "%", "pp", "£", "£m", "numberstring"}
OBSERVATIONAL = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                 "region_code", "region_name", "new_la_code", "la_name", "old_la_code"}
GEOGRAPHY_LIKE = re.compile(r"^(la|la_.*|.*_la|region.*|urn|ukprn|lad.*|pcon.*)$")


def check_meta(meta: CsvFile, data: CsvFile) -> None:
    """Append findings to meta.findings."""
    cols = meta.header
    for c in REQUIRED:
        if c not in cols:
            meta.error(1, c, "META-COLUMN-MISSING", f"required metadata column {c!r} is missing",
                       f"the metadata file needs {', '.join(REQUIRED)}")
    for c in cols:
        if c not in REQUIRED and c not in OPTIONAL:
            meta.error(1, c, "META-COLUMN-INVALID", f"{c!r} is not a metadata column",
                       f"use only {', '.join(REQUIRED + sorted(OPTIONAL))}")
    if any(c not in cols for c in REQUIRED):
        return
    h = {c: i for i, c in enumerate(cols)}
    names: dict[str, int] = {}
    labels: dict[str, int] = {}
    for row, line in zip(meta.rows, meta.lines):
        r = {c: row[i] for c, i in h.items()}
        name, kind = r["col_name"], r["col_type"]
        if not name:
            meta.error(line, "col_name", "META-NAME-BLANK", "col_name is blank", "name the data column")
            continue
        if " " in name:
            meta.error(line, "col_name", "META-NAME-SPACES", f"col_name {name!r} has spaces", "use snake_case")
        if name in names:
            meta.error(line, "col_name", "META-NAME-DUPLICATE", f"{name!r} is described twice (line {names[name]})",
                       "describe each column once")
        names[name] = line
        if name not in data.header:
            meta.error(line, "col_name", "META-NOT-IN-DATA", f"{name!r} is not a column of the data file",
                       "remove the row or fix the name")
        if name in OBSERVATIONAL:
            meta.error(line, "col_name", "META-OBSERVATIONAL", f"{name!r} is a time or geography column",
                       "do not describe time and geography columns in the metadata")
        if kind not in ("Filter", "Indicator"):
            meta.error(line, "col_type", "META-COL-TYPE", f"col_type {kind!r} is not Filter or Indicator",
                       "write Filter or Indicator")
        if not r["label"]:
            meta.error(line, "label", "META-LABEL", "label is blank", "give every column a label")
        elif r["label"] in labels:
            meta.error(line, "label", "META-LABEL-DUPLICATE", f"label {r['label']!r} repeats line {labels[r['label']]}",
                       "labels must be unique")
        labels[r["label"]] = line
        if kind == "Indicator":
            for c in ("filter_hint", "filter_grouping_column"):
                if r[c]:
                    meta.error(line, c, "META-INDICATOR-FILTER-FIELD", f"{c} is set on an indicator",
                               f"leave {c} blank for indicators")
            if r["indicator_unit"] not in UNITS:
                meta.error(line, "indicator_unit", "META-UNIT", f"unit {r['indicator_unit']!r} is not allowed",
                           "use %, pp, £, £m, numberstring or blank")
            if r["indicator_dp"] and not r["indicator_dp"].isdigit():
                meta.error(line, "indicator_dp", "META-DP", f"indicator_dp {r['indicator_dp']!r} is not a whole "
                           "number", "write 0, 1, 2 … or leave it blank")
        if kind == "Filter":
            for c in ("indicator_grouping", "indicator_unit", "indicator_dp"):
                if r[c]:
                    meta.error(line, c, "META-FILTER-INDICATOR-FIELD", f"{c} is set on a filter",
                               f"leave {c} blank for filters")
            if GEOGRAPHY_LIKE.match(name):
                meta.error(line, "col_name", "META-GEOGRAPHY-FILTER", f"{name!r} looks like a geography column",
                           "use the standard geography columns instead of a filter")
            if name in data.header:
                i = data.header.index(name)
                if _distinct(data, i) < 2:
                    meta.error(line, "col_name", "META-FILTER-SINGULAR", f"filter {name!r} has one value only",
                               "drop the filter or give it two or more values")
                if data.num_rows and pc.any(pc.equal(data.column(i), "")).as_py():
                    meta.error(line, "col_name", "META-FILTER-BLANK", f"filter {name!r} has blank cells",
                               "write Total rather than leaving a filter blank")
            group = r["filter_grouping_column"]
            if group and group not in data.header:
                meta.error(line, "filter_grouping_column", "META-GROUP-NOT-IN-DATA",
                           f"filter group {group!r} is not in the data", "fix the column name")
    described = set(names)
    for c in data.header:
        if c and c not in OBSERVATIONAL and c not in described:
            i = data.header.index(c)
            if _distinct(data, i) > 1:
                meta.warn(1, c, "META-UNDESCRIBED", f"data column {c!r} is not described in the metadata",
                          "add a metadata row for it")


def _distinct(data: CsvFile, i: int) -> int:
    """How many different values the i-th column of the data file holds."""
    return len(pc.unique(data.column(i))) if data.num_rows else 0
