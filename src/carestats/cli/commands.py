"""The carestats command line. Each command is a thin call into the pipeline modules.

Heavy libraries (polars, duckdb, weasyprint) are imported inside the commands, so `--help` is instant.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from carestats.core.errors import CarestatsError, CheckFailed

app = typer.Typer(
    name="carestats",
    help="Children's social care statistics for England: published release files → DuckDB warehouse → "
         "indicators → PDF reports.\n\nExample:  carestats build --raw data/raw --out build",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
indicators_app = typer.Typer(help="The indicator registry (queries/indicators/*.sql).\n\n"
                                  "Example:  carestats indicators show cla_count", no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")

STATE: dict[str, object] = {"quiet": False, "verbose": False, "debug": False, "config": None}

RawOpt = Annotated[Optional[Path], typer.Option(
    "--raw", envvar="CARESTATS_RAW", show_envvar=True,
    help="Folder of release files (searched recursively). Default: data/raw when it holds files, "
         "otherwise ../shared/data/raw.")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", envvar="CARESTATS_OUT", show_envvar=True,
                                                help="Output folder.  [default: build]")]
SkipOpt = Annotated[bool, typer.Option("--skip-invalid", help="Leave out files that fail the checks "
                                       "(they are listed in the manifest) instead of stopping.")]
JobsOpt = Annotated[Optional[int], typer.Option("--jobs", "-j", envvar="CARESTATS_JOBS", show_envvar=True, min=0,
                                                help="Worker processes for the reports (0: all cores).")]


@app.callback()
def main_options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step and warning.")] = False,
    debug: Annotated[bool, typer.Option("--debug", envvar="CARESTATS_DEBUG",
                                        help="Show tracebacks for errors.")] = False,
    config: Annotated[Optional[Path], typer.Option(
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


def _raw(raw: Optional[Path]) -> Path:
    from carestats.core.paths import default_raw

    return raw if raw is not None else default_raw()


def _run(raw: Optional[Path], out: Optional[Path], skip_invalid: bool, until: str, reports: bool = True,
         jobs: Optional[int] = None, force: bool = False) -> None:
    from carestats.pipeline.build import BuildOptions, run

    settings = _settings(raw=raw, out=out, jobs=jobs)
    out = settings.out
    res = run(BuildOptions(raw=_raw(settings.raw), out=out, skip_invalid=skip_invalid, reports=reports,
                           until=until, indicator_dirs=settings.indicator_dirs,
                           template_dirs=settings.template_dirs, settings=settings, force=force), _reporter())
    if not STATE["quiet"]:
        loaded = sum(1 for f in res.files if f.status == "loaded")
        typer.echo(f"{loaded} data files, {res.rows:,} rows, {res.indicators} indicators"
                   + (f", {len(res.reports)} report(s)" if res.reports else "") + f" → {out}"
                   + (" (up to date)" if res.up_to_date else ""))


@app.command()
def build(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False,
          no_reports: Annotated[bool, typer.Option("--no-reports", help="Stop after the exports.")] = False,
          jobs: JobsOpt = None,
          force: Annotated[bool, typer.Option("--force", help="Redo every stage, reusing nothing from the "
                                              "previous build in OUT.")] = False) -> None:
    """Run every stage: ingest, check, stage, compute, render.

    Outputs: OUT/carestats.duckdb, OUT/indicators/indicator_values.{parquet,csv}, OUT/reports/*.pdf and
    OUT/manifest.json. Nothing is replaced unless the whole build succeeds.

    Rebuilds are incremental: when the inputs, queries, code and settings are those of the build already
    in OUT, its warehouse and exports are reused, and a report whose HTML, assets and logo are unchanged is
    reused too. With nothing changed, the build says "up to date" and leaves OUT as it is.

    Example:  carestats build --raw ~/Downloads/cla-2025 --out build
    """
    _run(raw, out, skip_invalid, "render", reports=not no_reports, jobs=jobs, force=force)


@app.command()
def check(raw: RawOpt = None) -> None:
    """Check every input file without building; one line per problem, FILE:LINE:COLUMN: RULE: message.

    Lists every finding (errors, and warnings for quirks that load correctly), the files carestats has
    no use for, and a summary. Release zips are read in place. Exit status 1 when any check fails.

    Example:  carestats check --raw data/raw
    """
    from carestats.check.report import report
    from carestats.pipeline.inputs import read_inputs

    result = read_inputs(_raw(raw))
    lines, failed = report(result.files, result.findings, quiet=STATE["quiet"])
    for line in lines:
        typer.echo(line)
    if failed:
        raise typer.Exit(1)


@app.command()
def ingest(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Load the release files into raw.* tables of OUT/carestats.duckdb (checks run first).

    Example:  carestats ingest --raw data/raw
    """
    _run(raw, out, skip_invalid, "ingest")


@app.command()
def stage(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Ingest, then build the staging.* views that resolve each publication's schema drift.

    Example:  carestats stage --raw data/raw
    """
    _run(raw, out, skip_invalid, "stage")


@app.command()
def compute(raw: RawOpt = None, out: OutOpt = None, skip_invalid: SkipOpt = False) -> None:
    """Ingest and stage, then compute every indicator into indicator_values and the exports (no reports).

    Example:  carestats compute --out build
    """
    _run(raw, out, skip_invalid, "compute")


@app.command()
def render(out: OutOpt = None, jobs: JobsOpt = None) -> None:
    """Render the reports again (England and every LA) from the figures already in OUT/carestats.duckdb.

    Example:  carestats render --out build --jobs 2
    """
    from carestats.pipeline.build import render_only

    settings = _settings(out=out, jobs=jobs)
    made = render_only(settings.out, _reporter(), settings)
    if not STATE["quiet"]:
        typer.echo(f"{len(made)} report(s) in {settings.out / 'reports'}")


@app.command()
def report(area: Annotated[str, typer.Option("--area", help="The local authority's code, e.g. E10000016.")],
           out: OutOpt = None) -> None:
    """Render one local authority's report from an existing build (OUT/carestats.duckdb).

    Writes OUT/reports/la/<code>-<name>-<year>.pdf.

    Example:  carestats report --area E10000016 --out build
    """
    from carestats.pipeline.build import render_only

    settings = _settings(out=out, jobs=1)
    made = render_only(settings.out, _reporter(), settings, areas=[area.strip().upper()], england=False)
    if not STATE["quiet"]:
        typer.echo(f"wrote {made[0]}")


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Folder of the earlier release files (or the only folder).")],
    new: Annotated[Optional[Path], typer.Argument(help="Folder of the later release files.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV files and summary.")] = Path("build/diff"),
) -> None:
    """Show what changed between two sets of release files: revised values, areas, renamed columns.

    With one folder, compares each release in it with the previous release for the same years.
    Writes revisions.csv/.parquet, areas.csv, renamed_columns.csv and summary.md to --out.

    Example:  carestats diff data/cla/2024_release data/cla/2025_release
    """
    from carestats.pipeline import diff as d
    from carestats.indicators.registry import load_indicators

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
    d.write(out, revised, areas, renamed)
    lines = d.summary(revised, areas, renamed, titles)
    (out / "summary.md").write_text("# What changed\n\n" + "\n".join(f"- {x}" for x in lines) + "\n",
                                    encoding="utf-8")
    if not STATE["quiet"]:
        for line in lines:
            typer.echo(line)
        typer.echo(f"details in {out}/")


@app.command()
def docs(write: Annotated[bool, typer.Option("--write", help="Rewrite the stale files.")] = False) -> None:
    """Check (or, with --write, regenerate) docs/indicators.md and docs/cli.md.

    Exit status 1 when a generated file is out of date and --write was not given.

    Example:  carestats docs --write
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
    """List every indicator: id, theme, unit and title.

    Example:  carestats indicators list
    """
    from carestats.indicators.registry import load_indicators

    for ind in load_indicators():
        typer.echo(f"{ind.id:<40} {ind.theme:<18} {ind.unit:<16} {ind.title}")


@indicators_app.command("new")
def indicators_new(
    indicator_id: Annotated[str, typer.Argument(help="The new indicator's id: lower case, digits, underscores.")],
    folder: Annotated[Optional[Path], typer.Option("--dir", help="Where to write it. Default: the first "
                                                   "[paths] indicators folder of carestats.toml.")] = None,
) -> None:
    """Write a commented starting file for a new indicator of your own.

    Example:  carestats indicators new my_starters --dir my_indicators
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

    Example:  carestats indicators show cla_rate_per_10k
    """
    from carestats.core.errors import ConfigError
    from carestats.indicators.registry import load_indicators

    found = {i.id: i for i in load_indicators()}
    if indicator_id not in found:
        raise ConfigError(f"no indicator {indicator_id!r}", "`carestats indicators list` shows the ids")
    ind = found[indicator_id]
    for key in ("id", "title", "theme", "unit", "polarity", "decimals", "definition", "numerator",
                "denominator", "method", "method_note"):
        typer.echo(f"{key}: {getattr(ind, key)}")
    typer.echo(f"sources: {', '.join(ind.sources)}")
    typer.echo(f"source_files: {', '.join(ind.source_files)}")
    typer.echo("query:")
    typer.echo(ind.sql)


INTERRUPTED = "Interrupted; previous outputs are unchanged."


def _terminated(signum, frame) -> None:  # type: ignore[no-untyped-def]
    raise KeyboardInterrupt  # SIGTERM (a CI job cancelled, `kill`) stops a build as Ctrl-C does


def main() -> None:
    """The `carestats` command: runs one command and ends the process."""
    signal.signal(signal.SIGTERM, _terminated)
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
    except Exception as exc:  # an unexpected failure: one line, the traceback only with --debug
        if debug:
            raise
        print(f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "— re-run with --debug for the traceback and report it", file=sys.stderr)
        sys.exit(1)
