"""Files are known by their content alone (queries/recognise.yaml), never by their names."""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from carestats.check.recognise import known_tables, recognise, shapes
from carestats.ingest.csvfile import read_csv
from carestats.pipeline.inputs import read_inputs, table_name

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,new_la_code,la_name,characteristic,breakdown,children_count,children_percent\n")
ROWS = ("2025,Reporting year,National,E92000001,England,,,,,,Location of new placements during the year,"
        "Over 20 miles from home,5,10\n"
        "2025,Reporting year,National,E92000001,England,,,,,,Location of new placements during the year,"
        "Total,50,100\n")


def _recognised(path: Path) -> str | None:
    f = read_csv(path, path.name, "", path.read_bytes())
    return recognise(f.header, f.column).table


def test_every_reference_file_is_recognised_as_the_table_it_was_made_for(raw_dir: Path) -> None:
    known = known_tables()
    seen = set()
    for path in sorted(raw_dir.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            header = next(csv.reader(fh), [])
        if "time_period" not in header:
            continue
        own = table_name(path)
        want = own if own in known else None
        assert _recognised(path) == want, path
        seen.add(want)
    assert known <= seen  # every shape's table is met in the reference files


def test_every_shape_names_a_table_a_staging_view_reads() -> None:
    from carestats.warehouse.staging import load_staging

    read = {t for v in load_staging() for t in v.raw}
    assert {s.table for s in shapes()} <= read
    for s in shapes():
        assert set(s.columns) <= {c for v in load_staging() if s.table in v.raw for c in v.columns}, s


def test_a_publication_saved_as_download_csv_gives_the_same_table(tmp_path: Path) -> None:
    (tmp_path / "download.csv").write_text(HEADER + ROWS, encoding="utf-8")
    res = read_inputs(tmp_path)
    [info] = res.files
    assert (info.status, info.table, info.release) == ("loaded", "la_cla_during_year_new_placements", "cla-2025")


def test_a_file_named_like_a_publication_but_holding_another_is_not_loaded_as_it(tmp_path: Path) -> None:
    (tmp_path / "la_cla_placement_stability.csv").write_text(HEADER + ROWS, encoding="utf-8")
    [info] = read_inputs(tmp_path).files
    assert info.table == "la_cla_during_year_new_placements"


def test_a_browser_copy_beside_the_original_is_one_file(tmp_path: Path) -> None:
    (tmp_path / "la_cla_during_year_new_placements.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (tmp_path / "la_cla_during_year_new_placements (1).csv").write_text(HEADER + ROWS, encoding="utf-8")
    res = read_inputs(tmp_path)
    assert sorted(f.status for f in res.files) == ["duplicate", "loaded"]
    assert [f.table for f in res.files if f.status == "loaded"] == ["la_cla_during_year_new_placements"]
    assert not res.errors


def test_two_different_files_of_one_table_and_period_are_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEADER + ROWS.replace(",5,10", ",6,12"), encoding="utf-8")
    res = read_inputs(tmp_path)
    [err] = res.errors
    assert (err.path, err.line, err.rule) == ("b.csv", 1, "RELEASE-TWICE")
    assert "a.csv" in err.message and "la_cla_during_year_new_placements" in err.message


def test_a_misspelt_column_is_located_in_the_input_not_blamed_on_a_query(tmp_path: Path) -> None:
    (tmp_path / "new_placements.csv").write_text(HEADER.replace("children_percent", "children_percnet") + ROWS,
                                                 encoding="utf-8")
    res = read_inputs(tmp_path)
    [err] = res.errors
    assert (err.path, err.line, err.column, err.rule) == ("new_placements.csv", 1, "children_percnet", "COL-MISSING")
    assert "children_percent" in err.message and "children_percent" in err.hint
    assert res.files[0].status == "invalid"


def test_a_missing_column_of_a_recognised_table_is_located(tmp_path: Path) -> None:
    header = HEADER.replace(",children_percent", "")
    rows = "".join(line.rsplit(",", 1)[0] + "\n" for line in ROWS.splitlines())
    (tmp_path / "x.csv").write_text(header + rows, encoding="utf-8")
    [warn] = read_inputs(tmp_path).findings
    assert (warn.line, warn.column, warn.rule, warn.severity) == (1, "children_percent", "COL-MISSING", "warning")
    assert "no values" in warn.message


def test_an_empty_folder_fails_the_check(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    res = subprocess.run([sys.executable, "-m", "carestats", "check", "--raw", str(tmp_path / "raw")],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "no data files" in res.stdout and "--raw" in res.stdout
    assert "Traceback" not in res.stderr


def test_a_folder_of_unrelated_files_fails_the_check(tmp_path: Path) -> None:
    from carestats.check.report import report

    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "codes.csv").write_text("country_code,country_name\nE92000001,England\n", encoding="utf-8")
    res = read_inputs(tmp_path)
    lines, failed = report(res.files, res.findings)
    assert failed and any(line.startswith("error: no data files: none of the 2 file(s)") for line in lines)
    (tmp_path / "data.csv").write_text(HEADER + ROWS, encoding="utf-8")
    res = read_inputs(tmp_path)
    lines, failed = report(res.files, res.findings)
    assert not failed and not any("no data files" in line for line in lines)


@pytest.mark.slow
def test_renaming_every_input_at_random_gives_the_same_indicators(raw_dir: Path, real_build: Path,
                                                                 tmp_path: Path) -> None:
    """The real files renamed and moved at random build what the files under their own names build (the
    shared `real_build`, tests/conftest.py)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    from carestats.pipeline.build import BuildOptions, run

    rng = random.Random(13)
    files = [p for p in sorted(raw_dir.rglob("*")) if p.is_file()]
    rng.shuffle(files)
    renamed = tmp_path / "renamed"
    for i, src in enumerate(files, 1):
        # a statistical neighbour set whose year is nowhere in its content keeps its name (SN-YEAR)
        keep = src.name if src.parent.name == "geography" and src.name.lower().startswith(("sn_", "new_stat")) \
            else f"f{i:04d}{src.suffix.lower()}"
        dest = renamed / f"d{rng.randrange(4)}" / f"e{rng.randrange(3)}" / keep
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    run(BuildOptions(raw=renamed, out=tmp_path / "b", reports=False))
    for name in ("indicator_values", "comparisons"):
        a = pl.read_parquet(real_build / "indicators" / f"{name}.parquet")
        b = pl.read_parquet(tmp_path / "b" / "indicators" / f"{name}.parquet")
        assert_frame_equal(a, b)


def test_a_file_named_as_a_publication_but_lacking_its_columns_says_which(tmp_path: Path) -> None:
    (tmp_path / "cla_number_and_rate_per_10k_children.csv").write_text(
        "time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count\n"
        "2025,Reporting year,National,E92000001,England,Children,81770\n", encoding="utf-8")
    res = read_inputs(tmp_path)  # absent columns (an older or partial file) are warnings; the rest loads
    assert [(e.line, e.column, e.rule, e.severity) for e in res.findings] == [
        (1, "population_estimate", "COL-MISSING", "warning"), (1, "rate_per_10000", "COL-MISSING", "warning")]
    assert res.files[0].status == "loaded" and res.files[0].table == "cla_number_and_rate_per_10k_children"


def test_the_real_placement_stability_file_with_a_misspelt_column_is_located(raw_dir: Path, tmp_path: Path) -> None:
    """The users' case: children_percnet passed the check and the build blamed cla_3plus_placements_pct.sql."""
    text = (raw_dir / "cla" / "2025_release" / "la_cla_placement_stability.csv").read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    (tmp_path / "la_cla_placement_stability.csv").write_text(
        header.replace("children_percent", "children_percnet") + "\n" + rest, encoding="utf-8")
    res = read_inputs(tmp_path)
    [err] = res.errors
    assert err.format().startswith("la_cla_placement_stability.csv:1:children_percnet: COL-MISSING: ")
    assert ".sql" not in err.format()


def test_metadata_naming_a_column_the_data_lacks_fails(tmp_path: Path) -> None:
    (tmp_path / "placements.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (tmp_path / "placements.meta.csv").write_text(
        "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,filter_grouping_column\n"
        "characteristic,Filter,Characteristic,,,,,\n"
        "breakdown,Filter,Breakdown,,,,,\n"
        "children_count,Indicator,Children,,,0,,\n"
        "children_percent,Indicator,Percent,,%,0,,\n"
        "children_rate,Indicator,Rate,,,0,,\n", encoding="utf-8")
    res = read_inputs(tmp_path)
    assert ("placements.meta.csv", 6, "META-NOT-IN-DATA") in [(e.path, e.line, e.rule) for e in res.errors]


META = ("col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,filter_grouping_column\n"
        "breakdown,Filter,Breakdown,,,,,\n"
        "children_count,Indicator,Children,,,0,,\n"
        "children_percent,Indicator,Percent,,%,0,,\n")


def test_a_metadata_file_is_paired_with_its_data_by_content_whatever_their_names(tmp_path: Path) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "f0001.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (tmp_path / "f0002.csv").write_text(META, encoding="utf-8")
    res = read_inputs(tmp_path)
    meta = {f.name: f for f in res.files}["f0002.csv"]
    assert (meta.status, meta.reason) == ("metadata", "metadata for f0001.csv")
    (tmp_path / "f0002.csv").write_text(META + "children_rate,Indicator,Rate,,,0,,\n", encoding="utf-8")
    res = read_inputs(tmp_path)
    assert ("f0002.csv", 5, "META-NOT-IN-DATA") in [(e.path, e.line, e.rule) for e in res.errors]


def test_another_publication_saved_under_a_known_name_stays_out_of_that_table(raw_dir: Path, tmp_path: Path) -> None:
    """Same columns as placement stability, other content: it must not add rows to what the queries read."""
    shutil.copyfile(raw_dir / "cla" / "2024_release" / "national_cla_pl_count_by_characteristics.csv",
                    tmp_path / "la_cla_placement_stability.csv")
    res = read_inputs(tmp_path)
    [info] = res.files
    assert (info.status, info.table) == ("loaded", "other_la_cla_placement_stability")
    assert "la_cla_placement_stability" not in res.tables


def test_a_file_that_fits_two_tables_equally_is_a_located_error(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from carestats.check import recognise as rec

    two = [rec.Shape("la_cla_during_year_new_placements", ("characteristic", "breakdown"), ()),
           rec.Shape("la_conviction_health_outcome_cla", ("characteristic", "breakdown"), ())]
    monkeypatch.setattr(rec, "shapes", lambda: two)
    (tmp_path / "x.csv").write_text(HEADER + ROWS, encoding="utf-8")
    [err] = read_inputs(tmp_path).errors
    assert (err.path, err.line, err.rule) == ("x.csv", 1, "RECOGNISE")
    assert "la_conviction_health_outcome_cla" in err.message
