"""Telling the user what is happening, through the standard `logging` module.

Every message is a record of the `carestats` logger: a step at INFO, a detail at DEBUG, a warning at
WARNING. The Reporter installs one handler on that logger (replacing the one an earlier Reporter
installed): Rich's RichHandler on a terminal, where progress bars and messages share one console, and a
plain handler writing lines to stderr otherwise. The handler's level carries the command line's choice:
--quiet shows errors only (the Reporter has none, so nothing), the default shows steps and warnings, and
--verbose adds the details. The logger itself lets every record through, so a test reads them all with
pytest's `caplog`, and an application embedding carestats may add handlers of its own.

The text is the same either way: "[  0.4s] ingest: ...", "        a detail", "warning: ...".
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

LOGGER_NAME = "carestats"
logger = logging.getLogger(LOGGER_NAME)
KIND = "carestats_kind"  # the record attribute saying which Reporter method made it
ELAPSED = "carestats_elapsed"  # seconds since the Reporter started, for a step


class TextFormatter(logging.Formatter):
    """Today's wording: steps with the time since the start, details indented, warnings marked."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        kind = getattr(record, KIND, None)
        if kind == "step":
            text = f"[{getattr(record, ELAPSED, 0.0):5.1f}s] {text}"
        elif kind == "detail":
            text = f"        {text}"
        elif kind == "warn" or (kind is None and record.levelno == logging.WARNING):
            text = f"warning: {text}"
        elif kind is None and record.levelno >= logging.ERROR:
            text = f"error: {text}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Plain lines to whatever sys.stderr is when the message is written (pytest's capsys swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class Installed(logging.Filter):
    """Marks the handler a Reporter installed, so the next Reporter replaces it (and no other)."""


def handler_level(quiet: bool, verbose: bool) -> int:
    return logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO


def install_handler(quiet: bool, verbose: bool, console: Any = None) -> logging.Handler:
    """The `carestats` logger's one handler: RichHandler on `console` when given, plain lines otherwise."""
    handler: logging.Handler
    if console is not None:
        handler = _rich_handler(console)
    else:
        handler = StderrHandler()
    handler.setFormatter(TextFormatter())
    handler.setLevel(handler_level(quiet, verbose))
    for old in [h for h in logger.handlers if any(isinstance(f, Installed) for f in h.filters)]:
        logger.removeHandler(old)
        old.close()
    handler.addFilter(Installed())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.DEBUG)  # every record is made; the handler decides what is shown
    return handler


def _rich_handler(console: Any) -> logging.Handler:
    """RichHandler showing the message alone (the text carries its own time), warnings in yellow."""
    from rich.highlighter import NullHighlighter
    from rich.logging import RichHandler
    from rich.text import Text

    class Handler(RichHandler):
        def render_message(self, record: logging.LogRecord, message: str) -> Text:
            return Text(message, style="yellow" if record.levelno >= logging.WARNING else "")

    return Handler(console=console, show_time=False, show_level=False, show_path=False, markup=False,
                   highlighter=NullHighlighter())


class Reporter:
    def __init__(self, quiet: bool = False, verbose: bool = False, tty: bool | None = None) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.start = time.perf_counter()
        self.console = None
        if self.tty and not quiet:
            from rich.console import Console

            self.console = Console(stderr=True)
        self.handler = install_handler(quiet, verbose, self.console)

    def _log(self, level: int, kind: str, text: str) -> None:
        logger.log(level, text, extra={KIND: kind, ELAPSED: time.perf_counter() - self.start})

    def step(self, text: str) -> None:
        self._log(logging.INFO, "step", text)

    def detail(self, text: str) -> None:
        self._log(logging.DEBUG, "detail", text)

    def warn(self, text: str) -> None:
        self._log(logging.WARNING, "warn", text)

    def track(self, items: Iterable[T], label: str, total: int | None = None, every: int = 10) -> Iterator[T]:
        items = list(items)
        total = total if total is not None else len(items)
        if self.quiet or total == 0:
            yield from items
            return
        if self.console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), transient=True, console=self.console) as bar:
                task = bar.add_task(label, total=total)
                for item in items:
                    yield item
                    bar.advance(task)
            self.step(f"{label}: {total} done")
            return
        for i, item in enumerate(items, 1):
            yield item
            if i % every == 0 or i == total:
                self.step(f"{label}: {i}/{total}")
