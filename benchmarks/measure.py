"""Timing a command for the benchmarks: wall and CPU time, peak memory, with a time and memory limit.

The command runs in its own process group. Its memory (the resident set of every process in the group)
is sampled while it runs; past the limit, or past the time limit, the group is killed and the run is
recorded as failed with the reason. CPU time is the user + system time of the command and everything it
waited for, from the kernel's accounting (wait4), so it stays meaningful on a busy machine.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    ok: bool
    error: str = ""


@dataclass
class Measurement:
    name: str
    what: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def wall_s(self) -> float | None:
        return statistics.median(r.wall_s for r in self.runs) if self.ok else None

    @property
    def cpu_s(self) -> float | None:
        return statistics.median(r.cpu_s for r in self.runs) if self.ok else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max(r.peak_rss_mb for r in self.runs) if self.runs else None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "what": self.what,
            "ok": self.ok,
            "median_wall_s": self.wall_s,
            "median_cpu_s": self.cpu_s,
            "peak_rss_mb": self.peak_rss_mb,
            "repetitions": len(self.runs),
            "runs": [asdict(r) for r in self.runs],
            "note": self.note,
        }


def group_rss_bytes(pgid: int) -> int:
    """Resident memory of every process in the group, from /proc."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state (field 3 of stat); pgrp is field 5, rss (pages) field 24
        if int(fields[2]) == pgid:
            total += int(fields[21]) * PAGE
    return total


def run_command(
    cmd: list[str],
    log: Path,
    timeout_s: float,
    mem_limit_mb: float,
    cwd: Path | None = None,
    env: dict | None = None,
    sample_s: float = 0.2,
) -> Run:
    """Run cmd once (output to log) and measure it. The wall time is taken when the process is reaped (the
    main thread waits for it); its memory is sampled every `sample_s` on a second thread, which stops it
    when it goes over a limit. (Polling for the exit every `sample_s` instead rounded every wall time up to
    the next sample: a 0.79 s scan read as 1.01 s.)"""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True
        )
        peak, reason = [0], [""]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                elapsed = time.perf_counter() - start
                rss = group_rss_bytes(proc.pid)
                peak[0] = max(peak[0], rss)
                if not reason[0] and rss > mem_limit_mb * 1e6:
                    reason[0] = f"stopped: memory above the {mem_limit_mb:,.0f} MB limit"
                elif not reason[0] and elapsed > timeout_s:
                    reason[0] = f"stopped: still running after the {timeout_s:,.0f} s limit"
                if reason[0]:
                    _kill_group(proc.pid)
                done.wait(sample_s)

        sampler = threading.Thread(target=sample, name="bench-sampler", daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak, reason = peak[0], reason[0]  # type: ignore[assignment]
    cpu = usage.ru_utime + usage.ru_stime
    peak_mb = max(peak, usage.ru_maxrss * 1024) / 1e6
    if reason:
        return Run(wall, cpu, peak_mb, False, reason)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        return Run(wall, cpu, peak_mb, False, f"exit {proc.returncode}: {tail[0][:300]}")
    return Run(wall, cpu, peak_mb, True)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
