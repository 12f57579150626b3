"""A file that is no known publication is set aside after reading its first lines, whatever its size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from carestats.pipeline.inputs import read_inputs

DATA = ("time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count,"
        "population_estimate,rate_per_10000\n"
        "2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770,12183016,67\n")

PEAK = """
import resource, runpy, sys
sys.argv = ["carestats", "check", "--raw", sys.argv[1]]
try:
    runpy.run_module("carestats", run_name="__main__")
except SystemExit:
    pass
print("peak-kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_kib(raw: Path) -> int:
    res = subprocess.run([sys.executable, "-c", PEAK, str(raw)], capture_output=True, text=True)
    line = next(x for x in res.stdout.splitlines() if x.startswith("peak-kib"))
    return int(line.split()[1])


def _unrelated_csv(path: Path, mib: int) -> None:
    row = b"lad23cd,some text that is not a publication at all,12345,67890,more,columns,here\n"
    block = row * ((1 << 20) // len(row))
    with path.open("wb") as fh:
        fh.write(b"code,label,a,b,c,d,e\n")
        for _ in range(mib):
            fh.write(block)


def test_an_unrelated_csv_is_set_aside_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cla.csv").write_text(DATA, encoding="utf-8")
    _unrelated_csv(tmp_path / "lookup.csv", 2)
    (tmp_path / "lookup.csv").open("ab").write(b"\xff\xfe broken \x00 bytes far down the file\n")
    res = read_inputs(tmp_path)
    by_name = {f.name: f for f in res.files}
    assert by_name["lookup.csv"].status == "unused" and by_name["lookup.csv"].size > 2_000_000
    assert not res.findings  # the bytes far down are never read, so say nothing


@pytest.mark.slow
def test_a_large_unrelated_csv_costs_its_header_not_its_size(tmp_path: Path) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    for raw in (small, big):
        raw.mkdir()
        (raw / "cla.csv").write_text(DATA, encoding="utf-8")
    _unrelated_csv(big / "unrelated.csv", 200)
    base, peak = _peak_kib(small), _peak_kib(big)
    assert peak - base < 64 * 1024, (base, peak)  # under 64 MiB more than without the 200 MiB file
