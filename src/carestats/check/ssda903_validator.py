"""The DfE's SSDA903 validation rules on one year's return, run in the validator's own environment.

`csc-validator-be-903` pins pandas<2 and numpy<1.25, which cannot share carestats' environment (pyarrow 26),
so it lives in `.venv-903` (made by `make setup`) and runs as a separate process: this module recognises
the year folder's tables by their columns, hands them to `ssda903_runner.py` (executed by that
environment's Python) under the table names the validator expects, and turns its answer into located
findings. It writes nothing; the caller writes `build/ssda903/validation.csv`.

The interpreter is `CARESTATS_VALIDATOR_PYTHON` when set, otherwise `<project>/.venv-903/bin/python`.
Findings name the file and line, never the child: the runner maps the validator's per-child error rows back
to the line of the file they came from.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from carestats.core.errors import CarestatsError, Finding
from carestats.core.paths import PROJECT_ROOT
from carestats.core.ssda903 import FILE_NAMES, table_of, year_folder
from carestats.core.vocabulary import FORMULA_START

RUNNER = Path(__file__).with_name("ssda903_runner.py")
ENV_VAR = "CARESTATS_VALIDATOR_PYTHON"
TIMEOUT_SECONDS = 900
CSV_COLUMNS = ("file", "line", "rule", "message")


def validator_python() -> Path:
    """The validator environment's interpreter: CARESTATS_VALIDATOR_PYTHON, or <project>/.venv-903/bin/python."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else PROJECT_ROOT / ".venv-903" / "bin" / "python"


@dataclass(frozen=True)
class ValidationResult:
    """What the DfE's rules found in one year's return."""

    year_dir: Path
    end_year: int
    ruleset: str = ""
    rules: int = 0
    findings: list[Finding] = field(default_factory=list)
    could_not_run: list[tuple[str, str]] = field(default_factory=list)  # (rule code, reason)

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def rows(self) -> list[tuple[str, int, str, str]]:
        """The rows of validation.csv (file, line, rule, message), in file and line order; rules that could
        not run appear with line 0 and the message 'could not run: <reason>'."""
        rows = [(f.path, f.line, f.rule, f.message) for f in self.findings]
        rows += [("", 0, code, f"could not run: {reason}") for code, reason in self.could_not_run]
        return rows


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def recognise(year_dir: Path) -> tuple[dict[str, Path], list[Finding]]:
    """The year folder's CSV files by table (recognised by their columns), and findings for the others."""
    tables: dict[str, Path] = {}
    findings: list[Finding] = []
    for path in sorted(year_dir.glob("*.csv")):
        name = path.relative_to(year_dir.parent).as_posix()
        try:
            columns = _header(path)
        except (UnicodeDecodeError, csv.Error) as exc:
            findings.append(Finding(name, 1, "", "903-READ", f"cannot be read as UTF-8 CSV ({type(exc).__name__})",
                                    "save the table again as UTF-8 CSV"))
            continue
        table = table_of(columns)
        if table is None:
            findings.append(Finding(name, 1, "", "903-TABLE", "the columns match no SSDA903 table",
                                    "export the table with the DfE's column names, or move the file out of "
                                    "the year folder", severity="warning"))
        elif table in tables:
            findings.append(Finding(name, 1, "", "903-TABLE",
                                    f"a second {table} table (the first is {tables[table].name})",
                                    "keep one file per table in each year folder"))
        else:
            tables[table] = path
    return tables, findings


def validate(year_dir: Path, la_code: str, end_year: int) -> ValidationResult:
    """Run the DfE's rules for the collection year ending 31 March `end_year` on the return in `year_dir`.

    Last year's return, when it sits beside this one (`<parent>/<YYYY-YY>`), is handed over too, for the
    rules that compare the two years; only this year's rows are reported.
    """
    return validate_years([(year_dir, end_year)], la_code)[0]


def validate_years(years: list[tuple[Path, int]], la_code: str) -> list[ValidationResult]:
    """`validate` for several year folders of one council, in one run of the validator (its rules and
    postcodes are loaded once: most of the time a year takes)."""
    python = validator_python()
    if not python.is_file():
        raise CarestatsError(f"the SSDA903 validator's environment is missing ({python})",
                             f"run `make setup` to create it, or set {ENV_VAR} to its Python")
    requests, recognised = [], []
    for year_dir, end_year in years:
        tables, findings = recognise(year_dir)
        if not tables and any(year_dir.glob("*.xml")):
            raise CarestatsError(f"{year_dir}: the return is an XML file; the DfE's rules are run here on the "
                                 "CSV tables", "export the return as CSV tables (header.csv, episodes.csv, …)")
        if not tables:
            raise CarestatsError(f"{year_dir}: no SSDA903 tables found",
                                 f"put the return's CSV files ({', '.join(FILE_NAMES.values())}) in the folder")
        previous_dir = year_dir.parent / year_folder(end_year - 1)
        previous = recognise(previous_dir)[0] if previous_dir.is_dir() else {}
        requests.append({"end_year": end_year,
                         "files": [{"path": str(p.resolve()), "table": t} for t, p in tables.items()],
                         "previous": [{"path": str(p.resolve()), "table": t} for t, p in previous.items()]})
        recognised.append((tables, findings))
    try:
        done = subprocess.run([str(python), "-I", str(RUNNER)], capture_output=True, text=True, check=False,
                              input=json.dumps({"la_code": la_code, "years": requests}),
                              timeout=TIMEOUT_SECONDS * len(years))
    except subprocess.TimeoutExpired:
        raise CarestatsError(f"the SSDA903 validator did not finish in {TIMEOUT_SECONDS * len(years)} s",
                             "validate fewer years at once, or report the case") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CarestatsError(f"the SSDA903 validator failed ({python}): {last[:200]}",
                             "run `make setup` to rebuild its environment")
    answers = json.loads(done.stdout)["years"]
    return [_result(year_dir, end_year, tables, findings, answer)
            for (year_dir, end_year), (tables, findings), answer in zip(years, recognised, answers, strict=True)]


def _result(year_dir: Path, end_year: int, tables: dict[str, Path], findings: list[Finding],
            answer: dict) -> ValidationResult:  # type: ignore[type-arg]
    if answer.get("upload_error"):
        raise CarestatsError(f"{year_dir}: the SSDA903 validator could not read the return: "
                             f"{answer['upload_error']}", "check that each table has the DfE's columns")
    base = year_dir.parent
    by_path = {str(p.resolve()): p.relative_to(base).as_posix() for p in tables.values()}
    headers = {str(p.resolve()): {c.strip().upper() for c in _header(p)} for p in tables.values()}
    findings = list(findings)
    for item in answer["findings"]:
        columns = [c for c in item["fields"] if c in headers.get(item["path"], set())]
        findings.append(Finding(by_path.get(item["path"], item["path"]), int(item["line"]), ",".join(columns),
                                item["rule"], item["message"], "see the DfE's SSDA903 validation rules"))
    findings.sort(key=lambda f: (f.path, f.line, f.rule))
    could_not_run = sorted((c["rule"], c["reason"]) for c in answer["could_not_run"])
    return ValidationResult(year_dir, end_year, answer["ruleset"], int(answer["rules"]), findings, could_not_run)


def write_csv(results: list[ValidationResult], target: Path) -> Path:
    """build/ssda903/validation.csv: file, line, rule, message for every year, written whole or not at all;
    text that a spreadsheet would read as a formula is quoted."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for result in results:
            for row in result.rows():
                writer.writerow([_cell(v) for v in row])
    partial.replace(target)
    return target


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
