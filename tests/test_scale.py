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

from carestats.pipeline.build import BuildOptions, run
from carestats.pipeline.inputs import read_inputs
from carestats.warehouse import db as warehouse

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
        # once written (each is written while the next file is read), every table stored before this one
        # is gone: no more than one file's rows held by the store at a time
        self.flush()
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


# ---- writers that work a slice at a time give the bytes of writing at once ----------------------------------------

def value_frame(n: int = 40) -> "pl.DataFrame":
    import polars as pl

    from carestats.indicators.compute import SCHEMA

    rows = []
    for i in range(n):
        ind = ("cla_count", "cla_spend_total", "cla_rate_per_10k")[i % 3]
        period = 2020 + i % 4 if ind != "cla_spend_total" else 202021 + 101 * (i % 4)
        level, code = [("National", "E92000001"), ("Regional", "E12000001"),
                       ("Local authority", f"E06{i:06d}")][i % 3 if i % 5 else 0]
        rows.append({"indicator_id": ind, "time_period": period, "geographic_level": level, "area_code": code,
                     "area_name": f"=area {i} <&>", "breakdown": ("Total", "Male")[i % 2],
                     "value": None if i % 7 == 0 else i * 1.5, "status": "c" if i % 7 == 0 else None,
                     "numerator": float(i), "denominator": None, "release": f"cla-{2024 + i % 2}"})
    return pl.DataFrame(rows, schema=SCHEMA).unique(subset=["indicator_id", "time_period", "geographic_level",
                                                            "area_code", "breakdown"], keep="first",
                                                    maintain_order=True)


def test_csv_export_in_slices_is_the_csv_in_one_go(tmp_path: Path) -> None:
    from carestats.indicators import compute

    df = value_frame()
    compute.write_csv_chunks(df, tmp_path / "sliced.csv", rows=3)
    compute.plain_numbers(compute.excel_safe(df)).write_csv(tmp_path / "whole.csv")
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_xlsx_sheets_in_pieces_are_the_workbook_written_at_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import zipfile

    from carestats.exports import xlsx

    df = value_frame()
    sheets = [("One", df), ("Two", df.head(0)), ("Three", df.tail(7))]
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 4)
    target = xlsx.write_xlsx(sheets, tmp_path / "pieces.xlsx")
    # what the writer did before: every part in memory, each written with writestr
    with zipfile.ZipFile(target) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    assert parts["xl/worksheets/sheet1.xml"] == xlsx.sheet_xml(df)
    assert xlsx.sheet_xml(df).count(b"<row ") == df.height + 1
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=xlsx.ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=xlsx.LEVEL)
    assert target.read_bytes() == buf.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["pieces.xlsx"]  # no scratch left


def test_xlsx_makes_one_sheet_table_at_a_time(tmp_path: Path) -> None:
    from carestats.exports import xlsx

    made: list[weakref.ref] = []

    def sheet():  # type: ignore[no-untyped-def]
        gc.collect()
        assert all(r() is None for r in made)  # the previous sheet's table is gone
        df = value_frame()
        made.append(weakref.ref(df))
        return df

    xlsx.write_xlsx([("A", sheet), ("B", sheet), ("C", sheet)], tmp_path / "x.xlsx")
    assert len(made) == 3


def test_ees_files_made_indicator_by_indicator_are_the_files_made_at_once(tmp_path: Path) -> None:
    import polars as pl

    from carestats.exports import ees
    from carestats.indicators.registry import load_indicators

    indicators = load_indicators()
    df = value_frame()
    geo = pl.DataFrame([{"geographic_level": "Local authority", "country_code": "E92000001", "country_name": "England",
                         "region_code": "E12000001", "region_name": "North East", "new_la_code": "E06000005",
                         "la_name": "Darlington", "old_la_code": "841"}])
    for values in (df, df.sample(fraction=1.0, shuffle=True, seed=3)):  # sorted by indicator, and not
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        written = ees.write(values, indicators, geo, folder)
        expected = ees.to_ees(values, indicators, geo)
        assert sorted(p.name for p in written) == sorted([f"{n}.csv" for n in expected] +
                                                         [f"{n}.meta.csv" for n in expected])
        assert len(expected) == 2
        for name, data in expected.items():
            whole = tmp_path / "whole.csv"
            data.write_csv(whole)
            assert (folder / f"{name}.csv").read_bytes() == whole.read_bytes(), name


def test_judging_in_slices_is_judging_at_once() -> None:
    import polars as pl

    from carestats.indicators import compare

    base = pl.DataFrame({"unit": ["%", "rate per 10,000", "%", "count"] * 5,
                         "polarity": ["higher_is_better", "lower_is_better", "none", "higher_is_better"] * 5,
                         "geographic_level": ["Local authority"] * 19 + ["National"],
                         "value": [float(i) for i in range(20)], "numerator": [float(i) for i in range(20)],
                         "denominator": [100.0 + i for i in range(20)], "england_value": [9.5] * 20,
                         "trend": ["worsening", "improving"] * 10})
    assert compare.judge(base, rows=3).equals(compare.judge(base, rows=1000))
    assert compare.judge(base.head(0), rows=3).height == 0


