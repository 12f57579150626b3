from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from carestats.cli.commands import app

runner = CliRunner()
COMMANDS = [[], ["build"], ["check"], ["ingest"], ["stage"], ["compute"], ["render"], ["indicators"],
            ["indicators", "list"], ["indicators", "show"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "carestats")
def test_help_explains_with_an_example(cmd: list[str]) -> None:
    res = runner.invoke(app, [*cmd, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output


def every_command(group=None, path=()):  # type: ignore[no-untyped-def]
    """(path, command) for the app and each command and group under it, however deep."""
    import typer

    group = group if group is not None else typer.main.get_command(app)
    yield list(path), group
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        yield from every_command(sub, (*path, name))


def examples_of(cmd: list[str]) -> list[str]:
    """The lines under Example(s): in the command's --help on an 80-column terminal."""
    lines = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "80"}).output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")), None)
    if start is None:
        return []
    shown = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        shown.append(line)
    return shown


def test_every_commands_help_shows_each_example_whole_on_a_line_of_its_own() -> None:
    """The examples are a paragraph the help does not re-wrap: each starts with `carestats` and the
    command's own name, fits 80 columns, and names only options the command has (the help once ran
    three examples together and broke one across lines)."""
    checked = 0
    for path, _ in every_command():
        shown = examples_of(path)
        assert shown, path
        options = set(re.findall(r"--[a-z0-9-]+", runner.invoke(app, [*path, "--help"]).output))
        for line in shown:
            example = line.split("  (")[0].strip()  # a note may follow the command in brackets
            assert example.startswith(" ".join(["carestats", *path])) and example.count("carestats") == 1, line
            assert len(line) <= 80, line
            if example.split()[1:len(path) + 1] == path:  # an example of this command, not of one below it
                assert set(re.findall(r"(?<!\S)--[a-z0-9-]+", example)) <= options, line
            checked += 1
    assert checked >= 20
    code = ("import sys; from carestats.cli.commands import app; "
            "print(any(m in sys.modules for m in ('polars', 'duckdb', 'weasyprint', 'pyarrow')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_help_does_not_import_rich_either() -> None:
    """Tables and progress bars import Rich when they draw; --help itself never does."""
    code = ("import sys; from typer.testing import CliRunner; from carestats.cli.commands import app; "
            "CliRunner().invoke(app, ['indicators', 'list', '--help']); CliRunner().invoke(app, ['--help']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'polars', 'duckdb', 'weasyprint'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("args", [["indicators", "list"], ["indicators", "show", "no_such_indicator"],
                                  ["ingest", "--raw", "{empty}", "--out", "{out}"]])
def test_the_command_leaves_its_heap_to_the_system_on_the_way_out(args: list[str], tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.format(empty=tmp_path / "empty", out=tmp_path / "out") for a in args]
    code = ("import atexit, gc, sys; from carestats.cli.commands import main; "
            "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, file=sys.stderr)); "
            f"sys.argv = ['carestats', *{args!r}]; main()")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "frozen True" in res.stderr  # after success and after an error alike
    assert "unexpected" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    if args[0] == "ingest":  # the real entry point reaches the pipeline and its own one-line error
        assert res.returncode == 1 and "Error: no data files found in" in res.stderr


def test_indicators_list_and_show() -> None:
    res = runner.invoke(app, ["indicators", "list"])
    assert res.exit_code == 0 and "cla_count" in res.output
    res = runner.invoke(app, ["indicators", "show", "cla_rate_per_10k"])
    assert res.exit_code == 0 and "denominator:" in res.output


def test_errors_are_one_line_without_traceback(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "carestats", "-q", "build", "--raw", str(tmp_path / "missing"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("Error: ") and "Traceback" not in proc.stderr


def test_ctrl_c_and_sigterm_stop_with_one_line_and_status_130() -> None:
    # typer answers Ctrl-C with a silent exit 130; SIGTERM is turned into the same interruption
    for stop in ("raise SystemExit(130)", "os.kill(os.getpid(), signal.SIGTERM); time.sleep(30)",
                 "raise KeyboardInterrupt"):
        code = ("import os, signal, sys, time; import carestats.cli.commands as cli\n"
                f"def app():\n    {stop}\n"
                "cli.app = app; sys.argv = ['carestats']; cli.main()")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert res.returncode == 130, (stop, res.stderr)
        assert res.stderr.strip() == "Interrupted; previous outputs are unchanged.", (stop, res.stderr)


BOX = set("┏┃┡│└━─")


def test_indicators_list_off_a_terminal_is_one_plain_line_per_indicator() -> None:
    from carestats.indicators.registry import load_indicators

    res = runner.invoke(app, ["indicators", "list"])
    assert res.exit_code == 0
    assert res.output.splitlines() == [f"{i.id:<40} {i.theme:<18} {i.unit:<16} {i.title}" for i in load_indicators()]
    assert not BOX & set(res.output)


def test_indicators_list_and_show_on_a_terminal_are_drawn_by_rich(monkeypatch) -> None:
    from carestats.cli import commands
    from carestats.indicators.registry import load_indicators

    monkeypatch.setattr(commands, "_on_terminal", lambda: True)
    res = runner.invoke(app, ["indicators", "list"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    indicators = load_indicators()
    assert lines[0].strip() == f"{len(indicators)} indicators" and BOX <= set(res.output)
    header = next(line for line in lines if "┃" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")] == ["id", "theme", "unit", "title"]
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert [r[0] for r in rows] == [i.id for i in indicators]  # one row each, in order, ids never wrapped
    assert rows[0][1:] == [indicators[0].theme, indicators[0].unit, indicators[0].title]
    res = runner.invoke(app, ["indicators", "show", "cla_rate_per_10k"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert re.search(r"^denominator +\S", res.output, re.MULTILINE) and "query" in res.output
    assert "from staging." in res.output  # the query, highlighted only where colour is possible


def _two_problem_files(folder) -> None:  # type: ignore[no-untyped-def]
    folder.mkdir()
    (folder / "two_problems.csv").write_text(
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,number\n"
        "2025,Reporting year,Regional,E92000001, England ,Total,North East,5\n", encoding="utf-8")
    (folder / "countries.csv").write_text("country_code,country_name\nE92000001,England\n", encoding="utf-8")


def test_check_summary_off_a_terminal_is_the_plain_lines(tmp_path) -> None:
    _two_problem_files(tmp_path / "raw")
    res = runner.invoke(app, ["check", "--raw", str(tmp_path / "raw")])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[-2:] == ["2 files: 0 data files pass, 1 fail, 1 unused; 2 error(s), 1 warning(s)",
                          "failed: two_problems.csv"]
    assert "unused: countries.csv" in lines[-3] and not BOX & set(res.output)


def test_check_summary_on_a_terminal_is_tables_by_rule_and_totals(tmp_path, monkeypatch) -> None:
    from carestats.cli import commands

    _two_problem_files(tmp_path / "raw")
    monkeypatch.setattr(commands, "_on_terminal", lambda: True)
    res = runner.invoke(app, ["check", "--raw", str(tmp_path / "raw")], env={"COLUMNS": "200"})
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert sum(1 for line in lines if re.match(r"two_problems\.csv:2:\w+: [A-Z-]+: ", line)) == 3  # findings as lines
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert cells == [["GEO-CODE-FORMAT", "error", "1", "1"], ["GEO-TOTAL", "error", "1", "1"],
                     ["LABEL-SPACE", "warning", "1", "1"],
                     ["data files that pass", "0"], ["files that fail", "1"], ["unused files", "1"],
                     ["duplicate files", "0"], ["errors", "2"], ["warnings", "1"]]
    assert "2 files checked" in res.output and lines[-1] == "failed: two_problems.csv"
    assert not any(re.match(r"\d+ files: ", line) for line in lines)  # the plain summary line is the table now
    quiet = runner.invoke(app, ["-q", "check", "--raw", str(tmp_path / "raw")], env={"COLUMNS": "200"})
    assert "LABEL-SPACE" not in quiet.output and "GEO-TOTAL" in quiet.output  # --quiet: errors only
    assert re.search(r"│ warnings +│ +1 │", quiet.output)  # still counted, as in the plain summary


def test_table_cells_are_text_never_rich_markup(capsys) -> None:
    from carestats.cli import commands

    commands._draw_table("t", ["a", "b"], [("[bold]x[/bold]", "[red]")])
    out = capsys.readouterr().out
    assert "[bold]x[/bold]" in out and "[red]" in out
