"""Telling the user what is happening: Rich progress on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Reporter:
    def __init__(self, quiet: bool = False, verbose: bool = False, tty: bool | None = None) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.start = time.perf_counter()

    def _emit(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def step(self, text: str) -> None:
        if not self.quiet:
            self._emit(f"[{time.perf_counter() - self.start:5.1f}s] {text}")

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            self._emit(f"        {text}")

    def warn(self, text: str) -> None:
        if not self.quiet:
            self._emit(f"warning: {text}")

    def track(self, items: Iterable[T], label: str, total: int | None = None, every: int = 10) -> Iterator[T]:
        items = list(items)
        total = total if total is not None else len(items)
        if self.quiet or total == 0:
            yield from items
            return
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), transient=True) as bar:
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
