"""The SSDA903 stage of a build: a council's own child-level returns → pseudonymised tables →
`local_indicator_values` (exact, in the warehouse) → build/indicators/local_indicator_values.{csv,parquet}
(under disclosure control) and build/ssda903/unreadable_rows.csv (the rows left out, by file and line).

Runs when `--ssda903 DIR --la CODE` (or [ssda903] in carestats.toml) is given, with or without the
published files. With `--unsuppressed` the exports are the exact figures, named
local_indicator_values_unsuppressed.* so that they cannot be mistaken for the publishable ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from carestats.core.errors import Finding
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.core.vocabulary import UNSUPPRESSED_MARK

STEM = "local_indicator_values"
NOT_RUN = "*"  # the rule code of a year the DfE's rules could not be run on at all


@dataclass
class LocalResult:
    values: object  # polars frame of local_indicator_values (exact)
    left_out: list[Finding] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    validation: list | None = None  # check.ssda903_validator.ValidationResult per year; None: not run


def validate_returns(returns: list, la_code: str, rep: Reporter) -> tuple[list | None, list[tuple[int, str, str]]]:
    """The DfE's validation rules on each year's return, in the validator's own environment. Their findings
    never stop the figures: the analyst needs them even for a return the DfE would reject. Returns the
    results (None when the rules could not be run at all) and, per year, what could not be checked
    (year, rule, reason)."""
    from carestats.check import ssda903_validator as validator
    from carestats.core.errors import CarestatsError

    csv_years = [(r.folder, r.end_year) for r in returns
                 if any(not name.lower().endswith(".xml") for name, _ in r.files)]
    skipped = [(r.end_year, NOT_RUN, "an XML return: the DfE's rules are run on the CSV tables")
               for r in returns if (r.folder, r.end_year) not in csv_years]
    if not csv_years:
        return None, skipped
    rep.step(f"ssda903: the DfE's validation rules on {len(csv_years)} year(s)")
    try:
        results = validator.validate_years(csv_years, la_code)
    except CarestatsError as exc:  # no environment, or the validator itself failed: the figures go on
        rep.warn(f"ssda903: the DfE's validation rules were not run: {exc.message} — {exc.hint}")
        return None, skipped + [(y, NOT_RUN, exc.message) for _, y in csv_years]
    for res in results:
        rep.step(f"ssda903: {res.year_dir.name}: {res.error_count} error(s) under {res.rules} rule(s)"
                 + (f"; {len(res.could_not_run)} rule(s) could not run" if res.could_not_run else "")
                 + " (ssda903/validation.csv)")
    return results, skipped


def validation_frame(results: list | None, skipped: list[tuple[int, str, str]]):  # type: ignore[no-untyped-def]
    """The warehouse's ssda903.validation rows: year, file, line, rule, message, outcome ('error',
    'warning' or 'could not run'). Findings name the file and line, never the child."""
    import polars as pl

    rows = []
    for res in results or []:
        rows += [(res.end_year, f.path, f.line, f.rule, f.message, f.severity) for f in res.findings]
        rows += [(res.end_year, "", 0, code, reason, "could not run") for code, reason in res.could_not_run]
    rows += [(year, "", 0, rule, reason, "could not run") for year, rule, reason in skipped]
    return pl.DataFrame(rows, orient="row", schema={"return_year": pl.Int64, "file": pl.String, "line": pl.Int64,
                                                    "rule": pl.String, "message": pl.String, "outcome": pl.String})


def area_name(con, la_code: str) -> str:  # type: ignore[no-untyped-def]
    """The council's name from the published files' `areas` table, or its code when there is none."""
    from carestats.core import paths
    from carestats.warehouse import db

    if "name" in db.table_columns(con, "main", "areas"):
        sql = (paths.QUERIES_DIR / "ssda903" / "common" / "area_name.sql").read_text(encoding="utf-8")
        row = con.execute(sql, {"code": la_code}).fetchone()
        if row and row[0]:
            return str(row[0])
    return la_code


def load_and_compute(con, opts: Settings, rep: Reporter) -> LocalResult:  # type: ignore[no-untyped-def]
    """Read every year's return, load the pseudonymised tables and compute local_indicator_values."""
    from carestats.indicators import local
    from carestats.ingest import ssda903 as reader
    from carestats.warehouse import children

    assert opts.ssda903 is not None and opts.la is not None
    rep.step(f"ssda903: reading the returns in {opts.ssda903}")
    returns = reader.read_returns(opts.ssda903)
    for ret in returns:
        rep.detail(f"ssda903: {ret.folder.name}: the year to 31 March {ret.end_year}: "
                   + ", ".join(f"{name} as {table}" for name, table in ret.files))
    validation, skipped = validate_returns(returns, opts.la, rep)
    left_out = children.load(con, returns, opts.la)
    if validation is not None or skipped:
        from carestats.warehouse import db

        db.load_frame(con, "ssda903", "validation", validation_frame(validation, skipped))
    for f in left_out:
        rep.detail(f"ssda903: {f.format()}")
    if left_out:
        rep.step(f"ssda903: {len(left_out)} row(s) left out of every count (dates that cannot be read or no "
                 "child ID); listed in ssda903/unreadable_rows.csv")
    values = local.compute_local(con, opts.la, area_name(con, opts.la))
    years = [r.end_year for r in returns]
    rep.step(f"ssda903: {values.height:,} local indicator values for {opts.la}, "
             f"{len(years)} year(s) ({', '.join(map(str, years))})")
    return LocalResult(values, left_out, years, validation)


class _NoDistances:
    def miles(self, a: object, b: object) -> None:
        return None


def check_returns(folder: Path, la_code: str) -> tuple[list, list[Finding]]:
    """`carestats check --ssda903`: the returns read, and the rows a build would leave out (located, never
    naming the child). Nothing is written and no key is needed (a throwaway one hashes the IDs)."""
    import secrets

    from carestats.ingest import ssda903 as reader
    from carestats.warehouse import children

    returns = reader.read_returns(folder)
    found: list[Finding] = []
    for ret in returns:
        found.extend(children.pseudonymise(ret, la_code, secrets.token_bytes(32), _NoDistances())[1])
    return returns, found


def write_outputs(work: Path, result: LocalResult, opts: Settings, rep: Reporter) -> None:
    """The disclosed (or, with --unsuppressed, marked exact) exports and the list of rows left out."""
    import polars as pl

    from carestats.indicators import compute, local
    from carestats.indicators.registry import load_local_indicators

    units = {i.id: i.unit for i in load_local_indicators()}
    values = result.values
    if opts.unsuppressed:
        rep.warn(f"ssda903: {UNSUPPRESSED_MARK} (indicators/{STEM}_unsuppressed.*)")
        compute.write_exports(values, work / "indicators", f"{STEM}_unsuppressed")  # type: ignore[arg-type]
    else:
        compute.write_exports(local.disclose(values, units, opts.threshold), work / "indicators", STEM)  # type: ignore[arg-type]
    rows = pl.DataFrame([{"file": f.path, "line": f.line, "column": f.column, "rule": f.rule, "message": f.message}
                         for f in result.left_out],
                        schema={"file": pl.String, "line": pl.Int64, "column": pl.String, "rule": pl.String,
                                "message": pl.String})
    folder = work / "ssda903"
    folder.mkdir(parents=True, exist_ok=True)
    if result.validation is not None:
        from carestats.check.ssda903_validator import write_csv

        write_csv(result.validation, folder / "validation.csv")
    compute.write_csv_chunks(rows, folder / "unreadable_rows.csv")
