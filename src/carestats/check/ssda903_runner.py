"""Runs the DfE's SSDA903 validation rules on one year's return; executed by the validator's own Python.

This file is a script, not a carestats module: `check/ssda903_validator.py` runs it with the interpreter of
the validator's environment (`.venv-903`, made by `make setup`), which has `csc-validator-be-903` and its
pinned pandas<2 / numpy<1.25 and none of carestats' dependencies. It therefore imports only the standard
library and, through `importlib` at run time, the validator package (`lac_validator`): carestats' own
environment does not have that package and must not depend on it.

Protocol: a JSON request on stdin, one or more years of one council
    {"la_code": "E09000027", "years": [
        {"end_year": 2025,
         "files": [{"path": "...", "table": "Header"}, ...],      # this year's tables, recognised by columns
         "previous": [{"path": "...", "table": "Header"}, ...]}]}  # last year's, for the rules that use them
and a JSON answer on stdout, a year for each year asked
    {"years": [{"end_year": 2025, "ruleset": "lac2024_25", "rules": 305,
                "findings": [{"table": "Episodes", "path": "...", "line": 7, "rule": "103", "message": "...",
                              "fields": ["ETHNIC"]}],
                "could_not_run": [{"rule": "231", "reason": "KeyError: ..."}],
                "skipped": ["..."], "upload_error": null}]}
No child ID, date of birth, UPN or postcode is ever written to stdout: findings carry the file and line, and
the reasons of rules that crashed are scrubbed of every value found in an identifying column.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import logging
import math
import os
import re
import sys
from pathlib import Path

# The columns whose values identify a child or a place; no reason text may contain one of their values.
IDENTIFYING = ("CHILD", "DOB", "UPN", "MC_DOB", "HOME_POST", "PL_POST", "URN", "SW_ID")
FIRST_RULESET, LAST_RULESET = 2023, 2027  # lac2022_23 … lac2026_27 in csc-validator-be-903 0.1.17


def ruleset_for(end_year: int) -> str:
    """The validator's rule pack for the collection year ending 31 March `end_year` (nearest one shipped)."""
    year = min(max(end_year, FIRST_RULESET), LAST_RULESET)
    return f"lac{year - 1}_{str(year)[2:]}"


