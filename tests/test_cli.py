from __future__ import annotations

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


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys; from carestats.cli.commands import app; "
            "print(any(m in sys.modules for m in ('polars', 'duckdb', 'weasyprint', 'pyarrow')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


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