def test_a_frame_loaded_in_slices_is_the_table_loaded_at_once() -> None:
    df = value_frame()
    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "sliced", df, rows=4)
        warehouse.load_table(con, "main", "whole", df.to_arrow())
        assert con.execute("select * from sliced").fetchall() == con.execute("select * from whole").fetchall()
        assert con.execute("describe sliced").fetchall() == con.execute("describe whole").fetchall()
        warehouse.load_frame(con, "main", "empty", df.head(0))
        assert warehouse.table_columns(con, "main", "empty") == df.columns
    finally:
        con.close()


# ---- compute and compare: past a size, one indicator at a time, with the same tables -------------------------------

def _indicator(id_: str, sql: str = "select 1", unit: str = "%"):  # type: ignore[no-untyped-def]
    from carestats.indicators.registry import Indicator

    return Indicator(id=id_, title=id_, theme="children_in_care", unit=unit, polarity="higher_is_better",
                     decimals=0, definition="", numerator="", denominator="", sources=(), source_files=(),
                     method="published", method_note="", headline=False, order=1, path=Path(f"{id_}.sql"), sql=sql)


def _rows(con, table: str) -> list:  # type: ignore[no-untyped-def]
    return con.execute(f"select * from {table}").fetchall()  # in the table's own order


def test_compute_one_indicator_at_a_time_gives_the_same_tables(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from carestats.indicators import compute

    df = value_frame(60)
    results = []
    for limit in (10**9, 0):  # all at once; then each indicator on its own
        monkeypatch.setattr(compute, "IN_MEMORY_ROWS", limit)
        con = warehouse.connect(None)
        try:
            # the same rows from two releases, so that `latest` has a choice to make
            both = pl_concat([df, df.with_columns(release=pl_lit("cla-2023"))])
            warehouse.load_table(con, "main", "src", both.to_arrow())
            cols = ", ".join(compute.OUTPUT_COLUMNS)
            # reversed, so the query order is not the final order; ids out of order in the list
            inds = [_indicator(i, f"select {cols} from src where indicator_id = '{i}' order by area_code desc")
                    for i in ("cla_rate_per_10k", "cla_count", "cla_spend_total")]
            values, vintages = compute.compute_all(con, inds)
            results.append((values, vintages, _rows(con, "indicator_values"), _rows(con, "indicator_vintages")))
        finally:
            con.close()
    (v1, g1, tv1, tg1), (v2, g2, tv2, tg2) = results
    assert v1.equals(v2) and g1.equals(g2) and tv1 == tv2 and tg1 == tg2
    assert v1.height == df.height and g1.height == 2 * df.height and set(v1["release"]) == {"cla-2024", "cla-2025"}


def test_comparisons_set_aside_and_ordered_by_indicator_are_the_comparisons_made_at_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from carestats.indicators import compare, compute

    df = value_frame(60).with_columns(numerator=pl_lit(7.0), denominator=pl_lit(50.0))
    inds = [_indicator("cla_count", unit="count"), _indicator("cla_rate_per_10k", unit="rate per 10,000"),
            _indicator("cla_spend_total")]
    results = []
    for limit, batch in ((10**9, 10**5), (0, 7)):  # in memory; then set aside in a temporary table
        monkeypatch.setattr(compare, "IN_MEMORY_ROWS", limit)
        monkeypatch.setattr(compare, "BATCH_ROWS", batch)
        con = warehouse.connect(None)
        try:
            warehouse.load_table(con, "main", "indicator_values", df.to_arrow())
            rows = compare.write_comparisons(con, inds)
            results.append((rows, _rows(con, "comparisons"), con.execute("describe comparisons").fetchall(),
                            compare.build_comparisons(con, inds)))
            tables = con.execute("select table_name from duckdb_tables()").fetchall()
        finally:
            con.close()
        assert (compare.JUDGED_TABLE,) not in tables
    (n1, t1, d1, f1), (n2, t2, d2, f2) = results
    assert n1 == n2 == df.height and t1 == t2 and d1 == d2 and f1.equals(f2)
    assert f1.equals(compute.order(f1))


def pl_concat(frames):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.concat(frames)


def pl_lit(value):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.lit(value)


def test_a_frame_loaded_in_one_transaction_keeps_one_slice_in_memory(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    kept: list[weakref.ref] = []
    to_arrow = pl.DataFrame.to_arrow

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        gc.collect()
        assert all(r() is None for r in kept)  # the previous slice is gone, though not yet committed
        table = to_arrow(self, *args, **kwargs)
        kept.append(weakref.ref(table))
        return table

    monkeypatch.setattr(pl.DataFrame, "to_arrow", spy)
    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "t", value_frame(), rows=5)
        assert con.execute("select count(*) from t").fetchone() == (value_frame().height,)
    finally:
        con.close()
    assert len(kept) > 3
