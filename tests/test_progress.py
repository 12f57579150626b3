"""The Reporter's messages are `carestats` log records: read here with caplog, printed as before on stderr."""

from __future__ import annotations

import logging
import re

import pytest

from carestats.core import progress
from carestats.core.progress import Reporter


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger("carestats").handlers
            if any(isinstance(f, progress.Installed) for f in h.filters)]


def test_steps_details_and_warnings_are_records_of_the_carestats_logger(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="carestats")
    rep = Reporter(tty=False)
    rep.step("ingest: reading data/raw")
    rep.detail("cla_count")
    rep.warn("a quirk")
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert records == [("carestats", logging.INFO, "ingest: reading data/raw"),
                       ("carestats", logging.DEBUG, "cla_count"),
                       ("carestats", logging.WARNING, "a quirk")]
    assert caplog.messages == ["ingest: reading data/raw", "cla_count", "a quirk"]


def test_a_message_with_a_percent_sign_is_kept_as_written(caplog) -> None:
    Reporter(tty=False).step("50% of 1,234 rows (%s %d)")
    assert caplog.messages == ["50% of 1,234 rows (%s %d)"]


@pytest.mark.parametrize(("flags", "shown"), [
    ({}, ["[  0.0s] step", "warning: careful"]),
    ({"verbose": True}, ["[  0.0s] step", "        detail", "warning: careful"]),
    ({"quiet": True}, []),
    ({"quiet": True, "verbose": True}, []),
])
def test_quiet_and_verbose_decide_what_stderr_shows_in_todays_words(flags, shown, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="carestats")
    rep = Reporter(tty=False, **flags)
    rep.step("step")
    rep.detail("detail")
    rep.warn("careful")
    err = capsys.readouterr().err.splitlines()
    assert [re.sub(r"\d+\.\ds", "0.0s", line) for line in err] == shown
    assert caplog.messages == ["step", "detail", "careful"]  # the records exist whatever is shown


def test_steps_carry_the_time_since_the_reporter_started(capsys, monkeypatch) -> None:
    clock = iter([100.0, 112.34])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    Reporter(tty=False).step("compute: 57 indicators")
    assert capsys.readouterr().err == "[ 12.3s] compute: 57 indicators\n"


def test_plain_progress_lines_off_a_terminal(caplog) -> None:
    caplog.set_level(logging.INFO, logger="carestats")
    rep = Reporter(tty=False)
    assert list(rep.track(range(25), "reports")) == list(range(25))
    assert caplog.messages == ["reports: 10/25", "reports: 20/25", "reports: 25/25"]
    caplog.clear()
    assert list(Reporter(quiet=True, tty=False).track(range(3), "reports")) == [0, 1, 2]
    assert list(rep.track([], "nothing")) == []
    assert caplog.messages == []  # quiet, or nothing to do: no progress lines


def test_a_terminal_gets_rich_handler_and_a_bar_then_one_line(caplog, capsys) -> None:
    from rich.logging import RichHandler

    caplog.set_level(logging.INFO, logger="carestats")
    rep = Reporter(tty=True)
    assert isinstance(rep.handler, RichHandler) and rep.console is not None
    assert list(rep.track(range(5), "reports")) == list(range(5))
    assert caplog.messages == ["reports: 5 done"]
    assert "reports: 5 done" in capsys.readouterr().err
    assert not isinstance(Reporter(tty=True, quiet=True).handler, RichHandler)  # quiet: no console at all


def test_each_reporter_replaces_the_handler_of_the_one_before(capsys) -> None:
    Reporter(tty=False)
    Reporter(tty=True)
    rep = Reporter(tty=False)
    assert _ours() == [rep.handler]
    rep.step("once")
    assert capsys.readouterr().err.count("once") == 1


def test_other_code_logging_to_carestats_reads_the_same_way(capsys) -> None:
    Reporter(tty=False)
    logging.getLogger("carestats.pipeline").warning("from a module")
    logging.getLogger("carestats.pipeline").info("plain")
    assert capsys.readouterr().err.splitlines() == ["warning: from a module", "plain"]
