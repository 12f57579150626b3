"""Scaling: ingest keeps one file's rows in memory at a time, and the build stays within bounded memory.

These tests check the mechanisms (file-by-file loading into DuckDB, DuckDB's memory cap and spill folder,
chunked writers), never a time: benchmarks/run.py measures time and memory at 1×, 10× and 100×.
"""

from __future__ import annotations

import gc
import tempfile
import weakref
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from carestats import warehouse
from carestats.build import BuildOptions, run
from carestats.ingest import read_inputs

GEO = "time_period,time_identifier,geographic_level,country_code,country_name"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ingest stores go to a folder of this test's own (tempfile.gettempdir is where RawStore makes them)."""
    folder = tmp_path / "systmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def drifting_releases(raw: Path) -> None:
    """Two releases of one table: the later adds a column and renames another to a different case."""
    write(raw / "r2024" / "my_counts.csv", f"{GEO},Awaiting_assessment,kept\n"
          "2024,Reporting year,National,E92000001,England,5,a\n2023,Reporting year,National,E92000001,England,4,b\n")
    write(raw / "r2025" / "my_counts.csv", f"{GEO},kept,awaiting_assessment,added\n"
          "2025,Reporting year,National,E92000001,England,c,6,new\n")


def test_ingest_drops_each_files_table_once_it_is_stored(tmp_path: Path, private_tmp: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    for i in range(6):
        write(raw / f"t{i}" / f"table_{chr(97 + i)}.csv", f"{GEO},n\n202{i},Reporting year,National,E92000001,England,{i}\n")
    seen: list[weakref.ref] = []
    add = warehouse.RawStore.add

    def spy(self, name: str, table: pa.Table) -> None:  # type: ignore[no-untyped-def]
        # every table stored before this one is already gone: one file's rows in memory at a time
        gc.collect()
        assert all(r() is None for r in seen)
        seen.append(weakref.ref(table))
        add(self, name, table)

    monkeypatch.setattr(warehouse.RawStore, "add", spy)
    res = read_inputs(raw)
    assert len(seen) == 6 and [f.status for f in res.files] == ["loaded"] * 6
    assert len(res.tables.store.parts) == 6 and not any(isinstance(v, (pa.Table, list, dict)) and v
                                                        for v in vars(res.tables).values())
    assert res.tables["table_c"][0].column("n").to_pylist() == ["2"]  # read back from the store on demand


def test_a_release_that_adds_columns_grows_the_raw_table_as_concatenation_did(tmp_path: Path,
                                                                               private_tmp: Path) -> None:
    raw = tmp_path / "raw"
    drifting_releases(raw)
    res = read_inputs(raw)
    parts = res.tables["my_counts"]
    assert [p.column_names[5:] for p in parts] == [
        ["Awaiting_assessment", "kept", "_release", "_vintage", "_file", "_line"],
        ["kept", "awaiting_assessment", "added", "_release", "_vintage", "_file", "_line"]]
    # what loading the concatenated tables at once gave: DuckDB names the second spelling _1
    old = duckdb.connect()
    old.register("t", pa.concat_tables(parts, promote_options="default"))
    expected = old.execute("create table x as select * from t; select * from x").fetchall()
    expected_cols = [r[0] for r in old.execute("describe x").fetchall()]
    con = res.tables.store.con
    assert warehouse.table_columns(con, "raw", "my_counts") == expected_cols
    assert "awaiting_assessment_1" in expected_cols
    assert con.execute('select * from raw."my_counts"').fetchall() == expected


def test_the_build_takes_over_the_ingest_store_and_leaves_no_scratch(tmp_path: Path, private_tmp: Path) -> None:
    raw = tmp_path / "raw"
    drifting_releases(raw)
    out = tmp_path / "out"
    res = run(BuildOptions(raw=raw, out=out, reports=False))
    assert res.rows == 3
    assert list(private_tmp.iterdir()) == []  # the store's folder went with its file
    assert not any(p.name == warehouse.SPILL_NAME for p in out.rglob("*"))
    con = duckdb.connect(str(out / warehouse.WAREHOUSE_NAME), read_only=True)
    try:
        rows = con.execute('select "Awaiting_assessment", awaiting_assessment_1, added, _release '
                           'from raw.my_counts order by _release, _line').fetchall()
        files = con.execute("select name, rows from meta.input_files order by name").fetchall()
    finally:
        con.close()
    assert rows == [("5", None, None, "ees-2024"), ("4", None, None, "ees-2024"), (None, "6", "new", "ees-2025")]
    assert files == [("r2024/my_counts.csv", 2), ("r2025/my_counts.csv", 1)]


def test_an_unused_ingest_store_is_deleted_and_a_killed_runs_is_swept(tmp_path: Path, private_tmp: Path) -> None:
    stale = private_tmp / "carestats-ingest-999999999-abc"  # no such process
    (stale / "spill").mkdir(parents=True)
    raw = tmp_path / "raw"
    drifting_releases(raw)
    res = read_inputs(raw)
    folder = res.tables.store.folder
    assert not stale.exists() and folder.is_dir()
    del res
    gc.collect()
    assert not folder.exists()


def test_duckdb_memory_is_capped_and_spills_only_where_told(tmp_path: Path) -> None:
    spill = tmp_path / "work" / warehouse.SPILL_NAME
    con = warehouse.connect(tmp_path / "w.duckdb", spill=spill)
    try:
        limit, folder = con.execute("select current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
        with pytest.raises(duckdb.Error):
            con.execute("set temp_directory = '/tmp'")  # the configuration is locked
    finally:
        con.close()
    assert folder == str(spill)
    default = duckdb.connect().execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit != default