def record_lines(text: str) -> list[int]:
    """The line number on which each data record starts, in the order pandas reads them (blank lines skipped)."""
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text))
    previous_end = 0
    for row in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not row:  # a blank line: pandas skips it too
            continue
        starts.append(start)
    return starts[1:]  # the first record is the header


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _scrub(text: str, secrets: set[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "…")
    return re.sub(r"\s+", " ", text).strip()[:300]


def _same_sex_codes(dfs: dict) -> None:  # type: ignore[type-arg]
    """SEX was coded 1/2 up to 2023-24 and M/F/U from 2024-25: last year's codes are read in this year's, so
    that the rules comparing the years (202) do not report the change of coding as a change of sex."""
    for name in ("Header", "UASC"):
        this, last = dfs.get(name), dfs.get(name + "_last")
        if this is None or last is None:
            continue
        if set(this["SEX"].dropna().astype(str)) <= {"M", "F", "U"}:
            last["SEX"] = last["SEX"].astype(str).replace({"1": "M", "2": "F"}).where(last["SEX"].notna())


def _only_these_postcodes(validator: dict, wanted: set[str]) -> None:  # type: ignore[type-arg]
    """Narrow the validator's postcode table (all of the UK, millions of rows) to the postcodes in this return.

    Its distance and postcode rules merge each episode's postcodes with that table; merging with only the
    postcodes present gives the same rows, much faster. The whole table is kept for the next year."""
    table = validator["datastore"].postcodes
    if "all_postcodes" in validator:
        table._df = validator["all_postcodes"]
    table.load_postcodes({p[0] for p in wanted})
    validator["all_postcodes"] = everything = table._df
    table._df = everything[everything["pcd_abbr"].isin(wanted)]


def validate_year(request: dict, la_code: str, validator: dict) -> dict:  # type: ignore[type-arg]
    """The answer for one year's request (see the module's docstring)."""
    end_year = int(request["end_year"])
    ruleset = ruleset_for(end_year)
    registry = validator["rulesets"].get_year_ruleset(str(min(max(end_year, FIRST_RULESET), LAST_RULESET)))

    uploads, lines, paths, secrets, postcodes = [], {}, {}, set(), set()
    for group, description in (("files", "This year"), ("previous", "Prev year")):
        for item in request.get(group) or []:
            path = Path(item["path"])
            content = path.read_bytes()
            text = content.decode("utf-8-sig", errors="replace")
            name = item["table"] + ("" if description == "This year" else "_last")
            lines[name] = record_lines(text)
            paths[name] = str(path)
            rows = list(csv.reader(io.StringIO(text)))
            if rows:
                wanted = [i for i, col in enumerate(rows[0]) if col.strip().upper() in IDENTIFYING]
                secrets.update(r[i].strip() for r in rows[1:] for i in wanted if i < len(r) and r[i].strip())
                places = [i for i, col in enumerate(rows[0]) if col.strip().upper() in ("HOME_POST", "PL_POST")]
                postcodes.update(r[i].upper().replace(" ", "") for r in rows[1:] for i in places
                                 if i < len(r) and r[i].strip())
            # The validator recognises tables by their columns; the name only has to end in .csv.
            uploads.append({"name": f"{item['table']}.csv", "file_content": content, "description": description})

    answer: dict[str, object] = {"end_year": end_year, "ruleset": ruleset, "rules": len(registry), "findings": [],
                                 "could_not_run": [], "skipped": [], "upload_error": None}
    _only_these_postcodes(validator, postcodes)
    try:
        dfs, extras = validator["ingress"].read_from_text(raw_files=uploads)
        _same_sex_codes(dfs)
        metadata = {"collectionYear": str(end_year), "localAuthority": la_code, **extras}
        store = validator["datastore"].create_datastore(dfs, metadata)
    except Exception as exc:  # noqa: BLE001 - the validator could not read the return at all: said, not raised
        answer["upload_error"] = _scrub(f"{type(exc).__name__}: {exc}", secrets)
        return answer

    findings = answer["findings"]
    for code, rule in registry.items():
        try:
            result = rule.func(validator["datastore"].copy_datastore(store))
        except Exception as exc:  # noqa: BLE001 - some rules crash on some rulesets: reported, never fatal
            answer["could_not_run"].append({"rule": str(code), "reason": _scrub(f"{type(exc).__name__}: {exc}",
                                                                               secrets)})
            continue
        if not result:
            answer["skipped"].append(str(code))
            continue
        for table, locations in result.items():
            if table not in lines or table.endswith("_last"):
                continue  # last year's rows are reported when last year's return is validated
            starts = lines[table]
            for location in sorted({int(v) for v in locations if v is not None and not _is_nan(v)}):
                line = starts[location] if 0 <= location < len(starts) else 0
                findings.append({"table": table, "path": paths[table], "line": line, "rule": str(code),
                                 "message": (rule.message or "").strip(),
                                 "fields": [str(f) for f in (rule.affected_fields or [])]})
    return answer


def main() -> int:
    request = json.load(sys.stdin)
    # Some rules print(); only the answer may go to stdout.
    answer_to, sys.stdout = sys.stdout, sys.stderr
    # The validator logs every rule at INFO to stderr; the caller needs only the answer on stdout.
    logging.disable(logging.CRITICAL)
    os.environ.setdefault("QLACREF_PC_INSECURE", "True")
    # Importing the rules and the postcodes is most of the time for a council's return: done once for all years.
    validator = {name: importlib.import_module(f"lac_validator.{name}")
                 for name in ("ingress", "datastore")}
    validator["rulesets"] = importlib.import_module("lac_validator.rules.ruleset_utils")
    answers = [validate_year(year, request["la_code"], validator) for year in request["years"]]
    json.dump({"years": answers}, answer_to)
    return 0


if __name__ == "__main__":
    sys.exit(main())
