"""Faults of the machine, not of carestats, get a plain line: permission, a full disk, an interruption in
any stage. "Unexpected … report it" is left for real bugs."""

from __future__ import annotations

import errno
import subprocess
import sys

import pytest

from carestats.cli.commands import _environment_fault


def run_entry(body: str) -> subprocess.CompletedProcess:
    """The real entry point, with the command replaced by `body` (the code of a function `app`)."""
    code = ("import errno, os, signal, sys, time; import carestats.cli.commands as cli\n"
            f"def app():\n    {body}\n"
            "cli.app = app; sys.argv = ['carestats']; cli.main()")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_no_write_permission_names_the_folder_and_what_to_do(tmp_path) -> None:
    missing = tmp_path / "out" / "reports"
    msg = _environment_fault(PermissionError(errno.EACCES, "Permission denied", str(missing)))
    assert msg == f"cannot write to {missing}: permission denied — choose another --out, or make it writable"
    res = run_entry(f"raise PermissionError(errno.EACCES, 'Permission denied', {str(missing)!r})")
    assert res.returncode == 1
    assert res.stderr.strip() == f"Error: {msg}"


def test_a_full_disk_says_so() -> None:
    res = run_entry("raise OSError(errno.ENOSPC, 'No space left on device', '/data/build/x.pdf')")
    assert res.returncode == 1
    assert res.stderr.strip().startswith("Error: no space left on the disk holding /data/build/x.pdf — free some")
    assert "unexpected" not in res.stderr


@pytest.mark.parametrize("error", ["RuntimeError('Query interrupted')", "KeyboardInterrupt()"])
def test_ctrl_c_in_any_stage_is_an_interruption_even_when_a_library_reports_it_as_its_own_error(error) -> None:
    # DuckDB turns Ctrl-C during a query into an error of its own; the signal is what counts
    res = run_entry(f"try:\n        os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n"
                    f"    except KeyboardInterrupt:\n        raise {error}")
    assert res.returncode == 130, res.stderr
    assert res.stderr.strip().endswith("Interrupted; previous outputs are unchanged.")
    assert "unexpected" not in res.stderr


def test_a_real_bug_is_still_reported_as_one() -> None:
    res = run_entry("raise RuntimeError('Query interrupted')")  # no signal: this is a bug, not a stop
    assert res.returncode == 1 and "unexpected RuntimeError" in res.stderr and "report it" in res.stderr


def test_other_os_errors_are_not_dressed_up() -> None:
    assert _environment_fault(OSError(errno.EIO, "Input/output error", "/x")) is None
