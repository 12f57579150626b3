"""Named points in a build where a test can stop it, the same way on a fast machine and a loaded one.

    CARESTATS_TEST_STOP_AT=after-load            SIGKILL this process on reaching `after-load`
    CARESTATS_TEST_STOP_AT=after-load:SIGTERM    send it that signal instead (SIGINT, SIGTERM, ...)
    CARESTATS_TEST_STOP_AT=after-load:raise      raise Stopped (a failure, for tests in one process)

The build calls checkpoint("name") at each point (pipeline/build.py, reports/render.py); unset, a call
costs one dictionary lookup. Tests find the names by reading those calls, so a new point is tested too.
"""

from __future__ import annotations

import os
import signal

ENV = "CARESTATS_TEST_STOP_AT"


class Stopped(RuntimeError):
    """Raised at the named point when CARESTATS_TEST_STOP_AT asks for `raise`."""


def checkpoint(name: str) -> None:
    """Stop here when CARESTATS_TEST_STOP_AT names this point; otherwise do nothing."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, how = wanted.partition(":")
    if point != name:
        return
    if how == "raise":
        raise Stopped(f"stopped at checkpoint {name!r} ({ENV})")
    sig = getattr(signal, how or "SIGKILL", None)
    if not isinstance(sig, signal.Signals):
        raise ValueError(f"{ENV}={wanted!r}: {how!r} is not a signal name or 'raise'")
    os.kill(os.getpid(), sig)
