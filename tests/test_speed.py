"""Speed: the data stages do less work for the same result (benchmarks/run.py measures the time itself)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from carestats.warehouse import db as warehouse


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "systmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


class Counting:
    """A connection that counts the transactions begun and committed on it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.begun, self.committed = con, 0, 0

    def begin(self):  # type: ignore[no-untyped-def]
        self.begun += 1
        return self.con.begin()

    def commit(self):  # type: ignore[no-untyped-def]
        self.committed += 1
        return self.con.commit()

    def execute(self, sql: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert sql.strip().lower() not in ("begin", "commit", "begin transaction")
        return self.con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.con, name)


def table(n: int, **cols: list[str]) -> pa.Table:
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()}
                    | {"_line": pa.array(range(2, n + 2), pa.int32())})


def counting_commits(store: warehouse.RawStore) -> tuple[Counting, set[str]]:
    """The store's connection swapped for one that counts its transactions, and the names of the threads
    that commit on it."""
    import threading

    counting = Counting(store.con)  # type: ignore[arg-type]
    threads: set[str] = set()
    commit = counting.commit

    def on_thread():  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return commit()

    counting.commit = on_thread  # type: ignore[method-assign]
    store.con = counting  # type: ignore[assignment]
    return counting, threads


def test_the_raw_store_commits_on_the_writer_thread_every_so_many_rows(tmp_path: Path, private_tmp: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warehouse, "COMMIT_ROWS", 4)
    store = warehouse.RawStore()
    counting, threads = counting_commits(store)
    for i in range(5):
        store.add(f"t{i % 2}", table(2, a=[f"{i}a", f"{i}b"]))
    store.flush()
    # inputs of 2 rows: committed after the 2nd and the 4th, beside the reading of the next input, not at
    # hand_over (not once per input either: a commit is a write to disk)
    assert (counting.begun, counting.committed) == (3, 2) and threads == {"carestats-raw-store"}
    store.hand_over(tmp_path / "w.duckdb")
    assert counting.committed == 3  # only the last input's rows were left for the build's taking over
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute('select a from raw.t0 order by rowid').fetchall() == [
            ("0a",), ("0b",), ("2a",), ("2b",), ("4a",), ("4b",)]
    finally:
        con.close()


def test_a_part_read_back_mid_ingest_is_that_inputs_rows_and_later_inputs_still_go_in(private_tmp: Path) -> None:
    store = warehouse.RawStore()
    store.add("t", table(2, a=["1", "2"]))
    assert store.tables("t")[0].column("a").to_pylist() == ["1", "2"]  # committed: rowids are the table's own
    store.add("t", table(1, b=["x"], a=["3"]))  # a later input, with a column of its own, after the read
    store.add("t", table(1, a=["4"]))
    parts = store.tables("t")
    assert [p.column_names for p in parts] == [["a", "_line"], ["b", "a", "_line"], ["a", "_line"]]
    assert [p.column("a").to_pylist() for p in parts] == [["1", "2"], ["3"], ["4"]]
    assert store._open().execute('select b from raw.t order by rowid').fetchall() == [(None,), (None,), ("x",), (None,)]
    store.close()


