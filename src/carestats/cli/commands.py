"""The carestats command line. Each command is a thin call into the pipeline modules.

Heavy libraries (polars, duckdb, weasyprint) are imported inside the commands, so `--help` is instant.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from carestats.core.errors import CarestatsError, CheckFailed

app = typer.Typer(
    name="carestats",
    help="Children's social care statistics for England: published release files → DuckDB warehouse → "
         "indicators → PDF reports.\n\n\b\nExample:\n  carestats build --raw data/raw --out build",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
indicators_app = typer.Typer(help="The indicator registry (queries/indicators/*.sql).\n\n"
                                  "\b\nExample:\n  carestats indicators show cla_count", no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")

STATE: dict[str, object] = {"quiet": False, "verbose": False, "debug": False, "config": None}

RawOpt = Annotated[Path | None, typer.Option(
    "--raw", envvar="CARESTATS_RAW", show_envvar=True,
    help="Folder of release files (searched recursively). Default: data/raw when it holds files, "
         "otherwise ../shared/data/raw.")]
OutOpt = Annotated[Path | None, typer.Option("--out", envvar="CARESTATS_OUT", show_envvar=True,
                                                help="Output folder.  [default: build]")]
SkipOpt = Annotated[bool, typer.Option("--skip-invalid", help="Leave out files that fail the checks "
                                       "(they are listed in the manifest) instead of stopping.")]
CompleteOpt = Annotated[bool, typer.Option("--require-complete", help="Fail when any indicator would be "
                                           "empty (for CI); the empty ones are listed with the publication "
                                           "they need.")]
Ssda903Opt = Annotated[Path | None, typer.Option(
    "--ssda903", help="Folder of the council's own SSDA903 returns, one folder per collection year named by "
                      "the year it ends (2024-25/ = the year to 31 March 2025). Needs --la. Without --raw "
                      "(or [paths] raw), only the returns are used.")]
LaOpt = Annotated[str | None, typer.Option("--la", help="The council whose returns --ssda903 holds: its "
                                              "code, such as E10000016.")]
UnsuppressedOpt = Annotated[bool, typer.Option(
    "--unsuppressed", help="The council's internal edition: its own figures without disclosure control, in "
                           "files named *_unsuppressed and marked 'Contains unsuppressed figures: not for "
                           "publication'.")]
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", envvar="CARESTATS_JOBS", show_envvar=True, min=0,
                                                help="Worker processes for the reports (0: all cores).")]


@app.callback()
def main_options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step and warning.")] = False,
    debug: Annotated[bool, typer.Option("--debug", envvar="CARESTATS_DEBUG",
                                        help="Show tracebacks for errors.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", envvar="CARESTATS_CONFIG", show_envvar=True,
        help="Settings file. Default: carestats.toml in the working directory, if there is one.")] = None,
) -> None:
    STATE.update(quiet=quiet, verbose=verbose, debug=debug, config=config)


def _settings(**flags: object):  # type: ignore[no-untyped-def]
    from carestats.core.settings import load

    return load(STATE.get("config"), **flags)  # type: ignore[arg-type]


def _reporter():  # type: ignore[no-untyped-def]
    from carestats.core.progress import Reporter

    return Reporter(quiet=STATE["quiet"], verbose=STATE["verbose"])


def _raw(raw: Path | None) -> Path:
    from carestats.core.paths import default_raw

    return raw if raw is not None else default_raw()


def _run(raw: Path | None, out: Path | None, skip_invalid: bool, until: str, reports: bool = True,
         jobs: int | None = None, force: bool = False, require_complete: bool = False,
         ssda903: Path | None = None, la: str | None = None, unsuppressed: bool = False,
         site: bool | None = None) -> None:
    from carestats.pipeline.build import run

    settings = _settings(raw=raw, out=out, jobs=jobs, until=until, reports=reports, skip_invalid=skip_invalid,
                         force=force, require_complete=require_complete, ssda903=ssda903, la=la,
                         unsuppressed=unsuppressed or None, site=reports if site is None else site)
    if settings.raw is None and settings.ssda903 is None:  # with --ssda903 alone: the returns only
        settings.raw = _raw(settings.raw)
    out = settings.out
    res = run(settings, _reporter())
    if not STATE["quiet"] and settings.raw is None:  # the council's own returns only
        typer.echo(f"{settings.la}'s own SSDA903 returns, no published files → {out}"
                   + (" (up to date)" if res.up_to_date else ""))
    elif not STATE["quiet"]:
        loaded = sum(1 for f in res.files if f.status == "loaded")
        typer.echo(f"{loaded} data files, {res.rows:,} rows, {res.indicators} indicators"
                   + (f", {len(res.reports)} report(s)" if res.reports else "") + f" → {out}"
                   + (" (up to date)" if res.up_to_date else ""))


@app.command()
def build(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False,
          no_reports: Annotated[bool, typer.Option("--no-reports", help="Stop after the exports.")] = False,
          jobs: JobsOpt = None,
          force: Annotated[bool, typer.Option("--force", help="Redo every stage, reusing nothing from the "
                                              "previous build in OUT.")] = False,
          require_complete: CompleteOpt = False, ssda903: Ssda903Opt = None, la: LaOpt = None,
          unsuppressed: UnsuppressedOpt = False,
          format: Annotated[str, typer.Option(
              "--format", help="What the render stage makes: html (the web edition in OUT/site, no "
              "WeasyPrint: a first look in seconds), pdf (the reports) or both.", case_sensitive=False)] = "both",
          ) -> None:
    """Run every stage: ingest, check, stage, compute, render.

    Outputs: OUT/carestats.duckdb, OUT/indicators/indicator_values.{parquet,csv}, OUT/exports/,
    OUT/reports/*.pdf, OUT/site/ (the web edition: `carestats serve` previews it) and OUT/manifest.json. Nothing is replaced unless the whole build succeeds, and a
    build replaces only the files it makes: anything else in OUT (diff/, exports/areas/, your own files)
    is left alone, and with --no-reports the reports already in OUT/reports stay (the manifest marks them
    stale when the data under them changed).

    Lists each indicator the inputs leave empty or incomplete, with the publication it needs, and ends
    with a one-line summary ("57 indicators: 49 with values, 8 empty (no CIN release)").

    Rebuilds are incremental: when the inputs, queries, code and settings are those of the build already
    in OUT, its warehouse and exports are reused, and a report whose HTML, assets and logo are unchanged is
    reused too. With nothing changed, the build says "up to date" and leaves OUT as it is.

    With --ssda903 DIR --la CODE (or [ssda903] dir and la in carestats.toml) the council's own returns
    are read too: OUT/indicators/local_indicator_values.{csv,parquet} hold its figures under disclosure
    control (the exact ones stay in the warehouse's local_indicator_values table).

    \b
    Examples:
      carestats build --raw ~/Downloads/cla-2025 --out build
      carestats build --format html       (the web edition alone)
      carestats build --ssda903 ~/returns --la E10000016 --no-reports
    """
    from carestats.core.errors import ConfigError

    fmt = format.lower()
    if fmt not in FORMATS:
        raise ConfigError(f"--format {format!r} is not a format", f"use one of {', '.join(FORMATS)}")
    pdf, html = FORMATS[fmt]
    _run(raw, out, skip_invalid, "render", reports=pdf and not no_reports, jobs=jobs, force=force,
         require_complete=require_complete, ssda903=ssda903, la=la, unsuppressed=unsuppressed,
         site=html and not no_reports)


FORMATS = {"both": (True, True), "pdf": (True, False), "html": (False, True)}  # --format: (PDFs, site)


@app.command()
def serve(out: OutOpt = None,
          port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                            help="The port on 127.0.0.1 (0: a free one).")] = 0) -> None:
    """Preview the web edition (OUT/site) in a browser, served on 127.0.0.1 only: nothing is opened to the
    network. Ctrl-C stops it.

    \b
    Example:
      carestats serve --out build --port 8000
    """
    from carestats.core.errors import DataError
    from carestats.reports.site import SITE
    from carestats.reports.site import serve as site_server

    settings = _settings(out=out)
    folder = settings.out / SITE
    if not (folder / "index.html").is_file():
        raise DataError(f"no web edition in {folder}", "run `carestats build` (or `carestats build --format html`) first")
    try:
        server = site_server(folder, port)
    except OSError as exc:
        raise DataError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}", "choose another --port, or 0 for a free one") from None
    host, bound = server.server_address[:2]
    print(f"serving {folder} at http://{host}:{bound}/ (127.0.0.1 only; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def check(raw: RawOpt = None, require_complete: CompleteOpt = False, ssda903: Ssda903Opt = None,
          la: LaOpt = None) -> None:
    """Check every input file without building; one line per problem, FILE:LINE:COLUMN: RULE: message.

    Lists every finding (errors, and warnings for quirks that load correctly), the files carestats has
    no use for, and a summary (on a terminal, tables of the findings by rule and of the totals). Release
    zips are read in place. Then lists each indicator these files leave empty or incomplete, with the
    publication it needs, and a one-line summary. Exit status 1 when any check fails (or, with
    --require-complete, when any indicator would be empty).

    With --ssda903 DIR --la CODE, the council's own returns are checked too: every row a build would
    leave out of the counts (a date that cannot be read, no child ID), then every finding of the DfE's
    validation rules (run in .venv-903), each as FILE:LINE:COLUMN: RULE: message. Exit 1 when there is any.

    \b
    Examples:
      carestats check --raw data/raw
      carestats check --ssda903 ~/returns --la E10000016
    """
    from carestats.check.report import report
    from carestats.pipeline.inputs import read_inputs

    settings = _settings(ssda903=ssda903, la=la)
    if settings.ssda903 is not None and raw is None and settings.raw is None:
        _check_returns(settings)
        return
    returns_failed = _check_returns(settings) if settings.ssda903 is not None else False
    result = read_inputs(_raw(raw))
    incomplete = _completeness(result, require_complete)
    lines, failed = report(result.files, result.findings, quiet=STATE["quiet"])
    if _on_terminal():  # the findings as lines, the summary as tables
        while lines and (lines[-1].startswith("failed: ") or re.match(r"\d+ files: ", lines[-1])):
            lines.pop()
        for line in lines:
            typer.echo(line)
        _check_tables(result.files, result.findings, quiet=bool(STATE["quiet"]))
    else:
        for line in lines:
            typer.echo(line)
    if incomplete or failed or returns_failed:
        raise typer.Exit(1)


def _check_returns(settings) -> bool:  # type: ignore[no-untyped-def]
    """check's lines on the council's own returns: the rows a build would leave out, then the DfE's validation
    rules' findings (file, line, rule, message; never the child). Exits 1 (or returns True) when there is any
    of either."""
    from carestats.pipeline.ssda903 import check_returns, validate_returns

    returns, found = check_returns(settings.ssda903, settings.la)
    for f in found:
        typer.echo(f.format())
    results, skipped = validate_returns(returns, settings.la, _reporter())
    errors = 0
    for res in results or []:
        for f in res.findings:
            typer.echo(f.format())
        for code, reason in res.could_not_run:
            typer.echo(f"{res.year_dir.name}: {code}: could not run: {reason}")
        errors += res.error_count
    for year, _, reason in skipped:
        if results is not None:  # a year not checked while others were (a year given as XML)
            typer.echo(f"{year}: not checked with the DfE's rules: {reason}")
    if not STATE["quiet"]:
        years = ", ".join(f"{r.folder.name} ({len(r.files)} file(s))" for r in returns)
        rules = f"{errors} error(s) under the DfE's validation rules" if results is not None else \
            "the DfE's validation rules not run"
        typer.echo(f"ssda903: {years}: {len(found)} row(s) would be left out of every count; {rules}", err=True)
    failed = bool(found) or errors > 0
    if failed and settings.raw is None:  # the returns alone: their verdict is the exit status
        raise typer.Exit(1)
    return failed


def _completeness(result, require_complete: bool) -> bool:  # type: ignore[no-untyped-def]
    """check's lines on the indicators the inputs leave empty or incomplete; True when --require-complete fails."""
    from carestats.indicators.registry import load_indicators
    from carestats.pipeline import completeness

    found = completeness.assess(load_indicators(_settings().indicator_dirs),
                                completeness.loaded_tables(result.files, result.tables))
    if not STATE["quiet"]:  # on stderr: stdout keeps the findings and their summary, for scripts
        tables = completeness.loaded_tables(result.files, result.tables)
        for line in found.lines() if tables else []:  # with nothing loaded, the summary says it all
            typer.echo(line, err=True)
        typer.echo(found.summary(), err=True)
    if require_complete and found.empty:
        try:
            found.require()
        except CarestatsError as exc:
            typer.echo(f"error: {exc}", err=True)
        return True
    return False


@app.command()
def ingest(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Load the release files into raw.* tables of OUT/carestats.duckdb (checks run first).

    \b
    Example:
      carestats ingest --raw data/raw
    """
    _run(raw, out, skip_invalid, "ingest")


@app.command()
def stage(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Ingest, then build the staging.* views that resolve each publication's schema drift.

    \b
    Example:
      carestats stage --raw data/raw
    """
    _run(raw, out, skip_invalid, "stage")


@app.command()
def compute(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Ingest and stage, then compute every indicator into indicator_values and the exports (no reports).

    \b
    Example:
      carestats compute --out build
    """
    _run(raw, out, skip_invalid, "compute")


@app.command()
def render(out: OutOpt = None, jobs: JobsOpt = None,
           force: Annotated[bool, typer.Option("--force", help="Render every report again, reusing none.")] = False
           ) -> None:
    """Render the reports again (England and every LA) from the figures already in OUT/carestats.duckdb.

    A report whose data, settings and templates are unchanged is reused, not rendered, as `build` reuses
    it; the others are made again with the current settings (carestats.toml).

    \b
    Example:
      carestats render --out build --jobs 2
    """
    from carestats.pipeline.build import render_reports

    settings = _settings(out=out, jobs=jobs, force=force)
    made = render_reports(settings.out, _reporter(), settings)
    if not STATE["quiet"]:
        reused = sum(r.reused for r in made)
        typer.echo(f"{len(made)} report(s) in {settings.out / 'reports'} ({reused} reused, "
                   f"{len(made) - reused} rendered)")


@app.command()
def report(area: Annotated[str, typer.Option("--area", help="The area: a local authority's code (E10000016), a "
                                             "unique part of its name in any case (kent), or england.")],
           out: OutOpt = None) -> None:
    """Render one report from an existing build (OUT/carestats.duckdb): a local authority's, or England's.

    Writes OUT/reports/la/<code>-<name>-<year>.pdf, or OUT/reports/england-<year>.pdf for `--area england`.
    `carestats areas` lists the codes and names. A report whose data, settings and templates are those it
    was made with is reused, not rendered again ("reused"), as `build` reuses it.

    \b
    Examples:
      carestats report --area E10000016 --out build
      carestats report --area "isle of wight"
      carestats report --area england
    """
    from carestats.pipeline.build import render_reports
    from carestats.pipeline.lookup import ENGLAND, area_list, resolve

    settings = _settings(out=out, jobs=1)
    code = resolve(area, area_list(settings.out))
    if code == ENGLAND:
        made = render_reports(settings.out, _reporter(), settings, areas=[], england=True)
    else:
        made = render_reports(settings.out, _reporter(), settings, areas=[code], england=False)
    if not STATE["quiet"]:
        typer.echo(f"{'reused (unchanged)' if made[0].reused else 'wrote'} {made[0].path}")


@app.command()
def export(area: Annotated[str, typer.Option("--area", help="The council: its code, or a unique part of its "
                                             "name in any case.")],
           out: OutOpt = None) -> None:
    """Write one council's workbook from an existing build: for every indicator, year and breakdown, its
    figure beside each of its statistical neighbours, their mean and median, its region and England, with
    rank, quartile band and trend (LAIT's layout).

    Writes OUT/exports/areas/<code>.xlsx.

    \b
    Example:
      carestats export --area kent
    """
    from carestats.core.errors import DataError
    from carestats.exports.area_workbook import write_area_workbook
    from carestats.indicators.registry import load_indicators
    from carestats.pipeline.lookup import ENGLAND, area_list, resolve
    from carestats.warehouse import db

    settings = _settings(out=out)
    code = resolve(area, area_list(settings.out))
    if code == ENGLAND:
        raise DataError("the workbook compares one council with its neighbours", "give a council's code or name")
    target = settings.out / "exports" / "areas" / f"{code}.xlsx"
    write_area_workbook(settings.out / db.WAREHOUSE_NAME, code, load_indicators(settings.indicator_dirs), target)
    if not STATE["quiet"]:
        typer.echo(f"wrote {target}")


@app.command()
def areas(out: OutOpt = None,
          search: Annotated[str | None, typer.Argument(help="Show only areas whose code, name or region "
                                                          "holds this text (any case).")] = None) -> None:
    """List the local authorities of a build: code, name, region and old (three-digit) code.

    Any of these names or codes may be given to `report --area`. Councils that no longer exist are
    listed with the date they ended.

    \b
    Examples:
      carestats areas
      carestats areas york
    """
    from carestats.pipeline.lookup import area_list

    settings = _settings(out=out)
    rows = []
    for a in area_list(settings.out):
        if search and search.casefold() not in f"{a.code} {a.name} {a.region}".casefold():
            continue
        rows.append((a.code, a.name, a.region, a.old_la_code, "" if a.current else f"ended {a.valid_to}"))
    if _on_terminal():
        _draw_table(f"{len(rows)} local authorities", ["code", "name", "region", "old code", "note"], rows,
                    no_wrap=1)
        return
    for row in rows:
        typer.echo("\t".join(row).rstrip())


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Folder of the earlier release files (or the only folder).")],
    new: Annotated[Path | None, typer.Argument(help="Folder of the later release files.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV files and summary.")] = Path("build/diff"),
    area: Annotated[str | None, typer.Option("--area", help="Only this area's revisions: its code, or a "
                                                "unique part of its name in any case.")] = None,
) -> None:
    """Show what changed between two sets of release files: revised values, areas, renamed columns.

    With one folder, compares each release in it with the previous release for the same years.
    Writes revisions.csv/.parquet, areas.csv, renamed_columns.csv and summary.md to --out; summary.md
    names every revised indicator (how many values, the largest revision), then the largest revisions.
    With --area, only that area's revisions and area changes.

    \b
    Examples:
      carestats diff data/cla/2024_release data/cla/2025_release
      carestats diff data/cla/2024_release data/cla/2025_release --area kent
    """
    from carestats.indicators.registry import load_indicators
    from carestats.pipeline import diff as d

    indicators = load_indicators()
    titles = {i.id: i.title for i in indicators}
    if new is None:
        snap = d.snapshot(old, indicators)
        revised, areas, renamed = d.within_folder(snap.vintages), snap.values.head(0).select(
            "geographic_level", "area_code", "area_name"), []
        import polars as pl

        areas = areas.with_columns(pl.lit("").alias("kind"))
    else:
        a, b = d.snapshot(old, indicators), d.snapshot(new, indicators)
        revised, areas, renamed = d.revisions(a.values, b.values), d.areas_changed(a.values, b.values), \
            d.renamed_columns(a.columns, b.columns)
    chosen = None
    if area is not None:
        frames = [snap.values, snap.vintages] if new is None else [a.values, b.values]
        chosen = d.resolve_area(area, *frames)
        revised, areas = d.only_area(revised, chosen[0]), d.only_area(areas, chosen[0])
    d.write(out, revised, areas, renamed)
    lines = d.summary(revised, areas, renamed, titles)
    (out / "summary.md").write_text(d.markdown(revised, areas, renamed, titles, chosen), encoding="utf-8")
    if not STATE["quiet"]:
        for line in lines:
            typer.echo(line)
        typer.echo(f"details in {out}/")


DEMO_YEARS = [2021, 2022, 2023, 2024, 2025]


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo: its returns in OUT/returns, the "
                                      "build in OUT/build.")] = Path("demo"),
    la: Annotated[str, typer.Option("--la", help="The council whose returns are made up: an upper-tier "
                                    "code of England.")] = "E10000016",
    children: Annotated[int, typer.Option("--children", min=10, max=100_000,
                                          help="About how many children are looked after each year.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="The generator's seed: the same seed, the same "
                                      "files.")] = 0,
    raw: RawOpt = None,
) -> None:
    """Try the SSDA903 path on made-up returns: five years of one council's child-level returns (2020-21 to
    2024-25, seeded, no real child in them), built beside the published files with the DfE's validation rules,
    then the council's report with its own-return section.

    Writes OUT/returns/<YYYY-YY>/*.csv, then runs `carestats build --ssda903 OUT/returns --la CODE
    --no-reports --out OUT/build` (OUT/build/ssda903/validation.csv: the rules' findings by file and line;
    OUT/build/indicators/local_indicator_values.csv: the council's figures under disclosure control) and
    `carestats report --area CODE --out OUT/build` when the published files are there (--raw, or the
    default folder). The DfE's rules run in
    their own environment (.venv-903, made by `make setup`; CARESTATS_VALIDATOR_PYTHON to use another).

    \b
    Example:
      carestats demo --out demo
    """
    from carestats.core.errors import ConfigError
    from carestats.core.ssda903 import year_folder
    from carestats.pipeline.build import render_reports, run
    from carestats.synthetic.ssda903 import generate

    if raw is not None and not raw.is_dir():
        raise ConfigError(f"--raw {raw} is not a folder", "point --raw at the folder of published release files")
    reporter = _reporter()
    returns = out / "returns"
    files = generate(returns, la, DEMO_YEARS, children=children, seed=seed)
    reporter.step(f"{len(files)} files of made-up returns for {la}, {year_folder(DEMO_YEARS[0])} to "
                  f"{year_folder(DEMO_YEARS[-1])} → {returns}")
    settings = _settings(raw=raw, out=out / "build", until="render", reports=False, site=False, ssda903=returns,
                         la=la, jobs=1)
    published = _raw(settings.raw)
    settings.raw = published if published.is_dir() else None
    res = run(settings, reporter)
    made = []
    if settings.raw is not None:
        made = render_reports(settings.out, reporter, settings, areas=[la], england=False)
    if not STATE["quiet"]:
        typer.echo(f"{res.indicators} indicators → {settings.out}; the rules' findings in "
                   f"{settings.out / 'ssda903' / 'validation.csv'}"
                   + (f"; the council's report: {made[0].path}" if made else ""))


@app.command()
def docs(write: Annotated[bool, typer.Option("--write", help="Rewrite the stale files.")] = False) -> None:
    """Check (or, with --write, regenerate) docs/indicators.md and docs/cli.md.

    Exit status 1 when a generated file is out of date and --write was not given.

    \b
    Example:
      carestats docs --write
    """
    from carestats.cli import docs as generated

    if write:
        for path in generated.write(app):
            typer.echo(f"wrote {path.name}")
        return
    old = generated.stale(app)
    if old:
        typer.echo(f"out of date: {', '.join(old)} — run `carestats docs --write`", err=True)
        raise typer.Exit(1)
    typer.echo("docs are up to date")


@indicators_app.command("list")
def indicators_list() -> None:
    """List every indicator: id, theme, unit and title (a table on a terminal, plain lines otherwise).

    \b
    Example:
      carestats indicators list
    """
    from carestats.indicators.registry import load_indicators

    rows = [(ind.id, ind.theme, ind.unit, ind.title) for ind in load_indicators()]
    if _on_terminal():
        _draw_table(f"{len(rows)} indicators", ["id", "theme", "unit", "title"], rows, no_wrap=3)
        return
    for row in rows:
        typer.echo(f"{row[0]:<40} {row[1]:<18} {row[2]:<16} {row[3]}")


@indicators_app.command("new")
def indicators_new(
    indicator_id: Annotated[str, typer.Argument(help="The new indicator's id: lower case, digits, underscores.")],
    folder: Annotated[Path | None, typer.Option("--dir", help="Where to write it. Default: the first "
                                                   "[paths] indicators folder of carestats.toml.")] = None,
) -> None:
    """Write a commented starting file for a new indicator of your own.

    \b
    Example:
      carestats indicators new my_starters --dir my_indicators
    """
    from carestats.core.errors import ConfigError
    from carestats.indicators.registry import IDENT
    from carestats.reports.render import environment

    if not IDENT.match(indicator_id):
        raise ConfigError(f"{indicator_id!r} is not a valid indicator id", "use lower case letters, digits and _")
    if folder is None:
        dirs = _settings().indicator_dirs
        if not dirs:
            raise ConfigError("no folder for your indicators", "pass --dir or set [paths] indicators")
        folder = dirs[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{indicator_id}.sql"
    if target.exists():
        raise ConfigError(f"{target} already exists", "choose another id or edit that file")
    title = indicator_id.replace("_", " ").capitalize()
    target.write_text(environment().get_template("indicator_starter.sql.j2").render(id=indicator_id, title=title)
                      + "\n", encoding="utf-8")
    typer.echo(f"wrote {target}")


@indicators_app.command("show")
def indicators_show(indicator_id: Annotated[str, typer.Argument(help="An indicator id.")]) -> None:
    """Show one indicator's metadata and its query.

    \b
    Example:
      carestats indicators show cla_rate_per_10k
    """
    from carestats.core.errors import ConfigError
    from carestats.indicators.registry import load_indicators

    found = {i.id: i for i in load_indicators()}
    if indicator_id not in found:
        raise ConfigError(f"no indicator {indicator_id!r}", "`carestats indicators list` shows the ids")
    ind = found[indicator_id]
    fields = [(key, str(getattr(ind, key))) for key in (
        "id", "title", "theme", "unit", "polarity", "decimals", "definition", "numerator", "denominator",
        "method", "method_note")]
    fields += [("sources", ", ".join(ind.sources)), ("source_files", ", ".join(ind.source_files))]
    if _on_terminal():
        _draw_fields(ind.id, fields, ind.sql)
        return
    for key, value in fields:
        typer.echo(f"{key}: {value}")
    typer.echo("query:")
    typer.echo(ind.sql)


# Tables. On a terminal Rich draws them; otherwise (a pipe, a file, a test's CliRunner) each row is one
# plain line as it always was, so scripts and tests read stable text. Rich is imported only when drawing.


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(highlight=False)


def _draw_table(title: str, columns: list[str], rows: list[tuple[str, ...]], no_wrap: int = 0,
                numeric: tuple[str, ...] = ()) -> None:
    """A Rich table of plain text (never markup: ids and titles come from files); the first `no_wrap`
    columns are never wrapped."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", header_style="bold")
    for i, name in enumerate(columns):
        table.add_column(name, no_wrap=i < no_wrap, justify="right" if name in numeric else "left")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    _console().print(table)


def _draw_fields(title: str, fields: list[tuple[str, str]], sql: str) -> None:
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in fields:
        grid.add_row(key, Text(value))
    console = _console()
    console.print(grid)
    console.print(Text("query", style="bold"))
    console.print(Syntax(sql, "sql", theme="ansi_dark", background_color="default", word_wrap=True))


def _check_tables(files: list, findings: list, quiet: bool = False) -> None:  # type: ignore[type-arg]
    """`carestats check` on a terminal: the findings by rule (errors only when quiet), then the totals
    (those of the plain summary line)."""
    by_rule: dict[tuple[str, str], list] = {}
    for f in findings:
        if f.severity == "error" or not quiet:
            by_rule.setdefault((f.rule, f.severity), []).append(f)
    if by_rule:
        _draw_table("Findings by rule", ["rule", "severity", "findings", "files"],
                    [(rule, sev, f"{len(fs):,}", f"{len({f.path for f in fs}):,}")
                     for (rule, sev), fs in sorted(by_rule.items(), key=lambda kv: (kv[0][1] != "error", kv[0]))],
                    no_wrap=2, numeric=("findings", "files"))
    status: dict[str, list] = {}
    for info in files:
        status.setdefault(info.status, []).append(info.name)
    errors = sum(f.severity == "error" for f in findings)
    _draw_table(f"{len(files)} files checked", ["", "count"], [
        ("data files that pass", f"{len(status.get('loaded', [])):,}"),
        ("files that fail", f"{len(status.get('invalid', [])):,}"),
        ("unused files", f"{len(status.get('unused', [])):,}"),
        ("duplicate files", f"{len(status.get('duplicate', [])):,}"),
        ("errors", f"{errors:,}"),
        ("warnings", f"{len(findings) - errors:,}")], numeric=("count",))
    if status.get("invalid"):
        typer.echo("failed: " + ", ".join(status["invalid"]))


INTERRUPTED = "Interrupted; previous outputs are unchanged."


SIGNALLED: dict[str, bool] = {"stop": False}  # set once Ctrl-C or SIGTERM has reached this process


def _terminated(signum, frame) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C and SIGTERM (a CI job cancelled, `kill`) stop a build the same way. The flag stays set, so a
    library that turns the interruption into an error of its own (DuckDB: "Query interrupted") is still
    reported as an interruption, not as a bug."""
    SIGNALLED["stop"] = True
    raise KeyboardInterrupt


def _environment_fault(exc: OSError) -> str | None:
    """The one line for a fault of the machine rather than of carestats, or None when it is not one."""
    where = exc.filename if exc.filename is not None else ""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        target = Path(str(where)) if where else None
        if target is not None and target.exists() and os.access(target, os.R_OK) and not os.access(target, os.W_OK) \
                or target is not None and not target.exists():
            return f"cannot write to {where}: permission denied — choose another --out, or make it writable"
        return f"cannot read {where}: permission denied — check the file's permissions" if where else \
            f"permission denied ({exc.strerror}) — check the permissions of the input and output folders"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"no space left on the disk{f' holding {where}' if where else ''} — free some space or choose "
                "another --out; the previous outputs are unchanged")
    return None


def main() -> None:
    """The `carestats` command: runs one command and ends the process."""
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, _terminated)
    try:
        _command()
    finally:
        # What is left on the heap (report layouts, data frames) is given back to the system when the
        # process ends; walking it with the cyclic collector on the way out cost over half a second.
        gc.freeze()


def _command() -> None:
    debug = "--debug" in sys.argv or os.environ.get("CARESTATS_DEBUG") == "1"
    try:
        app()
    except CheckFailed as exc:
        for f in exc.findings:
            if f.severity == "error":
                print(f.format(), file=sys.stderr)
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    except CarestatsError as exc:
        if debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # typer's own answer to Ctrl-C, which says nothing
            print(INTERRUPTED, file=sys.stderr)
        raise
    except OSError as exc:
        message = _environment_fault(exc)
        if message is None:
            _unexpected(exc, debug)
        if debug:
            raise
        print(f"Error: {message}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # an unexpected failure: one line, the traceback only with --debug
        _unexpected(exc, debug)


def _unexpected(exc: Exception, debug: bool) -> None:
    if SIGNALLED["stop"]:  # a library's own error for the interruption (DuckDB: "Query interrupted")
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    if debug:
        raise exc
    print(f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
          "— re-run with --debug for the traceback and report it", file=sys.stderr)
    sys.exit(1)
