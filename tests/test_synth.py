"""benchmarks/synth.py: synthetic release files in the publisher's exact format, scaled ×N, deterministic."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import synth  # noqa: E402

from carestats.cli.commands import app  # noqa: E402

# Three layouts: BOM + CRLF, plain LF with many quoted labels, plain LF with a quoted LA name.
FORMATS = [
    "cla/2024_release/cla_number_and_rate_per_10k_children.csv",
    "cla/2024_release/la_care_leavers_stayput.csv",
    "population/ons_mid-year_population_estimates_2012_to_2024.csv",
]
SMALL = [
    "cla/2025_release/cla_number_and_rate_per_10k_children.csv",
    "population/ons_mid-year_population_estimates_2012_to_2024.csv",
    "cla/2024_release/cla_time_series_1994_2024.csv",
]
GSS = re.compile(r"^E\d{8}$")


def rows(path: Path) -> list[dict]:
    data = path.read_bytes()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def scaled(tmp_path_factory, raw_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("synth") / "x10"
    synth.generate(raw_dir, out, 10, seed=7, only=FORMATS)
    return out


def test_factors_put_as_many_copies_into_areas_as_old_codes_allow() -> None:
    assert synth.factors(1) == (1, 1)
    assert synth.factors(10) == (2, 5)
    assert synth.factors(100) == (20, 5)
    assert synth.factors(7) == (7, 1)
    with pytest.raises(synth.SynthError):
        synth.factors(0)


def test_scale_one_writes_the_files_unchanged(tmp_path: Path, raw_dir: Path) -> None:
    summary = synth.generate(raw_dir, tmp_path, 1, only=FORMATS)
    assert [f["file"] for f in summary["files"]] == sorted(FORMATS)
    for rel in FORMATS:
        assert (tmp_path / rel).read_bytes() == (raw_dir / rel).read_bytes(), rel


def test_scaled_files_keep_the_publishers_format(scaled: Path, raw_dir: Path) -> None:
    for rel in FORMATS:
        old, new = (raw_dir / rel).read_bytes(), (scaled / rel).read_bytes()
        assert new.startswith(b"\xef\xbb\xbf") == old.startswith(b"\xef\xbb\xbf"), rel
        assert new.split(b"\n", 1)[0] == old.split(b"\n", 1)[0], rel  # the same header, byte for byte
        crlf = b"\r\n" in old
        assert new.count(b"\n") == (new.count(b"\r\n") if crlf else len(new.splitlines())), rel
        assert new.endswith(b"\n") == old.endswith(b"\n")
        assert new.startswith(old)  # the original rows come first, unchanged
    # A field the publisher quotes stays quoted in the copies (with the copy's name inside the quotes).
    lines = [
        x for x in (scaled / FORMATS[1]).read_text(encoding="utf-8").splitlines() if "Bristol, City" in x
    ]
    assert len(lines) == 10 * (raw_dir / FORMATS[1]).read_text(encoding="utf-8").count("Bristol, City")
    assert all(re.search(r',"Bristol, City of( \(synthetic \d\))?",', x) for x in lines)


def test_rows_grow_by_years_and_areas(scaled: Path, raw_dir: Path) -> None:
    old, new = rows(raw_dir / FORMATS[0]), rows(scaled / FORMATS[0])
    national = sum(r["geographic_level"] == "National" for r in old)
    assert len(new) == 2 * (national + 5 * (len(old) - national))
    # Labels and symbols are the publisher's; only the areas and years are new.
    assert {r["population_count"] for r in new} == {r["population_count"] for r in old}

    def symbols(table: list[dict], national: bool) -> Counter:
        return Counter(
            r["number"]
            for r in table
            if r["number"] in synth.SYMBOLS and (r["geographic_level"] == "National") == national
        )

    assert symbols(new, True) == Counter({s: 2 * n for s, n in symbols(old, True).items()})
    assert symbols(new, False) == Counter({s: 10 * n for s, n in symbols(old, False).items()})
    span = 2025 - 1994 + 1  # every year in the real inputs, from the time series to the 2025 release
    assert {int(r["time_period"]) for r in new} == {y - k * span for y in range(2020, 2025) for k in (0, 1)}


def test_synthetic_areas_have_valid_distinct_codes(scaled: Path) -> None:
    new = rows(scaled / FORMATS[0])
    las = [r for r in new if r["geographic_level"] == "Local authority"]
    pairs = {(r["new_la_code"], r["old_la_code"], r["la_name"]) for r in las}
    for code, old, _ in pairs:
        assert all(GSS.match(c) for c in code.split(" / ")), code
        assert all(re.fullmatch(r"\d{3}", c) for c in old.split(" / ")), old
    assert len({p[0] for p in pairs}) == len(pairs) == len({p[1] for p in pairs})  # one code, one area
    copy = next(r for r in las if r["new_la_code"] == "E06030001")  # copy 3 of Hartlepool, E06000001
    assert copy["la_name"] == "Hartlepool (synthetic 3)" and copy["region_code"] == "E12030001"
    assert copy["region_name"] == "North East (synthetic 3)"


def test_counts_are_scaled_and_ratios_kept(scaled: Path, raw_dir: Path) -> None:
    old = {(r["time_period"], r["new_la_code"], r["population_count"]): r for r in rows(raw_dir / FORMATS[0])}
    new = rows(scaled / FORMATS[0])
    copy = [r for r in new if r["new_la_code"].startswith("E06010") and r["time_period"] >= "2020"]
    assert len(copy) > 100
    ratios = []
    for r in copy:
        src = old[(r["time_period"], "E0600" + r["new_la_code"][5:], r["population_count"])]
        assert r["rate_per_10000"] == src["rate_per_10000"]  # a rate does not grow with the area
        if src["number"] in synth.SYMBOLS:
            assert r["number"] == src["number"]
            continue
        n, was = int(r["number"]), int(src["number"])  # still a whole number
        assert 0.8 * was - 0.5 <= n <= 1.25 * was + 0.5
        if was > 1000:
            ratios.append(n / was)
    assert ratios and max(ratios) - min(ratios) < 0.002  # one factor for the whole copy


def test_same_seed_same_bytes_other_seed_other_values(tmp_path: Path, raw_dir: Path) -> None:
    one = synth.generate(raw_dir, tmp_path / "a", 4, seed=3, only=[FORMATS[2]])
    synth.generate(raw_dir, tmp_path / "b", 4, seed=3, only=[FORMATS[2]])
    synth.generate(raw_dir, tmp_path / "c", 4, seed=4, only=[FORMATS[2]])
    a, b, c = ((tmp_path / d / FORMATS[2]).read_bytes() for d in "abc")
    assert a == b and a != c and len(a.splitlines()) == len(c.splitlines())
    stamp = (tmp_path / "a" / FORMATS[2]).stat().st_mtime_ns
    again = synth.generate(raw_dir, tmp_path / "a", 4, seed=3, only=[FORMATS[2]])  # cached: nothing rewritten
    assert again["rows_out"] == one["rows_out"] and (tmp_path / "a" / FORMATS[2]).stat().st_mtime_ns == stamp


def test_too_large_a_scale_is_refused(tmp_path: Path, raw_dir: Path) -> None:
    with pytest.raises(synth.SynthError, match="before the year 1000"):
        synth.generate(raw_dir, tmp_path, 1000, only=[FORMATS[2]])


def test_generated_files_pass_check_and_build(tmp_path: Path, raw_dir: Path) -> None:
    data, out = tmp_path / "raw", tmp_path / "out"
    synth.generate(raw_dir, data, 6, seed=7, only=SMALL)
    runner = CliRunner()
    checked = runner.invoke(app, ["check", "--raw", str(data)])
    assert checked.exit_code == 0, checked.output
    assert "3 data files pass, 0 fail" in checked.output and "0 error(s)" in checked.output
    built = runner.invoke(app, ["build", "--raw", str(data), "--out", str(out), "--no-reports"])
    assert built.exit_code == 0, built.output

    import polars as pl

    values = pl.read_parquet(out / "indicators" / "indicator_values.parquet")
    cla = values.filter(pl.col("indicator_id") == "cla_count")
    published = {
        (int(r["time_period"]), r["new_la_code"]): r["children_count"]
        for r in rows(data / SMALL[0])
        if r["geographic_level"] == "Local authority"
        and r["population_type"] == "Children looked after on 31 March each year"
    }
    got = {
        (r["time_period"], r["area_code"]): r
        for r in cla.iter_rows(named=True)
        if r["geographic_level"] == "Local authority"
    }
    assert set(got) == set(published)  # every synthetic authority and year, and nothing else
    for key, cell in published.items():
        row = got[key]
        assert (row["status"] == cell) if cell in synth.SYMBOLS else (row["value"] == float(cell)), key
    assert {k[0] for k in got} == {2021, 2022, 2023, 2024, 2025, 1989, 1990, 1991, 1992, 1993}