def test_inputs_are_written_in_order_while_the_next_are_read_up_to_a_number_of_bytes(
        private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    store = warehouse.RawStore()
    release, written = threading.Event(), []
    write = warehouse.RawStore._write

    def slow(self, name, table, *args):  # type: ignore[no-untyped-def]
        assert threading.current_thread() is not threading.main_thread()
        release.wait(10)
        write(self, name, table, *args)
        written.append(table.column("a").to_pylist())

    monkeypatch.setattr(warehouse.RawStore, "_write", slow)
    monkeypatch.setattr(warehouse, "WRITE_AHEAD_BYTES", 1 << 20)
    store.add("t", table(2, a=["1", "2"]))
    store.add("t", table(1, a=["3"]))  # within the bytes allowed ahead: does not wait for the first write
    assert written == [] and [p.rows for p in store.parts] == [2, 1]
    monkeypatch.setattr(warehouse, "WRITE_AHEAD_BYTES", 0)
    third = threading.Thread(target=store.add, args=("t", table(1, a=["4"])))
    third.start()
    third.join(0.5)
    assert third.is_alive() and written == []  # beyond them: waits until the earlier inputs are written
    release.set()
    third.join(10)
    assert written[:2] == [["1", "2"], ["3"]]  # one after another, in the order added
    assert [p.column("a").to_pylist() for p in store.tables("t")] == [["1", "2"], ["3"], ["4"]]
    assert written == [["1", "2"], ["3"], ["4"]]
    store.close()


def test_a_write_that_fails_on_the_writer_thread_fails_the_next_add_or_flush(private_tmp: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store = warehouse.RawStore()

    def broken(self, *args):  # type: ignore[no-untyped-def]
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(warehouse.RawStore, "_write", broken)
    store.add("t", table(1, a=["1"]))
    with pytest.raises(duckdb.IOException, match="disk full"):
        store.add("t", table(1, a=["2"]))
    store.add("u", table(1, a=["3"]))
    with pytest.raises(duckdb.IOException, match="disk full"):
        store.flush()
    store.flush()  # raised once
    store.close()


def test_a_build_without_reports_never_imports_pandas(tmp_path: Path, raw_dir: Path) -> None:
    """pyarrow imports pandas on the first pa.array, pa.scalar or to_numpy: the data stages make their arrays
    without them (core/arrays.py), which saves a build the 0.15 s of CPU time pandas takes to import."""
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    raw = tmp_path / "raw"
    synth.generate(raw_dir, raw, 1, only=["cla/2025_release/cla_number_and_rate_per_10k_children.csv",
                                          "ons_mid-year_population_estimates_*.csv"])
    script = ("import runpy, sys\n"
              f"sys.argv = ['carestats', '-q', 'build', '--no-reports', '--raw', {str(raw)!r}, '--out', "
              f"{str(tmp_path / 'out')!r}]\n"
              "try:\n    runpy.run_module('carestats', run_name='__main__')\n"
              "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
              "print('pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "exports" / "carestats_indicators.xlsx").is_file()
    assert done.stdout.split() == ["False"]


def books(tmp_path: Path, n: int) -> list[Path]:
    import openpyxl

    out = []
    for i in range(n):
        book = openpyxl.Workbook()
        book.active.title = f"S{i}"
        book.active.cell(1, 1, f"book {i}")
        out.append(tmp_path / f"b{i}.xlsx")
        book.save(out[-1])
    return out


def test_workbooks_open_on_a_worker_thread_no_more_than_so_many_ahead(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from carestats.ingest import workbooks

    paths = books(tmp_path, 4)
    opened: list[tuple[str, str]] = []
    real = workbooks._open_file

    def spy(path: Path):  # type: ignore[no-untyped-def]
        opened.append((path.name, threading.current_thread().name))
        return real(path)

    monkeypatch.setattr(workbooks, "_open_file", spy)
    assert workbooks.Prefetch([]).ahead == workbooks.AHEAD == 3  # the build's: side-by-side ODS files
    ahead = workbooks.Prefetch([tmp_path / "a.csv", *paths], ahead=2)
    ahead.pending[paths[0]].result()
    ahead.pending[paths[1]].result()
    assert [n for n, _ in opened] == ["b0.xlsx", "b1.xlsx"]  # only the first two, before they are asked for
    assert all(thread.startswith("carestats-workbooks") for _, thread in opened)
    for i, path in enumerate(paths):
        book = ahead.open(path, path.read_bytes())
        assert book.sheet_names == [f"S{i}"]
        assert len(ahead.pending) <= 2
    assert [n for n, _ in opened] == ["b0.xlsx", "b1.xlsx", "b2.xlsx", "b3.xlsx"]


def test_a_workbook_opened_ahead_is_used_only_for_the_same_bytes(tmp_path: Path) -> None:
    import fastexcel

    from carestats.ingest import workbooks

    first, second = books(tmp_path, 2)
    ahead = workbooks.Prefetch([first])
    ahead.pending[first].result()
    assert ahead.open(first, second.read_bytes()).sheet_names == ["S1"]  # the file changed: its bytes now
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated zip")
    ahead = workbooks.Prefetch([broken])
    with pytest.raises(fastexcel.FastExcelError):  # the error of opening it here, as read_workbook reports it
        ahead.open(broken, broken.read_bytes())


def test_bench_only_measures_the_ingest_target_without_a_full_build(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    bench_dir = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench_dir))
    import run as bench  # type: ignore[import-not-found]
    from measure import Measurement  # type: ignore[import-not-found]

    measured: list[tuple[str, list[str]]] = []

    def measure(self, name, what, cmd, prepare=None, timeout=None):  # type: ignore[no-untyped-def]
        measured.append((name, cmd))
        self.results[name] = Measurement(name, what)
        return self.results[name]

    monkeypatch.setattr(bench.Bench, "measure", measure)
    raw = tmp_path / "raw"
    raw.mkdir()
    assert bench.main(["--raw", str(raw), "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"),
                       "--only", "ingest_compute,bare_scan"]) == 0
    assert [n for n, _ in measured] == ["ingest_compute", "bare_scan"]
    assert "--no-reports" in measured[0][1] and measured[1][1][0] == sys.executable
    with pytest.raises(SystemExit):
        bench.main(["--raw", str(raw), "--out", str(tmp_path / "out"), "--only", "full_cold_build"])


def test_the_staging_views_are_made_in_one_commit_and_a_bad_one_leaves_the_warehouse_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from carestats.core.errors import QueryError
    from carestats.warehouse import staging

    con = warehouse.connect(tmp_path / "w.duckdb")
    counting = Counting(con)
    missing = staging.build_staging(counting)  # type: ignore[arg-type]
    assert (counting.begun, counting.committed) == (1, 1)  # not one commit per statement
    views = staging.load_staging()
    assert missing and set(missing) <= {v.id for v in views}  # no inputs: the raw tables are made empty
    made = {r[0] for r in con.execute("select view_name from duckdb_views() where schema_name = 'staging'").fetchall()}
    assert made == {v.id for v in views}

    fresh = warehouse.connect(tmp_path / "v.duckdb")
    good = views[0]
    bad = staging.StagingView(id="stg_broken", description="", raw=("brand_new_raw",), columns=("x",),
                              measures=(), path=good.path, sql="select no_such_column from raw.brand_new_raw")
    monkeypatch.setattr(staging, "load_staging", lambda: [good, bad])
    with pytest.raises(QueryError):
        staging.build_staging(fresh)
    left = fresh.execute("select schema_name, table_name from duckdb_tables() union all "
                         "select schema_name, view_name from duckdb_views() where not internal").fetchall()
    assert left == []  # neither the first view nor the raw tables made for either


def one_table_raw(tmp_path: Path) -> Path:
    """An input folder of one EES file of one row: a build's every stage, in a second."""
    raw = tmp_path / "raw"
    (raw / "r").mkdir(parents=True)
    (raw / "r" / "my_counts.csv").write_text(
        "time_period,time_identifier,geographic_level,country_code,country_name,n\n"
        "2025,Reporting year,National,E92000001,England,5\n", encoding="utf-8")
    return raw


def test_the_areas_and_neighbour_sets_are_made_while_the_indicators_are_computed(
        tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from carestats.indicators import compare, compute
    from carestats.ingest import neighbours
    from carestats.pipeline import build

    raw = one_table_raw(tmp_path)
    computing = threading.Event()
    seen: dict[str, object] = {}
    real_reference, real_compute, real_compare = neighbours.load_reference, compute.compute_all, compare.write_comparisons

    def reference(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["thread"] = threading.current_thread().name
        seen["while computing"] = computing.wait(60)
        return real_reference(*args, **kwargs)

    def computed(*args, **kwargs):  # type: ignore[no-untyped-def]
        computing.set()
        return real_compute(*args, **kwargs)

    def comparisons(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["areas before compare"] = con.execute("select count(*) from areas").fetchone()[0]
        return real_compare(con, *args, **kwargs)

    monkeypatch.setattr(neighbours, "load_reference", reference)
    monkeypatch.setattr(compute, "compute_all", computed)
    monkeypatch.setattr(compare, "write_comparisons", comparisons)
    build.run(build.BuildOptions(raw=raw, out=tmp_path / "out", reports=False))
    assert seen == {"thread": "carestats-reference_0", "while computing": True, "areas before compare": 1}


def test_the_value_exports_are_written_on_a_second_thread_while_the_comparisons_are_made(
        tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from carestats.indicators import compare
    from carestats.pipeline import build

    raw = one_table_raw(tmp_path)
    exporting = threading.Event()
    where: dict[str, bool] = {}
    real_exports, real_compare = build.write_analyst_exports, compare.write_comparisons

    def exports(*args, **kwargs):  # type: ignore[no-untyped-def]
        where["exports on the main thread"] = threading.current_thread() is threading.main_thread()
        exporting.set()
        return real_exports(*args, **kwargs)

    def comparisons(*args, **kwargs):  # type: ignore[no-untyped-def]
        where["comparisons on the main thread"] = threading.current_thread() is threading.main_thread()
        assert exporting.wait(60), "the exports did not start while the comparisons waited"
        return real_compare(*args, **kwargs)

    monkeypatch.setattr(build, "write_analyst_exports", exports)
    monkeypatch.setattr(compare, "write_comparisons", comparisons)
    out = tmp_path / "out"
    build.run(build.BuildOptions(raw=raw, out=out, reports=False))
    assert where == {"exports on the main thread": False, "comparisons on the main thread": True}
    assert sorted(p.name for p in (out / "exports").iterdir() if p.is_file()) == [
        "carestats_indicators.xlsx", "comparisons.csv", "comparisons.parquet", "indicator_values.csv",
        "indicator_values.parquet"]


def test_queries_in_parallel_come_back_in_order_and_a_failure_in_its_turn(tmp_path: Path) -> None:
    import threading
    import time

    con = warehouse.connect(None)
    started: list[int] = []
    yielded: list[int] = []
    names: set[str] = set()

    def job(k: int):  # type: ignore[no-untyped-def]
        def run(cursor):  # type: ignore[no-untyped-def]
            assert cursor is not con
            started.append(k)
            names.add(threading.current_thread().name)
            time.sleep(0.02 * (k % 3))  # later jobs may finish first
            if k == 7:
                raise ValueError("job 7")
            return cursor.execute("select $k * 2", {"k": k}).fetchone()[0]
        return run

    try:
        got = warehouse.in_parallel(con, [job(k) for k in range(10)])
        with pytest.raises(ValueError, match="job 7"):
            for value in got:
                yielded.append(value)
                assert max(started) <= len(yielded) + 1  # never more than two jobs ahead of the one yielded
        assert yielded == [0, 2, 4, 6, 8, 10, 12]
        assert len(names) == 2 and all(n.startswith("carestats-query") for n in names)
        assert list(warehouse.in_parallel(con, [job(k) for k in range(3)], threads=2)) == [0, 2, 4]
    finally:
        con.close()


def test_the_stage_timer_names_functions_the_build_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/stages.py times a build stage by stage: each function it times must exist."""
    import importlib

    bench_dir = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench_dir))
    import stages  # type: ignore[import-not-found]

    for module, name, _ in stages.STAGES:
        assert callable(getattr(importlib.import_module(module), name, None)), f"{module}.{name}"
    rows = stages.table({"a": [{"compare": 1.0}, {"compare": 3.0}, {"compare": 2.0}]}).splitlines()
    assert next(r for r in rows if r.startswith("| compare ")).split("|")[2].strip() == "2.00"


def test_a_data_file_is_told_from_an_unrelated_csv_by_its_first_line_alone(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from carestats.pipeline import inputs

    header = b"time_period,time_identifier,geographic_level,country_code,country_name,n\n"
    path = tmp_path / "d.csv"
    path.write_bytes(header + b"2025,Reporting year,National,E92000001,England,5\n" * 5000)
    parsed: list[int] = []
    read_csv = inputs.read_csv

    def spy(path, name, digest, data):  # type: ignore[no-untyped-def]
        parsed.append(len(data))
        return read_csv(path, name, digest, data)

    monkeypatch.setattr(inputs, "read_csv", spy)
    assert inputs._unrelated(path, "d.csv") is False
    assert parsed == [len(header)]  # not the first 64 KiB
    other = tmp_path / "o.csv"
    other.write_bytes(b"name,colour\n" + b"apple,green\n" * 5000)
    parsed.clear()
    assert inputs._unrelated(other, "o.csv") is True
    assert parsed[0] == len(b"name,colour\n") and parsed[1] > inputs.PEEK // 2  # an unclear first line: read on


def test_each_csv_is_read_on_a_worker_thread_while_the_one_before_is_checked(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from carestats.pipeline import inputs

    header = "time_period,time_identifier,geographic_level,country_code,country_name,n\n"
    files = []
    for i in range(3):
        files.append(tmp_path / f"f{i}.csv")
        files[-1].write_text(header + f"2025,Reporting year,National,E92000001,England,{i}\n", encoding="utf-8")
    read = inputs.read_early
    where: list[tuple[str, str]] = []

    def spy(path, name):  # type: ignore[no-untyped-def]
        where.append((path.name, threading.current_thread().name))
        return read(path, name)

    monkeypatch.setattr(inputs, "read_early", spy)
    ahead = inputs.CsvAhead([*files, tmp_path / "book.xlsx"], lambda p: f"raw/{p.name}")
    first = ahead.get(files[0], "raw/f0.csv")
    assert list(ahead.pending) == [files[1]]  # one file ahead, no more
    second = ahead.get(files[1], "raw/f1.csv")
    third = ahead.get(files[2], "elsewhere/f2.csv")  # asked for under another name: read again, so named
    ahead.close()
    assert [f.csv.name for f in (first, second, third)] == ["raw/f0.csv", "raw/f1.csv", "elsewhere/f2.csv"]
    assert first.csv.column(5).to_pylist() == ["0"] and not second.unrelated
    threads = {name: sorted(t.split("_")[0] for n, t in where if n == name) for name in ("f0.csv", "f1.csv", "f2.csv")}
    assert threads["f0.csv"] == ["MainThread"] and threads["f1.csv"] == ["carestats-csv"]
    assert "MainThread" in threads["f2.csv"]  # (its read ahead, under the other name, may have been cancelled)


def test_the_workbook_starts_at_once_beside_the_values_tables(tmp_path: Path, raw_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The XLSX workbook, the build's longest export and its last step, does not wait for the values' CSV
    and Parquet files: they are written on a thread of their own meanwhile."""
    import sys
    import threading

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    from carestats.exports import workbook
    from carestats.indicators import compute
    from carestats.pipeline.build import BuildOptions, run

    raw = tmp_path / "raw"
    synth.generate(raw_dir, raw, 1, only=["cla/2025_release/cla_number_and_rate_per_10k_children.csv",
                                          "ons_mid-year_population_estimates_*.csv"])
    seen: dict[str, str] = {}
    started = threading.Event()
    write_exports, write_xlsx = compute.write_exports, workbook.write_xlsx

    def tables(df, folder, stem):  # type: ignore[no-untyped-def]
        if stem == "indicator_values":
            assert started.wait(30)  # the workbook is under way before the values' tables are done
            seen[stem] = threading.current_thread().name
        return write_exports(df, folder, stem)

    def xlsx(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["xlsx"] = threading.current_thread().name
        started.set()
        return write_xlsx(*args, **kwargs)

    monkeypatch.setattr(compute, "write_exports", tables)
    monkeypatch.setattr(workbook, "write_xlsx", xlsx)
    run(BuildOptions(raw=raw, out=tmp_path / "out", reports=False))
    assert seen["indicator_values"].startswith("carestats-values") and seen["xlsx"] != seen["indicator_values"]
    assert (tmp_path / "out" / "exports" / "indicator_values.csv").is_file()


def test_a_failed_write_skips_the_inputs_queued_behind_it_and_is_raised_once(private_tmp: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    store = warehouse.RawStore()
    release, calls = threading.Event(), []

    def first_fails(self, name, table, *args):  # type: ignore[no-untyped-def]
        calls.append(table.column("a").to_pylist())
        release.wait(10)
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(warehouse.RawStore, "_write", first_fails)
    store.add("t", table(1, a=["1"]))
    store.add("t", table(1, a=["2"]))  # queued behind the first write, which has not failed yet
    release.set()
    with pytest.raises(duckdb.IOException, match="disk full"):
        store.flush()
    assert calls == [["1"]]  # the write after the failed one never ran
    store.flush()  # raised once
    store.close()


def test_the_command_line_keeps_openblas_to_one_thread_unless_the_user_says_otherwise() -> None:
    """NumPy's OpenBLAS threads spin on the cores the build needs: the entry point asks for one, before
    anything loads NumPy (the threads are started then), and a user's own setting is kept."""
    import os
    import subprocess
    import sys

    probe = ("import os, carestats.cli, numpy; "
             "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    setting, threads = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                      check=True).stdout.split()
    assert setting == "1" and threads == "1"
    own = subprocess.run([sys.executable, "-c", probe], env={**env, "OPENBLAS_NUM_THREADS": "2"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert own[0] == "2"


def test_make_setup_leaves_every_module_of_carestats_compiled_to_bytecode() -> None:
    """Where Python may not write its bytecode cache (PYTHONDONTWRITEBYTECODE, as on CI), the editable install
    would leave carestats' modules to be compiled again by every command: `make setup` compiles them."""
    import importlib.util
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if shutil.which("make") is None or not (root / ".venv" / "bin" / "python").exists():
        pytest.skip("needs make and the project's .venv")
    subprocess.run(["make", "-s", "setup"], cwd=root, check=True, capture_output=True)
    stale = []
    for source in sorted((root / "src" / "carestats").rglob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        st = source.stat()
        head = cached.read_bytes()[:16] if cached.exists() else b""
        # a timestamp-checked .pyc records its source's modification time and size (importlib's check)
        if len(head) < 16 or int.from_bytes(head[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF \
                or int.from_bytes(head[12:16], "little") != st.st_size & 0xFFFFFFFF:
            stale.append(source.relative_to(root).as_posix())
    assert not stale, stale


def test_the_store_commits_early_when_asked_if_enough_rows_wait(tmp_path: Path, private_tmp: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """commit_early: a commit queued behind the writes, made on the writer thread only when at least
    EARLY_COMMIT_ROWS rows are uncommitted; the later rows go on into a new transaction."""
    monkeypatch.setattr(warehouse, "EARLY_COMMIT_ROWS", 3)
    store = warehouse.RawStore()
    counting, threads = counting_commits(store)
    store.add("t", table(2, a=["1", "2"]))
    store.commit_early()  # 2 rows wait: fewer than 3, no commit
    store.flush()
    assert counting.committed == 0
    store.add("t", table(1, a=["3"]))
    store.commit_early()  # 3 rows: committed, by the writer
    store.add("u", table(1, a=["4"]))
    store.flush()
    assert (counting.begun, counting.committed) == (2, 1) and threads == {"carestats-raw-store"}
    store.hand_over(tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("select a from raw.t order by rowid").fetchall() == [("1",), ("2",), ("3",)]
        assert con.execute("select a from raw.u").fetchall() == [("4",)]
    finally:
        con.close()


def test_the_ingest_asks_the_store_to_commit_before_each_workbook(tmp_path: Path, private_tmp: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing a workbook is the ingest's slowest read: the rows written before it are committed while it
    is parsed, not left for the end (where the build waits for the commit)."""
    from carestats.ingest import workbooks
    from carestats.pipeline import inputs

    raw = tmp_path / "raw"
    raw.mkdir()
    header = "time_period,time_identifier,geographic_level,country_code,country_name,n\n"
    (raw / "a.csv").write_text(header + "2025,Reporting year,National,E92000001,England,1\n", encoding="utf-8")
    books(raw, 1)
    events: list[str] = []
    early, read = warehouse.RawStore.commit_early, workbooks.read_workbook
    monkeypatch.setattr(warehouse.RawStore, "commit_early",
                        lambda self: (events.append("commit_early"), early(self))[1])
    monkeypatch.setattr(workbooks, "read_workbook", lambda *a, **k: (events.append("workbook"), read(*a, **k))[1])
    result = inputs.read_inputs(raw)
    assert events == ["commit_early", "workbook"]
    assert [f.status for f in result.files if f.name.endswith(".csv")] == ["loaded"]
    result.tables.store.close()  # type: ignore[union-attr]
