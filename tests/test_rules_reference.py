"""The screener's rules, written on whole columns and decided per distinct value with Arrow, against a
reference written here row by row, cell by cell, in plain Python.

Generated dirty files (surrounding spaces of every kind Python's str.strip() removes and some it keeps,
symbols in either case, negative and out-of-range numbers, digits of other scripts, totals, unknown levels
and periods, repeated header rows, duplicate rows, some differing only in case or spaces) must get from
check_ees exactly the findings the reference gives: rule, line, column, message, hint, severity and order,
with the cap per rule. GEO-PAIR (the majority of a code's rows) has its own tests (test_geo_pair.py) and is
left out of the comparison.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carestats.check.ees_rules import _period_problem, _value_message, check_ees
from carestats.check.findings import MAX_PER_RULE
from carestats.check.geography_pairs import GeoIndex
from carestats.ingest.csvfile import read_csv

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEASURES = {"children_count", "children_percent", "rate_per_10k", "percent_change"}
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "old_la_code", "new_la_code", "la_name"]
OTHER_GEO = ["lad_code", "school_name"]
FILTERS = ["breakdown", "extra_number"]
# what str.strip() removes (all of Unicode's white space, the C0 separators, NEL), and two it keeps
SPACES = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\u202f", "\x1c", "\x1f", "\x85", "\u2028", "\x0b", "\x0c",
          "\u200b", "\ufeff"]
OTHER_DIGITS = {"0": "\u0660", "1": "\u0661", "2": "\uff12", "5": "\u096b", "7": "\u0a6d"}
POOLS = {
    "time_period": ["2024", "2025", "202425", "202324", "202426", "2025/26", "", "20245", "2023"],
    "time_identifier": ["Reporting year", "Academic year", "Calendar year", "reporting year", "Week 5", "",
                        "Spring term", "Financial year Q2"],
    "geographic_level": ["National", "Regional", "Local authority", "Local authority", "local authority", "Ward",
                         "", "Total", "NATIONAL"],
    "country_code": ["E92000001", "E92000001", "", "x", "E9200001", "K02000001"],
    "country_name": ["England", "England", "Total", "all", ""],
    "region_code": ["E12000001", "E12000007", "z", "x", "", "E1200007"],
    "region_name": ["North East", "London", "", "ALL"],
    "old_la_code": ["805", "806", "", "x", "940 / 941", "80"],
    "new_la_code": ["E06000001", "E09000007", "x", "", "E06000061 / E06000062", "E0600001", "e06000001"],
    "la_name": ["Hartlepool", "Camden", "", "Total"],
    "lad_code": ["E07000001", "", "E07000002"],
    "school_name": ["A school", "", "B school"],
    "breakdown": ["Total", "Boys", "girls", "Girls", "", "Café", "CAFÉ", "\u0130stanbul", "\u01c5", "Kelvin \u212a",
                  "TOTAL"],
    "extra_number": ["1", "2", "-3", "c", "x", "", "1.5", "low", "12"],
    "measure": ["0", "12", "12.5", ".5", "5.", "100", "100.0", "101", "-5", "-0", "c", "k", "low", "x", "z", "LOW",
                "N/A", "#DIV/0!", "1,234", "62%", "1e3", "", "099.5", "0100", "100.00000000000000001", "-.5",
                "£3", "..", "1.2.3", "C"],
}


def field(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v


@st.composite
def cells(draw, pool: list[str]) -> str:  # type: ignore[no-untyped-def]
    """A value of the pool, perhaps dirtied: spaces around it, another case, digits of another script."""
    v = draw(st.sampled_from(pool))
    how = draw(st.integers(0, 9))
    if how == 1:
        v = draw(st.sampled_from(SPACES)) + v
    elif how == 2:
        v = v + "".join(draw(st.lists(st.sampled_from(SPACES), min_size=1, max_size=2)))
    elif how == 3:
        v = draw(st.sampled_from([str.upper, str.lower, str.swapcase]))(v)
    elif how == 4:
        v = "".join(OTHER_DIGITS.get(c, c) if draw(st.booleans()) else c for c in v)
    return v


@st.composite
def dirty_files(draw):  # type: ignore[no-untyped-def]
    """The bytes of an EES file with dirty cells, repeated header rows and duplicate rows."""
    geo = GEO[:draw(st.sampled_from([5, 7, 10]))]
    other = draw(st.lists(st.sampled_from(OTHER_GEO), unique=True, max_size=2))
    filters = draw(st.lists(st.sampled_from(FILTERS), unique=True, max_size=2))
    measures = draw(st.lists(st.sampled_from(sorted(MEASURES)), unique=True, min_size=1, max_size=3))
    header = geo + other + filters + measures
    pools = [POOLS.get(c, POOLS["measure"]) for c in header]
    dirt = draw(st.sampled_from([0.0, 0.1, 0.5]))  # how many cells are drawn dirty
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(1, 30))):
        kind = draw(st.integers(0, 19))
        if kind == 0:
            rows.append(list(header))  # a repeated header row
        elif kind < 4 and rows:  # a duplicate, perhaps with a label in another case or spaced
            row = list(draw(st.sampled_from(rows)))
            if draw(st.booleans()):
                j = draw(st.integers(0, len(row) - 1))
                row[j] = draw(st.sampled_from([row[j].swapcase(), " " + row[j], row[j] + "\u00a0"]))
            rows.append(row)
        else:
            clean = draw(st.floats(0, 1)) >= dirt
            rows.append([draw(st.sampled_from(p)) if clean else draw(cells(p)) for p in pools])
    if draw(st.booleans()):  # a column with no value at all
        j = draw(st.integers(0, len(header) - 1))
        blank = draw(st.sampled_from(["", " ", "\u00a0"]))
        rows = [r[:j] + [blank] + r[j + 1:] for r in rows]
    text = "".join(",".join(field(v) for v in row) + "\n" for row in [header, *rows])
    return text.encode("utf-8")


# --- the reference: the rules as the screener states them, one row at a time -------------------------------

GEO_LEVELS = {"National", "Regional", "Local authority", "Local authority district", "Parliamentary constituency",
              "Local skills improvement plan area", "English devolved area", "Opportunity area", "Ward", "MAT",
              "Sponsor", "School", "Provider", "Institution", "Planning area", "Police force area", "RSC region",
              "Local enterprise partnership", "Mayoral combined authority", "Other local authority"}
ALL_GEO = {*GEO, "lad_code", "lad_name", "pcon_code", "pcon_name", "ward_code", "ward_name", "lsip_code",
           "lsip_name", "english_devolved_area_code", "english_devolved_area_name", "opportunity_area_code",
           "opportunity_area_name", "local_enterprise_partnership_code", "local_enterprise_partnership_name",
           "police_force_area_code", "police_force_area_name", "mayoral_combined_authority_code",
           "mayoral_combined_authority_name", "planning_area_code", "planning_area_name", "school_urn",
           "school_laestab", "school_name", "provider_ukprn", "provider_name", "trust_id", "trust_name",
           "sponsor_id", "sponsor_name", "institution_id", "institution_name"}
LEVEL_COLUMNS = {"Regional": ("region_code", "region_name"), "Local authority": ("old_la_code", "new_la_code", "la_name"),
                 "Local authority district": ("lad_code", "lad_name"),
                 "Parliamentary constituency": ("pcon_code", "pcon_name"), "Ward": ("ward_code", "ward_name")}
BELOW = ("region_code", "region_name", "old_la_code", "new_la_code", "la_name")
FAMILY = {"Reporting year": "reporting", "Academic year": "academic", "Calendar year": "calendar",
          "Week 5": "week", "Spring term": "academic", "Financial year Q2": "financial"}
SYMBOLS = {"c", "k", "u", "x", "z", "low"}
WARNINGS = {"LABEL-SPACE", "VALUE-SPACE", "GEO-REGION"}


def value_rule(col: str, v: str) -> str | None:
    s = v.strip()
    if s in SYMBOLS:
        return None
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", s):
        return "VALUE"
    if s.startswith("-") and re.search(r"(count|number|^t_|_fte$|headcount|^cases$)", col, re.IGNORECASE):
        return "NEGATIVE-COUNT"
    if re.search(r"(percent|percentage|_pct$)", col, re.IGNORECASE) and "change" not in col.lower() \
            and not 0 <= float(s) <= 100:
        return "PERCENT-RANGE"
    return "VALUE-SPACE" if s != v else None


def holds_values(cells: list[str]) -> bool:
    numbers = [bool(re.fullmatch(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)", c.strip())) for c in cells]
    return all(n or not c.strip() or c.strip() in SYMBOLS for n, c in zip(numbers, cells)) and any(numbers)


def reference(header: list[str], rows: list[list[str]], lines: list[int]) -> list[tuple]:
    """The findings of check_ees on a file of these rows (GEO-PAIR aside), worked out row by row."""
    col = {c: i for i, c in enumerate(header)}
    measures = [c for c in header if c in MEASURES]
    filters = [c for c in header if c not in ALL_GEO and c not in MEASURES]
    out: list[tuple] = []
    empty = {c for c in [*filters, *measures] if all(not r[col[c]].strip() for r in rows)}
    for c in [*filters, *measures]:
        if c in empty:
            out.append((1, c, "EMPTY-COLUMN", f"column {c} is empty: no row has a value",
                        "remove the column, or fill it in as published", "error"))
    hits: list[tuple[int, int, str, str, str, str]] = []  # row, stage, rule, column, message, hint

    def hit(row: int, stage: int, rule: str, column: str, message: str, hint: str = "") -> None:
        hits.append((row, stage, rule, column, message, hint))

    def get(row: list[str], c: str) -> str:
        return row[col[c]] if c in col else ""

    level_rows: dict[str, list[int]] = {}
    family_first: dict[str, int] = {}
    keys: dict[tuple, int] = {}
    key_columns = [c for c in header if c in ("time_period", "time_identifier", "geographic_level", "country_code",
                                              "region_code", "old_la_code", "new_la_code") or
                   (c in ALL_GEO and c not in GEO)]
    key_filters = [c for c in filters if c not in empty and not holds_values([r[col[c]] for r in rows])]
    for r, row in enumerate(rows):
        if all(cell.strip().lstrip("\ufeff") == name.lstrip("\ufeff") for cell, name in zip(row, header)):
            hit(r, 0, "REPEATED-HEADER", "", "the column names are repeated as a data row",
                "remove the line (were two files joined?)")
            continue
        level = get(row, "geographic_level")
        if level not in GEO_LEVELS:
            near = [g for g in GEO_LEVELS if g.lower() == level.strip().lower()]
            hint = f"write {near[0]!r}" if near else "use one of Local authority, National, Regional"
            hit(r, 1, "GEO-LEVEL", "geographic_level", f"unknown geographic level {level!r}", hint)
        else:
            level_rows.setdefault(level, []).append(r)
            for k, c in enumerate(GEO):
                if c not in col:
                    continue
                v = row[col[c]]
                if v.strip().lower() in ("total", "all"):
                    hit(r, 2 + k, "GEO-TOTAL", c, f"{c} is {v.strip()!r}",
                        "geography and time columns hold areas and periods; totals go in filter columns")
                elif v != v.strip():
                    hit(r, 2 + k, "LABEL-SPACE", c, f"{c} {v!r} has surrounding spaces; matched trimmed")
            code = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}.get(level)
            if code in col and not row[col[code]].strip():
                hit(r, 12, "GEO-CODE", code, f"{level} row has no {code}", "fill in the area code")
            below = BELOW if level == "National" else BELOW[2:] if level == "Regional" else ()
            for c in below:
                if c in col and row[col[c]].strip():
                    hit(r, 13 + BELOW.index(c), "GEO-OVERCOMPLETE", c, f"{level} row has {c} {row[col[c]]!r}",
                        f"leave {c} empty on {level} rows")
            if level == "Local authority" and "region_code" in col and not row[col["region_code"]].strip():
                hit(r, 18, "GEO-REGION", "region_code", "Local authority row has no region")
            gss = r"[EKNSW]\d{8}( / [EKNSW]\d{8})*"
            for k, (c, pattern, example) in enumerate([("country_code", gss, "E92000001"),
                                                        ("region_code", gss, "E12000001"),
                                                        ("new_la_code", gss, "E06000023"),
                                                        ("old_la_code", r"\d{3}( / \d{3})*", "801")]):
                s = get(row, c).strip()
                if c in col and s and s not in ({"x", "z"} if c == "region_code" else {"x"}) \
                        and not re.fullmatch(pattern, s):
                    hit(r, 19 + k, "GEO-CODE-FORMAT", c, f"{c} {s!r} is not a valid code", f"codes look like {example}")
        tid, period = get(row, "time_identifier"), get(row, "time_period")
        family = FAMILY.get(tid)
        if family is None:
            hit(r, 28, "TIME-ID", "time_identifier", f"unknown time identifier {tid!r}",
                "use the publisher's time identifier, e.g. 'Reporting year' or 'Academic year'")
        elif family not in family_first:
            if family_first:
                first_family, first_row = next(iter(family_first.items()))
                hit(r, 28, "TIME-ID-MIX", "time_identifier", f"{tid!r} mixes {family} and {first_family} periods "
                    f"(line {lines[first_row]}) in one file", "keep one kind of time period per file")
            family_first[family] = r
        if not re.fullmatch(r"\d{4}|\d{6}", period):
            hit(r, 29, "TIME-PERIOD", "time_period", *_period_problem("not-a-period", period))
        elif len(period) == 6 and (int(period[:4]) + 1) % 100 != int(period[4:]):
            hit(r, 29, "TIME-PERIOD", "time_period", *_period_problem("not-consecutive", period))
        elif family is not None and (len(period) == 4) != (family in ("calendar", "reporting", "week", "month")):
            need = "four" if family in ("calendar", "reporting", "week", "month") else "six"
            hit(r, 29, "TIME-PERIOD", "time_period", f"{tid} needs a {need}-digit period, not {period!r}",
                "write calendar and reporting years as 2025, academic and financial years as 202425")
        for m, c in enumerate(measures):
            rule = value_rule(c, row[col[c]])
            if rule:
                hit(r, 30 + m, rule, c, *_value_message(rule, row[col[c]]))
        for j, c in enumerate(filters):
            v = row[col[c]]
            if not v.strip():
                hit(r, 30 + len(measures) + j, "BLANK-CELL", c, f"{c} is blank",
                    "use 'Total' for the all-items row, or the publisher's label")
            elif v != v.strip():
                hit(r, 30 + len(measures) + j, "LABEL-SPACE", c, f"label {v!r} has surrounding spaces; matched trimmed")
        key = (tuple(row[col[c]].strip() for c in key_columns), tuple(row[col[c]].strip().lower() for c in key_filters))
        if key in keys:
            hit(r, 1 << 20, "DUP-OBS", "", f"duplicate observation: same period, area and filters as line "
                f"{lines[keys[key]]}", "remove the repeated row (or tell the rows apart by a filter column)")
        else:
            keys[key] = r
    for level, at in level_rows.items():
        absent = [c for c in LEVEL_COLUMNS.get(level, ()) if c not in col]
        if absent:
            hit(at[0], 1, "GEO-LEVEL-COLUMNS", "geographic_level",
                f"{len(at)} {level} row(s) but no {', '.join(absent)} column: they name no area",
                f"add the columns {', '.join(LEVEL_COLUMNS[level])}, or leave out the {level} rows")
    hits.sort(key=lambda h: (h[0], h[1]))
    shown, more, seen = [], [], {}
    for h in hits:
        seen.setdefault(h[2], []).append(h)
    for rule, group in seen.items():
        shown += group[:MAX_PER_RULE]
        if len(group) > MAX_PER_RULE:
            rest = group[MAX_PER_RULE:]
            more.append(((rest[0][0], rest[0][1]), rule, len(rest), lines[rest[0][0]], lines[rest[-1][0]]))
    for row, _, rule, column, message, hint in sorted(shown, key=lambda h: (h[0], h[1])):
        out.append((lines[row], column, rule, message, hint, "warning" if rule in WARNINGS else "error"))
    for _, rule, count, first, last in sorted(more):
        out.append((first, "", rule, f"{count} more finding(s) of this rule (lines {first}–{last})",
                    "see the lines above for what to do", "warning" if rule in WARNINGS else "error"))
    return out


@SETTINGS
@given(dirty_files())
def test_the_rules_on_columns_find_what_a_row_by_row_reference_finds(data: bytes) -> None:
    f = read_csv(Path("f.csv"), "f.csv", "", data)
    assume(f.ok and f.header and not f.empty_rows and f.lines == f.ends)
    before = len(f.findings)
    check_ees(f, MEASURES, GeoIndex())
    got = [(x.line, x.column, x.rule, x.message, x.hint, x.severity) for x in f.findings[before:]
           if x.rule != "GEO-PAIR"]
    assert got == reference(f.header, f.rows, f.lines)


def test_the_benchmark_runs_the_rules_afresh_on_each_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """benchmarks/checks_cpu.py times passes of check_ees over files read once: each pass starts from what the
    reader found and gives the findings a file read and checked anew gets."""
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    import checks_cpu  # type: ignore[import-not-found]

    raw = Path(__file__).parent / "data" / "invalid"
    files = checks_cpu.load(raw)
    first = checks_cpu.one_pass(files)
    assert first and checks_cpu.one_pass(files) == first
    geo, fresh = GeoIndex(), []
    for f, measures, _ in files:
        again = read_csv(f.path, f.name, f.sha256, f.path.read_bytes())
        checks_cpu.inputs._recognised_table(again)
        check_ees(again, measures, geo)
        fresh += again.findings
    assert fresh == first


def test_every_character_strip_removes_is_picked_out_for_python_at_either_end() -> None:
    """The Arrow pre-filter of the values str.strip() may change misses none: every character Python strips
    (whatever the Unicode version), at the start or the end of a value, and the empty value."""
    from carestats.check.distinct_values import maybe_untrimmed
    from carestats.core import arrays

    stripped = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and (chr(c) + "x").strip() == "x"]
    assert len(stripped) > 20
    values = [*(c + "x" for c in stripped), *("x" + c for c in stripped), ""]
    assert all(arrays.to_numpy(maybe_untrimmed(arrays.strings(values))))
    assert not arrays.to_numpy(maybe_untrimmed(arrays.strings(["x", "Total", "a b", "E06000001"]))).any()


def test_the_rules_on_a_dirty_file_import_no_pandas(tmp_path: Path) -> None:
    """pa.scalar, and a compute function given a Python value, import pandas (0.15 s of a build's CPU): the
    rules make their Arrow values from buffers (core/arrays.py), whichever of their paths a file takes."""
    import subprocess
    import sys

    header = ",".join([*GEO, "lad_code", "breakdown", "extra_number", *sorted(MEASURES)])
    rows = ["2025,Reporting year,National,E92000001,England,,,,,,,Total,1,12,50,3,-1",
            ("2025, Reporting year,Local authority,E9200001,England ,E12000001,\u00a0North East,805,E06000001,"
             "Hartlepool,E07000001,Caf\u00e9 ,x,\u0661\u0662,101,3 ,N/A"),
            ("2025,Reporting year,Local authority,E92000001,England,E12000001,North East,805,E06000001,"
             "Hartlepool,E07000001,CAF\u00c9,2,12,50,3,-1"),
            ("2025,Reporting year,Local authority,E92000001,England,E12000001,North East,805,E06000001,"
             "Hartlepool,E07000001,caf\u00e9,2,12,50,3,-1"), header]
    csv = tmp_path / "dirty.csv"
    csv.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    script = ("import sys\nfrom pathlib import Path\n"
              "from carestats.check.ees_rules import check_ees\nfrom carestats.ingest.csvfile import read_csv\n"
              f"p = Path({str(csv)!r})\nf = read_csv(p, 'dirty.csv', '', p.read_bytes())\n"
              f"check_ees(f, {sorted(MEASURES)!r})\n"
              "print(sorted({x.rule for x in f.findings}), 'pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for rule in ("DUP-OBS", "GEO-CODE-FORMAT", "LABEL-SPACE", "PERCENT-RANGE", "REPEATED-HEADER", "VALUE",
                 "VALUE-SPACE"):
        assert rule in done.stdout
    assert done.stdout.split()[-1] == "False"
